// crawlproof tokenize | shards build | shards inspect | shards verify
#include <simdjson.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "ingest/line_reader.h"
#include "tokenize/shards.h"
#include "tokenize/tokenizer.h"

namespace crawlproof::cli {
namespace {

using tokenize::Tokenizer;

constexpr size_t kBatchDocs = 4096;
constexpr size_t kBatchBytes = size_t{64} << 20;

// One input line: the text (and id) or why it cannot be used.
struct InputDoc {
  std::string id, text, error;
};

// Reads JSON lines in batches and calls `batch` with each.
Status ForEachBatch(const std::string& input, bool need_id,
                    const std::function<Status(std::vector<InputDoc>&, uint64_t first_line)>& batch) {
  simdjson::dom::parser parser;
  std::vector<InputDoc> docs;
  size_t bytes = 0;
  uint64_t line_no = 0, first = 1;
  Status batch_status = Status::Ok();
  auto flush = [&]() {
    if (docs.empty()) return true;
    batch_status = batch(docs, first);
    docs.clear();
    bytes = 0;
    first = line_no + 1;
    return batch_status.ok();
  };
  Status read = ingest::ForEachLine(input, {}, [&](std::string_view line) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    InputDoc d;
    simdjson::padded_string padded(line);
    simdjson::dom::element e;
    std::string_view text, id;
    if (parser.parse(padded).get(e) || e["text"].get(text) || (need_id && e["id"].get(id))) {
      d.error = input + ": line " + std::to_string(line_no) + ": not a JSON object with " +
                (need_id ? "\"id\" and \"text\" strings" : "a \"text\" string");
    } else {
      d.text = std::string(text);
      d.id = std::string(id);
    }
    bytes += d.text.size();
    docs.push_back(std::move(d));
    if (docs.size() >= kBatchDocs || bytes >= kBatchBytes) return flush();
    return true;
  });
  RETURN_IF_ERROR(read);
  RETURN_IF_ERROR(batch_status);
  flush();
  return batch_status;
}

std::vector<std::vector<uint32_t>> EncodeDocs(const Tokenizer& t, const std::vector<InputDoc>& docs, unsigned threads) {
  std::vector<std::string_view> texts;
  texts.reserve(docs.size());
  for (const auto& d : docs) texts.push_back(d.text);
  return t.EncodeBatch(texts, threads);
}

// ---- tokenize ------------------------------------------------------------------

struct TokenizeArgs {
  std::string tokenizer, input, output;
  bool add_special = false;
  unsigned threads = 0;
  bool force = false;
};

Status RunTokenize(const TokenizeArgs& a) {
  if (Status s = CheckOutputFiles({a.input, a.tokenizer}, {{a.output, "JSON-lines file", LooksLikeJson}}, a.force);
      !s.ok()) {
    return s.WithPrefix("tokenize");
  }
  auto tok = Tokenizer::Load(a.tokenizer);
  if (!tok.ok()) {
    return tok.status();
  }
  const Tokenizer& t = **tok;
  std::optional<uint32_t> bos = a.add_special ? t.default_bos() : std::nullopt;
  std::optional<uint32_t> eos = a.add_special ? t.default_eos() : std::nullopt;
  Output out;
  LineFile file;
  if (!a.output.empty() && !file.Open(a.output)) {
    return Status::IoError("tokenize: cannot create " + a.output);
  }
  auto line = [&](std::string_view s) { a.output.empty() ? out.Line(s) : file.Line(s); };
  uint64_t documents = 0, invalid = 0, tokens = 0, bytes = 0;
  auto t0 = std::chrono::steady_clock::now();
  std::string buf;
  Status s = ForEachBatch(a.input, false, [&](std::vector<InputDoc>& docs, uint64_t) {
    auto ids = EncodeDocs(t, docs, a.threads);
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].error.empty()) {
        LogError(docs[i].error);
        ++invalid;
        JsonObject o;
        o.AddNull("ids").Add("error", docs[i].error);
        line(o.str());
        continue;
      }
      buf = "{\"ids\":[";
      bool first = true;
      auto put = [&](uint32_t id) {
        if (!first) buf += ',';
        first = false;
        buf += std::to_string(id);
        ++tokens;
      };
      if (bos) put(*bos);
      for (uint32_t id : ids[i]) put(id);
      if (eos) put(*eos);
      buf += "]}";
      line(buf);
      ++documents;
      bytes += docs[i].text.size();
    }
    return Status::Ok();
  });
  bool write_ok = a.output.empty() || file.Close();
  if (!s.ok() || !write_ok) {
    return s.ok() ? Status::IoError("tokenize: writing " + a.output + " failed") : s;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  JsonObject o;
  o.Add("msg", "tokenize: done")
      .Add("documents", documents)
      .Add("invalid_lines", invalid)
      .Add("tokens", tokens)
      .Add("mb_per_s", seconds > 0 ? bytes / 1e6 / seconds : 0.0);
  LogFields(LogLevel::kInfo, o.str());
  return InputsResult("tokenize", 1, 0, invalid, "lines");
}

