"""The JSON API of `crawlproof serve` over real HTTP: every path against
what the CLI prints for the same store, paging, traversal attempts, limits,
security headers, and a run committing while the server serves."""
import hashlib
import http.client
import json
import os
import threading
import time
import urllib.parse

import pytest

from conftest import SAMPLE, Server, accounts, cli, get, make_site, pipeline, prompts

q = urllib.parse.quote


def test_doc_equals_audit_json(site, server):
    docs = accounts(site / "out" / "store")
    assert len(docs) > 20
    statuses = set()
    for doc_id in docs:
        status, headers, body = get(f"{server.base}/api/doc/{q(doc_id, safe='')}")
        want = cli("audit", "--store", site / "out" / "store", "--doc", doc_id, "--json").stdout
        assert status == 200 and body.decode() == want, doc_id
        assert headers["Content-Type"] == "application/json"
        statuses.add(json.loads(body)["status"])
    assert {"in-shard", "dropped"} <= statuses
    status, _, body = get(f"{server.base}/api/doc/no-such-document")
    assert status == 404
    assert json.loads(body) == {"doc_id": "no-such-document", "status": "unknown", "reason": "not in the store"}


def test_url_lookups(site, server):
    docs = accounts(site / "out" / "store")
    urls = sorted({a["source"]["url"] for a in docs.values()})
    for u in urls[:25]:
        status, _, body = get(f"{server.base}/api/url?u={q(u, safe='')}")
        want = [json.loads(l) for l in cli("audit", "--store", site / "out" / "store", "--url", u, "--json")
                .stdout.splitlines()]
        assert status == 200 and json.loads(body) == want and want, u
    # A prefix, page by page: every document under it exactly once.
    host = next(u for u in urls if u.startswith("http://127.0.0.1:")).split("/")[2]
    prefix = f"http://{host}/"
    seen, after, pages = [], "", 0
    while True:
        status, headers, body = get(f"{server.base}/api/url?u={q(prefix, safe='')}&match=prefix&limit=2"
                                    + (f"&after={after}" if after else ""))
        assert status == 200
        page = json.loads(body)
        assert len(page) <= 2
        seen += [a["doc_id"] for a in page]
        pages += 1
        after = headers.get("X-Next-Cursor")
        if not after:
            break
    want = sorted(i for i, a in docs.items() if a["source"]["url"].startswith(prefix))
    assert sorted(seen) == want and len(seen) == len(set(seen)) and pages >= 3
    # A domain: both schemes, www., any port.
    status, _, body = get(f"{server.base}/api/search?q=127.0.0.1&limit=200")
    r = json.loads(body)
    local = sorted(i for i, a in docs.items() if a["source"]["url"].startswith("http://127.0.0.1:"))
    assert r["kind"] == "domain" and sorted(a["doc_id"] for a in r["results"]) == local and len(local) > len(want)
    status, _, body = get(f"{server.base}/api/search?q=commoncrawl.org")
    r = json.loads(body)
    assert r["kind"] == "domain" and [a["source"]["url"] for a in r["results"]] == ["http://commoncrawl.org/"]
    status, _, _ = get(f"{server.base}/api/url?u=x&match=prefix&after=zz")
    assert status == 400
    status, _, _ = get(f"{server.base}/api/url")
    assert status == 400


def test_search_kinds(site, server):
    docs = accounts(site / "out" / "store")
    doc_id = sorted(docs)[0]
    r = json.loads(get(f"{server.base}/api/search?q={q(doc_id)}")[2])
    assert r["kind"] == "doc" and [a["doc_id"] for a in r["results"]] == [doc_id]
    rid = docs[doc_id]["source"]["record_id"]
    r = json.loads(get(f"{server.base}/api/search?q={q(rid)}")[2])
    assert [a["doc_id"] for a in r["results"]] == [doc_id]
    r = json.loads(get(f"{server.base}/api/search?q=0/0")[2])
    want = json.loads(cli("audit", "--store", site / "out" / "store", "--shard", "0", "--index", "0", "--json").stdout)
    assert r["kind"] == "shard" and r["results"] == [want]
    r = json.loads(get(f"{server.base}/api/search?q={q('http://127.0.0.1:*')}")[2])
    assert r["kind"] == "prefix" and r["results"]
    r = json.loads(get(f"{server.base}/api/search?q=p{'0' * 32}")[2])
    assert r["kind"] == "prompt" and r["results"] == []
    assert get(f"{server.base}/api/search?q=x&kind=bogus")[0] == 400


