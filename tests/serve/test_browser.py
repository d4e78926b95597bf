"""The audit page in a real browser: headless Chromium (Debian's chromium
and chromium-driver) driven by Selenium. A search, a document's page whose
proof the browser checks (verification-status ends "verified"), bundles
tampered by a test proxy and another validator set failing with their
reasons, the record's bytes checked, planted markup rendered inert."""
import http.server
import json
import os
import shutil
import threading
import urllib.request

import pytest

from conftest import accounts

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not os.path.exists(CHROMEDRIVER) or not (shutil.which("chromium") or shutil.which("chromium-browser")):
    pytest.skip("chromium and chromium-driver are not installed (scripts/bootstrap installs them)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"):
        o.add_argument(a)
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
    d.set_page_load_timeout(60)
    yield d
    d.quit()


def verdict(d, timeout=30):
    WebDriverWait(d, timeout).until(
        lambda d: d.find_elements(By.ID, "verification-status")
        and d.find_element(By.ID, "verification-status").text not in ("", "checking…"))
    return d.find_element(By.ID, "verification-status").text


class Proxy:
    """Serves the page as the real server does, but changes the bundles it
    passes on as `tamper` says: the fixture an attacker would be."""

    def __init__(self, upstream):
        self.tamper = None
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_GET(self):
                try:
                    with urllib.request.urlopen(upstream + self.path, timeout=30) as r:
                        status, headers, body = r.status, r.headers, r.read()
                except urllib.error.HTTPError as e:
                    status, headers, body = e.code, e.headers, e.read()
                if self.path.startswith("/api/bundle/") and status == 200 and proxy.tamper:
                    body = json.dumps(proxy.tamper(json.loads(body))).encode()
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "date", "server", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


@pytest.fixture(scope="module")
def proxy(server):
    p = Proxy(server.base)
    yield p
    p.close()


def in_shard_verified(site):
    docs = accounts(site / "out" / "store")
    return docs, sorted(i for i, a in docs.items() if a["status"] == "in-shard" and a["verification"] == "verified")


def test_search_open_and_verify(browser, server, site):
    docs, ids = in_shard_verified(site)
    target = docs[ids[0]]
    d = browser
    d.get(server.base + "/")
    box = d.find_element(By.ID, "search-input")
    box.send_keys(target["source"]["url"])
    d.find_element(By.CSS_SELECTOR, "#search-form button").click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "results"))
    links = d.find_elements(By.CSS_SELECTOR, "#results a")
    assert ids[0] in [l.text for l in links]
    next(l for l in links if l.text == ids[0]).click()
    assert verdict(d) == "verified"
    steps = d.find_element(By.ID, "verification-steps").text
    for s in ("passed trust file", "passed block signatures", "passed file entry", "passed record leaf"):
        assert s in steps
    # Block 0 is signed by the genesis set, block 1 by the set it switches to.
    signer = "auditor-next" if target["source"]["file"] in ("planted.warc.gz", "prompts.warc.gz") else "auditor-test"
    assert "signed by " + signer in d.find_element(By.ID, "ledger-story").text
    fp = d.find_element(By.ID, "trust-fingerprint").text
    assert fp == json.load(urllib.request.urlopen(server.base + "/api/trust"))["valset_sha256"]
    assert "checked in the token file" in d.find_element(By.ID, "tokens-check").text
    assert target["source"]["url"] == d.find_element(By.ID, "doc-url").text
    # The record's bytes from the source: the content hash too.
    d.find_element(By.CSS_SELECTOR, "#verification details:nth-of-type(2) summary").click()
    d.find_element(By.ID, "fetch-record").click()
    WebDriverWait(d, 30).until(lambda d: "content" in d.find_element(By.ID, "verification-steps").text)
    assert verdict(d) == "verified"
    assert "passed content" in d.find_element(By.ID, "verification-steps").text
    severe = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []


