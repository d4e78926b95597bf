// crawlproof audit --store DIR --prompt ID [--json] [--bundle FILE], and the
// prompt part of `audit verify` (docs/prompts.md).
#include <simdjson.h>

#include <cstdio>
#include <string>

#include "cli/account_text.h"
#include "cli/commands.h"
#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "ingest/content_decoding.h"
#include "prompts/prompt.h"

namespace crawlproof::cli {
namespace {

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view s;
  return e[key].get(s) ? std::string() : std::string(s);
}

std::string Num(simdjson::dom::element e, const char* key) {
  uint64_t v = 0;
  if (!e[key].get(v)) return std::to_string(v);
  double d = 0;
  if (!e[key].get(d)) return std::to_string(d);
  return "";
}

// The prompt's account in plain words, then its document's story.
void PrintPrompt(const store::ProvenanceStore& st, simdjson::dom::element p, const std::string* doc_account) {
  const std::string id = Str(p, "prompt_id"), status = Str(p, "status"), reason = Str(p, "reason");
  std::printf("prompt %s: %s", id.c_str(), status.c_str());
  if (!reason.empty()) std::printf(" (%s)", reason.c_str());
  std::printf("\n");
  std::printf("  kind: %s, found as %s\n", Str(p, "kind").c_str(), Str(p, "found").c_str());
  std::printf("  question: %s\n", Str(p, "question").c_str());
  if (!Str(p, "ground_truth").empty()) {
    std::printf("  answer: %s (%s; ground truth \"%s\")\n", Str(p, "answer_text").c_str(),
                Str(p, "answer_type").c_str(), Str(p, "ground_truth").c_str());
  } else {
    std::printf("  answer: %s\n", Str(p, "answer_text").c_str());
  }
  if (!Str(p, "duplicate_of").empty())
    std::printf("  repeats prompt %s (estimated Jaccard %s of the questions' shingles)\n",
                Str(p, "duplicate_of").c_str(), Num(p, "jaccard").c_str());
  if (!Str(p, "match").empty()) std::printf("  evaluation n-gram found: \"%s\"\n", Str(p, "match").c_str());
  if (status == "kept")
    std::printf("  in <output>/prompts/%s, row %s (split %s, %s prompt tokens)\n", Str(p, "prompt_file").c_str(),
                Num(p, "row").c_str(), Str(p, "split").c_str(), Num(p, "prompt_tokens").c_str());
  std::printf("  run %s, options %s\n", Num(p, "run").c_str(), Str(p, "options_sha256").c_str());
  std::printf("from document %s:\n", Str(p, "doc_id").c_str());
  if (doc_account) {
    PrintAccount(st, *doc_account);
  } else {
    std::printf("  (the document's account is not in the store)\n");
  }
}

}  // namespace

Status RunPromptAudit(const store::ProvenanceStore& st, const std::string& store_dir, const std::string& prompt_id,
                      bool json, const std::string& bundle) {
  ASSIGN_OR_RETURN(std::optional<std::string> account, st.Prompt(prompt_id));
  if (!account) {
    JsonObject o;
    o.Add("prompt_id", prompt_id).Add("status", "unknown").Add("reason", "not in the store");
    if (json) {
      std::printf("%s\n", o.str().c_str());
    } else {
      std::printf("prompt %s: not in the store %s (status unknown)\n", prompt_id.c_str(), store_dir.c_str());
    }
    return Status::BadInput("audit: no prompt " + prompt_id + " in " + store_dir);
  }
  simdjson::dom::parser parser;
  simdjson::padded_string padded(*account);
  simdjson::dom::element p;
  if (parser.parse(padded).get(p)) return Status::Corruption(store_dir + ": prompt " + prompt_id + ": not JSON");
  const std::string doc_id = Str(p, "doc_id");
  ASSIGN_OR_RETURN(std::optional<std::string> doc, st.Document(doc_id));
  if (json) {
    std::printf("%s\n", account->c_str());
  } else {
    PrintPrompt(st, p, doc ? &*doc : nullptr);
  }
  if (bundle.empty()) return Status::Ok();
  if (!doc) return Status::Corruption(store_dir + ": prompt " + prompt_id + ": its document " + doc_id + " is missing");
  if (Status s = WriteDocumentBundle(st, *doc, bundle, *account); !s.ok())
    return s.code() == StatusCode::kInvalidArgument ? AsBadInput(s) : s;
  LogInfo("audit: proof bundle of prompt " + prompt_id + " (document " + doc_id + ") written to " + bundle);
  return Status::Ok();
}

