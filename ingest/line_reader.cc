#include "ingest/line_reader.h"

#include "ingest/decoder.h"

namespace crawlproof::ingest {

Status ForEachLine(std::string_view uri, const SourceOptions& options,
                   const std::function<bool(std::string_view line)>& fn, size_t max_line,
                   const std::atomic<bool>* cancel) {
  ASSIGN_OR_RETURN(auto source, OpenByteSource(uri, options));
  ASSIGN_OR_RETURN(auto decoder, MakeDecoder(std::move(source)));
  Window w;
  uint64_t line = 0, offset = 0;  // of the next line, in the decoded bytes
  auto too_long = [&] {
    return Status::InvalidArgument(std::string(uri) + ": line " + std::to_string(line + 1) + " (at byte " +
                                   std::to_string(offset) + ") is longer than " + std::to_string(max_line) +
                                   " bytes, more than such a line can be");
  };
  while (true) {
    if (cancel && cancel->load()) return Status::Unavailable(std::string(uri) + ": interrupted");
    auto more = decoder->Fill(w);
    if (!more.ok()) return more.status();
    std::string_view s(w.data(), w.size());
    size_t consumed = 0;
    for (size_t nl; (nl = s.find('\n', consumed)) != std::string_view::npos; consumed = nl + 1) {
      if (nl - consumed > max_line) return too_long();
      if (!fn(s.substr(consumed, nl - consumed))) return Status::Ok();
      ++line;
      offset += nl + 1 - consumed;
    }
    if (s.size() - consumed > max_line) return too_long();
    w.Consume(consumed);
    if (!*more) {
      if (w.size() > max_line) return too_long();
      if (!w.empty()) fn(std::string_view(w.data(), w.size()));
      return Status::Ok();
    }
  }
}

}  // namespace crawlproof::ingest
