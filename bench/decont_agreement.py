#!/usr/bin/env python3
"""crawlproof's `decontaminate` step against datatrove's n-gram
decontamination, decision by decision, on the same documents and sets.

usage: decont_agreement.py CRAWLPROOF DOCS.jsonl[.gz] SET... [--ngram 12]
                           [--write-reference OUT.jsonl.gz --reference-texts N]

datatrove's side: each set's items are hashed as NGramsDecontIndexer does for
an item without a query (its compute_hashes: simplify_text, the English word
tokenizer, n-grams, xxhash), written as `<set>.index.hashes`, and every
document goes through NGramsDecontFilter. crawlproof's side: `crawlproof
filter --config` with steps = ["decontaminate"] and the same files. Printed:
documents, dropped by each, agreement (same keep/drop and same set), and the
disagreements with both sides' matching n-grams.

--write-reference: the normalised words datatrove makes of the first N
documents and of every set item (simplify_text + word_tokenize), for
tests/filter/decontaminate_test.cc.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from datatrove.data import Document
from datatrove.pipeline.decont.n_grams import NGramsDecontConfig, NGramsDecontFilter
from datatrove.utils.hashing import create_hash_func
from datatrove.utils.text import ngrams, simplify_text
from datatrove.utils.word_tokenizers import load_word_tokenizer


def read_lines(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [line for line in f if line.strip()]


def items_of(path):
    json_lines = path.endswith((".jsonl", ".json", ".ndjson"))
    return [json.loads(l)["text"] if json_lines else l.rstrip("\r\n") for l in read_lines(path)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("crawlproof")
    ap.add_argument("docs")
    ap.add_argument("sets", nargs="+")
    ap.add_argument("--ngram", type=int, default=12)
    ap.add_argument("--write-reference")
    ap.add_argument("--reference-texts", type=int, default=200)
    a = ap.parse_args()
    docs = [json.loads(l) for l in read_lines(a.docs)]
    config = NGramsDecontConfig(n_grams=a.ngram)
    tokenizer = load_word_tokenizer("eng")
    words = lambda text: tokenizer.word_tokenize(simplify_text(text, config.norm_config))

    if a.write_reference:
        texts = [d["text"] for d in docs[: a.reference_texts]] + [t for s in a.sets for t in items_of(s)]
        with gzip.open(a.write_reference, "wt", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps({"text": t, "words": words(t)}, ensure_ascii=False) + "\n")
        print(f"wrote {len(texts)} texts to {a.write_reference}")
        return 0

    work = tempfile.mkdtemp(prefix="decont-")
    index = os.path.join(work, "index")
    os.makedirs(index)
    hash_func = create_hash_func(config.hash_config)
    t0 = time.time()
    for s in a.sets:
        hashes = set()
        for t in items_of(s):
            hashes.update(map(hash_func, map(" ".join, ngrams(words(t), a.ngram))))
        name = os.path.splitext(os.path.basename(s))[0]
        np.array(sorted(hashes), dtype=config.hash_config.np_descr).tofile(os.path.join(index, name + ".index.hashes"))
    dt_filter = NGramsDecontFilter(index, config=config)
    theirs = []
    for i, d in enumerate(docs):
        doc = Document(text=d["text"], id=str(i))
        r = dt_filter.filter(doc)
        theirs.append(None if r is True else (doc.metadata["contaminated_task"], doc.metadata["contaminated_ngram"]))
    dt_seconds = time.time() - t0

    cfg = os.path.join(work, "decont.toml")
    with open(cfg, "w") as f:
        f.write('[filter]\nsteps = ["decontaminate"]\n[filter.decontaminate]\nfiles = %s\nngram = %d\n'
                % (json.dumps([os.path.abspath(s) for s in a.sets]), a.ngram))
    plain = os.path.join(work, "docs.jsonl")
    with open(plain, "w", encoding="utf-8") as f:
        for i, d in enumerate(docs):
            f.write(json.dumps({"id": str(i), "text": d["text"]}, ensure_ascii=False) + "\n")
    t0 = time.time()
    subprocess.run([a.crawlproof, "filter", "--config", cfg, "--input", plain, "--output", os.devnull, "--dropped",
                    os.path.join(work, "dropped.jsonl")], check=True, stderr=subprocess.DEVNULL)
    cp_seconds = time.time() - t0
    ours = [None] * len(docs)
    for l in open(os.path.join(work, "dropped.jsonl"), encoding="utf-8"):
        d = json.loads(l)
        ours[int(d["id"])] = (d["reason"].split(":", 1)[1], d.get("match", ""))

    agree = sum((o is None) == (t is None) and (o is None or o[0] == t[0]) for o, t in zip(ours, theirs))
    print(f"documents {len(docs)}, sets {len(a.sets)}, ngram {a.ngram}")
    print(f"dropped: crawlproof {sum(o is not None for o in ours)}, datatrove {sum(t is not None for t in theirs)}")
    print(f"same decision (and set): {agree} of {len(docs)} ({100 * agree / len(docs):.2f}%)")
    print(f"time (index + filter): crawlproof {cp_seconds:.2f} s (the whole command), datatrove {dt_seconds:.2f} s")
    shown = 0
    for i, (o, t) in enumerate(zip(ours, theirs)):
        if (o is None) != (t is None) or (o and o[0] != t[0]):
            if shown < 10:
                print(f"  doc {i}: crawlproof {o}, datatrove {t}")
            shown += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
