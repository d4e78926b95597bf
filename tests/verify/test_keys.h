// Test helper: Ed25519 validator keys made for one test.
#pragma once

#include <string>
#include <vector>

#include "verify/ed25519.h"
#include "verify/valset.h"

namespace crawlproof::verify {

struct TestKey {
  std::string name;
  Ed25519KeyPair pair;
  Ed25519Signer signer;
};

inline TestKey MakeTestKey(const std::string& name) {
  auto pair = GenerateEd25519().value();
  auto signer = Ed25519Signer::FromPem(pair.private_pem).value();
  return {name, pair, std::move(signer)};
}

// A validator set of `keys` with `quorum`.
inline ValidatorSet TestSet(uint32_t quorum, const std::vector<const TestKey*>& keys) {
  std::vector<std::string> lines;
  for (const auto* k : keys) lines.push_back(ValidatorLine(k->name, k->pair.public_key));
  return MakeValidatorSet(quorum, lines).value();
}

}  // namespace crawlproof::verify
