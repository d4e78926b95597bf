#!/usr/bin/env python3
"""Tokenizer speed: crawlproof against Hugging Face `tokenizers` and OpenAI
`tiktoken`, one thread each, same documents, one run; the ids must be
identical (checksums compared) or the comparison is void.

usage: tokenizer_bench.py BUILD_DIR DOCS.jsonl[.gz] [--runs 3] [--threads-scaling 1,2]

Needs the benchmark environment (build/venv: tokenizers, tiktoken). Both
sides run on one core (this script pins itself; --core picks it), alternately,
best of --runs each, and each side's id count is printed beside the ratio
(bench/sidebyside.py). The peers' fastest single-thread calls are the
baseline: tokenizers' encode_batch (RAYON_NUM_THREADS=1), tiktoken's
encode_ordinary_batch(num_threads=1). The scaling rows are not pinned.
"""
import argparse, gzip, json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sidebyside import alternate, pin_one_core  # noqa: E402

os.environ.setdefault('RAYON_NUM_THREADS', '1')
os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'data', 'fixtures', 'tokenizers')


def checksum(all_ids):
    h = 0xCBF29CE484222325
    for ids in all_ids:
        for i in ids:
            for k in range(4):
                h = ((h ^ ((i >> (8 * k)) & 0xFF)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
        h = ((h ^ 0xFF) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return '%016x' % h


def count_ids(all_ids):
    return sum(len(ids) for ids in all_ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('docs')
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--core', type=int, default=None, help='the core both sides are pinned to (default: the first allowed)')
    ap.add_argument('--threads-scaling', default='')
    a = ap.parse_args()
    opener = gzip.open if a.docs.endswith('.gz') else open
    with opener(a.docs, 'rt', encoding='utf-8') as f:
        texts = [json.loads(l)['text'] for l in f if l.strip()]
    mb = sum(len(t.encode()) for t in texts) / 1e6
    bench = os.path.join(a.build, 'bench', 'tokenizer_bench')
    core = pin_one_core(a.core) if not a.threads_scaling else None

    def ours(path, threads=1, runs=1):
        out = subprocess.run([bench, path, a.docs, str(threads), str(runs)], check=True, capture_output=True, text=True)
        r = json.loads(out.stdout)
        return ('timed', mb / r['mb_per_s'], r)  # its own timing: tokenizing only, not loading

    print(f'{len(texts)} documents, {mb:.1f} MB; one core ({core}) for both sides, alternating, best of {a.runs}')
    print(f'{"tokenizer":22} {"peer":42} {"peer MB/s":>9} {"ours MB/s":>9} {"ratio":>7}  ids (peer / ours)')

    def report(name, peer, t_peer, peer_ids, t_ours, r):
        same = r['checksum'] == checksum(peer_ids)
        n_peer = count_ids(peer_ids)
        print(f'{name:22} {peer:42} {mb / t_peer:9.2f} {mb / t_ours:9.2f} {t_peer / t_ours:6.2f}x  '
              f'{n_peer:,} / {r.get("tokens", 0):,} {"identical" if same else "DIFFERENT: void"}')

    deepseek = os.path.join(FIXTURES, 'deepseek-v3', 'tokenizer.json')
    from tokenizers import Tokenizer
    import tokenizers
    hf = Tokenizer.from_file(deepseek)
    hf.encode_special_tokens = True
    # The peer's fastest single-thread call: encode_batch (RAYON_NUM_THREADS=1).
    t_ours, r, t_hf, hf_ids = alternate(
        a.runs, lambda: ours(deepseek), lambda: [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)])
    report('deepseek-v3', 'tokenizers ' + tokenizers.__version__ + ' encode_batch', t_hf, hf_ids, t_ours, r)
    import tiktoken
    from tiktoken.load import load_tiktoken_bpe
    for name in ('cl100k_base', 'o200k_base'):
        path = os.path.join(FIXTURES, 'tiktoken', name + '.tiktoken')
        meta = json.load(open(path[:-9] + '.json'))
        enc = tiktoken.Encoding(name, pat_str=meta['pat_str'], mergeable_ranks=load_tiktoken_bpe(path),
                                special_tokens=meta['special_tokens'])
        t_ours, r, t_tk, tk_ids = alternate(
            a.runs, lambda: ours(path), lambda: enc.encode_ordinary_batch(texts, num_threads=1))
        report(name, 'tiktoken ' + tiktoken.__version__ + ' encode_ordinary_batch', t_tk, tk_ids, t_ours, r)
    if a.threads_scaling:
        print('\nthreads scaling (crawlproof, deepseek-v3):')
        base = None
        for n in [int(x) for x in a.threads_scaling.split(',')]:
            r = ours(deepseek, n, a.runs)[2]
            base = base or r['mb_per_s']
            print(f'  {n} threads: {r["mb_per_s"]:8.2f} MB/s  ({r["mb_per_s"] / base:.2f}x)')


if __name__ == '__main__':
    sys.exit(main())
