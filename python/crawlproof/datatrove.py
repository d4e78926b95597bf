"""A datatrove reader step over crawlproof's outputs (datatrove is not a
dependency of crawlproof: `pip install datatrove` to use this module).

    from datatrove.executor import LocalPipelineExecutor
    from crawlproof.datatrove import CrawlproofReader

    LocalPipelineExecutor(pipeline=[CrawlproofReader("out"), ...], tasks=4).run()

`CrawlproofReader(output)` yields one datatrove Document per document of a
run's output folder: from the documents output (`[output] documents = true`:
`shards/documents/*.jsonl.zst`, the final texts) when there is one, else from
the shards (ids decoded with the tokenizer copy in `shards/tokenizer/`, BOS
and EOS left out). Its `metadata` holds the provenance: url, date, lang,
split, the source record (file, offset, length, record_id) or the shard
position, and, with `store=True` (default) and a store beside the shards, the
document's whole account (`metadata["crawlproof"]`, as `crawlproof audit
--json`). With several tasks, task r of n reads every n-th file (documents)
or document (shards).
"""
from __future__ import annotations

import glob
import json
import os

from datatrove.data import Document
from datatrove.pipeline.base import PipelineStep

import crawlproof


class CrawlproofReader(PipelineStep):
    name = "crawlproof reader"
    type = "📖 - READER"

    def __init__(self, output: str, store: bool = True, limit: int = -1):
        super().__init__()
        self.output, self.with_store, self.limit = os.fspath(output), store, limit

    def _store(self):
        path = os.path.join(self.output, "store")
        return crawlproof.Store(path) if self.with_store and os.path.isdir(path) else None

    def _from_documents(self, files, rank, world_size, store):
        import zstandard  # datatrove's own dependency for .zst

        for k, path in enumerate(files):
            if k % world_size != rank:
                continue
            with open(path, "rb") as f, zstandard.ZstdDecompressor().stream_reader(f) as z:
                for line in z.read().decode("utf-8").splitlines():
                    d = json.loads(line)
                    meta = {key: d[key] for key in ("url", "date", "lang", "split", "tokens", "source") if key in d}
                    if store:
                        meta["crawlproof"] = store.audit(d["id"])
                    yield Document(text=d["text"], id=d["id"], metadata=meta)

    def _from_shards(self, rank, world_size, store):
        shards = crawlproof.Shards(os.path.join(self.output, "shards", "manifest.json"))
        tok_dir = os.path.join(self.output, "shards", "tokenizer")
        names = [n for n in os.listdir(tok_dir) if n == "tokenizer.json" or n.endswith(".tiktoken")]
        tok = crawlproof.Tokenizer.from_file(os.path.join(tok_dir, names[0]))
        opts = shards.manifest["options"]
        for i in range(rank, len(shards), world_size):
            d = shards[i]
            ids = d.ids
            if opts.get("bos") is not None:
                ids = ids[1:]
            if opts.get("eos") is not None:
                ids = ids[:-1]
            meta = {"shard": d.shard, "index": d.index, "split": d.split, "provenance": d.provenance}
            if store:
                meta["crawlproof"] = store.audit(d.doc_id)
            yield Document(text=tok.decode(ids), id=d.doc_id, metadata=meta)

    def run(self, data=None, rank: int = 0, world_size: int = 1):
        if data:
            yield from data
        store = self._store()
        files = sorted(glob.glob(os.path.join(self.output, "shards", "documents", "*.jsonl.zst")))
        docs = self._from_documents(files, rank, world_size, store) if files else \
            self._from_shards(rank, world_size, store)
        for n, doc in enumerate(docs):
            if 0 <= self.limit <= n:
                break
            self.stat_update("documents")
            yield doc
