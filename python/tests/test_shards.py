import json
import os
import subprocess
import sys

import numpy as np
import pytest

import crawlproof
from conftest import SRC


def test_documents_equal_an_independent_reader(run_dir, manifest):
    shards = crawlproof.Shards(manifest)
    out = subprocess.run([sys.executable, os.path.join(SRC, "tests", "tokenize", "read_shards.py"),
                          str(run_dir / "out" / "shards")], capture_output=True, text=True, check=True).stdout
    want = [json.loads(l) for l in out.splitlines()]
    assert len(shards) == len(want) == json.load(open(manifest))["documents"]
    assert shards.shard_count > 1
    for d, w in zip(shards, want):
        assert d.doc_id == w["doc_id"]
        assert d.ids.tolist() == w["ids"]
    assert [d.doc_id for d in shards[-3:]] == [w["doc_id"] for w in want[-3:]]


def test_ids_are_read_only_views_without_copies(manifest):
    shards = crawlproof.Shards(manifest)
    d = shards[1]
    ids = d.ids
    assert ids.flags.writeable is False and ids.flags.owndata is False
    with pytest.raises(ValueError):
        ids[0] = 7
    bos, eos = shards.manifest["options"]["bos"], shards.manifest["options"]["eos"]
    assert ids[0] == bos and ids[-1] == eos
    assert d.provenance == {"doc_id": d.doc_id, "offset": d.provenance["offset"], "length": len(ids)}
    # The view outlives the Shards object: the mapping stays.
    del shards, d
    assert int(ids.sum()) > 0


def test_shard_local_access_and_errors(manifest):
    shards = crawlproof.Shards(manifest)
    start = 0
    for n in range(shards.shard_count):
        s = shards.shard(n)
        assert s[0].doc_id == shards[start].doc_id
        assert s[-1].doc_id == shards[start + len(s) - 1].doc_id
        start += len(s)
    assert start == len(shards)
    assert shards[-1].doc_id == shards[len(shards) - 1].doc_id
    with pytest.raises(IndexError):
        shards[len(shards)]
    with pytest.raises(IndexError):
        shards.shard(shards.shard_count)
    with pytest.raises(TypeError):
        shards["0"]
    with pytest.raises(FileNotFoundError):
        crawlproof.Shards("/nonexistent/manifest.json")
    assert shards.verify() == []


def test_a_changed_file_fails_verify(run_dir, tmp_path):
    import shutil

    copy = tmp_path / "shards"
    shutil.copytree(run_dir / "out" / "shards", copy)
    shards = crawlproof.Shards(str(copy / "manifest.json"))
    token_file = copy / shards.manifest["shards"][0]["files"][0]["name"]
    data = bytearray(token_file.read_bytes())
    data[100] ^= 1
    token_file.write_bytes(bytes(data))
    problems = crawlproof.Shards(str(copy / "manifest.json")).verify()
    assert any(token_file.name in p for p in problems), problems


def test_torch_dataset(manifest):
    torch = pytest.importorskip("torch")
    shards = crawlproof.Shards(manifest)
    items = list(shards.to_torch())
    assert len(items) == len(shards)
    assert torch.equal(items[3]["input_ids"], torch.from_numpy(shards[3].ids.astype(np.int64)))


def test_read_warc_equals_warc_index_and_extract_equals_the_cli(tmp_path):
    from conftest import cli

    for name in ("CC-MAIN-2019-12-jwarc.warc.gz", "CC-MAIN-2024-22-whirlwind.warc.gz"):
        path = os.path.join(SRC, "data", "sample", name)
        want = [json.loads(l) for l in cli("warc", "index", path).stdout.splitlines()]
        got = list(crawlproof.read_warc(path))
        assert len(got) == len(want)
        for r, w in zip(got, want):
            assert (r.offset, r.length, r.type, r.record_id, r.target_uri, r.date, r.content_length, r.digest_ok) == (
                w["offset"], w["length"], w["type"], w["record_id"], w["target_uri"], w["date"], w["content_length"],
                w["digest_ok"])
            assert len(r.body) == r.content_length
            view = r.body_view
            assert view.readonly and view.format == "B" and bytes(view) == r.body == bytes(memoryview(r))
            assert r.header("warc-record-id") == r.record_id
        docs = [json.loads(l) for l in cli("extract", path).stdout.splitlines()]
        mine = [d for d in (crawlproof.extract(r) for r in got) if d]
        assert mine == docs
    view = got[-1].body_view  # the view keeps its record's buffer alive
    body = got[-1].body
    del got[-1], r
    assert bytes(view) == body and len(body) > 0
    with pytest.raises(TypeError):
        view[0:1] = b"x"
    doc, reason = crawlproof.extract(got[0], with_reason=True)
    assert doc is None and reason
    with pytest.raises(FileNotFoundError):
        list(crawlproof.read_warc("/nonexistent.warc.gz"))
    with pytest.raises(TypeError):
        crawlproof.extract("not a record")


def test_damaged_warc_warns_and_goes_on(tmp_path):
    path = os.path.join(SRC, "data", "sample", "CC-MAIN-2024-22-whirlwind.warc.gz")
    import gzip

    plain = gzip.open(path).read()
    at = plain.index(b"WARC/1.", 10)
    bad = tmp_path / "bad.warc"
    bad.write_bytes(plain[:at] + b"WARC/1.0\r\nContent-Length: x\r\n\r\n" + plain[at:])
    with pytest.warns(UserWarning) as w:
        records = list(crawlproof.read_warc(str(bad)))
    assert len(records) == len(list(crawlproof.read_warc(path)))
    assert str(bad) in str(w[0].message)
    with pytest.raises(crawlproof.Error):
        list(crawlproof.read_warc(str(bad), errors="raise"))