def test_every_verified_document_verifies(browser, server, site):
    docs = accounts(site / "out" / "store")
    verified = sorted(i for i, a in docs.items() if a["verification"] == "verified")
    assert len(verified) > 20
    pins = set()
    later = ("planted.warc.gz", "prompts.warc.gz")  # the ledger's second block
    for doc_id in verified[::4] + [i for i in verified if docs[i]["source"]["file"] in later][:2]:
        browser.get(server.base + "/doc/" + urllib.request.quote(doc_id, safe=""))
        assert verdict(browser) == "verified", doc_id
        steps = browser.find_element(By.ID, "verification-steps").text
        pin = "extends the pinned block" if docs[doc_id]["source"]["file"] in later else "same block"
        assert "passed pin: " + pin in steps, (doc_id, steps)
        switched = "passed validator set switch 1: block 1 switches to a set of 1" in steps
        assert switched == (docs[doc_id]["source"]["file"] in later), steps
        pins.add(pin)
    assert pins == {"extends the pinned block", "same block"}


def verdict_through(browser, proxy, tamper, doc_id):
    """The verdict on a document's page loaded through the proxy, its bundle changed by `tamper`."""
    proxy.tamper = tamper
    try:
        browser.get(proxy.base + "/doc/" + urllib.request.quote(doc_id, safe=""))
        return verdict(browser)
    finally:
        proxy.tamper = None


def flip_hex(s):
    return s[:-1] + ("0" if s[-1] != "0" else "1")


@pytest.mark.parametrize("tamper, reason", [
    (lambda b: dict(b, leaf=flip_hex(b["leaf"])), "failed: record: inclusion proof does not lead to the root"),
    (lambda b: dict(b, entry_path=[flip_hex(b["entry_path"][0])] + b["entry_path"][1:]),
     "failed: file entry: inclusion proof does not lead to the root"),
    (lambda b: dict(b, block_note=b["block_note"].replace("\nheight ", "\nheight 1", 1)), "failed: block: "),
    (lambda b: dict(b, origin="crawlproof.test/elsewhere"),
     "failed: origin: origin 'crawlproof.test/elsewhere' is not the trusted one"),
    (lambda b: dict(b, offset=b["offset"] + 1), "failed: record: the leaf's offset/length are not the bundle's"),
    (lambda b: dict(b, valsets=b["valsets"][:1] + [b["valsets"][0]]),
     "failed: validator set switch 1: the block does not name this validator set"),
    (lambda b: dict(b, switch_blocks=[], valsets=b["valsets"][:1]),
     "failed: block: signed under a validator set the history does not reach"),
    (lambda b: dict(b, pin=dict(b["pin"], proof=[flip_hex(h) for h in b["pin"]["proof"]])),
     "failed: pin: the trust file pins block 0, the bundle's block is at height 1: not consistent with the pinned "
     "block (fork): consistency proof does not lead to the"),
    (lambda b: {k: v for k, v in b.items() if k != "pin"},
     "failed: pin: the trust file pins block 0, the bundle's block is at height 1 and the bundle carries no proof"),
])
def test_tampered_bundles_fail_with_their_reason(browser, proxy, site, tamper, reason):
    docs = accounts(site / "out" / "store")
    doc_id = next(i for i, a in sorted(docs.items())
                  if a["verification"] == "verified" and a["source"]["file"] == "planted.warc.gz")
    got = verdict_through(browser, proxy, tamper, doc_id)
    assert got.startswith(reason), got
    assert "failed" in browser.find_element(By.ID, "verification-steps").text


def bundle_of(server, doc_id):
    with urllib.request.urlopen(server.base + "/api/bundle/" + urllib.request.quote(doc_id, safe=""), timeout=30) as r:
        return json.load(r)


