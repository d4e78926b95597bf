// RFC 6962 / RFC 9162 Merkle trees over SHA-256: tree hashes, inclusion and
// consistency proofs, and their verification.
//
//   MTH({})        = SHA-256()
//   MTH({d0})      = SHA-256(0x00 ‖ d0)                       (leaf hash)
//   MTH(D[n])      = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n])) (node hash)
//                    where k is the largest power of two smaller than n;
//                    odd nodes are never duplicated.
//
// Every function here works on leaf *hashes* (HashLeaf(leaf)), so a 64-byte
// internal node can never be passed off as a leaf: its leaf hash differs.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace crawlproof::verify {

using Hash = std::array<uint8_t, 32>;

// SHA-256(0x00 ‖ leaf).
Hash HashLeaf(std::string_view leaf);
// SHA-256(0x01 ‖ left ‖ right).
Hash HashChildren(const Hash& left, const Hash& right);
// SHA-256 of the empty string: the root of the empty tree.
Hash EmptyRoot();
// Plain SHA-256 of `bytes` as a Hash.
Hash Sha256Hash(std::string_view bytes);

std::string ToHex(const Hash& h);                     // 64 lower-case hex digits
std::optional<Hash> HashFromHex(std::string_view s);  // exactly 64 hex digits
std::string ToBase64(const Hash& h);
std::optional<Hash> HashFromBase64(std::string_view s);  // canonical base64 of 32 bytes
inline std::string_view AsBytes(const Hash& h) {
  return {reinterpret_cast<const char*>(h.data()), h.size()};
}

// MTH over `leaf_hashes` (O(n) hashing, O(log n) stack).
Hash RootFromLeafHashes(std::span<const Hash> leaf_hashes);

// Appends leaf hashes one at a time in O(log n) memory and gives the root of
// what has been appended so far; for streaming a file's records.
class MerkleBuilder {
 public:
  void Append(const Hash& leaf_hash);
  uint64_t size() const { return size_; }
  // MTH of the leaves appended so far (EmptyRoot() when none).
  Hash Root() const;

 private:
  struct Subtree {
    Hash hash;
    uint64_t size;
  };
  std::vector<Subtree> stack_;  // perfect subtrees, sizes strictly decreasing
  uint64_t size_ = 0;
};

// The audit path of leaf `index` (RFC 6962 §2.1.1), deepest sibling first.
// REQUIRES: index < leaf_hashes.size().
std::vector<Hash> InclusionProof(std::span<const Hash> leaf_hashes, uint64_t index);

// RFC 9162 §2.1.3.2. Returns OK when `proof` proves that `leaf_hash` is leaf
// `index` of the tree of `size` leaves whose root is `root`. Errors
// (Corruption, with the reason): index >= size, size 0, a proof that is too
// long or too short, a root that does not match.
Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size, std::span<const Hash> proof,
                       const Hash& root);

// The consistency proof between the first `old_size` leaves and all of
// `leaf_hashes` (RFC 6962 §2.1.2). REQUIRES: 0 < old_size <= leaf_hashes.size().
std::vector<Hash> ConsistencyProof(std::span<const Hash> leaf_hashes, uint64_t old_size);

// RFC 9162 §2.1.4.2: OK when `proof` shows that the tree of `old_size` leaves
// with root `old_root` is a prefix of the tree of `new_size` leaves with root
// `new_root`. Errors (Corruption): sizes out of order or zero, wrong proof
// length, roots that do not match.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                         std::span<const Hash> proof);

}  // namespace crawlproof::verify
