import json

import pytest

import crawlproof
from conftest import cli

datatrove = pytest.importorskip("datatrove")


@pytest.mark.parametrize("source", ["documents", "shards"])
def test_reader_yields_documents_with_provenance(run_dir, manifest, source, tmp_path):
    import shutil

    from crawlproof.datatrove import CrawlproofReader

    out = str(run_dir / "out")
    if source == "shards":  # an output without the documents files: texts decoded from the shards
        shutil.copytree(out, tmp_path / "out", ignore=shutil.ignore_patterns("documents", "LOCK"))
        out = str(tmp_path / "out")
    docs = list(CrawlproofReader(out).run())
    if source == "documents":
        assert all(d.metadata["source"]["record_id"].startswith("<") for d in docs)
        docs.sort(key=lambda d: [s.doc_id for s in crawlproof.Shards(manifest)].index(d.id))
    shards = crawlproof.Shards(manifest)
    assert [d.id for d in docs] == [d.doc_id for d in shards]
    assert all(d.metadata["crawlproof"]["status"] in ("in-shard", "unverified") for d in docs)
    tok = crawlproof.Tokenizer.from_file(str(run_dir / "out" / "shards" / "tokenizer" / "tokenizer.json"))
    for d, s in zip(docs[:20], shards):
        account = json.loads(cli("audit", "--store", out + "/store", "--doc", d.id, "--json").stdout)
        assert d.metadata["crawlproof"] == account
        assert tok.encode(d.text) == s.ids[1:-1].tolist()  # the text the shards hold
    # Two tasks split the documents between them.
    a = [d.id for d in CrawlproofReader(out).run(rank=0, world_size=2)]
    b = [d.id for d in CrawlproofReader(out).run(rank=1, world_size=2)]
    assert sorted(a + b) == sorted(d.id for d in docs) and not set(a) & set(b)
