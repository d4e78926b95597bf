#!/usr/bin/env python3
"""MinHash signatures: `crawlproof minhash` against rensa and datasketch, one
core, same documents, same permutation count (112) and shingles (5 words).

usage: minhash_bench.py CRAWLPROOF DOCS.jsonl [--limit N] [--datasketch-docs N]

crawlproof's time is the whole command (read JSON, normalise, shingle, sign,
write the signature file). The peers get the texts already normalised the same
way (lower case, non-word characters as spaces — done outside their timer) and
are timed for splitting into 5-word shingles and signing. datasketch runs on
all documents unless --datasketch-docs N limits it to the first N.
"""
import argparse, json, re, subprocess, sys, tempfile, time, os

import datasketch
from rensa import RMinHash


def shingles(text, n=5):
    w = text.split()
    if not w:
        return []
    n = min(n, len(w))
    return [' '.join(w[i:i + n]) for i in range(len(w) - n + 1)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('crawlproof')
    ap.add_argument('docs')
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--datasketch-docs', type=int, default=0, help='0: all')
    ap.add_argument('--runs', type=int, default=3)
    a = ap.parse_args()
    docs = [json.loads(l) for l in open(a.docs)]
    if a.limit:
        docs = docs[:a.limit]
    norm = [re.sub(r'[\W_]+', ' ', d['text'].lower()).strip() for d in docs]
    mb = sum(len(d['text'].encode()) for d in docs) / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, 'docs.jsonl')
        with open(inp, 'w') as f:
            for d in docs:
                f.write(json.dumps({'id': d['id'], 'text': d['text']}, ensure_ascii=False) + '\n')
        best = None
        for _ in range(a.runs):
            t0 = time.perf_counter()
            subprocess.run([a.crawlproof, 'minhash', '--device', 'cpu', '--threads', '1', '--input', inp, '--output',
                            os.path.join(tmp, 'sigs.bin')], check=True, stderr=subprocess.DEVNULL)
            t = time.perf_counter() - t0
            best = t if best is None or t < best else best
    t_ours = best
    best = None
    for _ in range(a.runs):
        t0 = time.perf_counter()
        for t in norm:
            m = RMinHash(num_perm=112, seed=42)
            m.update(shingles(t))
            m.digest()
        t = time.perf_counter() - t0
        best = t if best is None or t < best else best
    t_rensa = best
    n_ds = min(a.datasketch_docs, len(norm)) if a.datasketch_docs else len(norm)
    t0 = time.perf_counter()
    for t in norm[:n_ds]:
        m = datasketch.MinHash(num_perm=112, seed=42)
        m.update_batch([s.encode() for s in shingles(t)])
        m.digest()
    t_ds = time.perf_counter() - t0
    ours, rensa_rate, ds_rate = len(docs) / t_ours, len(docs) / t_rensa, n_ds / t_ds
    print(f'{len(docs)} documents, {mb:.1f} MB of text; 112 permutations, 5-word shingles; best of {a.runs}')
    print(f'{"tool":52} {"docs":>6} {"seconds":>8} {"docs/s":>9} {"crawlproof is":>14}')
    print(f'{"crawlproof minhash --device cpu (whole command)":52} {len(docs):6} {t_ours:8.2f} {ours:9.0f}')
    print(f'{"rensa 2.0 RMinHash (shingling + signature)":52} {len(docs):6} {t_rensa:8.2f} {rensa_rate:9.0f} '
          f'{ours / rensa_rate:13.1f}x')
    print(f'{"datasketch %s MinHash.update_batch" % datasketch.__version__:52} {n_ds:6} {t_ds:8.2f} {ds_rate:9.0f} '
          f'{ours / ds_rate:13.1f}x')


if __name__ == '__main__':
    sys.exit(main())
