#include "ingest/paths_listing.h"

#include "ingest/decoder.h"

namespace crawlproof::ingest {

Result<std::vector<std::string>> ReadPathsListing(std::string_view uri, const PathsListingOptions& options,
                                                  const SourceOptions& source_options) {
  ASSIGN_OR_RETURN(auto source, OpenByteSource(uri, source_options));
  ASSIGN_OR_RETURN(auto decoder, MakeDecoder(std::move(source)));
  std::vector<std::string> out;
  Window w;
  bool done = false;
  auto emit = [&](std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty()) return;
    std::string p = options.prefix;
    if (!p.empty() && p.back() != '/' && line.front() != '/') p += '/';
    p.append(line);
    out.push_back(std::move(p));
    if (options.limit && out.size() >= options.limit) done = true;
  };
  while (!done) {
    auto more = decoder->Fill(w);
    if (!more.ok()) return more.status();
    std::string_view s(w.data(), w.size());
    size_t consumed = 0;
    while (!done) {
      size_t nl = s.find('\n', consumed);
      if (nl == std::string_view::npos) break;
      emit(s.substr(consumed, nl - consumed));
      consumed = nl + 1;
    }
    w.Consume(consumed);
    if (!*more) {
      if (!done && !w.empty()) emit(std::string_view(w.data(), w.size()));
      break;
    }
  }
  return out;
}

}  // namespace crawlproof::ingest
