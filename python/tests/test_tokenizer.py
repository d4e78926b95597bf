import json
import os
import threading
import time

import numpy as np
import pytest

import crawlproof
from conftest import SRC, TOKENIZER, cli


@pytest.fixture(scope="module")
def tok():
    return crawlproof.Tokenizer.from_file(TOKENIZER)


def test_ids_equal_the_cli(tok, texts, tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(texts)))
    out = cli("tokenize", "--tokenizer", TOKENIZER, "--input", str(docs)).stdout.splitlines()
    want = [json.loads(l)["ids"] for l in out]
    assert len(want) == len(texts)
    assert tok.encode_batch(texts, threads=2) == want
    assert [tok.encode(t) for t in texts[:50]] == want[:50]


def test_ids_equal_hugging_face(tok, texts):
    tokenizers = pytest.importorskip("tokenizers")
    hf = tokenizers.Tokenizer.from_file(TOKENIZER)
    want = [e.ids for e in hf.encode_batch(texts, add_special_tokens=False)]
    assert tok.encode_batch(texts) == want


def test_numpy_arrays_and_decode(tok, texts):
    arrays = tok.encode_batch(texts[:20], as_numpy=True)
    for t, a in zip(texts[:20], arrays):
        assert a.dtype == np.uint32 and a.flags.owndata is False  # owned by the encoded vector, not copied
        assert a.tolist() == tok.encode(t)
        assert tok.decode(a) == t
        assert tok.decode(a.tolist()) == t
    assert tok.encode("héllo".encode("utf-8")) == tok.encode("héllo")
    assert tok.vocab_size == 128815


def test_bad_arguments(tok):
    with pytest.raises(TypeError):
        tok.encode(123)
    with pytest.raises(TypeError):
        tok.encode_batch(["a", None])
    with pytest.raises(ValueError):
        tok.decode([-1])
    with pytest.raises(ValueError):
        tok.decode([tok.vocab_size])
    with pytest.raises(FileNotFoundError) as e:
        crawlproof.Tokenizer.from_file("/nonexistent/tokenizer.json")
    assert "/nonexistent/tokenizer.json" in str(e.value)
    bad = os.path.join(SRC, "tests", "data", "tokenizer-edge-cases.jsonl")
    with pytest.raises((ValueError, crawlproof.Error)):
        crawlproof.Tokenizer.from_file(bad)


def test_python_runs_while_a_thread_encodes(tok, texts):
    # Held, the GIL would stop this loop for the whole encode.
    big = "\n".join(texts) * 2
    done = threading.Event()
    th = threading.Thread(target=lambda: (tok.encode(big), done.set()))
    spins = 0
    th.start()
    while not done.is_set():
        spins += 1
    th.join()
    assert spins > 1000, spins


def test_gil_released_two_threads_faster_than_one(tok, texts):
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core")
    batch = texts * 2

    def work():
        for t in batch:
            tok.encode(t)

    work()  # warm
    best = 0.0
    for _ in range(3):  # the best of three: other processes may take a core for a moment
        t0 = time.perf_counter()
        work()
        work()
        one = time.perf_counter() - t0
        threads = [threading.Thread(target=work) for _ in range(2)]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        best = max(best, one / (time.perf_counter() - t0))
    assert best > 1.3, f"two threads at once were only {best:.2f}x one thread doing the same work"


def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_no_leak_over_ten_thousand_calls(tok):
    text = "A train travels 180 km in 2 hours. " * 20
    for _ in range(1000):
        tok.encode(text, as_numpy=True)
    before = rss()
    for _ in range(10000):
        tok.encode(text)
        tok.encode(text, as_numpy=True)
        tok.decode(tok.encode_batch([text])[0])
    grown = rss() - before
    assert grown < 8 << 20, f"RSS grew {grown} bytes over 10,000 rounds"
