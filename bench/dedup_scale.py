#!/usr/bin/env python3
"""Makes a large deduplication input from real text: N documents of 60–200
words, each a run of consecutive sentences drawn from real documents
(`crawlproof extract` output), with a share of planted near-duplicates
(a few words changed) and exact copies.

usage: dedup_scale.py SOURCE_DOCS.jsonl OUT.jsonl N [--dup-share 0.1] [--seed 1]
"""
import argparse, json, random, re


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('source')
    ap.add_argument('out')
    ap.add_argument('n', type=int)
    ap.add_argument('--dup-share', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    words = []
    for line in open(a.source):
        words.extend(json.loads(line)['text'].split())
    vocab = words[: 200000]
    made = []
    with open(a.out, 'w') as f:
        for i in range(a.n):
            if made and rng.random() < a.dup_share:
                base = made[rng.randrange(len(made))].split()
                for _ in range(rng.randint(0, 3)):
                    base[rng.randrange(len(base))] = vocab[rng.randrange(len(vocab))]
                text = ' '.join(base)
            else:
                length = rng.randint(60, 200)
                start = rng.randrange(len(words) - length)
                text = ' '.join(words[start:start + length])
                if len(made) < 100000:
                    made.append(text)
                else:
                    made[rng.randrange(len(made))] = text
            f.write(json.dumps({'id': 'd%08d' % i, 'text': text}) + '\n')


if __name__ == '__main__':
    main()
