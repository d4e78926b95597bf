// `crawlproof warc cdx FILE...`: one CDXJ line per HTTP capture
// (`SURT timestamp {"url","mime","status","digest","length","offset","filename"}`),
// in file order (sort the output for a searchable index).
#pragma once

#include <string>
#include <vector>

namespace crawlproof::cli {

// Returns the exit code (0, 1 when some input was bad, 2 when unreadable).
int RunCdx(const std::vector<std::string>& inputs);

}  // namespace crawlproof::cli
