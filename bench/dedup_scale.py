#!/usr/bin/env python3
"""Makes a large deduplication input from real text: N documents of 4–12
sentences, each sentence drawn at random from all the sentences of real
documents (`crawlproof extract` output) — so unrelated documents share few
5-word shingles — plus a share of planted near-duplicates (0–3 words of an
earlier document changed; 0 changes is an exact copy).

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
    sentences, vocab = [], []
    for line in open(a.source):
        text = json.loads(line)['text']
        for s in re.split(r'(?<=[.!?。])\s+|\n+', text):
            if len(s.split()) >= 5:
                sentences.append(s.strip())
        if len(vocab) < 200000:
            vocab.extend(text.split())
    made = []
    with open(a.out, 'w') as f:
        for i in range(a.n):
            if made and rng.random() < a.dup_share:
                base = made[rng.randrange(len(made))].split()
                for _ in range(rng.randint(0, 3)):
                    base[rng.randrange(len(base))] = vocab[rng.randrange(len(vocab))]
                text = ' '.join(base)
            else:
                text = ' '.join(sentences[rng.randrange(len(sentences))] for _ in range(rng.randint(4, 12)))
                if len(made) < 100000:
                    made.append(text)
                else:
                    made[rng.randrange(len(made))] = text
            f.write(json.dumps({'id': 'd%08d' % i, 'text': text}) + '\n')


if __name__ == '__main__':
    main()
