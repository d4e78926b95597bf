// Validator sets: who may sign ledger blocks, and how many must.
//
// Document (exact bytes; its SHA-256 is what a block's `valset` line commits to):
//   crawlproof-valset/v1\n
//   quorum <k>\n
//   <name> <base64(0x01 ‖ 32-byte Ed25519 public key)>\n     (one line per validator)
// Names follow the C2SP signed-note rules: non-empty, no whitespace, no '+'.
// A validator's key id is the first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ key).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "verify/merkle.h"

namespace crawlproof::verify {

using KeyId = std::array<uint8_t, 4>;

// SHA-256(name ‖ "\n" ‖ 0x01 ‖ public_key)[0:4] (C2SP signed-note, Ed25519).
KeyId ComputeKeyId(std::string_view name, std::string_view public_key);

// True for a name C2SP allows: non-empty, no whitespace, no '+'.
bool ValidSignerName(std::string_view name);

// "<name> <base64(0x01 ‖ public_key)>", the validator line (and .vkey content
// without its newline).
std::string ValidatorLine(std::string_view name, std::string_view public_key);

struct Validator {
  std::string name;
  std::string public_key;  // raw 32 bytes
  KeyId key_id;
};

struct ValidatorSet {
  uint32_t quorum = 0;
  std::vector<Validator> validators;
  std::string document;  // the exact bytes parsed or formatted
  Hash hash{};           // SHA-256(document)

  // The validator with this name and key id, or nullptr.
  const Validator* Find(std::string_view name, const KeyId& key_id) const;
};

// Parses a document strictly (exact format above; 1 <= quorum <= validators;
// distinct names and keys). Errors: Corruption naming the line.
Result<ValidatorSet> ParseValidatorSet(std::string_view document);

// Builds a set from validator lines (as ValidatorLine writes them).
// Errors: InvalidArgument.
Result<ValidatorSet> MakeValidatorSet(uint32_t quorum, const std::vector<std::string>& validator_lines);

}  // namespace crawlproof::verify