def test_prompts_equal_audit_json(site, server):
    found = prompts(site / "out" / "store")
    assert len(found) >= 5
    for pid in sorted(found)[:8]:
        status, _, body = get(f"{server.base}/api/prompt/{pid}")
        want = cli("audit", "--store", site / "out" / "store", "--prompt", pid, "--json").stdout
        assert status == 200 and json.loads(body) == json.loads(want.splitlines()[0]), pid
        r = json.loads(get(f"{server.base}/api/search?q={pid}")[2])
        assert r["kind"] == "prompt" and r["results"] == [found[pid]]


def test_shard_positions_equal_audit(site, server):
    manifest = json.load(open(site / "out" / "shards" / "manifest.json"))
    for n, sh in enumerate(manifest["shards"]):
        for i in range(sh["documents"]):
            status, _, body = get(f"{server.base}/api/shard/{n}/{i}")
            want = cli("audit", "--store", site / "out" / "store", "--shard", n, "--index", i, "--json").stdout
            assert status == 200 and body.decode() == want
    status, _, body = get(f"{server.base}/api/shard/{len(manifest['shards'])}/0")
    assert status == 404 and json.loads(body)["status"] == "unknown"
    assert get(f"{server.base}/api/shard/x/0")[0] == 400


def test_bundles_equal_the_cli_and_verify(site, server, tmp_path):
    docs = accounts(site / "out" / "store")
    checked = 0
    for doc_id, a in sorted(docs.items())[:12]:
        status, _, body = get(f"{server.base}/api/bundle/{q(doc_id, safe='')}")
        if a["verification"] != "verified":
            assert status == 409
            continue
        path = tmp_path / "b.json"
        cli("audit", "--store", site / "out" / "store", "--doc", doc_id, "--bundle", path)
        assert status == 200 and body == path.read_bytes()
        served = tmp_path / "served.json"
        served.write_bytes(body)
        v = cli("audit", "verify", served, "--trust", site / "trust.toml", "--fetch", "--root", site / "warcs")
        assert v.returncode == 0, v.stderr
        checked += 1
    assert checked >= 5


def test_runs_trust_prompt_status(site, server):
    runs = json.loads(get(f"{server.base}/api/runs")[2])
    assert [r["run"] for r in runs] == [1] and runs[0]["name"] == "audit"
    t = json.loads(get(f"{server.base}/api/trust")[2])
    assert t["trust_file"] == (site / "trust.toml").read_text()
    assert t["valset"] == (site / "genesis.valset").read_text()
    assert t["valset_sha256"] == hashlib.sha256(t["valset"].encode()).hexdigest()
    status, _, body = get(f"{server.base}/api/prompt/p{'1' * 32}")
    assert status == 404 and json.loads(body)["status"] == "unknown"
    s = json.loads(get(f"{server.base}/api/status")[2])
    assert s["runs"] == 1 and s["trust"] and s["shards"] and s["valset_sha256"] == t["valset_sha256"]
    assert get(f"{server.base}/api/nothing")[0] == 404


def test_text_record_tokens(site, server):
    docs = accounts(site / "out" / "store")
    hostile = next(i for i, a in docs.items()
                   if a["source"]["url"].endswith("/hostile.html") and a["source"]["file"] == "planted.warc.gz")
    t = json.loads(get(f"{server.base}/api/text/{q(hostile)}")[2])
    assert "<script>window.__pwned = 1;" in t["text"] and '<img src="x" onerror=' in t["text"]
    in_shard = [i for i, a in docs.items() if a["status"] == "in-shard"]
    for doc_id in in_shard[:6]:
        t = json.loads(get(f"{server.base}/api/text/{q(doc_id)}")[2])
        assert t["matches_text_sha256"] is True, doc_id
        status, headers, body = get(f"{server.base}/api/record/{q(doc_id)}")
        assert status == 200 and hashlib.sha256(body).hexdigest() == docs[doc_id]["digests"]["record_sha256"]
        assert len(body) == docs[doc_id]["source"]["length"]
        tok = json.loads(get(f"{server.base}/api/tokens/{q(doc_id)}")[2])
        assert tok["ok"] is True and docs[doc_id]["tokens_sha256"] in tok["where"]
    dropped = next(i for i, a in docs.items() if a["status"] == "dropped")
    assert get(f"{server.base}/api/tokens/{q(dropped)}")[0] == 404