// ---- shards build --------------------------------------------------------------

struct BuildArgs {
  std::string tokenizer, input, output, format = "megatron", bos = "auto", eos = "auto";
  uint64_t shard_tokens = uint64_t{1} << 30;
  unsigned threads = 0;
  bool append = false;
};

Status RunShardsBuild(const BuildArgs& a) {
  auto tok = Tokenizer::Load(a.tokenizer);
  if (!tok.ok()) {
    return tok.status();
  }
  const Tokenizer& t = **tok;
  tokenize::ShardOptions options;
  options.format = a.format == "datatrove" ? tokenize::ShardFormat::kDatatrove : tokenize::ShardFormat::kMegatron;
  options.shard_tokens = a.shard_tokens;
  auto bos = t.ResolveMarker(a.bos, t.default_bos());
  auto eos = t.ResolveMarker(a.eos, t.default_eos());
  if (!bos.ok() || !eos.ok()) {
    return !bos.ok() ? bos.status().WithPrefix("--bos") : eos.status().WithPrefix("--eos");
  }
  options.bos = *bos;
  options.eos = *eos;
  // Appending continues after the shards an earlier run listed.
  tokenize::Manifest earlier;
  uint64_t first_shard = 0;
  struct stat st;
  const bool exists = ::stat((a.output + "/manifest.json").c_str(), &st) == 0;
  if (exists && !a.append) {
    return Status::InvalidArgument("shards build: " + a.output +
                                   " already holds shards (manifest.json); --append adds to them");
  }
  if (exists) {
    auto text = ReadWholeFile(a.output + "/manifest.json");
    auto m = text.ok() ? tokenize::Manifest::Parse(*text) : Result<tokenize::Manifest>(text.status());
    if (!m.ok()) {
      return m.status().WithPrefix(a.output + "/manifest.json");
    }
    earlier = std::move(*m);
    // Checked before anything is written (the writer copies the tokenizer in).
    auto tokenizer_bytes = ReadWholeFile(a.tokenizer);
    tokenize::Manifest next;
    next.options = options;
    next.vocab_size = t.vocab_size();
    next.tokenizer_sha256 = tokenizer_bytes.ok() ? HexEncode(Sha256(*tokenizer_bytes)) : "";
    if (Status c = earlier.CheckCanAppend(next); !c.ok()) {
      return c.WithPrefix("shards build --append: " + a.output);
    }
    if (!earlier.shards.empty()) first_shard = earlier.shards.back().index + 1;
  }
  auto writer = tokenize::ShardWriter::Open(a.output, t, a.tokenizer, options, first_shard);
  if (!writer.ok()) {
    return writer.status();
  }
  uint64_t invalid = 0;
  auto t0 = std::chrono::steady_clock::now();
  Status s = ForEachBatch(a.input, true, [&](std::vector<InputDoc>& docs, uint64_t) -> Status {
    auto ids = EncodeDocs(t, docs, a.threads);
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].error.empty()) {
        LogError(docs[i].error);
        ++invalid;
        continue;
      }
      RETURN_IF_ERROR((*writer)->Add(docs[i].id, ids[i]).status());
    }
    return Status::Ok();
  });
  auto manifest = s.ok() ? (*writer)->Finish() : Result<tokenize::Manifest>(s);
  if (!manifest.ok()) {
    return manifest.status();
  }
  if (exists) {
    if (Status c = earlier.Append(std::move(*manifest)); !c.ok()) {
      return c.WithPrefix("shards build --append: " + a.output);
    }
    *manifest = std::move(earlier);
  }
  if (Status w = tokenize::WriteManifest(a.output, *manifest); !w.ok()) {
    return w;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  JsonObject o;
  o.Add("msg", "shards build: done")
      .Add("shards", static_cast<uint64_t>(manifest->shards.size()))
      .Add("documents", manifest->documents)
      .Add("tokens", manifest->tokens)
      .Add("invalid_lines", invalid)
      .Add("dtype", manifest->dtype)
      .Add("seconds", seconds);
  LogFields(LogLevel::kInfo, o.str());
  return InputsResult("shards build", 1, 0, invalid, "lines");
}

