"""crawlproof.run: the same files and stats as `crawlproof run`, progress,
overrides, interruption (the next run resumes to the same bytes)."""
import json
import os
import signal
import warnings

import pytest

import crawlproof
from conftest import SRC, cli

# What differs between two runs of the same input: timings.
VOLATILE = ("seconds",)


def shard_files(output):
    m = json.load(open(os.path.join(output, "shards", "manifest.json")))
    return [(s.get("bin_sha256"), s.get("idx_sha256"), s.get("documents")) for s in m["shards"]], m


def comparable(stats):
    return {k: v for k, v in stats.items() if k not in VOLATILE + ("nothing_new",)}


def test_run_equals_the_cli(run_dir, tmp_path):
    seen = []
    out = tmp_path / "py-out"
    stats = crawlproof.run(run_dir / "p.toml", output=out, progress=seen.append)
    cli_stats = json.load(open(run_dir / "out" / "stats.json"))
    assert stats["nothing_new"] is False
    assert comparable(stats) == comparable(cli_stats)
    assert json.load(open(out / "stats.json")) == {k: v for k, v in stats.items() if k != "nothing_new"}
    mine, m = shard_files(out)
    theirs, _ = shard_files(run_dir / "out")
    assert mine == theirs and len(mine) >= 1 and m["shards"]
    for name in os.listdir(run_dir / "out" / "shards"):
        if name.endswith((".bin", ".idx")):
            assert (out / "shards" / name).read_bytes() == (run_dir / "out" / "shards" / name).read_bytes()
    # The store is where the file puts it by default: under the new output.
    assert crawlproof.Store(out / "store").runs()[0]["run"] == 1
    # Progress: counts that only grow, the last one done and complete.
    assert seen and seen[-1]["done"] is True and seen[-1]["stage"] == "done"
    last = seen[-1]
    assert last["shards_done"] == last["shards_total"] == stats["processed"]
    assert last["bytes_done"] == last["bytes_total"] == stats["bytes"]
    assert last["documents"] == sum(stats["documents"].values())
    for a, b in zip(seen, seen[1:]):
        assert b["shards_done"] >= a["shards_done"] and b["bytes_done"] >= a["bytes_done"]
        assert b["elapsed_s"] >= a["elapsed_s"]
    assert {p["stage"] for p in seen} <= {"processing", "deduplicating and tokenizing", "committing", "done"}
    assert "deduplicating and tokenizing" in {p["stage"] for p in seen}
    # The stages in the order the run goes through them: processing first,
    # then for each group deduplicating, committing (and processing again).
    order = [p["stage"] for p in seen]
    changes = [s for i, s in enumerate(order) if i == 0 or order[i - 1] != s]
    assert changes[0] == "processing", changes
    nxt = {"processing": "deduplicating and tokenizing", "deduplicating and tokenizing": "committing",
           "committing": "processing"}
    for a, b in zip(changes[:-1], changes[1:-1]):
        assert nxt[a] == b, changes
    assert changes[-1] == "done"
    # Nothing new the second time.
    again = crawlproof.run(run_dir / "p.toml", output=out, progress=False)
    assert again == {"name": "p", "sources": stats["sources"], "nothing_new": True}