def test_text_from_the_shards_when_the_source_is_gone(tmp_path):
    make_site(tmp_path)
    cli("run", pipeline(tmp_path, "first", SAMPLE), "--progress", "off")
    docs = accounts(tmp_path / "out" / "store")
    gone = "CC-MAIN-2020-34-resiliparse.warc.gz"
    os.remove(tmp_path / "warcs" / gone)
    s = Server(tmp_path)
    try:
        kept = [i for i, a in docs.items() if a["source"]["file"] == gone and a["status"] == "in-shard"]
        assert kept
        for doc_id in kept:
            t = json.loads(get(f"{s.base}/api/text/{q(doc_id)}")[2])
            assert t["from"] == "shards" and t["matches_text_sha256"] is True, t
            assert "cannot be read" in t["source_error"]
        dropped = next(i for i, a in docs.items() if a["source"]["file"] == gone and a["status"] == "dropped")
        status, _, body = get(f"{s.base}/api/text/{q(dropped)}")
        assert status == 503 and "not in the shards" in json.loads(body)["error"]
        other = next(i for i, a in docs.items() if a["source"]["file"] != gone and a["status"] == "in-shard")
        assert json.loads(get(f"{s.base}/api/text/{q(other)}")[2])["from"] == "source"
    finally:
        s.stop()


