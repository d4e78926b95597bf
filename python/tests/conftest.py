"""Fixtures: the crawlproof binary (CRAWLPROOF_BIN, default
build/release/crawlproof) and one run over the bundled sample (real Common
Crawl WARCs with their ledger) plus the planted prompt pages, made once per
session in a temporary folder."""
import json
import os
import shutil
import subprocess

import pytest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CRAWLPROOF_BIN", os.path.join(SRC, "build", "release", "crawlproof"))
TOKENIZER = os.path.join(SRC, "data", "tokenizers", "deepseek-v3", "tokenizer.json")


def cli(*args, check=True):
    p = subprocess.run([BIN, *args], capture_output=True, text=True)
    if check and p.returncode != 0:
        raise AssertionError(f"crawlproof {' '.join(args)}: exit {p.returncode}\n{p.stderr}")
    return p


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("run")
    shutil.copytree(os.path.join(SRC, "data", "sample"), d / "sample")
    for f in ("planted.warc.gz", "planted-2.warc.gz"):
        shutil.copy(os.path.join(SRC, "tests", "data", "prompts", f), d / "sample" / ("prompts-" + f))
    (d / "p.toml").write_text(
        '[run]\noutput = "out"\nworkers = 2\n[source]\npaths = ["sample/*.warc.gz"]\n'
        '[ledger]\nsnapshot = "sample/ledger.json"\ntrust = "sample/trust.toml"\nroot = "sample"\n'
        'on_missing = "allow"\n[filter]\nlanguages = []\nsteps = ["url", "language"]\n'
        f'[tokenize]\ntokenizer = "{TOKENIZER}"\nshard_tokens = 4000\n[prompts]\nenabled = true\n'
        '[output]\ndocuments = true\n')
    cli("run", str(d / "p.toml"), "--progress", "off")
    return d


@pytest.fixture(scope="session")
def manifest(run_dir):
    return str(run_dir / "out" / "shards" / "manifest.json")


@pytest.fixture(scope="session")
def texts():
    import gzip

    out = []
    with gzip.open(os.path.join(SRC, "tests", "data", "multilingual-docs.jsonl.gz"), "rt", encoding="utf-8") as f:
        for line in f:
            out.append(json.loads(line)["text"])
            if len(out) == 300:
                break
    return out
