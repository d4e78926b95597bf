// What mining prompt candidates adds to extraction: `crawlproof extract`'s
// work over WARC files, alone and with the prompts stage's candidate finders
// (markup on each page's HTML, worked problems on its text), best of three
// each, one thread.
//
//     build/release/bench/prompts_bench WARC...
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "extract/document.h"
#include "ingest/warc_reader.h"
#include "prompts/candidates.h"

using namespace crawlproof;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: prompts_bench WARC...\n");
    return 2;
  }
  double best[2] = {1e300, 1e300};
  size_t docs = 0, candidates = 0;
  for (int round = 0; round < 3; ++round) {
    for (int mode = 0; mode < 2; ++mode) {
      auto t0 = std::chrono::steady_clock::now();
      docs = candidates = 0;
      extract::ExtractOptions o;
      if (mode) o.on_html = [&](std::string_view h) { candidates += prompts::FindMarkupCandidates(h).size(); };
      for (int i = 1; i < argc; ++i) {
        auto reader = ingest::WarcReader::Open(argv[i]);
        if (!reader.ok()) {
          std::fprintf(stderr, "%s\n", reader.status().message().c_str());
          return 1;
        }
        ingest::WarcRecord rec;
        while (true) {
          auto n = (*reader)->Next(&rec);
          if (!n.ok()) continue;
          if (!*n) break;
          auto out = extract::ExtractRecord(rec, argv[i], o);
          if (!out.ok) continue;
          ++docs;
          if (mode) candidates += prompts::FindTextCandidates(out.doc.text).size();
        }
      }
      best[mode] = std::min(best[mode], std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::printf("%zu documents, %zu candidates\nextract alone %.3f s, with the candidate finders %.3f s: %+.1f%%\n", docs,
              candidates, best[0], best[1], 100 * (best[1] / best[0] - 1));
  return 0;
}
