#include "ingest/line_reader.h"

#include "ingest/decoder.h"

namespace crawlproof::ingest {

Status ForEachLine(std::string_view uri, const SourceOptions& options,
                   const std::function<bool(std::string_view line)>& fn) {
  ASSIGN_OR_RETURN(auto source, OpenByteSource(uri, options));
  ASSIGN_OR_RETURN(auto decoder, MakeDecoder(std::move(source)));
  Window w;
  while (true) {
    auto more = decoder->Fill(w);
    if (!more.ok()) return more.status();
    std::string_view s(w.data(), w.size());
    size_t consumed = 0;
    for (size_t nl; (nl = s.find('\n', consumed)) != std::string_view::npos; consumed = nl + 1) {
      if (!fn(s.substr(consumed, nl - consumed))) return Status::Ok();
    }
    w.Consume(consumed);
    if (!*more) {
      if (!w.empty()) fn(std::string_view(w.data(), w.size()));
      return Status::Ok();
    }
  }
}

}  // namespace crawlproof::ingest
