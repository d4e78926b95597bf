"""Times WARC readers on the same files, single core, best of N runs.

Each contender reads every record and checks WARC-Block-Digest where the
record has one; the baseline is plain decompression (`gzip -dc`).
Run through bench/warc_index_bench.sh, which prepares the environment.
"""
import argparse
import json
import os
import subprocess
import sys
import time


CORE = sorted(os.sched_getaffinity(0))[0]


def pin_one_core():
    os.sched_setaffinity(0, {CORE})


def timed(fn, runs):
    best, result = None, None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        dt = time.perf_counter() - t0
        best = dt if best is None or dt < best else best
    return best, result


def gzip_dc(files):
    with open(os.devnull, "wb") as null:
        subprocess.run(["gzip", "-dc", *files], stdout=null, check=True)
    return None


def crawlproof(binary, files, inflater="isal"):
    env = dict(os.environ, CRAWLPROOF_INFLATER=inflater)
    out = subprocess.run([binary, "warc", "index", "--progress", "off", *files], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env)
    if out.returncode not in (0, 1):
        raise SystemExit(f"crawlproof failed with {out.returncode}")
    return out.stdout.count(b"\n")


def peer(python, tool, files):
    """Runs bench/peer_readers.py with `python`; returns (seconds, records, version)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "peer_readers.py")
    out = subprocess.run(["taskset", "-c", str(CORE), python, script, tool, *files], stdout=subprocess.PIPE,
                         check=True)
    r = json.loads(out.stdout)
    return r["seconds"], r["records"], r["version"]


def best_peer(python, tool, files, runs):
    best = None
    for _ in range(runs):
        r = peer(python, tool, files)
        best = r if best is None or r[0] < best[0] else best
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--crawlproof", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--python", default=sys.executable, help="Python with fastwarc and warcio")
    ap.add_argument("--legacy-python", default="", help="Python with FastWARC 0.x, optional")
    ap.add_argument("--single-stream", default="", help="the corpus as one gzip stream, for the streaming table")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    pin_one_core()
    files = a.files
    comp = sum(os.path.getsize(f) for f in files)
    dec = int(subprocess.run(f"gzip -dc {' '.join(files)} | wc -c", shell=True, stdout=subprocess.PIPE,
                             check=True).stdout)
    print(f"input: {len(files)} files, {comp / 1e6:.1f} MB gzip, {dec / 1e6:.1f} MB decompressed; "
          f"single core, best of {a.runs}")
    rows = []
    t, _ = timed(lambda: gzip_dc(files), a.runs)
    rows.append(("gzip -dc (baseline)", t, None))
    t, n = timed(lambda: crawlproof(a.crawlproof, files), a.runs)
    rows.append(("crawlproof warc index", t, n))
    t, n_fw, v = best_peer(a.python, "fastwarc", files, a.runs)
    rows.append((f"fastwarc {v} (Rust)", t, n_fw))
    if a.legacy_python:
        t, n, v = best_peer(a.legacy_python, "fastwarc", files, a.runs)
        rows.append((f"fastwarc {v} (Cython)", t, n))
    t, n_wi, v = best_peer(a.python, "warcio", files, 1)
    rows.append((f"warcio {v}", t, n_wi))
    base = rows[0][1]
    fast = rows[2][1]
    print(f"{'tool':30} {'seconds':>8} {'MB/s dec':>9} {'records/s':>10} {'vs gzip -dc':>11} {'vs fastwarc':>11}")
    for name, t, n in rows:
        rps = f"{n / t:10.0f}" if n else f"{'-':>10}"
        print(f"{name:30} {t:8.3f} {dec / t / 1e6:9.1f} {rps} {base / t:10.2f}x {fast / t:10.2f}x")
    ours = rows[1][1]
    print("crawlproof: " + ", ".join(f"{t / ours:.2f}x {name.split(' (')[0]}" for name, t, _ in rows if t != ours)
          + " (time ratios; records/s ratios are the same: every tool reads every record)")
    if rows[1][2] != n_fw:
        print(f"note: record counts differ: crawlproof {rows[1][2]}, fastwarc {n_fw}, warcio {n_wi}")
    if a.single_stream:
        single_stream_table(a, a.single_stream)


def single_stream_table(a, path):
    """The same records as one gzip stream: the streaming inflaters compared."""
    size = os.path.getsize(path)
    print(f"\nsingle gzip stream: {size / 1e6:.1f} MB; single core, best of {a.runs}")
    rows = []
    t, _ = timed(lambda: gzip_dc([path]), a.runs)
    rows.append(("gzip -dc (baseline)", t, None))
    for inflater in ("isal", "zlib"):
        t, n = timed(lambda: crawlproof(a.crawlproof, [path], inflater), a.runs)
        rows.append((f"crawlproof ({inflater})", t, n))
    t, n, v = best_peer(a.python, "fastwarc", [path], a.runs)
    rows.append((f"fastwarc {v}", t, n))
    base = rows[0][1]
    print(f"{'tool':30} {'seconds':>8} {'records/s':>10} {'vs gzip -dc':>11}")
    for name, t, n in rows:
        rps = f"{n / t:10.0f}" if n else f"{'-':>10}"
        print(f"{name:30} {t:8.3f} {rps} {base / t:10.2f}x")


if __name__ == "__main__":
    sys.exit(main())
