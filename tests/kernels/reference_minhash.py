"""Independent reference of the MinHash definition in kernels/minhash.h, written
from that text alone (Python integers, no shared code).

usage: python3 reference_minhash.py NUM_PERM NGRAM SEED < texts (one per line)
prints one line per text: the signature values in decimal, space-separated.
"""
import sys

M64 = (1 << 64) - 1
P = (1 << 61) - 1


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def perms(num_perm, seed):
    state = seed
    out = []
    for _ in range(num_perm):
        state = (state + 0x9E3779B97F4A7C15) & M64
        a = 1 + mix64(state) % (P - 1)
        state = (state + 0x9E3779B97F4A7C15) & M64
        b = mix64(state) % P
        out.append((a, b))
    return out


def fnv1a(word):
    h = 0xCBF29CE484222325
    for c in word:
        h = ((h ^ c) * 0x100000001B3) & M64
    return h


def signature(text, num_perm, n, seed):
    words = [fnv1a(w) for w in text.split(b' ') if w]
    shingles = []
    if words:
        length = min(len(words), n)
        for s in range(len(words) - length + 1):
            h = 0x9E3779B97F4A7C15 ^ n
            for w in words[s:s + length]:
                h = mix64(h ^ w)
            shingles.append(h % P)
    return [min([(a * x + b) % P for x in shingles], default=P) for a, b in perms(num_perm, seed)]


num_perm, n, seed = (int(x) for x in sys.argv[1:4])
for line in sys.stdin.buffer.read().split(b'\n')[:-1]:
    print(' '.join(str(v) for v in signature(line, num_perm, n, seed)))