def test_a_bundle_must_be_about_the_document_shown(browser, proxy, server, site):
    """A proxy that answers a document's bundle with another record's proof
    (with or without that record's decisions), or with the document's own
    decisions over another record's ledger fields, gets "failed", and the
    story's Ledger row no longer says verified."""
    docs, ids = in_shard_verified(site)
    by_file = {}
    for i in ids:
        by_file.setdefault(docs[i]["source"]["file"], []).append(i)
    a, b = next(v for v in by_file.values() if len(v) >= 2)[:2]
    other = bundle_of(server, b)
    got = verdict_through(browser, proxy, lambda _: dict(other, decisions=None), a)
    assert got == f"failed: document: the bundle carries no account of document {a}: it proves a record, not this " \
                  "document", got
    ledger = browser.find_element(By.ID, "ledger-failed").text
    assert ledger.startswith("not verified in this browser: document: "), ledger
    got = verdict_through(browser, proxy, lambda _: other, a)
    assert got == f"failed: document: the bundle is about document {b}, not {a}", got
    fields = ("offset", "length", "record_index", "leaf", "record_path")
    got = verdict_through(browser, proxy, lambda x: dict(x, **{k: other[k] for k in fields}), a)
    assert got.startswith("failed: document: the document's account names another record than the ledger proof: its "
                          "record_id is "), got
    # The genuine bundle still verifies through the same proxy.
    assert verdict_through(browser, proxy, lambda x: x, a) == "verified"


def test_filter_changes_and_the_tokenized_text(browser, server, site):
    """The page of a document whose e-mail and IP the filters redacted says
    so in its story, and shows the tokenized text beside the source's."""
    docs = accounts(site / "out" / "store")
    doc_id = next(i for i, a in docs.items() if a["source"]["url"].endswith("/contact.html"))
    browser.get(server.base + "/doc/" + urllib.request.quote(doc_id, safe=""))
    assert verdict(browser) == "verified"
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "tokenized-preview"))
    assert browser.find_element(By.ID, "filter-changes").text == "pii:email \u00d71, pii:ip \u00d71"
    tokenized = browser.find_element(By.ID, "tokenized-preview").text
    source = browser.find_element(By.ID, "text-preview").text
    assert "records.office@example.org" in source and "records.office@example.org" not in tokenized
    assert "It hashes to the text_sha256" in browser.find_element(By.ID, "tokenized-origin").text
    # The model's score of it, with the model's digest.
    scores = browser.find_element(By.ID, "classifier-scores").text
    assert scores.startswith("lang scored __label__en "), scores
    assert docs[doc_id]["classifiers"]["lang"]["model_sha256"] in scores


def test_a_signature_changed_fails(browser, proxy, site):
    docs, ids = in_shard_verified(site)
    block0 = next(i for i in ids if docs[i]["source"]["file"] not in ("planted.warc.gz", "prompts.warc.gz"))

    def forge(b):
        note = b["block_note"]
        head, sig = note.rsplit(" ", 1)
        raw = bytearray(__import__("base64").b64decode(sig))
        raw[-1] ^= 1
        return dict(b, block_note=head + " " + __import__("base64").b64encode(bytes(raw)).decode() + "\n")

    got = verdict_through(browser, proxy, forge, block0)
    assert got == "failed: block: signature by auditor-test does not verify: the note was changed or forged", got


def test_another_validator_set_fails(browser, server, site, tmp_path):
    from conftest import cli

    _, ids = in_shard_verified(site)
    cli("keygen", "--name", "someone-else", "--out", tmp_path)
    other = cli("ledger", "valset", "--quorum", "1", tmp_path / "someone-else.vkey").stdout
    d = browser
    d.get(server.base + "/doc/" + urllib.request.quote(ids[0], safe=""))
    assert verdict(d) == "verified"
    d.find_element(By.CSS_SELECTOR, "#verification details summary").click()
    area = d.find_element(By.ID, "trust-valset")
    area.clear()
    area.send_keys(other)
    d.find_element(By.ID, "recheck").click()
    WebDriverWait(d, 30).until(lambda d: d.find_element(By.ID, "verification-status").text.startswith("failed"))
    assert verdict(d) == ("failed: genesis validator set: the bundle's genesis validator set is not the trusted one")


