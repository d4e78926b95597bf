#!/usr/bin/env python3
"""crawlproof's Python package against what a Python user would use instead,
same inputs, one thread, in-process on both sides, side by side in one run
(issue 16's measurements; docs/performance.md):

  Tokenizer.encode_batch      vs Hugging Face tokenizers (DeepSeek-V3) and
                              tiktoken (cl100k_base, o200k_base): ids must be
                              identical, or the row says so and is void;
  read_warc (+ body, body_view) vs FastWARC's ArchiveIterator;
  Shards[i].ids random access vs numpy memmap of the same token files;
  crawlproof.run()            vs the CLI's `crawlproof run` (--pipeline).

usage: PYTHONPATH=build/release/python build/venv/bin/python bench/python_bench.py \\
           DOCS.jsonl[.gz] WARC... [--shards OUT/shards/manifest.json] [--pipeline P.toml] [--runs 3]

Both sides run on one core (the script pins itself, --core picks it),
alternately, best of --runs each, each side's output counted
(bench/sidebyside.py); the tokenizer peers' fastest single-thread calls are
the baseline (tokenizers encode_batch with RAYON_NUM_THREADS=1, tiktoken
encode_ordinary_batch(num_threads=1)).
"""
import argparse
import gzip
import json
import os
import random
import sys
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np

import crawlproof

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sidebyside import alternate, pin_one_core  # noqa: E402

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIKTOKEN_DIR = os.path.join(SRC, "tests", "data", "fixtures", "tokenizers", "tiktoken")


def best(runs, f):
    out, t = None, 1e18
    for _ in range(runs):
        t0 = time.perf_counter()
        out = f()
        t = min(t, time.perf_counter() - t0)
    return t, out


def row(name, ours, theirs, peer, unit, n, produced=""):
    print(f"{name:44} crawlproof {n / ours:12,.2f} {unit}/s   {peer} {n / theirs:12,.2f} {unit}/s   "
          f"ratio {theirs / ours:5.2f}x" + (f"   {produced}" if produced else ""))


def counts(ours, theirs):
    """Both sides' output, counted: documents and ids."""
    return (f"ids: ours {len(ours):,} docs / {sum(len(x) for x in ours):,}, "
            f"theirs {len(theirs):,} docs / {sum(len(x) for x in theirs):,}")


def tokenizers_rows(texts, runs):
    n = sum(len(t.encode()) for t in texts) / 1e6
    ours = crawlproof.Tokenizer.from_file(os.path.join(SRC, "data", "tokenizers", "deepseek-v3", "tokenizer.json"))
    try:
        import tokenizers

        hf = tokenizers.Tokenizer.from_file(os.path.join(SRC, "data", "tokenizers", "deepseek-v3", "tokenizer.json"))
        t_ours, a, t_hf, b = alternate(runs, lambda: ours.encode_batch(texts, threads=1),
                                       lambda: [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)])
        row("encode_batch DeepSeek-V3 vs tokenizers" + ("" if a == b else " (IDS DIFFER: void)"), t_ours, t_hf,
            "tokenizers", "MB", n, counts(a, b))
    except ImportError:
        print("tokenizers not installed: DeepSeek-V3 row skipped")
    try:
        import tiktoken
        from tiktoken.load import load_tiktoken_bpe
    except ImportError:
        print("tiktoken not installed: cl100k/o200k rows skipped")
        return
    for name in ("cl100k_base", "o200k_base"):
        path = os.path.join(TIKTOKEN_DIR, name + ".tiktoken")
        if not os.path.exists(path):
            print(f"{path}: missing, row skipped")
            continue
        meta = json.load(open(path[: -len(".tiktoken")] + ".json"))
        enc = tiktoken.Encoding(name, pat_str=meta["pat_str"], mergeable_ranks=load_tiktoken_bpe(path),
                                special_tokens=meta.get("special_tokens", {}))
        tok = crawlproof.Tokenizer.from_file(path)
        t_ours, a, t_tt, b = alternate(runs, lambda: tok.encode_batch(texts, threads=1),
                                       lambda: enc.encode_ordinary_batch(texts, num_threads=1))
        row(f"encode_batch {name} vs tiktoken" + ("" if a == b else " (IDS DIFFER: void)"), t_ours, t_tt, "tiktoken",
            "MB", n, counts(a, b))


def warc_rows(warcs, runs):
    def ours(attr):
        n = b = 0
        for w in warcs:
            for r in crawlproof.read_warc(w, check_digests=False):
                n += 1
                b += len(getattr(r, attr))
        return n, b

    try:
        from fastwarc.warc import ArchiveIterator, WarcRecordType
    except ImportError:
        t_ours, (n, b) = best(runs, lambda: ours("body"))
        print(f"read_warc: {n} records, {b / t_ours / 1e6:,.0f} MB/s of bodies (FastWARC not installed)")
        return

    def theirs():
        m = c = 0
        for w in warcs:
            with open(w, "rb") as f:
                for r in ArchiveIterator(f, record_types=WarcRecordType.any_type, parse_http=False):
                    m += 1
                    c += len(r.reader.read())
        return m, c

    t_ours, (n, b), t_fw, (m, c) = alternate(runs, lambda: ours("body"), theirs)
    t_view, counts_view, _, _ = alternate(runs, lambda: ours("body_view"), theirs)
    size = sum(os.path.getsize(w) for w in warcs) / 1e6
    row(f"read_warc + body, {n} records (FastWARC {m})" + ("" if (n, b) == (m, c) else " (COUNTS DIFFER)"), t_ours,
        t_fw, "FastWARC", "MB", size)
    row(f"read_warc + body_view, {n} records" + ("" if counts_view == (m, c) else " (COUNTS DIFFER)"), t_view, t_fw,
        "FastWARC", "MB", size)