def test_overrides(run_dir, tmp_path):
    one = os.path.join(SRC, "data", "sample", "CC-MAIN-2019-12-jwarc.warc.gz")
    stats = crawlproof.run(run_dir / "p.toml", output=tmp_path / "o", store=tmp_path / "s", paths=one, workers=1,
                           name="just-one", progress=False)
    assert stats["sources"] == 1 and stats["name"] == "just-one"
    assert os.path.isdir(tmp_path / "s") and not os.path.exists(tmp_path / "o" / "store")
    assert crawlproof.Store(tmp_path / "s").runs()[0]["sources"] == 1
    # max_shards: one group of a source shard at a time.
    part = crawlproof.run(run_dir / "p.toml", output=tmp_path / "m", commit_every=1, max_shards=1, progress=False)
    assert part["processed"] == 1 and part["remaining"] > 0
    with pytest.raises(TypeError, match="threshold.*pipeline file"):
        crawlproof.run(run_dir / "p.toml", output=tmp_path / "x", threshold=0.5)
    with pytest.raises(TypeError, match="workers must be an int"):
        crawlproof.run(run_dir / "p.toml", output=tmp_path / "x", workers="2")
    with pytest.raises(ValueError, match="limit must be between"):
        crawlproof.run(run_dir / "p.toml", output=tmp_path / "x", limit=-1)
    with pytest.raises(TypeError, match="progress must be"):
        crawlproof.run(run_dir / "p.toml", output=tmp_path / "x", progress="bar")
    with pytest.raises(FileNotFoundError):
        crawlproof.run(tmp_path / "missing.toml")
    # A source that cannot be read is quarantined (retried next run), as by the CLI.
    with pytest.warns(crawlproof.InputWarning, match="1 quarantined"):
        q = crawlproof.run(run_dir / "p.toml", output=tmp_path / "x", paths=[str(tmp_path / "none.warc.gz")],
                           progress=False)
    assert q["quarantined"] == 1
    slurm = tmp_path / "slurm.toml"
    slurm.write_text((run_dir / "p.toml").read_text().replace("workers = 2", 'workers = 2\nexecutor = "slurm"'))
    with pytest.raises(ValueError, match="crawlproof run"):
        crawlproof.run(slurm, output=tmp_path / "x")


class Stop(Exception):
    pass


@pytest.mark.parametrize("how", ["exception", "ctrl-c"])
def test_interrupted_run_resumes_to_the_same_bytes(run_dir, tmp_path, how):
    clean = tmp_path / "clean"
    crawlproof.run(run_dir / "p.toml", output=clean, commit_every=1, workers=1, progress=False)

    def interrupt(p):
        if p["stage"] == "committing":
            if how == "exception":
                raise Stop("stop here")
            os.kill(os.getpid(), signal.SIGINT)

    out = tmp_path / "out"
    with pytest.raises(Stop if how == "exception" else KeyboardInterrupt):
        crawlproof.run(run_dir / "p.toml", output=out, commit_every=1, workers=1, progress=interrupt)
    # Stopped part of the way: fewer documents committed than the whole run's.
    clean_docs = len(list(crawlproof.Store(clean / "store").documents()))
    assert len(list(crawlproof.Store(out / "store").documents())) < clean_docs
    rest = crawlproof.run(run_dir / "p.toml", output=out, commit_every=1, workers=1, progress=False)
    assert shard_files(out)[0] == shard_files(clean)[0]
    for name in sorted(os.listdir(clean / "shards")):
        if os.path.isfile(clean / "shards" / name) and name != "manifest.json":
            assert (out / "shards" / name).read_bytes() == (clean / "shards" / name).read_bytes(), name
    # The resumed run's account is the whole run's (times and name aside).
    untimed = lambda st: {k: v for k, v in st.items() if k not in ("seconds", "name", "nothing_new")}
    assert not rest["nothing_new"]
    assert untimed(rest) == untimed(json.load(open(clean / "stats.json")))
    a = {d["doc_id"]: d["status"] for d in crawlproof.Store(out / "store").documents()}
    b = {d["doc_id"]: d["status"] for d in crawlproof.Store(clean / "store").documents()}
    assert a == b and a


def test_input_errors_warn(run_dir, tmp_path):
    import gzip

    plain = gzip.open(os.path.join(SRC, "data", "sample", "CC-MAIN-2024-22-whirlwind.warc.gz")).read()
    at = plain.index(b"WARC/1.", 10)
    bad = tmp_path / "bad.warc"
    bad.write_bytes(plain[:at] + b"WARC/1.0\r\nContent-Length: x\r\n\r\n" + plain[at:])
    with pytest.warns(crawlproof.InputWarning, match="1 input errors"):
        stats = crawlproof.run(run_dir / "p.toml", output=tmp_path / "o", paths=[bad], progress=False)
    assert stats["input_errors"] == 1 and stats["processed"] == 1


def test_tqdm_bar(run_dir, tmp_path, capsys):
    pytest.importorskip("tqdm")
    stats = crawlproof.run(run_dir / "p.toml", output=tmp_path / "o")
    err = capsys.readouterr().err
    assert "crawlproof run" in err and f"{stats['processed']}/{stats['processed']} shards" in err
