#include "verify/merkle.h"

#include <cstring>

#include "common/digest.h"
#include "common/encoding.h"

namespace crawlproof::verify {
namespace {

Hash FromRaw(const std::string& raw) {
  Hash h{};
  std::memcpy(h.data(), raw.data(), h.size());
  return h;
}

// Largest power of two strictly smaller than n. REQUIRES: n > 1.
uint64_t SplitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k << 1 < n) k <<= 1;
  return k;
}

Hash Root(std::span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  uint64_t k = SplitPoint(leaves.size());
  return HashChildren(Root(leaves.subspan(0, k)), Root(leaves.subspan(k)));
}

void Path(std::span<const Hash> leaves, uint64_t m, std::vector<Hash>* out) {
  if (leaves.size() <= 1) return;
  uint64_t k = SplitPoint(leaves.size());
  if (m < k) {
    Path(leaves.subspan(0, k), m, out);
    out->push_back(Root(leaves.subspan(k)));
  } else {
    Path(leaves.subspan(k), m - k, out);
    out->push_back(Root(leaves.subspan(0, k)));
  }
}

// SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2.
void SubProof(std::span<const Hash> leaves, uint64_t m, bool complete, std::vector<Hash>* out) {
  uint64_t n = leaves.size();
  if (m == n) {
    if (!complete) out->push_back(Root(leaves));
    return;
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(leaves.subspan(0, k), m, complete, out);
    out->push_back(Root(leaves.subspan(k)));
  } else {
    SubProof(leaves.subspan(k), m - k, false, out);
    out->push_back(Root(leaves.subspan(0, k)));
  }
}

}  // namespace

Hash HashLeaf(std::string_view leaf) {
  Hasher h(DigestAlgorithm::kSha256);
  h.Update(std::string_view("\x00", 1));
  h.Update(leaf);
  return FromRaw(h.Finish());
}

Hash HashChildren(const Hash& left, const Hash& right) {
  Hasher h(DigestAlgorithm::kSha256);
  h.Update(std::string_view("\x01", 1));
  h.Update(AsBytes(left));
  h.Update(AsBytes(right));
  return FromRaw(h.Finish());
}

Hash EmptyRoot() {
  return Sha256Hash("");
}
Hash Sha256Hash(std::string_view bytes) {
  return FromRaw(Sha256(bytes));
}

std::string ToHex(const Hash& h) {
  return HexEncode(AsBytes(h));
}

std::optional<Hash> HashFromHex(std::string_view s) {
  if (s.size() != 64) return std::nullopt;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;  // lower-case only
  }
  auto raw = HexDecode(s);
  if (!raw) return std::nullopt;
  return FromRaw(*raw);
}

std::string ToBase64(const Hash& h) {
  return Base64Encode(AsBytes(h));
}

std::optional<Hash> HashFromBase64(std::string_view s) {
  auto raw = Base64Decode(s);
  if (!raw || raw->size() != 32 || Base64Encode(*raw) != s) return std::nullopt;  // canonical only
  return FromRaw(*raw);
}

Hash RootFromLeafHashes(std::span<const Hash> leaf_hashes) {
  return Root(leaf_hashes);
}

void MerkleBuilder::Append(const Hash& leaf_hash) {
  stack_.push_back({leaf_hash, 1});
  ++size_;
  // Merge equal-sized perfect subtrees: the stack mirrors the binary digits of size_.
  while (stack_.size() >= 2 && stack_[stack_.size() - 2].size == stack_.back().size) {
    Subtree right = stack_.back();
    stack_.pop_back();
    stack_.back().hash = HashChildren(stack_.back().hash, right.hash);
    stack_.back().size += right.size;
  }
}

Hash MerkleBuilder::Root() const {
  if (stack_.empty()) return EmptyRoot();
  Hash root = stack_.back().hash;
  for (size_t i = stack_.size() - 1; i-- > 0;) root = HashChildren(stack_[i].hash, root);
  return root;
}

std::vector<Hash> InclusionProof(std::span<const Hash> leaf_hashes, uint64_t index) {
  std::vector<Hash> out;
  if (index < leaf_hashes.size()) Path(leaf_hashes, index, &out);
  return out;
}

Status VerifyInclusion(const Hash& leaf_hash, uint64_t index, uint64_t size, std::span<const Hash> proof,
                       const Hash& root) {
  if (size == 0) return Status::Corruption("inclusion proof for an empty tree");
  if (index >= size)
    return Status::Corruption("leaf index " + std::to_string(index) + " is not below the tree size " +
                              std::to_string(size));
  uint64_t fn = index, sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return Status::Corruption("inclusion proof is too long");
    if ((fn & 1) || fn == sn) {
      r = HashChildren(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("inclusion proof is too short");
  if (r != root) return Status::Corruption("inclusion proof does not lead to the root");
  return Status::Ok();
}

std::vector<Hash> ConsistencyProof(std::span<const Hash> leaf_hashes, uint64_t old_size) {
  std::vector<Hash> out;
  if (old_size > 0 && old_size <= leaf_hashes.size()) SubProof(leaf_hashes, old_size, true, &out);
  return out;
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root, const Hash& new_root,
                         std::span<const Hash> proof) {
  if (old_size == 0 || old_size > new_size)
    return Status::Corruption("consistency between sizes " + std::to_string(old_size) + " and " +
                              std::to_string(new_size) + " is undefined");
  if (old_size == new_size) {
    if (!proof.empty()) return Status::Corruption("consistency proof between equal sizes must be empty");
    if (old_root != new_root) return Status::Corruption("roots of equal-sized trees differ");
    return Status::Ok();
  }
  std::vector<Hash> path(proof.begin(), proof.end());
  if ((old_size & (old_size - 1)) == 0) path.insert(path.begin(), old_root);  // a power of two
  if (path.empty()) return Status::Corruption("consistency proof is empty");
  uint64_t fn = old_size - 1, sn = new_size - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Hash fr = path[0], sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return Status::Corruption("consistency proof is too long");
    if ((fn & 1) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return Status::Corruption("consistency proof is too short");
  if (fr != old_root) return Status::Corruption("consistency proof does not lead to the old root");
  if (sr != new_root) return Status::Corruption("consistency proof does not lead to the new root");
  return Status::Ok();
}

}  // namespace crawlproof::verify
