// Ed25519 keys and signatures (OpenSSL 3 underneath; no OpenSSL type leaks out).
// Public keys are the raw 32 bytes; signatures the raw 64 bytes (RFC 8032).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace crawlproof::verify {

struct Ed25519KeyPair {
  std::string private_pem;  // PKCS#8 "PRIVATE KEY" PEM
  std::string public_pem;   // SubjectPublicKeyInfo "PUBLIC KEY" PEM
  std::string public_key;   // raw 32 bytes
};

// A fresh key pair from the operating system's randomness.
Result<Ed25519KeyPair> GenerateEd25519();

// Raw public key from a "PUBLIC KEY" PEM. Errors: InvalidArgument.
Result<std::string> Ed25519PublicKeyFromPem(std::string_view pem);

// Signs with a private key loaded from PEM. Thread safety: Sign() may be
// called from one thread at a time.
class Ed25519Signer {
 public:
  // Errors: InvalidArgument (not an Ed25519 private key PEM).
  static Result<Ed25519Signer> FromPem(std::string_view private_pem);
  ~Ed25519Signer();
  Ed25519Signer(Ed25519Signer&&) noexcept;
  Ed25519Signer& operator=(Ed25519Signer&&) noexcept;

  const std::string& public_key() const { return public_key_; }
  // The 64-byte signature of `message`.
  Result<std::string> Sign(std::string_view message) const;

 private:
  struct Key;
  explicit Ed25519Signer(std::unique_ptr<Key> key, std::string public_key);
  std::unique_ptr<Key> key_;
  std::string public_key_;
};

// True when `signature` (64 bytes) is a valid signature of `message` by
// `public_key` (32 bytes); false for anything else, malformed input included.
bool Ed25519Verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace crawlproof::verify