// ---- shards inspect / verify ---------------------------------------------------

struct InspectArgs {
  std::string path, tokenizer;
  std::optional<uint64_t> doc;
  bool json = false;
};

Status RunShardsInspect(const InspectArgs& a) {
  std::string stem;
  auto c = tokenize::ReadShard(a.path, &stem);
  if (!c.ok()) {
    return c.status();
  }
  uint64_t tokens = 0;
  for (int32_t l : c->lengths) tokens += static_cast<uint64_t>(l);
  JsonObject o;
  o.Add("shard", stem)
      .Add("format", tokenize::ShardFormatName(c->format))
      .Add("dtype", c->type.name)
      .Add("token_bytes", uint64_t{c->type.bytes});
  if (c->format == tokenize::ShardFormat::kMegatron) {
    o.Add("version", c->version).Add("megatron_dtype_code", uint64_t{c->type.megatron_code});
    o.Add("document_indices", static_cast<uint64_t>(c->document_index.size()));
  }
  o.Add("sequences", static_cast<uint64_t>(c->lengths.size()))
      .Add("tokens", tokens)
      .Add("token_file_bytes", c->token_file_size)
      .Add("sidecar_documents", static_cast<uint64_t>(c->docs.size()));
  if (a.doc) {
    const auto i = static_cast<size_t>(*a.doc);
    if (i >= c->lengths.size()) {
      return Status::InvalidArgument("shards inspect: --doc " + std::to_string(*a.doc) + ": the shard has " +
                                     std::to_string(c->lengths.size()) + " documents");
    }
    const uint64_t offset = static_cast<uint64_t>(c->pointers[i]) / c->type.bytes;
    auto ids = tokenize::ReadShardTokens(stem, *c, offset, static_cast<uint64_t>(c->lengths[i]));
    if (!ids.ok()) {
      return ids.status();
    }
    // The tokenizer: --tokenizer, else the copy the manifest beside lists.
    std::string tok_path = a.tokenizer;
    if (tok_path.empty()) {
      auto text = ReadWholeFile(Dirname(stem) + "/manifest.json");
      auto m = text.ok() ? tokenize::Manifest::Parse(*text) : Result<tokenize::Manifest>(text.status());
      if (m.ok() && !m->tokenizer_files.empty()) tok_path = Dirname(stem) + "/" + m->tokenizer_files[0].name;
    }
    JsonObject d;
    d.Add("index", static_cast<uint64_t>(i));
    if (i < c->docs.size()) d.Add("doc_id", c->docs[i].doc_id);
    d.Add("offset", offset).Add("length", static_cast<uint64_t>(c->lengths[i]));
    std::string list = "[";
    for (size_t k = 0; k < ids->size(); ++k) list += (k ? "," : "") + std::to_string((*ids)[k]);
    d.AddRaw("ids", list + "]");
    if (!tok_path.empty()) {
      auto tok = Tokenizer::Load(tok_path);
      if (!tok.ok()) {
        return tok.status();
      }
      d.Add("text", (*tok)->Decode(*ids));
    }
    o.AddRaw("document", d.str());
  }
  std::printf("%s\n", o.str().c_str());
  return Status::Ok();
}

