// Ledger blocks: the body of a block's signed note is a C2SP checkpoint with
// crawlproof's extension lines, exactly (each line ends in "\n"):
//   <origin>
//   <size>                      file entries so far, decimal
//   <base64 root>               RFC 6962 root over all file entries so far
//   crawlproof-block/v1
//   height <n>
//   prev <base64 SHA-256(previous block body)>   (32 zero bytes at height 0)
//   time <unix seconds>
//   valset <base64 SHA-256(validator set document)>
// Numbers are canonical decimal (no sign, no leading zeros); hashes canonical
// base64 of 32 bytes. Anything else is refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "verify/merkle.h"

namespace crawlproof::verify {

struct BlockBody {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  uint64_t height = 0;
  Hash prev{};
  uint64_t time = 0;
  Hash valset{};
};

std::string FormatBlockBody(const BlockBody& b);

// Canonical decimal: digits only, no sign, no leading zero unless "0".
bool ParseCanonicalUint(std::string_view s, uint64_t* out);

// Errors: Corruption naming the first line that is not exactly as specified.
Result<BlockBody> ParseBlockBody(std::string_view body);

}  // namespace crawlproof::verify
