// crawlproof warc index | warc cat
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/warc_cdx.h"
#include "common/json.h"
#include "common/logging.h"
#include "common/progress.h"
#include "ingest/byte_source.h"
#include "ingest/cdxj.h"
#include "ingest/decoder.h"
#include "ingest/warc_reader.h"

namespace crawlproof::cli {
namespace {

using ingest::WarcReader;
using ingest::WarcRecord;

std::string IndexLine(const std::string& file, const WarcRecord& r) {
  JsonObject o;
  o.Add("file", file).Add("offset", r.offset).Add("length", r.length);
  if (r.offset_is_decoded) o.Add("offset_space", "decoded");
  o.Add("type", r.type_name)
      .Add("record_id", r.record_id)
      .Add("target_uri", r.target_uri)
      .Add("date", r.date)
      .Add("content_length", r.content_length)
      .Add("digest_ok", r.digest_ok);
  if (!r.errors.empty()) o.Add("error", r.errors.front());
  return o.str();
}

struct IndexArgs {
  std::vector<std::string> inputs;
  bool no_digest = false;
  std::string progress = "auto";
  ingest::WarcReaderOptions reader;
};

Status RunIndex(const IndexArgs& args) {
  Output out;
  uint64_t bad = 0, unreadable = 0;
  Progress progress(ParseProgressOption(args.progress), 0);
  ingest::WarcReaderOptions ro = args.reader;
  ro.check_digests = !args.no_digest;
  for (const auto& input : args.inputs) {
    auto reader = WarcReader::Open(input, {}, ro);
    if (!reader.ok()) {
      LogError(reader.status().message());
      ++unreadable;
      continue;
    }
    WarcReader& rd = **reader;
    if (auto size = rd.input_size()) progress.AddTotalBytes(*size);
    WarcRecord rec;
    uint64_t reported = 0;
    while (true) {
      auto r = rd.Next(&rec);
      if (!r.ok()) {
        LogError(r.status().message());
        ++bad;
        if (rd.failed()) {
          if (rd.stats().records == 0) ++unreadable;
          break;
        }
        continue;
      }
      if (!*r) break;
      out.Line(IndexLine(input, rec));
      for (const auto& e : rec.errors) {
        LogError(input + ": record at offset " + std::to_string(rec.offset) + ": " + e);
      }
      if (!rec.errors.empty()) ++bad;
      if (rec.digest_ok == false) {
        LogError(input + ": offset " + std::to_string(rec.offset) + ": " + std::string(rec.record_id) +
                 ": WARC-Block-Digest does not match the block");
        if (rec.errors.empty()) ++bad;
      }
      uint64_t position = rd.input_position();
      progress.Add(1, position - std::min(position, reported));
      reported = std::max(reported, position);
    }
    const auto& st = rd.stats();
    if (st.errors > 0 || rd.compressed_bytes_skipped() > 0) {
      LogWarning(input + ": " + std::to_string(st.records) + " records, " + std::to_string(st.errors) + " errors, " +
                 std::to_string(st.skipped_bytes) + " decoded and " + std::to_string(rd.compressed_bytes_skipped()) +
                 " compressed bytes skipped");
    }
  }
  progress.Finish();
  out.Flush();
  return InputsResult("warc index", args.inputs.size(), unreadable, bad, "records");
}

struct CatArgs {
  std::string input;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool decode = false;
  std::string cdxj;
  std::string url;
  std::string prefix;
};

// Copies `length` bytes at `offset` of `input` to stdout; with `decode`, the
// decoded first record instead of its stored bytes.
Status CatRange(const std::string& input, uint64_t offset, std::optional<uint64_t> length, bool decode) {
  if (length && *length == 0) {  // an index entry of length 0: never "the whole file"
    return Status::BadInput(input + ": offset " + std::to_string(offset) + ": a record of length 0 cannot exist");
  }
  ingest::SourceOptions so;
  so.offset = offset;
  so.length = length;
  if (!length || decode) {
    // Find the record's extent (and, for --decode, its decoded bytes) first.
    auto reader = WarcReader::Open(input, so);
    if (!reader.ok()) {
      return reader.status();
    }
    WarcRecord rec;
    auto r = (*reader)->Next(&rec);
    if (!r.ok() || !*r) {
      return Status::BadInput(input + ": offset " + std::to_string(offset) + ": " +
                              (r.ok() ? std::string("no record there") : r.status().message()));
    }
    if (rec.offset_is_decoded || rec.offset != 0) {
      return Status::BadInput(input + ": offset " + std::to_string(offset) + " is not the start of a record");
    }
    if (decode) {
      // Re-read the record's decoded bytes: header + block + terminator.
      so.length = rec.length;
      auto source = ingest::OpenByteSource(input, so);
      if (!source.ok()) {
        return source.status();
      }
      auto dec = ingest::MakeDecoder(std::move(source).value());
      if (!dec.ok()) {
        return dec.status();
      }
      ingest::Window w;
      Output out;
      while (true) {
        auto more = (*dec)->Fill(w);
        if (!more.ok()) {
          out.Flush();
          return AsBadInput(more.status());
        }
        out.Write(std::string_view(w.data(), w.size()));
        w.Clear();
        if (!*more) break;
      }
      return Status::Ok();
    }
    length = rec.length;
    so.length = length;
  }
  auto source = ingest::OpenByteSource(input, so);
  if (!source.ok()) {
    return source.status();
  }
  std::vector<char> buf(1 << 20);
  uint64_t copied = 0;
  while (true) {
    auto n = (*source)->Read(buf.data(), buf.size());
    if (!n.ok()) {
      return n.status();
    }
    if (*n == 0) break;
    std::fwrite(buf.data(), 1, *n, stdout);
    copied += *n;
  }
  std::fflush(stdout);
  if (length && copied != *length) {
    return Status::BadInput(input + ": only " + std::to_string(copied) + " of " + std::to_string(*length) +
                            " bytes at offset " + std::to_string(offset) + " exist");
  }
  return Status::Ok();
}

Status RunCat(const CatArgs& args) {
  if (!args.cdxj.empty()) {
    auto found = ingest::LookupCdxj(args.cdxj, args.url);
    if (!found.ok()) {
      return found.status();
    }
    if (found->empty()) {
      return Status::BadInput(args.cdxj + ": no entry for " + args.url);
    }
    const auto& e = found->back();  // the latest capture: indexes sort by timestamp
    std::string where = args.prefix;
    if (!where.empty() && where.back() != '/') where += '/';
    where += e.filename;
    LogInfo("fetching " + where + " offset " + std::to_string(e.offset) + " length " + std::to_string(e.length));
    return CatRange(where, e.offset, e.length, args.decode);
  }
  if (args.input.empty()) {
    return Status::InvalidArgument("warc cat: give FILE|URL with --offset, or --cdxj-lookup INDEX --url URL");
  }
  std::optional<uint64_t> len;
  if (args.length > 0) len = args.length;
  return CatRange(args.input, args.offset, len, args.decode);
}

}  // namespace

void RegisterWarcCommands(CLI::App& app, Status* result) {
  auto* warc = app.add_subcommand("warc", "Read WARC/ARC files: index records, extract one record");
  warc->require_subcommand(1);

  auto index_args = std::make_shared<IndexArgs>();
  auto* index = warc->add_subcommand("index", "One JSON line per record on stdout");
  index->add_option("inputs", index_args->inputs, "WARC files or URLs (path, file://, http(s)://, s3://)")->required();
  index->add_flag("--no-digest", index_args->no_digest, "Do not check WARC-Block-Digest");
  index->add_option("--progress", index_args->progress, "Progress on stderr: auto, json, off")
      ->check(CLI::IsMember({"auto", "json", "off"}));
  index->add_option("--max-record-bytes", index_args->reader.max_record_bytes,
                    "Largest Content-Length accepted (default 4 GiB)");
  index->add_option("--max-header-bytes", index_args->reader.max_header_bytes, "Largest WARC header (default 1 MiB)");
  index->add_option("--max-inflation-ratio", index_args->reader.decoder.max_inflation_ratio,
                    "Abandon a member inflating more than this many times its size past 64 MiB (default 1000)");
  index->callback([index_args, result] { *result = RunIndex(*index_args); });

  auto cat_args = std::make_shared<CatArgs>();
  auto* cat = warc->add_subcommand("cat", "Write one record: its stored bytes (the gzip member), or --decode");
  cat->add_option("input", cat_args->input, "WARC file or URL");
  cat->add_option("--offset", cat_args->offset, "Offset of the record (as `warc index` prints it)")
      ->check(WholeNumber());
  cat->add_option("--length", cat_args->length, "Length of the record; read from the record when omitted")
      ->check(WholeNumber(1));
  cat->add_flag("--decode", cat_args->decode, "Write the decoded record (WARC header, block, terminator)");
  cat->add_option("--cdxj-lookup", cat_args->cdxj, "CDXJ index (file or URL) to look --url up in");
  cat->add_option("--url", cat_args->url, "URL to look up in the CDXJ index");
  cat->add_option("--prefix", cat_args->prefix, "Prefix for the index's filename, e.g. https://data.commoncrawl.org/");
  cat->callback([cat_args, result] { *result = RunCat(*cat_args); });

  auto cdx_inputs = std::make_shared<std::vector<std::string>>();
  auto* cdx = warc->add_subcommand("cdx", "CDXJ index lines (SURT timestamp {json}) for the HTTP captures");
  cdx->add_option("inputs", *cdx_inputs, "WARC files or URLs")->required();
  cdx->callback([cdx_inputs, result] { *result = RunCdx(*cdx_inputs); });
}

}  // namespace crawlproof::cli
