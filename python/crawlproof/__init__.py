"""crawlproof from Python: the tokenizer, training shards, a run's provenance
store and proof bundles, with the work in crawlproof's C++ core.

    import crawlproof
    tok = crawlproof.Tokenizer.from_file("tokenizer.json")
    ids = tok.encode_batch(texts, threads=8)
    shards = crawlproof.Shards("out/shards/manifest.json")
    doc = shards[12345]            # doc.ids: read-only numpy view of the mapped .bin
    store = crawlproof.Store("out/store")
    store.audit(doc_id=doc.doc_id)  # as `crawlproof audit --json`
    crawlproof.verify_bundle("bundle.json", trust="trust.toml").ok

Errors: FileNotFoundError, ValueError (bad arguments or what a file cannot
hold), OSError, and crawlproof.Error for malformed input or a failed check —
the message names the file, the byte offset where known, and the reason.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterator, List, Optional, Sequence, Union

from . import _core

__all__ = ["Tokenizer", "Shards", "Document", "Store", "verify_bundle", "VerifyResult", "Error", "read_warc",
           "extract", "Record", "run", "InputWarning"]

Error = _core.Error
Tokenizer = _core.Tokenizer
Record = _core.Record


def read_warc(path_or_url: Union[str, os.PathLike], *, check_digests: bool = True,
              errors: str = "warn") -> Iterator[Record]:
    """The records of a WARC (or ARC) file or URL — plain, gzip members, zstd
    frames; http(s):// and s3:// as the CLI reads them — as ``warc index``
    lists them: ``offset``, ``length``, ``type``, ``record_id``,
    ``target_uri``, ``date``, ``content_length``, ``digest_ok``,
    ``headers``, ``header(name)``, ``body`` (bytes; ``body_view`` or
    ``memoryview(record)`` without a copy). Damaged input: with
    errors="warn" (default) a warning names file, offset and reason and
    reading goes on with the next record; "raise" raises crawlproof.Error;
    "ignore" goes on silently. A source that fails (I/O, network) raises."""
    import warnings

    if errors not in ("warn", "raise", "ignore"):
        raise ValueError('errors must be "warn", "raise" or "ignore"')
    records = _core.WarcRecords(os.fspath(path_or_url), check_digests)
    while True:
        try:
            yield next(records)
        except StopIteration:
            return
        except Error as e:
            if errors == "raise" or records.failed:
                raise
            if errors == "warn":
                warnings.warn(str(e), stacklevel=2)


def extract(record: Record, *, all_text: bool = False, min_lang_score: float = 0.5,
            with_reason: bool = False):
    """The document ``crawlproof extract`` makes of a record (a dict: id,
    url, date, title, text, lang, …), or None when the record is no document
    (with ``with_reason=True``: the pair (document or None, skip reason or
    None))."""
    if not isinstance(record, Record):
        raise TypeError(f"extract takes a crawlproof.Record, not {type(record).__name__}")
    text, reason = _core._extract(record, all_text, min_lang_score)
    doc = json.loads(text) if text is not None else None
    return (doc, reason) if with_reason else doc


class Document:
    """One document of the shards: ``ids`` (its sequence exactly as stored,
    BOS and EOS included, a read-only numpy view of the memory-mapped token
    file), ``provenance`` (its sidecar entry: doc_id, offset, length),
    ``doc_id``, ``shard`` (the shard's number) and ``index`` (its place in it)."""

    __slots__ = ("_files", "_n", "_j")

    def __init__(self, files, n: int, j: int):
        self._files, self._n, self._j = files, n, j

    @property
    def ids(self):
        return self._files.ids(self._n, self._j)

    @property
    def provenance(self) -> dict:
        return json.loads(self._files.sidecar(self._n, self._j))

    @property
    def doc_id(self) -> str:
        return self.provenance["doc_id"]

    @property
    def shard(self) -> int:
        return self._files.shard_number(self._n)

    @property
    def index(self) -> int:
        return self._j

    @property
    def split(self) -> str:
        return self._files.shard_split(self._n)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"crawlproof.Document({self.doc_id!r}, shard={self.shard}, index={self._j}, tokens={len(self)})"


class _ShardView(Sequence):
    """The documents of one shard, in order."""

    def __init__(self, files, n: int):
        self._files, self._n = files, n

    def __len__(self) -> int:
        return self._files.shard_len(self._n)

    def __getitem__(self, j):
        if isinstance(j, slice):
            return [self[k] for k in range(*j.indices(len(self)))]
        if not isinstance(j, int):
            raise TypeError(f"shard indices are integers, not {type(j).__name__}")
        if j < 0:
            j += len(self)
        if not 0 <= j < len(self):
            raise IndexError(f"document {j} out of range ({len(self)} in this shard)")
        return Document(self._files, self._n, j)


class Shards(Sequence):
    """The training shards a manifest lists (``shards/manifest.json`` of a
    run, or of ``crawlproof shards build``), as one sequence of documents in
    manifest order: ``len(shards)``, ``shards[i]`` (a :class:`Document`),
    iteration, ``shards.shard(n)[j]`` for shard-local access, ``verify()``.
    Token files are memory-mapped once; ``Document.ids`` never copies."""

    def __init__(self, manifest: Union[str, os.PathLike]):
        path = os.fspath(manifest)
        if os.path.isdir(path):
            path = os.path.join(path, "manifest.json")
        self._files = _core.ShardFiles(path)
        self.manifest_path = path
        self.manifest = json.loads(self._files.manifest_json)

    def __len__(self) -> int:
        return len(self._files)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if not isinstance(i, int):
            raise TypeError(f"document indices are integers, not {type(i).__name__}")
        n, j = self._files.locate(i)
        return Document(self._files, n, j)

    def __iter__(self) -> Iterator[Document]:
        for n in range(self._files.shard_count):
            for j in range(self._files.shard_len(n)):
                yield Document(self._files, n, j)

    @property
    def shard_count(self) -> int:
        return self._files.shard_count

    def shard(self, n: int) -> _ShardView:
        """The n-th shard of the manifest (0-based position, as ``audit --shard``)."""
        if not 0 <= n < self._files.shard_count:
            raise IndexError(f"shard {n} out of range ({self._files.shard_count} shards)")
        return _ShardView(self._files, n)

    @property
    def dtype(self) -> str:
        return self._files.dtype

    def verify(self) -> List[str]:
        """Re-hashes every file the manifest lists and checks each shard's
        structure; the problems found (empty: all good), as `shards verify`."""
        return self._files.verify()

    def to_torch(self):
        """A PyTorch IterableDataset over the documents (needs torch)."""
        from .torch import ShardsDataset

        return ShardsDataset(self)

    def __repr__(self) -> str:
        return f"crawlproof.Shards({self.manifest_path!r}, documents={len(self)}, shards={self.shard_count})"


class Store:
    """A run's provenance store, read-only (without its lock: a run may hold
    it). ``audit(doc_id=…)``, ``audit(url=…)``, ``audit(shard=…, index=…)``,
    ``audit(prompt_id=…)`` give what ``crawlproof audit --store DIR --json``
    prints, as dicts."""

    def __init__(self, path: Union[str, os.PathLike]):
        self._r = _core.StoreReader(os.fspath(path))
        self.path = os.fspath(path)

    def audit(self, doc_id: Optional[str] = None, *, url: Optional[str] = None, shard: Optional[int] = None,
              index: Optional[int] = None, prompt_id: Optional[str] = None) -> Union[dict, List[dict], None]:
        """One document's account (``doc_id``, or ``shard`` with ``index``),
        a prompt's (``prompt_id``), or every document with ``url`` (a list).
        None when the store has no such document or prompt."""
        given = [doc_id is not None, url is not None, shard is not None or index is not None, prompt_id is not None]
        if sum(given) != 1 or (shard is None) != (index is None):
            raise TypeError("audit: give exactly one of doc_id=, url=, shard= with index=, prompt_id=")
        if url is not None:
            return [json.loads(a) for a in (self._r.document(i) for i in self._r.documents_with_url(url)) if a]
        if prompt_id is not None:
            a = self._r.prompt(prompt_id)
            return json.loads(a) if a else None
        if shard is not None:
            if shard < 0 or index < 0:
                raise ValueError("shard and index are 0-based positions")
            doc_id = self._r.at(shard, index)
            if doc_id is None:
                return None
        a = self._r.document(doc_id)
        return json.loads(a) if a else None

    def bundle(self, doc_id: Optional[str] = None, *, prompt_id: Optional[str] = None,
               path: Union[str, os.PathLike, None] = None) -> dict:
        """The proof bundle of a document (or of a prompt: its document's,
        carrying the prompt's account), as ``audit --store DIR --bundle``
        writes it; also written to ``path`` when given. Raises
        FileNotFoundError for an id the store lacks, ValueError when the
        document's source is not verified (no ledger proof)."""
        if (doc_id is None) == (prompt_id is None):
            raise TypeError("bundle: give exactly one of doc_id=, prompt_id=")
        text = self._r.bundle(doc_id, prompt_id)
        if path is not None:
            with open(os.fspath(path), "w", encoding="utf-8") as f:
                f.write(text)
        return json.loads(text)

    def documents(self) -> Iterator[dict]:
        """Every document's account, in key order."""
        for line in self._r.dump("provenance"):
            yield json.loads(line)["value"]

    def runs(self) -> List[dict]:
        return [json.loads(r) for r in self._r.runs()]

    def manifest(self) -> Optional[dict]:
        m = self._r.manifest()
        return json.loads(m) if m else None

    def __repr__(self) -> str:
        return f"crawlproof.Store({self.path!r})"


@dataclass
class VerifyResult:
    """What :func:`verify_bundle` found: ``ok``, the ``steps`` checked (in
    order), the ``error`` of the first that failed (None when ok), and for a
    verified bundle the record's ``path``, ``offset``, ``length``,
    ``record_id``, ``target_uri``, the block ``height`` and its ``signers``."""

    ok: bool
    steps: List[str]
    error: Optional[str] = None
    details: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.ok


def verify_bundle(bundle: Union[str, os.PathLike, dict], trust: Union[str, os.PathLike],
                  record_bytes: Optional[bytes] = None) -> VerifyResult:
    """Verifies a proof bundle offline, as ``crawlproof audit verify``: the
    record leaf, its inclusion path to the file's record root, the file entry
    and its path to the block root, the signatures and quorum of the trust
    file's validators, its pin; with ``record_bytes`` the content too; and
    that the document's account in ``decisions`` (and a prompt's) names the
    very record proven — record id, offset, length, file, URL, date, leaf
    index, digests and the doc id derived from them — so that one record's
    proof never verifies another document. ``details["doc_id"]`` is the
    document bound (None for a bare record bundle, whose ``decisions`` is
    null: it proves a record, not a document).
    ``bundle``: a path or the bundle as a dict; ``trust``: a trust-file path."""
    if isinstance(bundle, dict):
        text = json.dumps(bundle)
    elif isinstance(bundle, (str, os.PathLike)):
        with open(os.fspath(bundle), encoding="utf-8") as f:
            text = f.read()
    else:
        raise TypeError(f"bundle must be a path or a dict, not {type(bundle).__name__}")
    if record_bytes is not None and not isinstance(record_bytes, (bytes, bytearray, memoryview)):
        raise TypeError("record_bytes must be bytes")
    r = _core._verify_bundle(text, os.fspath(trust), None if record_bytes is None else bytes(record_bytes))
    steps, ok, error = r.pop("steps"), r.pop("ok"), r.pop("error")
    return VerifyResult(ok=ok, steps=list(steps), error=error, details=dict(r))


class InputWarning(UserWarning):
    """A run completed, but some of its input could not be read (records
    skipped, source shards quarantined): the stats and report.html say which."""


def _tqdm_progress():
    """A progress function drawing a tqdm bar over the input bytes, or None
    when tqdm is not installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None, None
    state = {}

    def update(p: dict) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(total=p["bytes_total"] or None, unit="B", unit_scale=True,
                                      desc="crawlproof run", leave=True)
        if p["bytes_total"] and bar.total != p["bytes_total"]:
            bar.total = p["bytes_total"]
        bar.update(p["bytes_done"] - bar.n)
        bar.set_postfix_str(f"{p['shards_done']}/{p['shards_total']} shards, {p['documents']} documents, "
                            f"{p['stage']}", refresh=False)
        if p["done"]:
            bar.close()

    def close() -> None:
        if state.get("bar") is not None:
            state["bar"].close()

    return update, close


def run(pipeline: Union[str, os.PathLike], *, progress: Any = None, **overrides: Any) -> dict:
    """Runs a pipeline file as ``crawlproof run PIPELINE.toml`` does (the
    local executor: every stage in this process, on ``workers`` threads) and
    returns its stats — what ``<output>/stats.json`` holds, with
    ``nothing_new`` (True, and only ``name``, ``sources``, ``nothing_new``,
    when every source shard was already done).

    ``overrides`` replace the file's ``name``, ``output``, ``store``,
    ``workers``, ``commit_every`` ([run]), ``paths`` (a path or a list of
    paths and URLs), ``paths_file``, ``prefix``, ``limit`` ([source]),
    ``tokenizer``, and give ``max_shards`` and ``recheck`` as the CLI's
    options do; paths are relative to the working directory. What decides
    which documents are kept ([extract], [filter], [dedup], [tokenize],
    [output], [prompts]) comes from the file only: another value is a
    TypeError.

    ``progress``: a function called (on this thread) with a dict —
    ``shards_done``, ``shards_total``, ``bytes_done``, ``bytes_total``,
    ``documents``, ``elapsed_s``, ``stage``, ``done`` — as the run goes; None
    (default) draws a tqdm bar when tqdm is installed; "log" writes the
    CLI's progress lines on stderr; False, nothing. An exception from the
    function, or Ctrl-C, stops the run at its next safe point and is raised;
    the store stays consistent and the next run resumes.

    Errors as the CLI's (FileNotFoundError, ValueError, OSError,
    crawlproof.Error). A run that completes with unreadable records or
    quarantined shards returns its stats and warns (:class:`InputWarning`).
    Pipelines whose executor is "slurm" are submitted with the CLI."""
    import warnings

    close = None
    mode = "off"
    if callable(progress):
        on_progress = progress
    elif progress is None or progress is True:
        on_progress, close = _tqdm_progress()
        if on_progress is None and progress is True:
            mode = "tty"
    elif progress == "log":
        on_progress, mode = None, "json"
    elif progress is False:
        on_progress = None
    else:
        raise TypeError('progress must be a function, None, True, False or "log"')
    try:
        stats_json, sources, input_errors, quarantined, name, output, store = _core._run(
            os.fspath(pipeline), overrides, on_progress, mode)
    finally:
        if close is not None:
            close()
    if stats_json is None:
        return {"name": name, "sources": sources, "nothing_new": True}
    stats = json.loads(stats_json)
    stats["nothing_new"] = False
    if input_errors or quarantined:
        warnings.warn(f"run {name}: completed with {input_errors} input errors and {quarantined} quarantined "
                      f"source shards (see {output}/report.html)", InputWarning, stacklevel=2)
    return stats
