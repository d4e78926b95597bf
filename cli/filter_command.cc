// crawlproof filter: documents (JSON lines) through the quality filters.
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "filter/batched_run.h"
#include "filter/classifier.h"
#include "filter/filters.h"
#include "ingest/line_reader.h"

namespace crawlproof::cli {
namespace {

struct FilterArgs {
  std::string input, config, output, dropped, stats;
  bool force = false;
};

// The input object re-serialised field by field, with `text` replaced and
// extra fields appended.
std::string Rewrite(simdjson::dom::object obj, const std::string* new_text, const std::string& extra) {
  std::string out = "{";
  bool first = true;
  for (auto field : obj) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, field.key);
    out += ':';
    if (new_text && field.key == "text") {
      AppendJsonString(out, *new_text);
    } else {
      out += simdjson::minify(field.value);
    }
  }
  if (!extra.empty()) out += (first ? "" : ",") + extra;
  out += '}';
  return out;
}

Status RunFilter(const FilterArgs& a) {
  if (Status s = CheckOutputFiles({a.input, a.config},
                                  {{a.output, "JSON-lines file", LooksLikeJson},
                                   {a.dropped, "JSON-lines file", LooksLikeJson},
                                   {a.stats, "JSON file", LooksLikeJson}},
                                  a.force);
      !s.ok()) {
    return s.WithPrefix("filter");
  }
  auto pipeline = filter::LoadFilterPipeline(a.config);
  if (!pipeline.ok()) {
    return pipeline.status();
  }
  LineFile kept, dropped;
  if (!kept.Open(a.output) || !dropped.Open(a.dropped)) {
    return Status::IoError("filter: cannot create " + (a.output.empty() ? a.dropped : a.output));
  }
  std::map<std::string, uint64_t> reasons, changes, skipped;
  uint64_t documents = 0, n_kept = 0, n_dropped = 0, invalid = 0;
  simdjson::dom::parser parser, held_parser;
  filter::BatchedFilterRun batched(&*pipeline);
  Status scorer_error;  // a classifier's scorer that failed ends the command
  auto t0 = std::chrono::steady_clock::now();
  uint64_t line_no = 0;
  Status read = ingest::ForEachLine(a.input, {}, [&](std::string_view line) -> bool {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return true;
    simdjson::dom::element doc;
    std::string why;
    simdjson::padded_string padded(line);
    if (auto err = parser.parse(padded).get(doc)) {
      why = std::string("not JSON: ") + simdjson::error_message(err);
    } else if (!doc.is_object()) {
      why = "not a JSON object";
    } else if (!doc["text"].is_string()) {
      why = "no \"text\" string";
    }
    if (!why.empty()) {
      ++invalid;
      LogError(a.input + ": line " + std::to_string(line_no) + ": " + why);
      JsonObject o;
      o.Add("line", line_no).Add("reason", "input:invalid").Add("error", why).Add("raw", line);
      dropped.Line(o.str());
      return true;
    }
    ++documents;
    filter::FilterDocument fd;
    std::string_view sv;
    if (!doc["id"].get(sv)) fd.id = std::string(sv);
    if (!doc["url"].get(sv)) fd.url = std::string(sv);
    if (!doc["lang"].get(sv)) fd.lang = std::string(sv);
    double score = 0;
    if (!doc["lang_score"].get(score)) fd.lang_score = score;
    if (!doc["lang2"].get(sv)) fd.lang2 = std::string(sv);
    if (!doc["lang2_share"].get(score)) fd.lang2_share = score;
    if (doc["text"].get(sv)) return true;  // checked above
    fd.text = std::string(sv);
    // Decided now, or with the next batch of an out-of-process classifier
    // (the line kept until then, parsed again): in input order either way.
    auto decided = [&, raw = std::string(line), original_text = fd.text](filter::FilterDocument& fd,
                                                                         filter::Decision& d) {
      for (const auto& s : d.skipped) ++skipped[s.substr(0, s.find(':', s.find(':') + 1))];
      simdjson::padded_string again(raw);
      simdjson::dom::object obj = held_parser.parse(again).get_object().value();
      if (!d.keep) {
        ++n_dropped;
        ++reasons[d.reason];
        std::string extra = "\"reason\":";
        AppendJsonString(extra, d.reason);
        if (!d.match.empty()) {
          extra += ",\"match\":";
          AppendJsonString(extra, d.match);
        }
        if (!d.error.empty()) {
          extra += ",\"error\":";
          AppendJsonString(extra, d.error);
        }
        if (!d.scores.empty()) extra += ",\"classifiers\":" + filter::ClassifierScoresJson(d.scores);
        dropped.Line(Rewrite(obj, nullptr, extra));
        return;
      }
      ++n_kept;
      std::string extra;
      if (!d.changes.empty()) {
        JsonObject c;
        for (const auto& [k, v] : d.changes) {
          c.Add(k, v);
          changes[k] += v;
        }
        extra = "\"filter_changes\":" + c.str();
      }
      if (!d.scores.empty())
        extra += std::string(extra.empty() ? "" : ",") + "\"classifiers\":" + filter::ClassifierScoresJson(d.scores);
      const bool changed = fd.text != original_text;
      kept.Line(Rewrite(obj, changed ? &fd.text : nullptr, extra));
    };
    scorer_error = batched.Add(std::move(fd), std::move(decided));
    return scorer_error.ok();
  });
  if (read.ok() && scorer_error.ok()) scorer_error = batched.Flush();
  bool closed = kept.Close() && dropped.Close();
  if (!read.ok()) {
    return read;
  }
  RETURN_IF_ERROR(scorer_error);
  if (!closed) {
    return Status::IoError("filter: writing the outputs failed");
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto obj_of = [](const std::map<std::string, uint64_t>& m) {
    JsonObject o;
    for (const auto& [k, v] : m) o.Add(k, v);
    return o.str();
  };
  JsonObject stats;
  stats.Add("documents", documents)
      .Add("kept", n_kept)
      .Add("dropped", n_dropped)
      .Add("invalid_lines", invalid)
      .AddRaw("reasons", obj_of(reasons))
      .AddRaw("changes", obj_of(changes))
      .AddRaw("skipped_checks", obj_of(skipped))
      .Add("seconds", seconds);
  if (!a.stats.empty()) {
    if (Status s = WriteFileAtomically(a.stats, stats.str() + "\n"); !s.ok()) {
      return s;
    }
  }
  JsonObject summary;
  summary.Add("msg", "filter: done").AddRaw("stats", stats.str());
  LogFields(LogLevel::kInfo, summary.str());
  return InputsResult("filter", 1, 0, invalid, "lines");
}

}  // namespace

void RegisterFilterCommands(CLI::App& app, Status* result) {
  auto args = std::make_shared<FilterArgs>();
  auto* cmd = app.add_subcommand("filter", "Quality filters over documents (JSON lines): kept and dropped outputs");
  cmd->add_option("--input", args->input, "Documents, one JSON object per line (`crawlproof extract` output)")
      ->required();
  cmd->add_option("--config", args->config,
                  "TOML file with a [filter] section (default: FineWeb for English, FineWeb-2 per language)");
  cmd->add_option("--output", args->output, "Kept documents")->required();
  cmd->add_option("--dropped", args->dropped, "Dropped documents, each with its \"reason\"")->required();
  cmd->add_option("--stats", args->stats, "Counts per reason, change and skipped check (JSON)");
  cmd->add_flag("--force", args->force,
                "Replace an existing output file crawlproof did not write (never an input or a key file)");
  cmd->callback([args, result] { *result = RunFilter(*args); });
}

}  // namespace crawlproof::cli
