#!/usr/bin/env python3
"""Tokenizer speed: crawlproof against Hugging Face `tokenizers` and OpenAI
`tiktoken`, one thread each, same documents, one run; the ids must be
identical (checksums compared) or the comparison is void.

usage: tokenizer_bench.py BUILD_DIR DOCS.jsonl[.gz] [--runs 3] [--threads-scaling 1,2]

Needs the benchmark environment (build/venv: tokenizers, tiktoken). Pin it to
one core for the single-thread figures: taskset -c 0 ... (the scaling rows
then use only that core; run those without taskset).
"""
import argparse, gzip, json, os, subprocess, sys, time

os.environ.setdefault('RAYON_NUM_THREADS', '1')
os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'fixtures', 'tokenizers')


def checksum(all_ids):
    h = 0xCBF29CE484222325
    for ids in all_ids:
        for i in ids:
            for k in range(4):
                h = ((h ^ ((i >> (8 * k)) & 0xFF)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        h = ((h ^ 0xFF) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return '%016x' % h


def best_of(runs, f):
    best, out = 1e30, None
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('docs')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--threads-scaling', default='')
    a = ap.parse_args()
    opener = gzip.open if a.docs.endswith('.gz') else open
    with opener(a.docs, 'rt', encoding='utf-8') as f:
        texts = [json.loads(l)['text'] for l in f if l.strip()]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    bench = os.path.join(a.build, 'bench', 'tokenizer_bench')

    def ours(path, threads=1):
        out = subprocess.run([bench, path, a.docs, str(threads), str(a.runs)], check=True, capture_output=True, text=True)
        return json.loads(out.stdout)

    print(f'{len(texts)} documents, {mb:.1f} MB; best of {a.runs}; one thread each')
    print(f'{"tokenizer":28} {"tool":34} {"MB/s":>8} {"crawlproof is":>14}  ids')
    deepseek = os.path.join(FIXTURES, 'deepseek-v3', 'tokenizer.json')
    from tokenizers import Tokenizer
    import tokenizers
    hf = Tokenizer.from_file(deepseek)
    hf.encode_special_tokens = True
    t_hf, hf_ids = best_of(a.runs, lambda: [hf.encode(t, add_special_tokens=False).ids for t in texts])
    r = ours(deepseek)
    same = 'identical' if r['checksum'] == checksum(hf_ids) else 'DIFFERENT'
    print(f'{"deepseek-v3 tokenizer.json":28} {"tokenizers " + tokenizers.__version__:34} {mb / t_hf:8.2f}')
    print(f'{"":28} {"crawlproof":34} {r["mb_per_s"]:8.2f} {r["mb_per_s"] / (mb / t_hf):13.2f}x  {same}')
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    for name in ('cl100k_base', 'o200k_base'):
        path = os.path.join(FIXTURES, 'tiktoken', name + '.tiktoken')
        meta = json.load(open(path[:-9] + '.json'))
        enc = tiktoken.Encoding(name, pat_str=meta['pat_str'], mergeable_ranks=load_tiktoken_bpe(path),
                                special_tokens=meta['special_tokens'])
        t_tk, tk_ids = best_of(a.runs, lambda: [enc.encode_ordinary(t) for t in texts])
        r = ours(path)
        same = 'identical' if r['checksum'] == checksum(tk_ids) else 'DIFFERENT'
        print(f'{name:28} {"tiktoken " + tiktoken.__version__:34} {mb / t_tk:8.2f}')
        print(f'{"":28} {"crawlproof":34} {r["mb_per_s"]:8.2f} {r["mb_per_s"] / (mb / t_tk):13.2f}x  {same}')
    if a.threads_scaling:
        print('\nthreads scaling (crawlproof, deepseek-v3):')
        base = None
        for n in [int(x) for x in a.threads_scaling.split(',')]:
            r = ours(deepseek, n)
            base = base or r['mb_per_s']
            print(f'  {n} threads: {r["mb_per_s"]:8.2f} MB/s  ({r["mb_per_s"] / base:.2f}x)')


if __name__ == '__main__':
    sys.exit(main())
