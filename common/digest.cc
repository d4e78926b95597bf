#include "common/digest.h"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>

namespace crawlproof {

struct Hasher::Impl {
  EVP_MD_CTX* ctx = nullptr;
  const EVP_MD* md = nullptr;
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

std::string_view DigestAlgorithmName(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha1 ? "sha1" : "sha256";
}

size_t DigestSize(DigestAlgorithm algorithm) {
  return algorithm == DigestAlgorithm::kSha1 ? 20 : 32;
}

Hasher::Hasher(DigestAlgorithm algorithm) : algorithm_(algorithm), impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  impl_->md = algorithm == DigestAlgorithm::kSha1 ? EVP_sha1() : EVP_sha256();
  if (impl_->ctx == nullptr || impl_->md == nullptr) std::abort();  // out of memory
  Reset();
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

void Hasher::Reset() {
  if (EVP_DigestInit_ex(impl_->ctx, impl_->md, nullptr) != 1) std::abort();
}

void Hasher::Update(std::string_view bytes) {
  if (!bytes.empty()) EVP_DigestUpdate(impl_->ctx, bytes.data(), bytes.size());
}

std::string Hasher::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx, out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

std::string Sha1(std::string_view bytes) {
  Hasher h(DigestAlgorithm::kSha1);
  h.Update(bytes);
  return h.Finish();
}

std::string Sha256(std::string_view bytes) {
  Hasher h(DigestAlgorithm::kSha256);
  h.Update(bytes);
  return h.Finish();
}

}  // namespace crawlproof