Status RunShardsVerify(const std::string& manifest) {
  auto problems = tokenize::VerifyManifest(manifest);
  if (!problems.ok()) {
    return problems.status();
  }
  for (const auto& p : *problems) std::printf("%s\n", p.c_str());
  if (!problems->empty())
    return Status::BadInput(manifest + ": " + std::to_string(problems->size()) + " problems (listed on stdout)");
  auto text = ReadWholeFile(manifest);
  auto m = tokenize::Manifest::Parse(*text);
  std::printf("ok: %zu shards, %llu documents, %llu tokens; every file matches its SHA-256\n", m->shards.size(),
              static_cast<unsigned long long>(m->documents), static_cast<unsigned long long>(m->tokens));
  return Status::Ok();
}

}  // namespace

void RegisterTokenizeCommands(CLI::App& app, Status* result) {
  auto t = std::make_shared<TokenizeArgs>();
  auto* tok = app.add_subcommand("tokenize", "Token ids of texts (JSON lines with \"text\"; docs/tokenize.md)");
  tok->add_option("--tokenizer", t->tokenizer, "tokenizer.json (byte-level BPE) or .tiktoken rank file")->required();
  tok->add_option("--input", t->input, "JSON lines with a \"text\" string")->required();
  tok->add_option("--output", t->output, "{\"ids\": [...]} lines in input order (default: stdout)");
  tok->add_flag("--force", t->force,
                "Replace an existing output file crawlproof did not write (never an input or a key file)");
  tok->add_flag("--add-special", t->add_special, "Add the tokenizer's BOS / EOS around each text");
  tok->add_option("--threads", t->threads, "Encoding threads (0: all cores)")->capture_default_str();
  tok->callback([t, result] { *result = RunTokenize(*t); });

  auto* shards = app.add_subcommand("shards", "Training shards: build, inspect, verify (docs/tokenize.md)");
  shards->require_subcommand(1);
  auto b = std::make_shared<BuildArgs>();
  auto* build = shards->add_subcommand("build", "Tokenize documents into training shards with provenance sidecars");
  build->add_option("--tokenizer", b->tokenizer, "tokenizer.json or .tiktoken")->required();
  build->add_option("--input", b->input, "JSON lines with \"id\" and \"text\"")->required();
  build->add_option("--output", b->output, "Output folder (shards, sidecars, tokenizer/, manifest.json)")->required();
  build->add_option("--format", b->format, "megatron (.bin + .idx) or datatrove (.ds + .ds.index)")
      ->check(CLI::IsMember({"megatron", "datatrove"}))
      ->capture_default_str();
  build->add_option("--shard-tokens", b->shard_tokens, "Token budget per shard (never cut inside a document)")
      ->capture_default_str();
  build->add_option("--bos", b->bos, "Token before each document: auto (tokenizer_config.json), none, or a token")
      ->capture_default_str();
  build->add_option("--eos", b->eos, "Token after each document: auto, none, or a token")->capture_default_str();
  build->add_option("--threads", b->threads, "Encoding threads (0: all cores)")->capture_default_str();
  build->add_flag("--append", b->append, "Add shards after those already in --output (same tokenizer and options)");
  build->callback([b, result] { *result = RunShardsBuild(*b); });

  auto i = std::make_shared<InspectArgs>();
  auto* inspect = shards->add_subcommand("inspect", "A shard's header and counts, and one document decoded");
  inspect->add_option("path", i->path, "Any file of the shard (.bin, .idx, .ds, .ds.index, .docs.jsonl)")->required();
  inspect->add_option("--doc", i->doc, "Also print this document (0-based): id, offset, ids, text")
      ->check(WholeNumber());
  inspect->add_option("--tokenizer", i->tokenizer, "Tokenizer to decode with (default: the copy in tokenizer/)");
  inspect->callback([i, result] { *result = RunShardsInspect(*i); });

  auto v = std::make_shared<std::string>();
  auto* verify = shards->add_subcommand("verify", "Re-hash every file of a manifest and check every shard");
  verify->add_option("manifest", *v, "manifest.json")->required();
  verify->callback([v, result] { *result = RunShardsVerify(*v); });
}

}  // namespace crawlproof::cli
