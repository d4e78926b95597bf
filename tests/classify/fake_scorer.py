#!/usr/bin/env python3
"""A crawlproof-scorer/1 scorer for the tests of classify/scorer_process.h,
standard library only. The score of a text is its share of the letter "e".

    fake_scorer.py MODE [N]
      ok            answers each batch in order
      reverse       holds batches (until two wait or input pauses), answers the
                    later first, each with its results in reverse order
      crash N       exits with status 3 after answering N batches
      hang N        stops answering after N batches (sleeps)
      wrong-count   leaves one result out
      unknown-id    answers one document under an id it was not sent
      errors        an error for every text containing "session"
      bad-hello     a first line that is not the hello
      flood         an answer that never ends (bytes without a newline)
"""
import json
import random
import select
import sys
import time

mode = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 0
out = sys.stdout


def say(obj):
    out.write(json.dumps(obj) + "\n")
    out.flush()


def score(text):
    return text.count("e") / max(1, len(text))


def answer(req):
    results = []
    for d in req["docs"]:
        if mode == "errors" and "session" in d["text"]:
            results.append({"id": d["id"], "error": "no scores for sessions today"})
        else:
            results.append({"id": d["id"], "score": score(d["text"])})
    if mode == "wrong-count":
        results.pop()
    if mode == "unknown-id":
        results[0]["id"] = "not-a-document"
    if mode == "reverse":
        results.reverse()
    return {"batch": req["batch"], "results": results}


if mode == "bad-hello":
    say({"hello": "world"})
else:
    say({"scorer": "crawlproof-scorer/1", "model": "fake-" + mode, "model_sha256": "ab" * 32})

answered = 0
held = []
stdin = sys.stdin
while True:
    if mode == "reverse" and held and not select.select([stdin], [], [], 0.2)[0]:
        for req in reversed(held):
            say(answer(req))
        held = []
        continue
    line = stdin.readline()
    if not line:
        break
    req = json.loads(line)
    if mode == "crash" and answered == n:
        sys.exit(3)
    if mode == "hang" and answered == n:
        time.sleep(3600)
    if mode == "flood":
        chunk = "x" * (1 << 20)
        while True:
            out.write(chunk)
    if mode == "reverse":
        held.append(req)
        if len(held) == 2:
            for r in reversed(held):
                say(answer(r))
            held = []
        continue
    say(answer(req))
    answered += 1
for req in reversed(held):
    say(answer(req))
