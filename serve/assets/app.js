// crawlproof audit page: renders the JSON API's answers. Every piece of text
// from the store (and so from the open web) goes into the page as text
// (textContent), never as markup; links are made only to this server's own
// paths and to http(s) URLs.
"use strict";

(() => {
  const main = document.getElementById("main");
  const TEXT_PREVIEW = 500;

  // ---- building the page from text ----------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "href") e.setAttribute("href", safeHref(v));
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  // Our paths, or http(s) URLs; anything else (javascript:, data:) is not a link.
  function safeHref(v) {
    const s = String(v);
    if (s.startsWith("/") && !s.startsWith("//")) return s;
    if (/^https?:\/\//i.test(s)) return s;
    return "#";
  }
  const docHref = (id) => "/doc/" + encodeURIComponent(id);
  const promptHref = (id) => "/prompt/" + encodeURIComponent(id);
  const show = (...nodes) => { main.replaceChildren(...nodes); };
  const badge = (status) => el("span", {class: "badge badge-" + String(status).replace(/[^a-z-]/g, "")}, status);

  async function api(path, opts) {
    const r = await fetch(path, Object.assign({headers: {Accept: "application/json"}}, opts || {}));
    let body = null;
    const type = r.headers.get("Content-Type") || "";
    if (type.startsWith("application/json")) body = await r.json();
    return {status: r.status, ok: r.ok, body, headers: r.headers};
  }
  const errorOf = (res) => (res.body && (res.body.error || res.body.reason)) || ("HTTP " + res.status);

  function field(dl, name, ...value) {
    dl.append(el("dt", {}, name), el("dd", {}, ...value));
  }
  const fmt = (v) => (typeof v === "number" && !Number.isInteger(v) ? v.toFixed(2) : String(v));

  // ---- search ------------------------------------------------------------------
  function resultItem(a, kind) {
    if (kind === "prompt")
      return el("li", {}, el("a", {href: promptHref(a.prompt_id)}, a.prompt_id), " ", badge(a.status || "prompt"),
                a.reason ? el("span", {class: "reason"}, " " + a.reason) : null,
                a.question ? el("div", {class: "muted"}, a.question) : null);
    const src = a.source || {};
    return el("li", {}, el("a", {href: docHref(a.doc_id)}, a.doc_id), " ", badge(a.status),
              a.reason ? el("span", {class: "reason"}, " " + a.reason) : null,
              el("div", {class: "muted url"}, src.url || ""),
              el("div", {class: "muted"}, [src.date, src.crawl, a.lang].filter(Boolean).join(" · ")));
  }

  async function searchPage(params) {
    const q = params.get("q") || "", kind = params.get("kind") || "auto", after = params.get("after") || "";
    document.getElementById("search-input").value = q;
    document.getElementById("search-kind").value = kind;
    if (!q) return home();
    document.title = "search: " + q + " — crawlproof audit";
    const qs = new URLSearchParams({q, kind});
    if (after) qs.set("after", after);
    const res = await api("/api/search?" + qs);
    if (!res.ok) return show(el("h1", {}, "Search"), el("p", {class: "error"}, errorOf(res)));
    const b = res.body;
    const list = el("ul", {id: "results", class: "results"}, b.results.map((a) => resultItem(a, b.kind)));
    const nodes = [el("h1", {}, "Search"),
                   el("p", {class: "muted"}, b.results.length + " result" + (b.results.length === 1 ? "" : "s") +
                      (b.next ? " on this page" : "") + " for " + b.kind + " ", el("code", {}, b.query))];
    if (!b.results.length) nodes.push(el("p", {id: "no-results"}, "Nothing in the store for this query."));
    nodes.push(list);
    if (b.next) {
      const next = new URLSearchParams({q, kind: b.kind, after: b.next});
      nodes.push(el("p", {}, el("a", {id: "next-page", href: "/search?" + next}, "Next page →")));
    }
    show(...nodes);
  }

  // ---- a document's story --------------------------------------------------------
  async function docPage(id) {
    document.title = "document " + id + " — crawlproof audit";
    const res = await api("/api/doc/" + encodeURIComponent(id));
    if (res.status === 404 || !res.body || res.body.status === "unknown") {
      return show(el("h1", {}, "Document ", el("code", {}, id)),
                  el("p", {id: "doc-status"}, "Not in the store (status unknown)."),
                  el("p", {id: "verification-status", class: "status-failed"}, "failed: not in the store"));
    }
    if (!res.ok) return show(el("p", {class: "error"}, errorOf(res)));
    const a = res.body, src = a.source || {};
    const story = el("dl", {class: "story", id: "story"});
    const url = src.url || "";
    field(story, "Crawled", /^https?:\/\//i.test(url) ? el("a", {href: url, rel: "noopener noreferrer nofollow",
                                                               class: "url", id: "doc-url"}, url)
                                                     : el("span", {class: "url", id: "doc-url"}, url),
          el("div", {class: "muted"}, [src.date && "on " + src.date, src.crawl && "(" + src.crawl + ")"]
                                           .filter(Boolean).join(" ")));
    field(story, "Source record", el("code", {}, src.file || "?"), ", " + src.length + " bytes at offset " + src.offset,
          el("div", {class: "muted"}, "record " + (src.record_id || "?") +
             (a.ledger_leaf !== undefined ? ", leaf " + a.ledger_leaf + " of its file in the ledger" : "")));
    const ledger = el("span", {id: "ledger-story"}, a.verification || "?");
    field(story, "Ledger", ledger);
    if (a.lang)
      field(story, "Language", a.lang + " (score " + fmt(a.lang_score) + ")" +
            (a.lang2 ? "; also " + a.lang2 + ", share " + fmt(a.lang2_share) : ""));
    field(story, "Filters", filtersStory(a));
    const scores = classifierStory(a);
    if (scores) field(story, "Models", scores);
    field(story, "Dedup", dedupStory(a));
    const shardsDd = el("span", {id: "shards-story"});
    if (a.shard !== undefined) {
      shardsDd.append("document ", el("a", {href: "/shard/" + a.shard + "/" + a.index}, String(a.index)),
                      " of shard " + a.shard + ", " + a.tokens + " tokens (" + a.sequence_length +
                      " with BOS/EOS) at token " + a.token_offset,
                      el("div", {class: "muted"}, "SHA-256 of the ids " + a.tokens_sha256));
      checkTokens(id, shardsDd);
    } else {
      shardsDd.append("not in the training shards");
    }
    field(story, "Training shards", shardsDd);
    const others = [];
    if (Array.isArray(a.prompts) && a.prompts.length)
      others.push(el("div", {}, a.prompts.length + " prompt candidate" + (a.prompts.length === 1 ? "" : "s") + ": ",
                     a.prompts.map((p, i) => [i ? ", " : "", el("a", {href: promptHref(p)}, p)])));
    field(story, "Came from it", others.length ? others : "no prompts");
    if (a.run !== undefined) field(story, "Run", el("a", {href: "/run/" + a.run}, "run " + a.run));
    if (a.versions) field(story, "Versions", Object.entries(a.versions).map(([k, v]) => k + " " + v).join(", "));

    const verifyBox = verificationBox(id, a, ledger);
    const text = el("section", {id: "text"}, el("h2", {}, "Text"), el("p", {class: "muted"}, "Loading the text…"));
    show(el("h1", {}, "Document ", el("code", {id: "doc-id"}, a.doc_id)),
         el("p", {id: "doc-status"}, badge(a.status), a.reason ? el("span", {class: "reason"}, " " + a.reason) : null),
         verifyBox.node, el("section", {}, el("h2", {}, "Its story"), story), text,
         el("details", {}, el("summary", {}, "The account as JSON (GET /api/doc/…)"),
            el("pre", {class: "json"}, JSON.stringify(a, null, 2))));
    loadText(id, a, text);
    verifyBox.run();
  }

  function filtersStory(a) {
    if (a.status === "dropped" && !(a.dedup)) {
      const parts = ["dropped by ", el("code", {}, a.reason || "?")];
      if (a.check && a.check.value !== undefined)
        parts.push(el("span", {id: "filter-check"}, ": measured " + +a.check.value.toPrecision(3) +
                      " against the threshold " + +a.check.threshold.toPrecision(3)));
      if (a.match) parts.push(el("div", {class: "muted"}, "it shares \u201c" + a.match + "\u201d with that evaluation set"));
      return parts;
    }
    if (a.status === "quarantined") return "not run: its source was quarantined (" + (a.reason || "?") + ")";
    const changes = Object.entries(a.filter_changes || {});
    if (!changes.length) return "kept";
    // Kept, but not as it came: what each filter removed or redacted.
    return ["kept, changed by the filters: ",
            el("span", {id: "filter-changes"}, changes.map(([k, v]) => k + " \u00d7" + v).join(", ")),
            el("div", {class: "muted"}, "the shards hold the changed text (below, beside the source's)")];
  }

  // Every model's score of the document (kept or not), its threshold and
  // which model file gave it.
  function classifierStory(a) {
    const rows = Object.entries(a.classifiers || {});
    if (!rows.length) return null;
    return el("ul", {id: "classifier-scores"}, ...rows.map(([name, c]) =>
      el("li", {"data-classifier": name}, el("code", {}, name), " scored " + c.label + " " + +(+c.score).toPrecision(6) +
         (c.keep !== undefined ? (c.score >= c.keep ? " \u2265 " : " < ") + c.keep + " (keep)" : ""),
         el("div", {class: "muted"}, "model SHA-256 " + c.model_sha256))));
  }

  function dedupStory(a) {
    if (a.dedup) {
      return ["a duplicate of ", el("a", {href: docHref(a.dedup.duplicate_of), id: "duplicate-of"}, a.dedup.duplicate_of),
              " (estimated Jaccard similarity " + fmt(a.dedup.jaccard) + "; " + (a.reason || "") + "), not in the shards"];
    }
    if (a.status === "in-shard" || a.status === "unverified") return "unique (no near duplicate kept before it)";
    return "not reached (dropped before dedup)";
  }

  async function checkTokens(id, dd) {
    const res = await api("/api/tokens/" + encodeURIComponent(id));
    if (res.status === 404 && res.body && /without --shards/.test(res.body.error || "")) return;
    const line = el("div", {id: "tokens-check"});
    if (res.ok && res.body.ok) line.append(el("span", {class: "ok"}, "✔ "), "checked in the token file: " + res.body.where);
    else line.append(el("span", {class: "bad"}, "✘ "), "token file check failed: " + errorOf(res));
    dd.append(line);
  }

  async function loadText(id, a, section) {
    const res = await api("/api/text/" + encodeURIComponent(id));
    const body = [el("h2", {}, "Text")];
    if (!res.ok) {
      body.push(el("p", {class: "error", id: "text-error"}, "No text: " + errorOf(res)));
      return section.replaceChildren(...body);
    }
    const t = res.body.text;
    const chars = [...t];
    const preview = el("pre", {class: "text", id: "text-preview"},
                       chars.slice(0, TEXT_PREVIEW).join("") + (chars.length > TEXT_PREVIEW ? "…" : ""));
    const from = res.body.from === "shards"
      ? "The source record cannot be read here (" + res.body.source_error + "); this is the text the training " +
        "shards hold, decoded from its tokens (" + chars.length + " characters). "
      : "Re-extracted from the source record (" + chars.length + " characters). ";
    body.push(el("p", {class: "muted", id: "text-origin"}, from +
                 (res.body.matches_text_sha256 === true ? "It hashes to the text_sha256 the shards were made from." :
                  res.body.matches_text_sha256 === false ? "It differs from the text that was tokenized (the filters changed it)." :
                  "")), preview);
    // The text that was tokenized, when it is not the source's (the filters changed it).
    const tk = res.body.tokenized;
    if (tk && res.body.from === "source" && tk.text !== undefined && tk.text !== t) {
      const kept = [...tk.text];
      body.push(el("h3", {}, "As tokenized (decoded from the shards)"),
                el("p", {class: "muted", id: "tokenized-origin"}, kept.length + " characters. " +
                   (tk.matches_text_sha256 ? "It hashes to the text_sha256 the shards were made from."
                                           : "It does not hash to text_sha256.")),
                el("pre", {class: "text", id: "tokenized-preview"},
                   kept.slice(0, TEXT_PREVIEW).join("") + (kept.length > TEXT_PREVIEW ? "…" : "")),
                el("h3", {}, "As in the source record"));
    } else if (tk && tk.error) {
      body.push(el("p", {class: "muted", id: "tokenized-error"}, "The tokenized text: " + tk.error));
    }
    if (chars.length > TEXT_PREVIEW) {
      const btn = el("button", {id: "show-all-text", type: "button", onclick: () => {
        preview.textContent = t;
        btn.remove();
      }}, "Show the whole text");
      body.push(btn);
    }
    section.replaceChildren(...body);
  }

  // ---- verification in the browser ------------------------------------------------
  function verificationBox(id, account, ledgerDd) {
    const status = el("p", {id: "verification-status", class: "status-running"}, "checking…");
    const steps = el("ol", {id: "verification-steps", class: "steps"});
    const trustLine = el("p", {id: "trust-line", class: "muted"});
    const trustFile = el("textarea", {id: "trust-file", rows: 5, spellcheck: "false",
                                      "aria-label": "trust file (TOML)"});
    const valset = el("textarea", {id: "trust-valset", rows: 5, spellcheck: "false",
                                   "aria-label": "genesis validator set"});
    const recordInput = el("input", {type: "file", id: "record-file", "aria-label": "WARC record or file"});
    let record = null, bundle = null, trust = null;

    const node = el("section", {class: "verify", id: "verification"},
      el("h2", {}, "Verified in this browser"), status, steps, trustLine,
      el("details", {}, el("summary", {}, "Check against another validator set"),
         el("p", {class: "muted"}, "Paste a trust file (origin, valset_file, optional [pinned]) and the genesis validator " +
            "set it names, then check again."),
         el("label", {}, "Trust file", trustFile), el("label", {}, "Validator set", valset),
         el("button", {type: "button", id: "recheck", onclick: () => {
           trust = {file: trustFile.value, valset: valset.value.endsWith("\n") ? valset.value : valset.value + "\n"};
           run();
         }}, "Check again")),
      el("details", {}, el("summary", {}, "Check the record's bytes too"),
         el("p", {class: "muted"}, "The content hash: the record as the server streams it from its source, or a WARC " +
            "record (or the whole WARC file) you have."),
         el("button", {type: "button", id: "fetch-record", onclick: async () => {
           const r = await fetch("/api/record/" + encodeURIComponent(id));
           if (!r.ok) { status.textContent = "failed: content: the server could not send the record (HTTP " + r.status + ")"; return; }
           record = new Uint8Array(await r.arrayBuffer());
           run();
         }}, "Fetch it from the source"), " or ", recordInput));
    recordInput.addEventListener("change", async () => {
      const f = recordInput.files[0];
      if (!f) return;
      let bytes = new Uint8Array(await f.arrayBuffer());
      const src = account.source || {};
      // A whole WARC file: the record at its offset.
      if (bundle && bytes.length > bundle.length && bytes.length >= bundle.offset + bundle.length)
        bytes = bytes.slice(bundle.offset, bundle.offset + bundle.length);
      else if (!bundle && src.length && bytes.length > src.length) bytes = bytes.slice(src.offset, src.offset + src.length);
      record = bytes;
      run();
    });

    async function run() {
      status.className = "status-running";
      status.textContent = "checking…";
      steps.replaceChildren();
      try {
        if (!bundle) {
          const b = await api("/api/bundle/" + encodeURIComponent(id));
          if (!b.ok) return finish(false, "no proof bundle: " + errorOf(b));
          bundle = b.body;
        }
        if (!trust) {
          const t = await api("/api/trust");
          if (!t.ok) return finish(false, "no trust file: " + errorOf(t) + " (paste one below)");
          trust = {file: t.body.trust_file, valset: t.body.valset};
          trustFile.value = trust.file;
          valset.value = trust.valset;
        }
        const fp = await CrawlproofVerify.fingerprint(trust.valset);
        let origin = "";
        try { origin = CrawlproofVerify.parseTrustFile(trust.file).origin; } catch (e) { origin = "?"; }
        trustLine.replaceChildren("Trust: origin ", el("code", {}, origin), ", genesis validator set SHA-256 ",
                                  el("code", {id: "trust-fingerprint"}, fp),
                                  " — compare it with the one you were given.");
        // The bundle must be about the document this page shows, and name the
        // record its account (as shown above) names.
        const r = await CrawlproofVerify.verifyBundle(bundle, trust, record, {docId: id, account});
        for (const s of r.steps)
          steps.append(el("li", {class: s.ok ? "step-ok" : "step-failed"}, el("span", {class: s.ok ? "ok" : "bad"},
                          s.ok ? "✔ passed " : "✘ failed "), el("strong", {}, s.name), s.detail ? ": " + s.detail : ""));
        if (r.ok) {
          ledgerDd.replaceChildren(account.verification + ": record " + bundle.record_index + " of its file, committed in block " +
                                   r.height + " of " + r.origin + ", signed by " + r.signers.join(", ") +
                                   " (checked in this browser)");
        }
        finish(r.ok, r.error);
      } catch (e) {
        finish(false, "unexpected: " + (e && e.message ? e.message : String(e)));
      }
    }
    function finish(ok, error) {
      status.className = ok ? "status-verified" : "status-failed";
      status.textContent = ok ? "verified" : "failed: " + error;
      // The stored verdict is not shown as if it stood when this browser's check failed.
      if (!ok)
        ledgerDd.replaceChildren(el("span", {class: "bad", id: "ledger-failed"}, "not verified in this browser: " + error),
                                 " (the store recorded: " + account.verification + ")");
    }
    return {node, run};
  }

  // ---- a bundle of one's own --------------------------------------------------------
  function verifyPage() {
    document.title = "check a bundle — crawlproof audit";
    const bundleText = el("textarea", {id: "bundle-text", rows: 8, spellcheck: "false", "aria-label": "bundle"});
    const trustFile = el("textarea", {id: "trust-file", rows: 4, spellcheck: "false", "aria-label": "trust file"});
    const valset = el("textarea", {id: "trust-valset", rows: 4, spellcheck: "false", "aria-label": "validator set"});
    const status = el("p", {id: "verification-status"}, "");
    const steps = el("ol", {id: "verification-steps", class: "steps"});
    api("/api/trust").then((t) => {
      if (t.ok) { trustFile.value = t.body.trust_file; valset.value = t.body.valset; }
    });
    const check = async () => {
      let bundle;
      try { bundle = JSON.parse(bundleText.value); } catch (e) {
        status.className = "status-failed";
        status.textContent = "failed: the bundle is not JSON";
        return;
      }
      const v = valset.value.endsWith("\n") ? valset.value : valset.value + "\n";
      const r = await CrawlproofVerify.verifyBundle(bundle, {file: trustFile.value, valset: v}, null);
      steps.replaceChildren(...r.steps.map((s) => el("li", {class: s.ok ? "step-ok" : "step-failed"},
                                                    (s.ok ? "✔ passed " : "✘ failed ") + s.name + (s.detail ? ": " + s.detail : ""))));
      status.className = r.ok ? "status-verified" : "status-failed";
      status.textContent = r.ok ? "verified" : "failed: " + r.error;
    };
    show(el("h1", {}, "Check a proof bundle"),
         el("p", {class: "muted"}, "A bundle from `crawlproof audit --bundle` or GET /api/bundle/<id>, checked here " +
            "against the trust file and validator set below."),
         el("label", {}, "Bundle (JSON)", bundleText), el("label", {}, "Trust file", trustFile),
         el("label", {}, "Validator set", valset), el("button", {type: "button", id: "check", onclick: check}, "Check"),
         status, steps);
  }

  // ---- prompts, runs, positions -------------------------------------------------
  async function promptPage(id) {
    document.title = "prompt " + id + " — crawlproof audit";
    const res = await api("/api/prompt/" + encodeURIComponent(id));
    if (!res.ok) return show(el("h1", {}, "Prompt ", el("code", {}, id)), el("p", {}, errorOf(res)));
    const p = res.body, dl = el("dl", {class: "story"});
    for (const [k, v] of Object.entries(p)) {
      if (k === "doc_id") field(dl, k, el("a", {href: docHref(v)}, v));
      else field(dl, k, typeof v === "object" ? el("pre", {class: "json"}, JSON.stringify(v, null, 2)) : String(v));
    }
    show(el("h1", {}, "Prompt ", el("code", {}, id)), el("p", {}, badge(p.status || "?"),
         p.reason ? el("span", {class: "reason"}, " " + p.reason) : null), dl);
  }

  async function runsPage() {
    document.title = "runs — crawlproof audit";
    const res = await api("/api/runs");
    if (!res.ok) return show(el("p", {class: "error"}, errorOf(res)));
    const rows = res.body.map((r) => el("tr", {}, el("td", {}, el("a", {href: "/run/" + r.run}, "run " + r.run)),
                                        el("td", {}, r.name || ""), el("td", {}, String(r.processed ?? "")),
                                        el("td", {}, String(r.kept ?? "")), el("td", {}, String(r.tokens ?? "")),
                                        el("td", {}, r.seconds ? fmt(r.seconds.total) + " s" : "")));
    show(el("h1", {}, "Runs"), el("table", {id: "runs"}, el("thead", {}, el("tr", {}, ["run", "name", "source shards",
         "kept", "tokens", "time"].map((h) => el("th", {}, h)))), el("tbody", {}, rows)));
  }

  async function runPage(n) {
    document.title = "run " + n + " — crawlproof audit";
    const res = await api("/api/runs");
    const r = res.ok ? res.body.find((x) => String(x.run) === n) : null;
    if (!r) return show(el("h1", {}, "Run " + n), el("p", {}, "No such run in the store."));
    const num = (v) => (typeof v === "number" ? v.toLocaleString("en") : String(v ?? "?"));
    const docs = r.documents || {};
    const docCount = Object.values(docs).reduce((a, b) => a + (typeof b === "number" ? b : 0), 0);
    const summary = el("p", {id: "run-summary"},
      num(r.sources) + " source shards (" + num(r.processed) + " processed, " + num(r.quarantined) + " quarantined, " +
      num(r.unverified) + " unverified), " + num(r.records) + " WARC records, " + num(docCount) + " accounts, " +
      num(r.kept) + " documents kept, " + num(r.tokens) + " tokens in " + num(r.shards_written) + " new training " +
      "shards (" + num(r.shards_total) + " in all)" + (r.seconds ? ", " + fmt(r.seconds.total) + " s" : "") + ".");
    // Counts by name as a table, largest first.
    const counts = (title, m, unit) => {
      const rows = Object.entries(m || {}).sort((x, y) => (y[1] > x[1] ? 1 : y[1] < x[1] ? -1 : 0));
      if (!rows.length) return null;
      return el("section", {}, el("h2", {}, title),
                el("table", {class: "counts"}, el("tbody", {}, rows.map(([k, v]) =>
                  el("tr", {}, el("td", {}, el("code", {}, k || "und")),
                     el("td", {class: "num"}, unit ? fmt(v) + " " + unit : num(v)))))));
    };
    show(el("h1", {}, "Run " + n + (r.name ? " (" + r.name + ")" : "")), summary,
         counts("Accounts by status", docs), counts("Drop reasons", r.dropped),
         counts("Languages of the kept documents", r.languages),
         counts("Records that are not documents", r.skipped_records),
         el("p", {}, "Duplicates: " + num(r.exact_duplicates) + " exact, " + num(r.near_duplicates) + " near, " +
            num(r.earlier_run_duplicates) + " of earlier runs' documents; " + num(r.input_errors) + " input errors."),
         counts("Seconds", r.seconds, "s"),
         el("details", {}, el("summary", {}, "As the store recorded it (JSON)"),
            el("pre", {class: "json"}, JSON.stringify(r, null, 2))));
  }

  async function shardPage(n, i) {
    const res = await api("/api/shard/" + encodeURIComponent(n) + "/" + encodeURIComponent(i));
    if (res.ok && res.body.doc_id) return docPage(res.body.doc_id);
    show(el("h1", {}, "Shard " + n + ", document " + i), el("p", {}, errorOf(res)));
  }

  async function home() {
    document.title = "crawlproof audit";
    const st = await api("/api/status");
    const s = st.body || {};
    show(el("h1", {}, "Where did a training document come from?"),
         el("p", {}, "Search the run's provenance store by URL (exact, or a prefix ending in *), domain, document id, " +
            "prompt id, or shard/index. Each document's page tells its story and checks its ledger proof in this browser."),
         el("p", {class: "muted", id: "store-status"}, (s.runs ?? "?") + " runs in the store; " +
            (s.trust ? "trust file loaded (genesis validator set SHA-256 " + s.valset_sha256 + ")" : "no trust file") +
            "; " + (s.shards ? "shards folder given" : "no shards folder") + "."));
  }

  // ---- routing -------------------------------------------------------------------
  async function route() {
    const parts = location.pathname.split("/").slice(1).map((p) => {
      try { return decodeURIComponent(p); } catch (e) { return p; }
    });
    try {
      if (parts[0] === "doc" && parts.length === 2) return await docPage(parts[1]);
      if (parts[0] === "search") return await searchPage(new URLSearchParams(location.search));
      if (parts[0] === "prompt" && parts.length === 2) return await promptPage(parts[1]);
      if (parts[0] === "runs") return await runsPage();
      if (parts[0] === "run" && parts.length === 2) return await runPage(parts[1]);
      if (parts[0] === "shard" && parts.length === 3) return await shardPage(parts[1], parts[2]);
      if (parts[0] === "verify") return verifyPage();
      return await home();
    } catch (e) {
      show(el("p", {class: "error"}, "The page could not load: " + (e && e.message ? e.message : String(e))));
    }
  }
  route();
})();