def shards_rows(manifest, runs):
    shards = crawlproof.Shards(manifest)
    k = min(200000, 50 * len(shards))
    idx = [random.Random(7).randrange(len(shards)) for _ in range(k)]
    # numpy memmap of the same token files, offsets from the sidecars.
    folder = os.path.dirname(manifest)
    dtype = {"uint16": np.uint16, "int32": np.int32, "uint32": np.uint32}[shards.dtype]
    maps, where = [], []
    for n, sh in enumerate(shards.manifest["shards"]):
        maps.append(np.memmap(os.path.join(folder, sh["files"][0]["name"]), dtype=dtype, mode="r"))
        stem = sh["files"][0]["name"].split(".")[0]
        for line in open(os.path.join(folder, stem + ".docs.jsonl")):
            e = json.loads(line)
            where.append((n, e["offset"], e["length"]))

    def theirs():
        s = 0
        for i in idx:
            n, off, length = where[i]
            s += int(maps[n][off:off + length][-1])
        return s

    t_ours, a, t_np, b = alternate(runs, lambda: sum(int(shards[i].ids[-1]) for i in idx), theirs)
    row(f"Shards[i].ids, {k} random reads" + ("" if a == b else " (VALUES DIFFER)"), t_ours, t_np, "np.memmap",
        "reads", k)


def run_rows(pipeline, runs):
    """crawlproof.run() against the CLI's `crawlproof run`: the same run into
    fresh outputs (the binding's overhead: none expected)."""
    import shutil
    import subprocess
    import tempfile

    binary = os.path.join(SRC, "build", "release", "crawlproof")
    tmp = tempfile.mkdtemp(prefix="python-bench-")

    def fresh(name):
        out = os.path.join(tmp, name)
        shutil.rmtree(out, ignore_errors=True)
        return out

    def ours():
        return crawlproof.run(pipeline, output=fresh("py"), workers=1, progress=False)["tokens"]

    def theirs():
        out = fresh("cli")
        # The same file with this output and one worker; the copy sits next
        # to it, so that its relative paths stay right.
        lines, section = [], ""
        for line in open(pipeline):
            if line.strip().startswith("["):
                section = line.strip()
            if section == "[run]" and line.split("=")[0].strip() in ("output", "workers"):
                continue
            lines.append(line)
            if line.strip() == "[run]":
                lines.append(f"output = {json.dumps(out)}\nworkers = 1\n")
        if "[run]\n" not in lines:
            lines.insert(0, f"[run]\noutput = {json.dumps(out)}\nworkers = 1\n")
        copy = os.path.join(os.path.dirname(os.path.abspath(pipeline)), ".python-bench.toml")
        with open(copy, "w") as f:
            f.writelines(lines)
        try:
            subprocess.run([binary, "run", copy, "--progress", "off"], check=True, capture_output=True)
        finally:
            os.remove(copy)
        return json.load(open(os.path.join(out, "stats.json")))["tokens"]

    t_ours, a, t_cli, b = alternate(runs, ours, theirs)
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'crawlproof.run vs the CLI' + ('' if a == b else ' (TOKENS DIFFER)'):44} crawlproof.run {t_ours:8.2f} s"
          f"   CLI run {t_cli:8.2f} s   ratio {t_cli / t_ours:5.2f}x")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("docs")
    ap.add_argument("warcs", nargs="*")
    ap.add_argument("--shards")
    ap.add_argument("--pipeline", help="also time crawlproof.run() against `crawlproof run` (no [run] output/workers)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--core", type=int, default=None, help="the core both sides run on (default: the first allowed)")
    a = ap.parse_args()
    print(f"one core ({pin_one_core(a.core)}) for both sides, alternating, best of {a.runs}")
    opener = gzip.open if a.docs.endswith(".gz") else open
    with opener(a.docs, "rt", encoding="utf-8") as f:
        texts = [json.loads(l)["text"] for l in f]
    print(f"{len(texts)} documents, {sum(len(t.encode()) for t in texts) / 1e6:.1f} MB; crawlproof "
          f"{crawlproof.__file__}")
    tokenizers_rows(texts, a.runs)
    if a.warcs:
        warc_rows(a.warcs, a.runs)
    if a.shards:
        shards_rows(a.shards, a.runs)
    if a.pipeline:
        run_rows(a.pipeline, a.runs)


if __name__ == "__main__":
    sys.exit(main())