def raw_get(port, path, headers=None, method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.putrequest(method, path, skip_accept_encoding=True, skip_host="Host" in (headers or {}))
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    if body is not None:
        c.putheader("Content-Length", str(len(body)))
    c.endheaders(body.encode() if body is not None else None)
    r = c.getresponse()
    out = r.status, dict(r.getheaders()), r.read()
    c.close()
    return out


TRAVERSALS = ["/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/%2e%2e/%2e%2e/etc/passwd",
              "/static/..%252f..%252fetc%252fpasswd", "/static/%2fetc%2fpasswd", "/static//etc/passwd",
              "/../../etc/passwd", "/api/doc/..%2F..%2F..%2Fetc%2Fpasswd", "/api/record/..%2F..%2Fetc%2Fpasswd",
              "/api/text/%2Fetc%2Fpasswd", "/api/tokens/..%2F..%2Fetc%2Fpasswd", "/api/bundle/%2e%2e%2f%2e%2e",
              "/static/app.js%00.html", "/static/index.html", "/static/", "/etc/passwd", "/api/../../etc/passwd",
              "/doc/..%2F..%2Fetc%2Fpasswd", "/static/style.css/../../../etc/passwd", "//etc/passwd"]


def test_no_path_outside_the_store_is_served(server, site):
    secret = (site / "keys" / "auditor-test.key").read_bytes()
    for path in TRAVERSALS:
        status, headers, body = raw_get(server.port, path)
        assert b"root:x:0:0" not in body and secret not in body, path
        assert status in (200, 400, 404), (path, status)
        if status == 200:  # the page itself (its script reads the path), nothing else
            assert body.startswith(b"<!DOCTYPE html>") and headers["Content-Type"].startswith("text/html"), path
    # Token files: only plain names the store's manifest lists, under --shards.
    assert raw_get(server.port, "/static/app.js")[0] == 200


def test_headers_methods_and_limits(server):
    status, headers, body = raw_get(server.port, "/doc/x")
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp and "unsafe" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY"
    for path in ("/api/status", "/static/app.js", "/nothing"):
        assert "Content-Security-Policy" in raw_get(server.port, path)[1]
    assert raw_get(server.port, "/api/status", method="POST", body="x")[0] == 405
    assert raw_get(server.port, "/api/status", method="DELETE")[0] == 405
    assert raw_get(server.port, "/api/status", method="GET", body="a body")[0] == 413
    # A request whose headers outgrow the per-connection memory is refused.
    status = None
    try:
        status = raw_get(server.port, "/api/status", headers={"X-Big": "a" * 100000})[0]
    except (ConnectionError, http.client.HTTPException):
        status = "closed"
    assert status in (413, 414, 431, "closed")
    try:
        status = raw_get(server.port, "/api/url?u=" + "a" * 200000)[0]
    except (ConnectionError, http.client.HTTPException):
        status = "closed"
    assert status in (413, 414, 431, "closed")
    assert raw_get(server.port, "/api/status")[0] == 200  # still serving
    # DNS rebinding: another site's name resolving to 127.0.0.1 is not answered.
    status, _, body = raw_get(server.port, "/api/doc/x", headers={"Host": f"attacker.example:{server.port}"})
    assert status == 421 and b"127.0.0.1, localhost, ::1" in body
    assert raw_get(server.port, "/api/status", headers={"Host": f"LocalHost:{server.port}"})[0] == 200
    assert raw_get(server.port, "/api/status", headers={"Host": f"[::1]:{server.port}"})[0] == 200


def test_allow_host_for_a_reverse_proxy(site):
    s = Server(site, "--allow-host", "audit.example.org")
    try:
        assert raw_get(s.port, "/api/status", headers={"Host": "audit.example.org"})[0] == 200
        assert raw_get(s.port, "/api/status", headers={"Host": "other.example.org"})[0] == 421
    finally:
        s.stop()


def test_a_run_commits_while_the_server_serves(tmp_path):
    make_site(tmp_path)
    cli("run", pipeline(tmp_path, "first", SAMPLE), "--progress", "off")
    s = Server(tmp_path)
    try:
        before = accounts(tmp_path / "out" / "store")
        errors, stop = [], threading.Event()

        def hammer():
            ids = sorted(before)
            n = 0
            while not stop.is_set():
                status, _, body = get(f"{s.base}/api/doc/{q(ids[n % len(ids)])}")
                if status != 200:
                    errors.append((status, body))
                if get(f"{s.base}/api/status")[0] != 200:
                    errors.append("status")
                n += 1

        threads = [threading.Thread(target=hammer) for _ in range(3)]
        for t in threads:
            t.start()
        second = cli("run", pipeline(tmp_path, "second", SAMPLE + ["planted.warc.gz"]), "--progress", "off")
        assert second.returncode == 0, second.stderr
        stop.set()
        for t in threads:
            t.join()
        assert errors == []
        after = accounts(tmp_path / "out" / "store")
        new = sorted(set(after) - set(before))
        assert new
        deadline = time.time() + 10
        while json.loads(get(f"{s.base}/api/status")[2])["runs"] != 2 and time.time() < deadline:
            time.sleep(0.2)
        assert [r["run"] for r in json.loads(get(f"{s.base}/api/runs")[2])] == [1, 2]
        for doc_id in new:
            status, _, body = get(f"{s.base}/api/doc/{q(doc_id)}")
            assert status == 200 and json.loads(body) == after[doc_id]
    finally:
        s.stop()


def test_trickling_clients_are_cut_off(site):
    """300 connections that send a request's headers one byte at a time (each
    byte resets the idle timeout) are closed once --request-timeout has run
    out since their first byte; a normal request gets its answer meanwhile."""
    import socket

    s = Server(site, "--request-timeout", "3")
    socks = []
    try:
        for _ in range(300):
            c = socket.create_connection(("127.0.0.1", s.port), timeout=5)
            c.sendall(b"G")
            socks.append(c)
        start = time.time()
        answered = None
        while time.time() - start < 20:
            for c in socks:
                try:
                    c.sendall(b"E")
                except OSError:
                    pass
            if answered is None:
                try:
                    status, _, _ = get(f"{s.base}/api/status")
                    answered = (status, time.time() - start)
                except OSError:
                    pass
            time.sleep(0.5)
            closed = 0
            for c in socks:
                c.setblocking(False)
                try:
                    closed += c.recv(1) == b""
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
            if closed == len(socks) and answered:
                break
        assert answered and answered[0] == 200, answered
        assert answered[1] < 15, answered
        assert closed == len(socks), f"{closed} of {len(socks)} trickling connections closed"
        assert time.time() - start < 15
    finally:
        for c in socks:
            c.close()
        s.stop()


def big_record_site(d, mib=8):
    """A store over one WARC whose only response is a page of `mib` MiB, in a
    ledger signed with a key made here: a large record to read back."""
    import gzip

    os.makedirs(d / "warcs", exist_ok=True)
    import base64
    import random

    # Text that does not compress, so that the record (its gzip member) is large too.
    rnd = random.Random(7)
    body = b"<html><body><p>" + base64.b64encode(rnd.randbytes(mib * 3 << 18)) + b"</p></body></html>"
    http_part = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    head = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-00000000000b>\r\n"
            b"WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Target-URI: http://example.com/big\r\n"
            b"Content-Type: application/http; msgtype=response\r\nContent-Length: %d\r\n\r\n" % len(http_part))
    (d / "warcs" / "big.warc.gz").write_bytes(gzip.compress(head + http_part + b"\r\n\r\n", 1))
    cli("keygen", "--name", "auditor-big", "--out", d / "keys")
    (d / "genesis.valset").write_text(cli("ledger", "valset", "--quorum", "1", d / "keys" / "auditor-big.vkey").stdout)
    (d / "trust.toml").write_text('origin = "crawlproof.test/big"\nvalset_file = "genesis.valset"\n')
    cli("ledger", "build", "--origin", "crawlproof.test/big", "--key", d / "keys" / "auditor-big.key", "--root",
        d / "warcs", "--valset", d / "genesis.valset", "--out", d / "ledger.json", d / "warcs" / "big.warc.gz")
    cli("run", pipeline(d, "big", ["big.warc.gz"]), "--progress", "off")
    doc = next(iter(accounts(d / "out" / "store").items()))
    return doc


