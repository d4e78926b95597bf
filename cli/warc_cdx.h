// `crawlproof warc cdx FILE...`: one CDXJ line per HTTP capture
// (`SURT timestamp {"url","mime","status","digest","length","offset","filename"}`),
// in file order (sort the output for a searchable index).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace crawlproof::cli {

// Bad input when some records were bad, cannot run when an input was unreadable.
Status RunCdx(const std::vector<std::string>& inputs);

}  // namespace crawlproof::cli
