// crawlproof: a proof bundle (crawlproof-audit/v1) checked in the browser,
// step by step as `crawlproof audit verify` checks it (verify/audit.cc),
// with WebCrypto's SHA-256 and Ed25519: the validator-set history from the
// trusted genesis set, the block's signatures and quorum, the pin, the file
// entry's inclusion path to the block's root, the record leaf's inclusion
// path to the file's record root, and with the record's bytes its content.
// Nothing here trusts the server: it only supplies bytes.
"use strict";

const CrawlproofVerify = (() => {
  const enc = new TextEncoder();
  const DASH = "\u2014 ";
  const WARC_TYPES = {warcinfo: 0, response: 1, resource: 2, request: 3, metadata: 4, revisit: 5, conversion: 6,
                      continuation: 7};

  class Failure extends Error {}
  const fail = (m) => { throw new Failure(m); };

  function subtle() {
    if (!globalThis.crypto || !crypto.subtle)
      fail("this page is not a secure context, so the browser offers no WebCrypto: open it over https or on " +
           "loopback (docs/serve.md)");
    return crypto.subtle;
  }

  async function sha256(bytes) {
    return new Uint8Array(await subtle().digest("SHA-256", bytes));
  }
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

  function fromHex(s, what, size) {
    if (typeof s !== "string" || s.length % 2 || !/^[0-9a-f]*$/.test(s)) fail(what + " is not lower-case hex");
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(2 * i, 2), 16);
    if (size !== undefined && out.length !== size) fail(what + " is not " + size + " bytes");
    return out;
  }
  // Canonical base64 only, as the C++ side: decoding and encoding again gives the same text.
  function fromBase64(s, what) {
    let bin;
    try { bin = atob(s); } catch (e) { fail(what + " is not base64"); }
    const out = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    if (btoa(bin) !== s) fail(what + " is not canonical base64");
    return out;
  }
  const hashFromBase64 = (s, what) => {
    const h = fromBase64(s, what);
    if (h.length !== 32) fail(what + " is not 32 bytes");
    return h;
  };

  // ---- the trust file (TOML: origin, valset_file, [pinned] height, root) -------
  function parseTrustFile(text) {
    const out = {origin: null, valset_file: null, pinned: null};
    let table = "";
    const lines = text.split("\n");
    for (let n = 0; n < lines.length; n++) {
      const line = lines[n].replace(/^\s+|\s+$/g, "");
      const where = "trust file line " + (n + 1);
      if (line === "" || line.startsWith("#")) continue;
      const t = /^\[\s*([A-Za-z0-9_-]+)\s*\]\s*(#.*)?$/.exec(line);
      if (t) {
        if (t[1] !== "pinned" || out.pinned) fail(where + ": unknown table [" + t[1] + "]");
        table = "pinned";
        out.pinned = {height: null, root: null};
        continue;
      }
      const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.*)$/.exec(line);
      if (!kv) fail(where + ": not key = value");
      let v = kv[2], value;
      let m;
      if ((m = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(v))) {
        try { value = JSON.parse('"' + m[1] + '"'); } catch (e) { fail(where + ": a string with a bad escape"); }
      } else if ((m = /^'([^']*)'\s*(#.*)?$/.exec(v))) {
        value = m[1];
      } else if ((m = /^([0-9][0-9_]*)\s*(#.*)?$/.exec(v))) {
        value = BigInt(m[1].replace(/_/g, ""));
      } else {
        fail(where + ": a value this page does not read (strings and whole numbers only)");
      }
      const key = kv[1];
      if (table === "" && (key === "origin" || key === "valset_file") && typeof value === "string") out[key] = value;
      else if (table === "pinned" && key === "height" && typeof value === "bigint") out.pinned.height = value;
      else if (table === "pinned" && key === "root" && typeof value === "string") out.pinned.root = value;
      else fail(where + ": unknown key " + (table ? table + "." : "") + key);
    }
    if (!out.origin) fail("trust file: origin missing");
    if (out.pinned) {
      if (out.pinned.height === null || out.pinned.root === null) fail("trust file: [pinned] needs height and root");
      out.pinned.root = fromHex(out.pinned.root, "pinned.root", 32);
    }
    return out;
  }

  // ---- validator sets and signed notes -------------------------------------------
  const validName = (s) => s.length > 0 && ![...s].some((c) => c <= " " || c === "\x7f" || c === "+");

  async function keyId(name, key) {
    return (await sha256(concat(enc.encode(name + "\n"), Uint8Array.of(1), key))).slice(0, 4);
  }

  async function parseValset(doc, what) {
    if (!doc.endsWith("\n")) fail(what + " must end with a newline");
    if (doc.includes("\r")) fail(what + " contains CR");
    const lines = doc.slice(0, -1).split("\n");
    if (lines[0] !== "crawlproof-valset/v1") fail(what + " line 1: expected 'crawlproof-valset/v1'");
    const q = /^quorum (0|[1-9][0-9]*)$/.exec(lines[1] || "");
    if (!q) fail(what + " line 2: expected 'quorum <k>'");
    const set = {quorum: Number(q[1]), validators: [], document: doc};
    const names = new Set(), keys = new Set();
    for (let n = 2; n < lines.length; n++) {
      const sp = lines[n].indexOf(" ");
      if (sp < 0) fail(what + " line " + (n + 1) + ": validator line has no key");
      const name = lines[n].slice(0, sp);
      if (!validName(name)) fail(what + " line " + (n + 1) + ": invalid validator name");
      const raw = fromBase64(lines[n].slice(sp + 1), "validator " + name + "'s key");
      if (raw.length !== 33 || raw[0] !== 1) fail("validator " + name + ": key is not 0x01 and 32 bytes");
      const key = raw.slice(1);
      if (names.has(name)) fail(what + ": validator " + name + " appears twice");
      if (keys.has(hex(key))) fail(what + ": validator " + name + " reuses a key");
      names.add(name);
      keys.add(hex(key));
      set.validators.push({name, key, keyId: await keyId(name, key)});
    }
    if (!set.validators.length) fail(what + " has no validators");
    if (set.quorum < 1 || set.quorum > set.validators.length)
      fail(what + ": quorum " + set.quorum + " is not between 1 and " + set.validators.length);
    set.hash = await sha256(enc.encode(doc));
    return set;
  }

  function parseNote(note) {
    if (!note.endsWith("\n")) fail("note does not end with a newline");
    if ([...note].some((c) => (c < " " && c !== "\n") || c === "\x7f")) fail("note contains control characters");
    const split = note.lastIndexOf("\n\n");
    if (split < 0) fail("note has no blank line before its signatures");
    const text = note.slice(0, split + 1), sigs = [];
    const lines = note.slice(split + 2, -1).split("\n");
    if (lines.length === 1 && lines[0] === "") fail("note has no signatures");
    for (const line of lines) {
      if (!line.startsWith(DASH)) fail("a signature line does not start with '\u2014 '");
      const rest = line.slice(DASH.length), sp = rest.indexOf(" ");
      if (sp < 0) fail("a signature line has no signature");
      const name = rest.slice(0, sp);
      if (!validName(name)) fail("invalid signer name");
      const raw = fromBase64(rest.slice(sp + 1), "signature of " + name);
      if (raw.length < 5) fail("signature of " + name + " is too short");
      sigs.push({name, keyId: raw.slice(0, 4), sig: raw.slice(4)});
    }
    return {text, sigs};
  }

  function parseBlockBody(text) {
    if (!text.endsWith("\n")) fail("block body does not end with a newline");
    const l = text.slice(0, -1).split("\n");
    if (l.length !== 8) fail("block body has " + l.length + " lines, expected 8");
    const uint = (s, n) => {
      if (!/^(0|[1-9][0-9]*)$/.test(s)) fail("block body line " + n + " is not a canonical decimal");
      return BigInt(s);
    };
    const field = (i, key) => {
      if (!l[i].startsWith(key + " ")) fail("block body line " + (i + 1) + ": expected '" + key + " …'");
      return l[i].slice(key.length + 1);
    };
    if (!l[0]) fail("empty origin");
    if (l[3] !== "crawlproof-block/v1") fail("block body line 4: expected 'crawlproof-block/v1'");
    const b = {origin: l[0], size: uint(l[1], 2), root: hashFromBase64(l[2], "root"),
               height: uint(field(4, "height"), 5), prev: hashFromBase64(field(5, "prev"), "prev"),
               time: uint(field(6, "time"), 7), valset: hashFromBase64(field(7, "valset"), "valset")};
    return b;
  }

  async function verifyNote(note, set) {
    const signers = [];
    for (const s of note.sigs) {
      const v = set.validators.find((x) => x.name === s.name && equal(x.keyId, s.keyId));
      if (!v) continue;  // a signer this set does not know: ignored
      let ok = false;
      try {
        const key = await subtle().importKey("raw", v.key, {name: "Ed25519"}, false, ["verify"]);
        ok = await subtle().verify({name: "Ed25519"}, key, s.sig, enc.encode(note.text));
      } catch (e) {
        if (e instanceof Failure) throw e;
        fail("this browser cannot check Ed25519 signatures (" + e.message + ")");
      }
      if (!ok) fail("signature by " + s.name + " does not verify: the note was changed or forged");
      if (!signers.includes(s.name)) signers.push(s.name);
    }
    return {signers, quorumMet: signers.length >= set.quorum};
  }

  // ---- Merkle trees (RFC 6962): leaves 0x00 ‖ data, nodes 0x01 ‖ left ‖ right ----------
  const hashLeaf = (data) => sha256(concat(Uint8Array.of(0), data));
  const hashChildren = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

  async function verifyInclusion(leafHash, index, size, proof, root) {
    if (size === 0n) fail("inclusion proof for an empty tree");
    if (index >= size) fail("leaf index " + index + " is not below the tree size " + size);
    let fn = index, sn = size - 1n, r = leafHash;
    for (const p of proof) {
      if (sn === 0n) fail("inclusion proof is too long");
      if ((fn & 1n) || fn === sn) {
        r = await hashChildren(p, r);
        if (!(fn & 1n)) while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        r = await hashChildren(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) fail("inclusion proof is too short");
    if (!equal(r, root)) fail("inclusion proof does not lead to the root");
  }

  async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
    if (oldSize === 0n || oldSize > newSize) fail("consistency between sizes " + oldSize + " and " + newSize + " is undefined");
    if (oldSize === newSize) {
      if (proof.length) fail("consistency proof between equal sizes must be empty");
      if (!equal(oldRoot, newRoot)) fail("roots of equal-sized trees differ");
      return;
    }
    const path = proof.slice();
    if ((oldSize & (oldSize - 1n)) === 0n) path.unshift(oldRoot);
    if (!path.length) fail("consistency proof is empty");
    let fn = oldSize - 1n, sn = newSize - 1n;
    while (fn & 1n) { fn >>= 1n; sn >>= 1n; }
    let fr = path[0], sr = path[0];
    for (let i = 1; i < path.length; i++) {
      const c = path[i];
      if (sn === 0n) fail("consistency proof is too long");
      if ((fn & 1n) || fn === sn) {
        fr = await hashChildren(c, fr);
        sr = await hashChildren(c, sr);
        if (!(fn & 1n)) while (!(fn & 1n) && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
      } else {
        sr = await hashChildren(sr, c);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    if (sn !== 0n) fail("consistency proof is too short");
    if (!equal(fr, oldRoot)) fail("consistency proof does not lead to the old root");
    if (!equal(sr, newRoot)) fail("consistency proof does not lead to the new root");
  }

  // ---- the ledger's binary encodings (verify/commitments.cc) --------------------
  function reader(bytes, what) {
    let at = 0;
    const dec = new TextDecoder("utf-8", {fatal: false});
    const need = (n) => { if (bytes.length - at < n) fail("not a " + what); };
    return {
      prefix(p) {
        const pb = enc.encode(p);
        need(pb.length + 1);
        if (!equal(bytes.slice(at, at + pb.length), pb) || bytes[at + pb.length] !== 0) fail("not a " + what);
        at += pb.length + 1;
      },
      u64() { need(8); let v = 0n; for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(bytes[at++]); return v; },
      u8() { need(1); return bytes[at++]; },
      hash() { need(32); at += 32; return bytes.slice(at - 32, at); },
      raw() { need(2); const n = (bytes[at] << 8) | bytes[at + 1]; at += 2; need(n); at += n;
              return bytes.slice(at - n, at); },
      str() { return dec.decode(this.raw()); },
      end() { if (at !== bytes.length) fail("not a " + what); },
    };
  }
  function decodeFileEntry(bytes) {
    const r = reader(bytes, "CRAWLPROOF-FILE-V1 file entry");
    r.prefix("CRAWLPROOF-FILE-V1");
    const e = {path: r.str(), size: r.u64(), sha256: r.hash(), recordCount: r.u64(), recordRoot: r.hash()};
    r.end();
    return e;
  }
  function decodeRecordLeaf(bytes) {
    const r = reader(bytes, "CRAWLPROOF-REC-V1 record leaf");
    r.prefix("CRAWLPROOF-REC-V1");
    const l = {offset: r.u64(), length: r.u64(), addressableSha256: r.hash(), blockSha256: r.hash(), type: r.u8()};
    l.recordIdBytes = r.raw();
    l.recordId = new TextDecoder().decode(l.recordIdBytes);
    l.targetUri = r.str();
    l.date = r.str();
    r.end();
    return l;
  }

  // ---- the document a bundle is about (pipelines/bundle.h CheckBundleDocument) ----
  // extract::DocumentId: a <urn:uuid:…> id's UUID in lower case; any other
  // id "r" + 32 hex digits of its SHA-256; no id: "a" + 32 hex digits of
  // SHA-256(target URI "\n" date "\n" offset).
  async function documentId(leaf) {
    let id = leaf.recordId;
    if (id.length >= 2 && id.startsWith("<") && id.endsWith(">")) id = id.slice(1, -1);
    if (id.length === 45 && id.slice(0, 9).toLowerCase() === "urn:uuid:")
      return id.slice(9).replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (leaf.recordIdBytes.length) return "r" + hex(await sha256(leaf.recordIdBytes)).slice(0, 32);
    return "a" + hex(await sha256(enc.encode(leaf.targetUri + "\n" + leaf.date + "\n" + leaf.offset))).slice(0, 32);
  }
  // A stored source name names the file entry's ledger path: the same string,
  // or one that ends with "/" + it (a URL's query and fragment aside).
  function namesLedgerPath(file, path) {
    if (typeof file !== "string" || !path) return false;
    if (file.includes("://")) file = file.split(/[?#]/)[0];
    return file === path || (file.length > path.length && file.endsWith("/" + path));
  }
  // `account` (a document's or a prompt's) names the record the proof proves.
  async function checkAccount(account, what, bundle, leaf, entry, digests) {
    if (!account || typeof account !== "object") fail(what + " is missing");
    const src = account.source;
    if (!src || typeof src !== "object") fail(what + " names no source record");
    const differs = (field, mine, proven) =>
      fail(what + " names another record than the ledger proof: its " + field + " is '" + mine +
           "', the proven record's is '" + proven + "'");
    const u64 = (v, field) => {
      if (!Number.isSafeInteger(v) || v < 0) fail(what + ": \"" + field + "\" missing or malformed");
      return BigInt(v);
    };
    if (src.record_id !== leaf.recordId) differs("record_id", src.record_id, leaf.recordId);
    if (u64(src.offset, "offset") !== leaf.offset) differs("offset", src.offset, leaf.offset);
    if (u64(src.length, "length") !== leaf.length) differs("length", src.length, leaf.length);
    if (src.url !== leaf.targetUri) differs("url", src.url, leaf.targetUri);
    if (src.date !== undefined && src.date !== leaf.date) differs("date", src.date, leaf.date);
    if (!namesLedgerPath(src.file, entry.path)) differs("file", src.file, entry.path);
    if (u64(account.ledger_leaf, "ledger_leaf") !== BigInt(bundle.record_index))
      differs("ledger_leaf", account.ledger_leaf, bundle.record_index);
    const derived = await documentId(leaf);
    if (account.doc_id !== derived) differs("doc_id", account.doc_id, derived + " (derived from the record)");
    if (!digests) return;
    const d = account.digests || {};
    if (d.record_sha256 !== hex(leaf.addressableSha256))
      differs("record_sha256", d.record_sha256, hex(leaf.addressableSha256));
    if (d.block_sha256 !== hex(leaf.blockSha256)) differs("block_sha256", d.block_sha256, hex(leaf.blockSha256));
  }
  // Returns the doc id the decisions are about (null: a record's bundle alone).
  async function checkDocument(bundle, leaf, entry) {
    const d = bundle.decisions;
    if (d === null || d === undefined) return null;
    if (typeof d !== "object" || Array.isArray(d)) fail("the bundle's decisions are not an object");
    if (typeof d.doc_id !== "string") fail("the bundle's decisions name no document");
    if (!d.account || typeof d.account !== "object")
      fail("the bundle's decisions carry no account of document " + d.doc_id +
           ": a proof of a record cannot verify a document without it");
    if (d.account.doc_id !== d.doc_id)
      fail("the bundle's decisions are about document " + d.doc_id + " but carry the account of " + d.account.doc_id);
    await checkAccount(d.account, "the document's account", bundle, leaf, entry, true);
    if (d.prompt !== undefined && d.prompt !== null) {
      if (d.prompt.doc_id !== d.doc_id) fail("the bundle's prompt is not from document " + d.doc_id);
      await checkAccount(d.prompt, "the prompt's account", bundle, leaf, entry, false);
    }
    return d.doc_id;
  }

  // ---- the record's bytes: its gzip member (or plain record) and WARC block ----------
  async function gunzip(bytes) {
    const ds = new DecompressionStream("gzip");
    const out = new Response(new Blob([bytes]).stream().pipeThrough(ds));
    return new Uint8Array(await out.arrayBuffer());
  }
  async function recordBlock(bytes) {
    let plain = bytes;
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) plain = await gunzip(bytes);
    else if (bytes[0] === 0x28 && bytes[1] === 0xb5) return null;  // zstd: no decoder in the browser
    let end = -1;
    for (let i = 0; i + 3 < plain.length; i++)
      if (plain[i] === 13 && plain[i + 1] === 10 && plain[i + 2] === 13 && plain[i + 3] === 10) { end = i; break; }
    if (end < 0) fail("content: the bytes do not hold a WARC record header");
    const head = new TextDecoder().decode(plain.slice(0, end)).split("\r\n");
    // As the reader takes them: continuation lines joined with a space, the
    // first field of a name, a target URI's <> (wget) dropped.
    const list = [];
    for (const line of head.slice(1)) {
      if ((line.startsWith(" ") || line.startsWith("\t")) && list.length) {
        list[list.length - 1][1] = (list[list.length - 1][1] + " " + line.trim()).trim();
        continue;
      }
      const c = line.indexOf(":");
      if (c > 0) list.push([line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim()]);
    }
    const fields = {};
    for (const [k, v] of list) if (!(k in fields)) fields[k] = v;
    const u = fields["warc-target-uri"];
    if (u && u.length >= 2 && u.startsWith("<") && u.endsWith(">")) fields["warc-target-uri"] = u.slice(1, -1);
    const n = Number(fields["content-length"]);
    if (!Number.isSafeInteger(n) || n < 0 || end + 4 + n > plain.length)
      fail("content: the record's Content-Length does not fit its bytes");
    return {fields, block: plain.slice(end + 4, end + 4 + n)};
  }

  // ---- the whole check ------------------------------------------------------------
  // bundle: the parsed JSON; trust: {file: text, valset: text}; record: Uint8Array or null;
  // expect: optional {docId, account}: the document the caller shows (its
  // account as displayed), which the bundle must be about.
  // Returns {ok, steps: [{name, ok, detail}], error, leaf, height, signers, origin}.
  async function verifyBundle(bundle, trust, record, expect) {
    const steps = [];
    const out = {ok: false, steps, error: null};
    let current = "reading the trust file";
    const step = (name, detail) => { steps.push({name, ok: true, detail: detail || ""}); };
    try {
      const tf = parseTrustFile(trust.file);
      const genesis = await parseValset(trust.valset, "the trusted validator set");
      step("trust file", "origin " + tf.origin + "; genesis validator set SHA-256 " + hex(genesis.hash) + " (quorum " +
           genesis.quorum + " of " + genesis.validators.length + ")" +
           (tf.pinned ? "; pinned block " + tf.pinned.height : ""));
      current = "bundle";
      if (!bundle || bundle.format !== "crawlproof-audit/v1") fail("bundle format is not crawlproof-audit/v1");
      const num = (k) => {
        if (!Number.isSafeInteger(bundle[k]) || bundle[k] < 0) fail("bundle: \"" + k + "\" missing or malformed");
        return BigInt(bundle[k]);
      };
      const hashes = (v, k) => {
        if (!Array.isArray(v)) fail("bundle: \"" + k + "\" missing or malformed");
        return v.map((h) => fromHex(h, k + " entry", 32));
      };
      for (const k of ["origin", "path", "leaf", "entry", "block_note"])
        if (typeof bundle[k] !== "string") fail("bundle: \"" + k + "\" missing or malformed");
      if (!Array.isArray(bundle.valsets) || !Array.isArray(bundle.switch_blocks)) fail("bundle: validator sets missing");
      current = "origin";
      if (bundle.origin !== tf.origin) fail("origin '" + bundle.origin + "' is not the trusted one");
      step("origin", bundle.origin + " is the trusted origin");
      current = "genesis validator set";
      if (bundle.valsets[0] !== genesis.document) fail("the bundle's genesis validator set is not the trusted one");
      if (bundle.switch_blocks.length + 1 !== bundle.valsets.length)
        fail("every validator set after genesis needs the signed block that switched to it");
      step("genesis validator set", "the bundle starts from the trusted set");
      let set = genesis, lastHeight = 0n;
      for (let k = 0; k < bundle.switch_blocks.length; k++) {
        current = "validator set switch " + (k + 1);
        const note = parseNote(bundle.switch_blocks[k]);
        const body = parseBlockBody(note.text);
        if (body.origin !== tf.origin) fail("wrong origin");
        if (k > 0 && body.height <= lastHeight) fail("heights out of order");
        lastHeight = body.height;
        const next = await parseValset(bundle.valsets[k + 1], "validator set " + (k + 1));
        if (!equal(body.valset, next.hash)) fail("the block does not name this validator set");
        const byOld = await verifyNote(note, set);
        if (!byOld.quorumMet) fail("not signed by a quorum of the previous validator set");
        const byNew = await verifyNote(note, next);
        if (!byNew.quorumMet) fail("not signed by a quorum of the new validator set");
        step(current, "block " + body.height + " switches to a set of " + next.validators.length +
             ", signed by a quorum of both sets");
        set = next;
      }
      current = "block";
      const note = parseNote(bundle.block_note);
      const body = parseBlockBody(note.text);
      if (body.origin !== tf.origin) fail("wrong origin");
      if (body.height !== num("height")) fail("height differs from the bundle's");
      if (bundle.switch_blocks.length && body.height < lastHeight) fail("older than a validator-set switch");
      if (!equal(body.valset, set.hash)) fail("signed under a validator set the history does not reach");
      const signers = await verifyNote(note, set);
      if (!signers.quorumMet)
        fail(signers.signers.length + " valid signatures, quorum is " + set.quorum);
      step("block signatures", "block " + body.height + " signed by " + signers.signers.join(", ") + " (quorum " +
           set.quorum + ")");
      if (tf.pinned) {
        current = "pin";
        const pinned = tf.pinned.height, at = "the trust file pins block " + pinned + ", the bundle's block is at height " +
                                                body.height;
        let what;
        if (pinned === body.height) {
          if (!equal(tf.pinned.root, body.root)) fail("root differs from the pinned root at that height (fork)");
          what = "same block";
        } else {
          const pin = bundle.pin;
          if (!pin || !Number.isSafeInteger(pin.height) || BigInt(pin.height) !== pinned)
            fail(at + " and the bundle carries no proof of consistency with the pinned block");
          const later = body.height > pinned, pinnedSize = BigInt(pin.size), proof = hashes(pin.proof, "pin.proof");
          if (later ? pinnedSize > body.size : pinnedSize < body.size)
            fail(at + ": the pinned log size " + pinnedSize + " is out of order with the block's " + body.size);
          if (pinnedSize === body.size) {
            if (!equal(tf.pinned.root, body.root) || proof.length) fail(at + ": not consistent with the pinned block (fork)");
          } else if ((later ? pinnedSize : body.size) === 0n) {
            const empty = await sha256(new Uint8Array(0));
            if (!equal(later ? tf.pinned.root : body.root, empty) || proof.length)
              fail(at + ": not consistent with the pinned block (fork)");
          } else {
            try {
              if (later) await verifyConsistency(pinnedSize, body.size, tf.pinned.root, body.root, proof);
              else await verifyConsistency(body.size, pinnedSize, body.root, tf.pinned.root, proof);
            } catch (e) {
              if (e instanceof Failure) fail(at + ": not consistent with the pinned block (fork): " + e.message);
              throw e;
            }
          }
          what = later ? "extends the pinned block" : "in the pinned block's log";
        }
        step("pin", what);
      }
      current = "file entry";
      const entryBytes = fromHex(bundle.entry, "entry");
      const entry = decodeFileEntry(entryBytes);
      if (num("tree_size") !== body.size) fail("tree size is not the block's size");
      await verifyInclusion(await hashLeaf(entryBytes), num("entry_index"), num("tree_size"),
                            hashes(bundle.entry_path, "entry_path"), body.root);
      if (entry.path !== bundle.path) fail("its path is not the bundle's");
      step("file entry", entry.path + " (" + entry.size + " bytes, " + entry.recordCount +
           " records): inclusion path to the block's root checked");
      current = "record";
      const leafBytes = fromHex(bundle.leaf, "leaf");
      const leaf = decodeRecordLeaf(leafBytes);
      if (num("record_count") !== entry.recordCount) fail("record count differs from the file entry's");
      await verifyInclusion(await hashLeaf(leafBytes), num("record_index"), entry.recordCount,
                            hashes(bundle.record_path, "record_path"), entry.recordRoot);
      if (leaf.offset !== num("offset") || leaf.length !== num("length"))
        fail("the leaf's offset/length are not the bundle's");
      step("record leaf", "record " + bundle.record_index + " of the file, " + leaf.length + " bytes at offset " +
           leaf.offset + ": inclusion path to the file's record root checked");
      // The document the bundle is about: its account names this record. A
      // caller that shows a document (`expect.docId`) requires that the
      // bundle is about that document: a record's proof alone is not enough.
      current = "document";
      const docId = await checkDocument(bundle, leaf, entry);
      if (expect && expect.docId !== undefined) {
        if (docId === null)
          fail("the bundle carries no account of document " + expect.docId + ": it proves a record, not this document");
        if (docId !== expect.docId) fail("the bundle is about document " + docId + ", not " + expect.docId);
        if (expect.account) await checkAccount(expect.account, "the account shown", bundle, leaf, entry, true);
      }
      step("document", docId === null ? "none: the bundle proves a record, not a document"
                                       : "its account names this record (" + docId + ", " + leaf.recordId + ")");
      out.docId = docId;
      if (record) {
        current = "content";
        if (BigInt(record.length) !== leaf.length)
          fail(record.length + " bytes given, the leaf commits to " + leaf.length);
        if (!equal(await sha256(record), leaf.addressableSha256))
          fail("the record's bytes do not hash to the committed SHA-256");
        const parsed = await recordBlock(record);
        if (parsed) {
          if (!equal(await sha256(parsed.block), leaf.blockSha256))
            fail("the record block does not hash to the committed SHA-256");
          const f = parsed.fields;
          const type = WARC_TYPES[(f["warc-type"] || "").toLowerCase()];
          if ((type === undefined ? 255 : type) !== leaf.type || (f["warc-record-id"] || "") !== leaf.recordId ||
              (f["warc-target-uri"] || "") !== leaf.targetUri || (f["warc-date"] || "") !== leaf.date)
            fail("the record's header fields differ from the committed ones");
          step("content", "the record's " + record.length + " bytes and its block hash to the committed SHA-256s");
        } else {
          step("content", "the record's bytes hash to the committed SHA-256 (a zstd frame: its block not opened)");
        }
        out.contentChecked = true;
      }
      out.ok = true;
      out.leaf = {offset: leaf.offset, length: leaf.length, recordId: leaf.recordId, targetUri: leaf.targetUri,
                  date: leaf.date, type: leaf.type};
      out.height = body.height;
      out.signers = signers.signers;
      out.origin = tf.origin;
      out.file = entry.path;
    } catch (e) {
      const reason = e instanceof Failure ? e.message : "unexpected: " + (e && e.message ? e.message : String(e));
      steps.push({name: current, ok: false, detail: reason});
      out.error = current + ": " + reason;
    }
    return out;
  }

  async function fingerprint(valsetText) {
    return hex(await sha256(enc.encode(valsetText)));
  }

  return {verifyBundle, parseTrustFile, fingerprint, Failure};
})();