def test_records_are_streamed_not_copied(tmp_path):
    """40 clients that read a 8 MiB record slowly: the server's memory does
    not grow by 40 copies of it (it is read from its file as they take it)."""
    import socket

    doc_id, account = big_record_site(tmp_path)
    length = account["source"]["length"]
    assert length > 4 << 20
    s = Server(tmp_path)

    def rss():
        with open(f"/proc/{s.proc.pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) * 1024

    socks = []
    try:
        before = rss()
        for _ in range(40):
            c = socket.socket()
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            c.connect(("127.0.0.1", s.port))
            c.sendall(f"GET /api/record/{urllib.parse.quote(doc_id, safe='')} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                      .encode())
            socks.append(c)
        time.sleep(2)
        grown = rss() - before
        # Each slow reader still gets the record's bytes, and one read whole is the record.
        status, _, body = get(f"{s.base}/api/record/{urllib.parse.quote(doc_id, safe='')}")
        assert status == 200 and len(body) == length
        assert grown < 2 * length, f"{grown} bytes more for 40 readers of a {length}-byte record"
    finally:
        for c in socks:
            c.close()
        s.stop()


def test_text_changed_by_the_filters(site, server):
    """A page whose e-mail and IP address the pii step redacted: its account
    lists the changes, /api/text gives the source's text (with the address)
    and the tokenized one (redacted, hashing to text_sha256)."""
    docs = accounts(site / "out" / "store")
    doc_id = next(i for i, a in docs.items() if a["source"]["url"].endswith("/contact.html"))
    a = docs[doc_id]
    assert a["status"] == "in-shard", a
    assert a["filter_changes"] == {"pii:email": 1, "pii:ip": 1}, a.get("filter_changes")
    status, _, body = get(f"{server.base}/api/text/{q(doc_id)}")
    t = json.loads(body)
    assert status == 200 and t["from"] == "source"
    assert "records.office@example.org" in t["text"] and t["matches_text_sha256"] is False
    assert "records.office@example.org" not in t["tokenized"]["text"]
    assert "203.0.114.9" not in t["tokenized"]["text"]
    assert t["tokenized"]["matches_text_sha256"] is True
    # audit --store says what the filters changed, and shows the tokenized text.
    out = cli("audit", "--store", site / "out" / "store", "--doc", doc_id).stdout
    assert "filters:  kept, changed by the filters: pii:email ×1, pii:ip ×1" in out, out
    assert "\n  source:   \"Contact the records office" in out, out
    assert "\n  tokenized: \"Contact the records office" in out, out
