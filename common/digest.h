// Streaming SHA-1 and SHA-256 (OpenSSL 3 underneath; no OpenSSL type leaks out).
//
// Thread safety: one Hasher per thread; distinct Hashers are independent.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace crawlproof {

enum class DigestAlgorithm { kSha1, kSha256 };

// Returns "sha1" or "sha256".
std::string_view DigestAlgorithmName(DigestAlgorithm algorithm);
// Digest size in bytes: 20 or 32.
size_t DigestSize(DigestAlgorithm algorithm);

class Hasher {
 public:
  explicit Hasher(DigestAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  DigestAlgorithm algorithm() const { return algorithm_; }
  // Starts a new message (cheap: the context is reused).
  void Reset();
  void Update(std::string_view bytes);
  // Returns the raw digest of everything passed to Update() since Reset(); the
  // Hasher must be Reset() before the next Update().
  std::string Finish();

 private:
  struct Impl;
  DigestAlgorithm algorithm_;
  std::unique_ptr<Impl> impl_;
};

// One-shot helpers returning the raw digest bytes.
std::string Sha1(std::string_view bytes);
std::string Sha256(std::string_view bytes);

}  // namespace crawlproof
