"""Fixtures of the audit page's tests: a store made by real runs over the
bundled sample (real Common Crawl WARCs) and the planted pages
(tests/data/serve/planted.warc.gz: markup as text, near duplicates),
committed to a ledger signed with a key made for the test; and `crawlproof
serve` over it on a free loopback port."""
import json
import os
import re
import shutil
import signal
import subprocess
import urllib.request

import pytest

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CRAWLPROOF_BIN", os.path.join(SRC, "build", "release", "crawlproof"))
SAMPLE = ["CC-MAIN-2019-12-jwarc.warc.gz", "CC-MAIN-2020-34-resiliparse.warc.gz",
          "CC-MAIN-2022-05-cmoncrawl.warc.gz", "CC-MAIN-2024-22-whirlwind.warc.gz"]


def cli(*args, check=True):
    p = subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode not in (0, 1):
        raise AssertionError(f"crawlproof {' '.join(map(str, args))}: exit {p.returncode}\n{p.stderr}")
    return p


def make_site(d):
    """The sample's WARCs and planted.warc.gz in d/warcs; a ledger of two
    blocks (the sample, then the planted pages) signed with keys made here,
    the second switching to another validator set; its trust file pinned at
    the first block, so that bundles of the second carry a consistency proof
    and the signed switch."""
    os.makedirs(d / "warcs", exist_ok=True)
    for w in SAMPLE:
        shutil.copy(os.path.join(SRC, "data", "sample", w), d / "warcs" / w)
    shutil.copy(os.path.join(SRC, "tests", "data", "serve", "planted.warc.gz"), d / "warcs" / "planted.warc.gz")
    # Pages with question-answer pairs, so that the store has prompts to search.
    shutil.copy(os.path.join(SRC, "tests", "data", "prompts", "planted.warc.gz"), d / "warcs" / "prompts.warc.gz")
    cli("keygen", "--name", "auditor-test", "--out", d / "keys")
    cli("keygen", "--name", "auditor-next", "--out", d / "keys")
    (d / "next.valset").write_text(cli("ledger", "valset", "--quorum", "1", d / "keys" / "auditor-next.vkey").stdout)
    (d / "genesis.valset").write_text(cli("ledger", "valset", "--quorum", "1", d / "keys" / "auditor-test.vkey").stdout)
    (d / "trust.toml").write_text('origin = "crawlproof.test/serve"\nvalset_file = "genesis.valset"\n')
    common = ["--origin", "crawlproof.test/serve", "--key", d / "keys" / "auditor-test.key", "--root", d / "warcs"]
    cli("ledger", "build", *common, "--valset", d / "genesis.valset", "--out", d / "block0.json", "--time",
        "1796000000", *[d / "warcs" / w for w in SAMPLE])
    p = cli("ledger", "verify", d / "block0.json", "--trust", d / "trust.toml", "--pin")
    assert p.returncode == 0, p.stderr
    # Block 1 switches to the next set: signed by a quorum of both.
    cli("ledger", "build", *common, "--valset", d / "next.valset", "--key", d / "keys" / "auditor-next.key",
        "--prev", d / "block0.json", "--out", d / "ledger.json", "--time", "1796000600",
        d / "warcs" / "planted.warc.gz", d / "warcs" / "prompts.warc.gz")


def pipeline(d, name, warcs):
    path = d / f"{name}.toml"
    paths = ", ".join(json.dumps(f"warcs/{w}") for w in warcs)
    path.write_text(f'[run]\nname = "{name}"\noutput = "out"\nworkers = 2\ncommit_every = 1\n'
                    f'[source]\npaths = [{paths}]\n'
                    '[ledger]\nsnapshot = "ledger.json"\ntrust = "trust.toml"\nroot = "warcs"\n'
                    '[filter]\nlanguages = []\nsteps = ["url", "language", "gopher_repetition", "pii"]\n'
                    # A model's score on every document (nothing dropped): the page shows it.
                    f'[filter.classifier.lang]\nmodel = "{SRC}/tests/data/lid.176.ftz"\nlabel = "en"\n'
                    f'[tokenize]\ntokenizer = "{SRC}/data/tokenizers/deepseek-v3/tokenizer.json"\n'
                    'shard_tokens = 4000\n[prompts]\nenabled = true\n')
    return path


class Server:
    def __init__(self, d, *extra):
        self.proc = subprocess.Popen([BIN, "serve", "--store", d / "out" / "store", "--shards", d / "out" / "shards",
                                      "--trust", d / "trust.toml", "--listen", "127.0.0.1:0", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.proc.kill()
            raise AssertionError("serve did not start: " + line + self.proc.stderr.read())
        self.port = int(m.group(1))
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=20) == 0, self.proc.stderr.read()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    d = tmp_path_factory.mktemp("serve")
    make_site(d)
    cli("run", pipeline(d, "audit", SAMPLE + ["planted.warc.gz", "prompts.warc.gz"]), "--progress", "off")
    return d


@pytest.fixture(scope="session")
def server(site):
    s = Server(site)
    yield s
    s.stop()


def get(url, headers=None):
    """(status, headers, body bytes) of a GET, errors included."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def prompts(store):
    """Every prompt's account in the store, by id."""
    out = {}
    for line in cli("store", "dump", store, "--family", "prompts").stdout.splitlines():
        e = json.loads(line)
        out[e["key"]] = e["value"]
    return out


def accounts(store):
    """Every document's account in the store (store dump), by id."""
    out = {}
    for line in cli("store", "dump", store).stdout.splitlines():
        e = json.loads(line)
        out[e["key"]] = e["value"]
    return out
