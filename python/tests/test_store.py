import json

import pytest

import crawlproof
from conftest import cli


def test_audits_equal_the_cli(run_dir, manifest):
    store_dir = str(run_dir / "out" / "store")
    store = crawlproof.Store(store_dir)
    shards = crawlproof.Shards(manifest)
    for i in (0, 5, len(shards) - 1):
        d = shards[i]
        want = json.loads(cli("audit", "--store", store_dir, "--doc", d.doc_id, "--json").stdout)
        assert store.audit(d.doc_id) == want
        assert store.audit(doc_id=d.doc_id) == want
        n = [k for k in range(shards.shard_count) if shards.shard(k)[0].doc_id == shards[i - d.index].doc_id][0]
        want_at = json.loads(cli("audit", "--store", store_dir, "--shard", str(n), "--index", str(d.index),
                                 "--json").stdout)
        assert store.audit(shard=n, index=d.index) == want_at == want
    url = store.audit(shards[0].doc_id)["source"]["url"]
    by_url = [json.loads(l) for l in cli("audit", "--store", store_dir, "--url", url, "--json").stdout.splitlines()]
    assert store.audit(url=url) == by_url
    assert store.audit("no-such-document") is None


def test_prompt_audit_equals_the_cli(run_dir):
    store_dir = str(run_dir / "out" / "store")
    store = crawlproof.Store(store_dir)
    accounts = [json.loads(l)["value"] for l in
                cli("store", "dump", store_dir, "--family", "prompts").stdout.splitlines()]
    assert accounts
    pid = accounts[0]["prompt_id"]
    want = json.loads(cli("audit", "--store", store_dir, "--prompt", pid, "--json").stdout)
    assert store.audit(prompt_id=pid) == want
    verified = next((a for a in accounts if a["verification"] == "verified"), None)
    if verified:
        b = store.bundle(prompt_id=verified["prompt_id"])
        assert b["decisions"]["prompt"] == verified
        assert crawlproof.verify_bundle(b, trust=str(run_dir / "sample" / "trust.toml")).ok


def test_documents_and_arguments(run_dir):
    store = crawlproof.Store(str(run_dir / "out" / "store"))
    docs = list(store.documents())
    assert len(docs) >= store.runs()[0]["kept"]
    with pytest.raises(TypeError):
        store.audit()
    with pytest.raises(TypeError):
        store.audit("x", url="y")
    with pytest.raises(FileNotFoundError):
        crawlproof.Store("/nonexistent/store")


def test_bundles_verify_and_tampered_ones_do_not(run_dir, manifest, tmp_path):
    store_dir = str(run_dir / "out" / "store")
    trust = str(run_dir / "sample" / "trust.toml")
    store = crawlproof.Store(store_dir)
    shards = crawlproof.Shards(manifest)
    doc = next(d for d in shards if store.audit(d.doc_id)["verification"] == "verified")
    bundle = tmp_path / "b.json"
    cli("audit", "--store", store_dir, "--doc", doc.doc_id, "--bundle", str(bundle))
    r = crawlproof.verify_bundle(str(bundle), trust=trust)
    assert r.ok and r.error is None, r.error
    assert any("signatures and quorum" in s for s in r.steps)
    assert r.details["record_id"] == store.audit(doc.doc_id)["source"]["record_id"]
    as_dict = json.loads(bundle.read_text())
    assert crawlproof.verify_bundle(as_dict, trust=trust).ok
    # One byte of the record leaf changed: it no longer hashes into the record root.
    leaf = as_dict["leaf"]
    as_dict["leaf"] = leaf[:-1] + ("0" if leaf[-1] != "0" else "1")
    bad = crawlproof.verify_bundle(as_dict, trust=trust)
    assert not bad.ok and bad.error
    with pytest.raises(FileNotFoundError):
        crawlproof.verify_bundle(str(bundle), trust="/nonexistent/trust.toml")
    # Store.bundle: what `audit --bundle` writes, verified.
    assert store.bundle(doc.doc_id) == json.loads(bundle.read_text())
    store.bundle(doc.doc_id, path=tmp_path / "c.json")
    assert crawlproof.verify_bundle(str(tmp_path / "c.json"), trust=trust).ok
    with pytest.raises(FileNotFoundError):
        store.bundle("no-such-document")
    with pytest.raises(TypeError):
        crawlproof.verify_bundle(42, trust=trust)


def test_a_proof_of_another_record_does_not_verify_the_document(run_dir, manifest):
    """A document's bundle with another record's ledger fields (same file,
    every proof valid) names another page: not ok; so is a prompt bundle
    whose prompt comes from another document."""
    store_dir = str(run_dir / "out" / "store")
    trust = str(run_dir / "sample" / "trust.toml")
    store = crawlproof.Store(store_dir)
    by_file = {}
    for d in crawlproof.Shards(manifest):
        a = store.audit(d.doc_id)
        if a["verification"] == "verified":
            by_file.setdefault(a["source"]["file"], []).append(d.doc_id)
    first, second = next(v for v in by_file.values() if len(v) >= 2)[:2]
    a, b = store.bundle(first), store.bundle(second)
    assert crawlproof.verify_bundle(a, trust=trust).details["doc_id"] == first
    forged = dict(a, **{k: b[k] for k in ("offset", "length", "record_index", "leaf", "record_path")})
    r = crawlproof.verify_bundle(forged, trust=trust)
    assert not r.ok
    assert r.error.startswith("document: the document's account names another record than the ledger proof"), r.error
    # The decisions dropped: a record's proof, not a document's.
    bare = crawlproof.verify_bundle(dict(b, decisions=None), trust=trust)
    assert bare.ok and bare.details["doc_id"] is None
    # A prompt's account from another document.
    accounts = [json.loads(l)["value"] for l in
                cli("store", "dump", store_dir, "--family", "prompts").stdout.splitlines()]
    verified = next((p for p in accounts if p["verification"] == "verified"), None)
    if verified:
        pb = store.bundle(prompt_id=verified["prompt_id"])
        other = dict(verified, doc_id=first if verified["doc_id"] != first else second)
        bad = crawlproof.verify_bundle(dict(pb, decisions=dict(pb["decisions"], prompt=other)), trust=trust)
        assert not bad.ok and "prompt" in bad.error, bad.error