def test_planted_markup_renders_inert(browser, server, site):
    docs = accounts(site / "out" / "store")
    hostile = next(i for i, a in docs.items()
                   if a["source"]["url"].endswith("/hostile.html") and a["source"]["file"] == "planted.warc.gz")
    marked_url = next(i for i, a in docs.items() if "search.html" in a["source"]["url"])
    d = browser
    for doc_id in (hostile, marked_url):
        d.get(server.base + "/doc/" + urllib.request.quote(doc_id, safe=""))
        verdict(d)
        WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "text-preview"))
        assert d.execute_script("return window.__pwned") is None
        assert d.title.startswith("document ") and "pwned" not in d.title
        assert [s.get_attribute("src") for s in d.find_elements(By.TAG_NAME, "script")] == [
            server.base + "/static/verify.js", server.base + "/static/app.js"]
        assert d.find_elements(By.TAG_NAME, "img") == [] and d.find_elements(By.TAG_NAME, "iframe") == []
    d.get(server.base + "/doc/" + urllib.request.quote(hostile, safe=""))
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "text-preview"))
    preview = d.find_element(By.ID, "text-preview").text
    assert "<script>window.__pwned = 1;" in preview and len(preview) <= 501
    d.find_element(By.ID, "show-all-text").click()
    full = d.find_element(By.ID, "text-preview").text
    assert '<iframe src="javascript:parent.__pwned=4">' in full and len(full) > 500
    assert d.execute_script("return window.__pwned") is None
    # The search page with markup in a query: shown as text.
    d.get(server.base + "/search?q=" + urllib.request.quote("<script>window.__pwned=5</script>") + "&kind=doc")
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "no-results"))
    assert "<script>window.__pwned=5</script>" in d.find_element(By.TAG_NAME, "main").text
    assert d.execute_script("return window.__pwned") is None


def test_dedup_link_and_unknown_document(browser, server, site):
    docs = accounts(site / "out" / "store")
    dup = next(i for i, a in docs.items() if a.get("dedup"))
    d = browser
    d.get(server.base + "/doc/" + urllib.request.quote(dup, safe=""))
    verdict(d)
    link = d.find_element(By.ID, "duplicate-of")
    assert link.text == docs[dup]["dedup"]["duplicate_of"]
    link.click()
    WebDriverWait(d, 30).until(lambda d: d.find_element(By.ID, "doc-id").text == docs[dup]["dedup"]["duplicate_of"])
    dropped = next(i for i, a in sorted(docs.items()) if a["status"] == "dropped" and a.get("check"))
    d.get(server.base + "/doc/" + urllib.request.quote(dropped, safe=""))
    verdict(d)
    c = docs[dropped]["check"]
    three = lambda v: repr(float("%.3g" % v)).removesuffix(".0")  # as JavaScript's +v.toPrecision(3) prints it
    assert d.find_element(By.ID, "filter-check").text == (
        ": measured " + three(c["value"]) + " against the threshold " + three(c["threshold"]))
    d.get(server.base + "/doc/no-such-document")
    assert verdict(d) == "failed: not in the store"


def test_prompt_search_and_links(browser, server, site):
    from conftest import prompts

    found = prompts(site / "out" / "store")
    pid, p = next((i, a) for i, a in sorted(found.items()) if a.get("status") == "kept")
    d = browser
    d.get(server.base + "/search?q=" + pid)
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.ID, "results"))
    d.find_element(By.LINK_TEXT, pid).click()
    WebDriverWait(d, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "dl.story"))
    assert p["question"] in d.find_element(By.TAG_NAME, "main").text
    d.find_element(By.LINK_TEXT, p["doc_id"]).click()
    assert verdict(d) == "verified"
    assert pid in [a.text for a in d.find_elements(By.CSS_SELECTOR, "#story a")]


def test_run_page_reads_as_a_report(browser, server, site):
    """/run/1: a summary sentence and tables, not the raw record."""
    browser.get(server.base + "/run/1")
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(By.ID, "run-summary"))
    text = browser.find_element(By.ID, "run-summary").text
    assert text.startswith("6 source shards (6 processed, 0 quarantined"), text
    assert "documents kept" in text and "tokens in" in text
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "h2")]
    assert "Accounts by status" in headings and "Drop reasons" in headings, headings