Status CheckBundlePrompt(const std::string& bundle_text, const std::string& prompts_dir, JsonObject* o) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(bundle_text);
  simdjson::dom::element root, d, p;
  if (parser.parse(padded).get(root) || root["decisions"].get(d) || d.is_null() || d["prompt"].get(p))
    return Status::Ok();
  const std::string id = Str(p, "prompt_id");
  o->Add("prompt_id", id);
  // The id is the hash of the document, kind, question and answer: the
  // prompt belongs to the document the ledger proof is for.
  if (Str(p, "doc_id") != Str(d, "doc_id"))
    return Status::BadInput("prompt " + id + " names document " + Str(p, "doc_id") + ", the bundle is for " +
                            Str(d, "doc_id"));
  prompts::Candidate c;
  c.kind = Str(p, "kind");
  c.question = Str(p, "question");
  c.answer = Str(p, "answer_text");
  if (prompts::PromptId(Str(d, "doc_id"), c) != id)
    return Status::BadInput("prompt " + id + ": its id is not the hash of its document, kind, question and answer");
  o->Add("prompt", "verified (its id is the hash of its document, kind, question and answer)");
  if (Str(p, "status") != "kept" || prompts_dir.empty()) {
    o->Add("prompt_row", Str(p, "status") == "kept" ? "not checked (no --prompts)" : "none (the prompt was rejected)");
    return Status::Ok();
  }
  // Its row in the prompt file, the file as the manifest lists it.
  const std::string file = Str(p, "prompt_file");
  uint64_t row = 0;
  // Only a prompt file's name is opened under --prompts (never a path the bundle makes up).
  const bool own_name = file.rfind("prompts-", 0) == 0 && file.size() > 18 &&
                        file.compare(file.size() - 10, 10, ".jsonl.zst") == 0 &&
                        file.find_first_not_of("0123456789", 8) == file.size() - 10;
  if (!own_name || p["row"].get(row))
    return Status::BadInput("prompt " + id +
                            ": the bundle does not name a prompt file (prompts-NNNNN.jsonl.zst) and row");
  ASSIGN_OR_RETURN(std::string manifest, ReadWholeFile(prompts_dir + "/manifest.json"));
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(prompts_dir + "/" + file));
  simdjson::dom::parser mparser;
  simdjson::padded_string mpadded(manifest);
  simdjson::dom::element m;
  simdjson::dom::array files;
  if (mparser.parse(mpadded).get(m) || m["files"].get(files))
    return Status::BadInput(prompts_dir + "/manifest.json: not a prompts manifest");
  std::string listed;
  for (simdjson::dom::element f : files)
    if (Str(f, "name") == file) listed = Str(f, "sha256");
  if (listed.empty()) return Status::BadInput(prompts_dir + "/manifest.json does not list " + file);
  if (HexEncode(Sha256(bytes)) != listed) return Status::BadInput(file + ": its SHA-256 differs from the manifest's");
  ASSIGN_OR_RETURN(std::string lines, ingest::DecodeContentCoding("zstd", bytes, uint64_t{1} << 30));
  size_t at = 0;
  for (uint64_t k = 0; k < row && at != std::string::npos; ++k) {
    at = lines.find('\n', at);
    if (at != std::string::npos) ++at;
  }
  if (at == std::string::npos || at >= lines.size()) return Status::BadInput(file + ": no row " + std::to_string(row));
  const std::string line = lines.substr(at, lines.find('\n', at) - at);
  simdjson::dom::parser rparser;
  simdjson::padded_string rpadded(line);
  simdjson::dom::element r;
  if (rparser.parse(rpadded).get(r)) return Status::BadInput(file + ": row " + std::to_string(row) + " is not JSON");
  if (Str(r["extra_info"], "prompt_id") != id || Str(r["extra_info"], "doc_id") != Str(d, "doc_id"))
    return Status::BadInput(file + ": row " + std::to_string(row) + " is another prompt");
  if (Str(r["reward_model"], "ground_truth") != Str(p, "ground_truth"))
    return Status::BadInput(file + ": row " + std::to_string(row) + ": its ground truth differs from the account's");
  bool asked = false;
  simdjson::dom::array messages;
  if (!r["prompt"].get(messages))
    for (simdjson::dom::element msg : messages)
      asked = asked || (Str(msg, "role") == "user" && Str(msg, "content").find(c.question) != std::string::npos);
  if (!asked) return Status::BadInput(file + ": row " + std::to_string(row) + ": its user message lacks the question");
  o->Add("prompt_row", "verified (" + file + " row " + std::to_string(row) + ", listed in the manifest)");
  return Status::Ok();
}

}  // namespace crawlproof::cli
