"""The scorer side of the "crawlproof-scorer/1" protocol (docs/classify.md).

    serve(score, model="name", model_sha256="hex")

reads batches from standard input, calls ``score(texts)`` with each batch's
texts (a list of str) and writes one answer per batch. ``score`` returns one
float per text, or raises: a ``DocumentError`` for one text (its index and
reason) becomes that document's error and the rest of the batch is scored
again without it; any other exception ends the scorer (crawlproof then
reports the batch and its first document).
"""

import hashlib
import json
import math
import os
import sys

PROTOCOL = "crawlproof-scorer/1"


class DocumentError(Exception):
    """One document of a batch cannot be scored (``index`` into the texts)."""

    def __init__(self, index, reason):
        super().__init__(reason)
        self.index = index
        self.reason = reason


def files_sha256(paths):
    """SHA-256 over the files' names and bytes, in name order: a model's digest."""
    h = hashlib.sha256()
    for path in sorted(paths, key=os.path.basename):
        h.update(os.path.basename(path).encode() + b"\0")
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _scores(score, texts):
    """Scores, or (index, reason) errors, for every text."""
    out = [None] * len(texts)
    todo = list(range(len(texts)))
    while todo:
        try:
            values = score([texts[i] for i in todo])
        except DocumentError as e:
            out[todo[e.index]] = ("error", str(e.reason))
            del todo[e.index]
            continue
        values = list(values)
        if len(values) != len(todo):
            raise RuntimeError("the scoring function gave %d scores for %d texts" % (len(values), len(todo)))
        for i, v in zip(todo, values):
            v = float(v)
            out[i] = ("score", v) if math.isfinite(v) else ("error", "not a finite score: %r" % v)
        todo = []
    return out


def serve(score, model, model_sha256, stdin=None, stdout=None):
    """Answers crawlproof's batches until its input ends."""
    stdin = stdin or sys.stdin.buffer
    stdout = stdout or sys.stdout.buffer
    hello = {"scorer": PROTOCOL, "model": model, "model_sha256": model_sha256}
    stdout.write(json.dumps(hello).encode() + b"\n")
    stdout.flush()
    for line in stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        docs = request["docs"]
        results = []
        for doc, (kind, value) in zip(docs, _scores(score, [d["text"] for d in docs])):
            results.append({"id": doc["id"], kind: value})
        answer = {"batch": request["batch"], "results": results}
        stdout.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        stdout.flush()
