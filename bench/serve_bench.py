#!/usr/bin/env python3
"""crawlproof serve under load, against what a user would run instead in the
same run: `crawlproof audit --store DIR --doc ID --json` (one process per
document). Also, with Selenium and Chromium, the time a document's page
takes to show `verified` (fetch the bundle and trust file, check every step
with WebCrypto).

usage: build/venv/bin/python bench/serve_bench.py OUTPUT [--trust TRUST] [--threads 8] [--requests 5000]
  OUTPUT: a run's output folder (store/ and shards/ in it)
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(SRC, "build", "release", "crawlproof")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("output")
    ap.add_argument("--trust")
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--requests", type=int, default=5000)
    ap.add_argument("--cli", type=int, default=200, help="`audit --doc` and `audit --url` processes timed")
    a = ap.parse_args()
    store = os.path.join(a.output, "store")
    ids = sample_ids(a.output, store, a.requests)
    args = [BIN, "serve", "--store", store, "--shards", os.path.join(a.output, "shards"), "--listen", "127.0.0.1:0"]
    if a.trust:
        args += ["--trust", a.trust]
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = "http://127.0.0.1:" + re.search(r":(\d+)/", server.stdout.readline()).group(1)
    try:
        lat, lock = [], threading.Lock()
        per = a.requests // a.threads

        def client(k):
            mine = []
            for n in range(per):
                doc = ids[(k * per + n) % len(ids)]
                t0 = time.perf_counter()
                with urllib.request.urlopen(base + "/api/doc/" + urllib.parse.quote(doc, safe="")) as r:
                    r.read()
                mine.append(time.perf_counter() - t0)
            with lock:
                lat.extend(mine)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(a.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        lat.sort()
        print(f"{len(ids)} documents looked up; {len(lat)} GET /api/doc with {a.threads} clients: "
              f"{len(lat) / wall:,.0f} requests/s, p50 {lat[len(lat) // 2] * 1e3:.2f} ms, "
              f"p99 {lat[int(len(lat) * 0.99)] * 1e3:.2f} ms")
        # The same documents by URL, one client (the URLs from their accounts).
        urls = []
        for doc in ids[:min(len(ids), a.requests)]:
            with urllib.request.urlopen(base + "/api/doc/" + urllib.parse.quote(doc, safe="")) as r:
                acc = json.loads(r.read())
            url = (acc.get("account") or acc).get("source", {}).get("url") if isinstance(acc, dict) else None
            if url:
                urls.append(url)
        by_url = []
        for url in urls:
            t = time.perf_counter()
            urllib.request.urlopen(base + "/api/url?u=" + urllib.parse.quote(url, safe="")).read()
            by_url.append(time.perf_counter() - t)
        if by_url:
            by_url.sort()
            print(f"{len(by_url)} GET /api/url, one client: p50 {by_url[len(by_url) // 2] * 1e3:.2f} ms, "
                  f"p99 {by_url[int(len(by_url) * 0.99)] * 1e3:.2f} ms")
        for flag, keys in (("--doc", ids), ("--url", urls)):
            times = []
            for key in keys[:a.cli]:
                t = time.perf_counter()
                subprocess.run([BIN, "audit", "--store", store, flag, key, "--json"], capture_output=True, check=True)
                times.append(time.perf_counter() - t)
            if times:
                times.sort()
                print(f"`audit --store {flag}` (a process each, store opened each time), {len(times)} lookups: "
                      f"p50 {times[len(times) // 2] * 1e3:.1f} ms, p99 {times[int(len(times) * 0.99)] * 1e3:.1f} ms")
        k = min(50, len(ids))
        t0 = time.perf_counter()
        for doc in ids[:k]:
            subprocess.run([BIN, "audit", "--store", store, "--doc", doc, "--json"], capture_output=True, check=True)
        cli = (time.perf_counter() - t0) / k
        one = []
        for doc in ids[:k]:
            t = time.perf_counter()
            urllib.request.urlopen(base + "/api/doc/" + urllib.parse.quote(doc, safe="")).read()
            one.append(time.perf_counter() - t)
        print(f"one account: serve {statistics.median(one) * 1e3:.2f} ms, `audit --json` {cli * 1e3:.1f} ms "
              f"(ratio {cli / statistics.median(one):.0f}x)")
        bundles = []
        for doc in ids[:k]:
            t = time.perf_counter()
            try:
                urllib.request.urlopen(base + "/api/bundle/" + urllib.parse.quote(doc, safe="")).read()
                bundles.append(time.perf_counter() - t)
            except urllib.error.HTTPError:
                pass
        if bundles:
            print(f"GET /api/bundle (built from the snapshot and the source file): median "
                  f"{statistics.median(bundles) * 1e3:.1f} ms over {len(bundles)}")
        browser_rows(base, ids[:20])
    finally:
        server.terminate()
        server.wait()


def sample_ids(output, store, n):
    """Random documents (seeded): from the shards' documents files when the
    store is large (a dump of every account would be gigabytes), else every
    document in the store."""
    import random
    docs_files = [os.path.join(output, "shards", f) for f in sorted(os.listdir(os.path.join(output, "shards")))
                  if f.endswith(".docs.jsonl")]
    if sum(os.path.getsize(f) for f in docs_files) > 50e6:
        ids = []
        for f in docs_files:
            with open(f) as fh:
                ids.extend(json.loads(line)["doc_id"] for line in fh)
    else:
        ids = [json.loads(l)["key"] for l in subprocess.run([BIN, "store", "dump", store], capture_output=True,
                                                             text=True, check=True).stdout.splitlines()]
    random.Random(1).shuffle(ids)
    return ids[:max(n, 1)]


def browser_rows(base, ids):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        print("(selenium not installed: no browser figures)")
        return
    o = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        o.add_argument(arg)
    d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=o)
    times, results = [], {}
    try:
        for doc in ids:
            t = time.perf_counter()
            d.get(base + "/doc/" + urllib.parse.quote(doc, safe=""))
            WebDriverWait(d, 60).until(lambda d: d.find_element(By.ID, "verification-status").text not in ("", "checking…"))
            times.append(time.perf_counter() - t)
            s = d.find_element(By.ID, "verification-status").text
            results[s.split(":")[0]] = results.get(s.split(":")[0], 0) + 1
    finally:
        d.quit()
    print(f"headless Chromium, page load to verification-status: median {statistics.median(times) * 1e3:.0f} ms, "
          f"max {max(times) * 1e3:.0f} ms over {len(times)} documents ({results})")


if __name__ == "__main__":
    sys.exit(main())
