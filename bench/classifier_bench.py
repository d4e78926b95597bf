#!/usr/bin/env python3
"""What model classifiers cost (docs/classify.md), two measurements:

1. run: `crawlproof run` over the same WARC files with and without a
   fastText classifier step (e.g. a DCLM-shaped model), one worker, pinned to
   one core, alternating, best of --rounds; the documents seen and decided are
   counted on both sides and must agree.
2. scorer (with --hf-python): a Hugging Face model (a BERT built from a config,
   --hidden/--layers) scoring the same pages three ways, pinned to one core:
   its own forward passes in one Python process (load excluded), and
   `crawlproof filter` with it as an out-of-process classifier, less
   `crawlproof filter` without the step and less the scorer's start-up (from
   its start to its hello, which comes after the model is loaded: crawlproof
   logs it). The difference is what the protocol adds.

usage: classifier_bench.py BUILD_DIR WARC... --model M --label L [--keep K]
       [--rounds 3] [--cpu 1] [--hf-python PY --pages JSONL.gz [--docs 400]]
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def wall(cmd, cpu, **kw):
    t0 = time.perf_counter()
    p = subprocess.run(["taskset", "-c", str(cpu)] + cmd, capture_output=True, text=True, **kw)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), p.stderr[-3000:]))
    return t, p


def pipeline(work, name, warcs, classifier):
    toml = os.path.join(work, name + ".toml")
    with open(toml, "w") as f:
        f.write('[run]\noutput = "%s"\nworkers = 1\n[source]\npaths = %s\n[ledger]\non_missing = "allow"\n'
                '[tokenize]\ntokenizer = "%s/data/tokenizers/deepseek-v3/tokenizer.json"\n'
                % (os.path.join(work, name), json.dumps(warcs), SRC))
        if classifier:
            f.write("[filter.classifier.q]\n" + classifier)
    return toml


def run_bench(a, work):
    warcs = [os.path.abspath(w) for w in a.warcs]
    keep = "keep = %r\n" % a.keep
    cls = 'model = "%s"\nlabel = "%s"\n%s' % (os.path.abspath(a.model), a.label, keep)
    best = {"without": 1e30, "with": 1e30}
    stats = {}
    for _ in range(a.rounds):
        for name, c in (("without", ""), ("with", cls)):
            shutil.rmtree(os.path.join(work, name), ignore_errors=True)
            t, p = wall([os.path.join(a.build, "crawlproof"), "run", pipeline(work, name, warcs, c), "--progress", "off"],
                        a.cpu)
            best[name] = min(best[name], t)
            stats[name] = json.loads(p.stdout.strip().splitlines()[-1])
    seen = {k: sum(v["documents"].values()) for k, v in stats.items()}
    scored = stats["with"]["dropped"].get("classifier:q", 0)
    print("run: %d WARC files, %d documents on both sides (%s); %d dropped by the classifier" %
          (len(warcs), seen["without"], "equal" if seen["with"] == seen["without"] else "DIFFERENT", scored))
    print("run: without %.2f s, with %.2f s: +%.1f%%" %
          (best["without"], best["with"], 100 * (best["with"] / best["without"] - 1)))
    return seen["with"] == seen["without"]


BUILD_MODEL = r'''
import collections, json, re, sys, torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizerFast
out, hidden, layers, texts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.load(open(sys.argv[4]))
words = collections.Counter(w for t in texts for w in re.findall(r"[a-z]+", t.lower()))
vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + [w for w, _ in words.most_common(20000)]
open(out + "/vocab.txt", "w").write("\n".join(vocab) + "\n")
BertTokenizerFast(out + "/vocab.txt").save_pretrained(out)
torch.manual_seed(1)
BertForSequenceClassification(BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
    num_attention_heads=4, intermediate_size=4 * hidden, max_position_embeddings=512, num_labels=1)).save_pretrained(out)
'''

IN_PROCESS = r'''
import json, sys, time, torch
torch.set_num_threads(1)
from crawlproof.scorers.hf import load, scorer
t0 = time.perf_counter()
tok, model, device = load(sys.argv[1], "cpu", "float32")
t1 = time.perf_counter()
texts = json.load(open(sys.argv[2]))
score = scorer(tok, model, device, None, batch_size=int(sys.argv[3]), max_length=int(sys.argv[4]))
t2 = time.perf_counter()
out = []
for i in range(0, len(texts), int(sys.argv[5])):   # crawlproof's batches
    out += score(texts[i:i + int(sys.argv[5])])
t3 = time.perf_counter()
print(json.dumps({"load": t1 - t0, "score": t3 - t2, "n": len(out)}))
'''


def scorer_bench(a, work):
    with gzip.open(a.pages, "rt") as f:
        docs = [json.loads(line) for _, line in zip(range(a.docs), f)]
    joined = [" ".join(d["text"].strip().splitlines()) for d in docs]
    with open(os.path.join(work, "texts.json"), "w") as f:
        json.dump(joined, f)
    with open(os.path.join(work, "docs.jsonl"), "w") as f:
        for d in docs:
            f.write(json.dumps({"id": d["id"], "text": d["text"]}) + "\n")
    model = os.path.join(work, "bert")
    os.makedirs(model, exist_ok=True)
    subprocess.run([a.hf_python, "-c", BUILD_MODEL, model, str(a.hidden), str(a.layers), os.path.join(work, "texts.json")],
                   check=True)
    env = dict(os.environ, PYTHONPATH=os.path.join(a.build, "python"), OMP_NUM_THREADS="1")
    cmd = [a.hf_python, "-m", "crawlproof.scorers.hf", "--model", model, "--device", "cpu", "--dtype", "float32",
           "--batch-size", "16", "--max-length", str(a.max_length)]
    with open(os.path.join(work, "with.toml"), "w") as f:
        f.write("[filter]\nsteps = []\n[filter.classifier.s]\ncommand = %s\nbatch_size = 64\n" % json.dumps(cmd))
    with open(os.path.join(work, "without.toml"), "w") as f:
        f.write("[filter]\nsteps = []\n")
    best = {"model": 1e30, "load": 1e30, "with": 1e30, "without": 1e30, "scoring": 1e30}
    counts = {}
    for _ in range(a.rounds):
        _, p = wall([a.hf_python, "-c", IN_PROCESS, model, os.path.join(work, "texts.json"), "16", str(a.max_length),
                     "64"], a.cpu, env=env)
        r = json.loads(p.stdout)
        best["model"] = min(best["model"], r["score"])
        best["load"] = min(best["load"], r["load"])
        counts["model"] = r["n"]
        for name in ("with", "without"):
            out = os.path.join(work, name + ".jsonl")
            t, p = wall([os.path.join(a.build, "crawlproof"), "--log-format", "text", "filter", "--input",
                         os.path.join(work, "docs.jsonl"), "--config", os.path.join(work, name + ".toml"), "--output",
                         out, "--dropped", os.path.join(work, name + "-dropped.jsonl"), "--force"], a.cpu, env=env)
            best[name] = min(best[name], t)
            if name == "with":
                ready = float(re.search(r"ready in ([0-9.]+) s", p.stderr).group(1))
                best["ready"] = ready
                best["scoring"] = min(best["scoring"], t - ready)
            counts[name] = sum(1 for _ in open(out))
    protocol = best["scoring"] - best["without"]
    print("scorer: %d pages; model alone %.2f s (%d scores); crawlproof filter with the scorer %.2f s (its start to "
          "its hello %.2f s), without %.2f s" % (len(docs), best["model"], counts["model"], best["with"], best["ready"],
                                                best["without"]))
    print("scorer: out of process %.2f s over the model's own %.2f s: %+.1f%%" %
          (protocol, best["model"], 100 * (protocol / best["model"] - 1)))
    return counts["with"] == counts["without"] == counts["model"] == len(docs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("warcs", nargs="*")
    p.add_argument("--model")
    p.add_argument("--label", default="__label__hq")
    p.add_argument("--keep", type=float, default=0.5)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--cpu", type=int, default=1)
    p.add_argument("--hf-python")
    p.add_argument("--pages", default=os.path.join(SRC, "tests", "data", "multilingual-docs.jsonl.gz"))
    p.add_argument("--docs", type=int, default=400)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--max-length", type=int, default=256)
    a = p.parse_args()
    ok = True
    with tempfile.TemporaryDirectory(prefix="classifier-bench-") as work:
        if a.warcs and a.model:
            ok &= run_bench(a, work)
        if a.hf_python:
            ok &= scorer_bench(a, work)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
