// crawlproof extract: WARC / WET records to documents (JSON lines).
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "classify/fasttext_model.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "extract/document.h"
#include "ingest/warc_reader.h"

namespace crawlproof::cli {
namespace {

struct ExtractArgs {
  std::vector<std::string> inputs;
  std::string progress = "auto";
  std::string stats;
  bool force = false;
  bool all_text = false;
  std::optional<double> min_lang_score;  // default 0.5; 0 with a language model
  std::string language_model;
  size_t max_html_bytes = 16 << 20;
};

Status RunExtract(const ExtractArgs& a) {
  if (Status s = CheckOutputFiles(a.inputs, {{a.stats, "JSON file", LooksLikeJson}}, a.force); !s.ok()) {
    return s.WithPrefix("extract");
  }
  Output out;
  Progress progress(ParseProgressOption(a.progress), 0);
  extract::ExtractOptions options;
  options.html.main_content = !a.all_text;
  options.html.max_html_bytes = a.max_html_bytes;
  options.language.min_score = a.min_lang_score.value_or(a.language_model.empty() ? 0.5 : 0.0);
  if (!a.language_model.empty()) {
    ASSIGN_OR_RETURN(options.language.model, classify::FastTextModel::Open(a.language_model));
  }
  std::map<std::string, uint64_t> skipped, languages;
  uint64_t records = 0, documents = 0, text_bytes = 0, truncated = 0, input_errors = 0;
  uint64_t unreadable = 0;
  auto t0 = std::chrono::steady_clock::now();
  ingest::WarcReaderOptions ro;
  ro.check_digests = false;  // `warc index` and `ledger check` verify; this extracts
  for (const auto& input : a.inputs) {
    auto reader = ingest::WarcReader::Open(input, {}, ro);
    if (!reader.ok()) {
      LogError(reader.status().message());
      ++unreadable;
      continue;
    }
    ingest::WarcReader& rd = **reader;
    if (auto size = rd.input_size()) progress.AddTotalBytes(*size);
    ingest::WarcRecord rec;
    uint64_t reported = 0;
    while (true) {
      auto r = rd.Next(&rec);
      if (!r.ok()) {
        LogError(r.status().message());
        ++input_errors;
        if (rd.failed()) break;
        continue;
      }
      if (!*r) break;
      ++records;
      auto outcome = extract::ExtractRecord(rec, input, options);
      if (outcome.ok) {
        ++documents;
        ++languages[outcome.doc.lang];
        text_bytes += outcome.doc.text.size();
        truncated += outcome.doc.truncated;
        out.Line(extract::DocumentJson(outcome.doc));
      } else {
        ++skipped[outcome.skip_reason];
      }
      uint64_t position = rd.input_position();
      progress.Add(1, position - std::min(position, reported));
      reported = std::max(reported, position);
    }
  }
  progress.Finish();
  out.Flush();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  JsonObject skip_obj, lang_obj;
  for (const auto& [k, v] : skipped) skip_obj.Add(k, v);
  for (const auto& [k, v] : languages) lang_obj.Add(k, v);
  JsonObject stats;
  stats.Add("records", records)
      .Add("documents", documents)
      .Add("text_bytes", text_bytes)
      .Add("truncated", truncated)
      .Add("input_errors", input_errors)
      .AddRaw("skipped", skip_obj.str())
      .AddRaw("languages", lang_obj.str())
      .Add("seconds", seconds);
  JsonObject summary;
  summary.Add("msg", "extract: done").AddRaw("stats", stats.str());
  LogFields(LogLevel::kInfo, summary.str());
  if (!a.stats.empty()) {
    if (Status s = WriteFileAtomically(a.stats, stats.str() + "\n"); !s.ok()) {
      return s;
    }
  }
  return InputsResult("extract", a.inputs.size(), unreadable, input_errors, "records");
}

}  // namespace

void RegisterExtractCommands(CLI::App& app, Status* result) {
  auto args = std::make_shared<ExtractArgs>();
  auto* cmd = app.add_subcommand("extract", "WARC/WET records to documents: main text, title, language (JSON lines)");
  cmd->add_option("inputs", args->inputs, "WARC or WET files or URLs")->required();
  cmd->add_flag("--all-text", args->all_text, "Keep every visible text block, not only the main content");
  cmd->add_option("--min-lang-score", args->min_lang_score,
                  "Language score below which a document is 'und' (default 0.5; 0 with --language-model)");
  cmd->add_option("--language-model", args->language_model,
                  "A fastText language identifier (lid.176.ftz, GlotLID's model.bin) instead of CLD2");
  cmd->add_option("--max-html-bytes", args->max_html_bytes, "HTML bytes looked at per page")->capture_default_str();
  cmd->add_option("--stats", args->stats, "Write counts (documents, skip reasons, languages) as JSON to this file");
  cmd->add_flag("--force", args->force,
                "Replace an existing output file crawlproof did not write (never an input or a key file)");
  cmd->add_option("--progress", args->progress, "Progress on stderr: auto, json, off")
      ->check(CLI::IsMember({"auto", "json", "off"}));
  cmd->callback([args, result] { *result = RunExtract(*args); });
}

}  // namespace crawlproof::cli
