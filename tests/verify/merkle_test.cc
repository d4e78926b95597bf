#include "verify/merkle.h"

#include <gtest/gtest.h>

namespace crawlproof::verify {
namespace {

// The eight leaves of Certificate Transparency's reference tests and the roots
// of their first 1..8 (checked against an independent implementation).
std::vector<std::string> CtLeaves() {
  return {std::string(),
          std::string("\x00", 1),
          "\x10",
          "\x20\x21",
          "\x30\x31",
          "\x40\x41\x42\x43",
          "\x50\x51\x52\x53\x54\x55\x56\x57",
          "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
}
const char* kCtRoots[] = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

std::vector<Hash> LeafHashes(size_t n) {
  std::vector<Hash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(HashLeaf("leaf " + std::to_string(i)));
  return out;
}

TEST(Merkle, KnownRoots) {
  EXPECT_EQ(ToHex(EmptyRoot()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto leaves = CtLeaves();
  std::vector<Hash> hashes;
  MerkleBuilder builder;
  for (size_t i = 0; i < leaves.size(); ++i) {
    hashes.push_back(HashLeaf(leaves[i]));
    builder.Append(hashes.back());
    EXPECT_EQ(ToHex(RootFromLeafHashes(hashes)), kCtRoots[i]) << i + 1;
    EXPECT_EQ(ToHex(builder.Root()), kCtRoots[i]) << i + 1;
  }
}

TEST(Merkle, BuilderEqualsRecursiveRoot) {
  auto hashes = LeafHashes(300);
  MerkleBuilder b;
  for (size_t n = 0; n <= hashes.size(); ++n) {
    EXPECT_EQ(b.Root(), RootFromLeafHashes(std::span(hashes).subspan(0, n))) << n;
    if (n < hashes.size()) b.Append(hashes[n]);
  }
}

TEST(Merkle, EveryInclusionProofVerifiesAndTamperingFails) {
  for (size_t n = 1; n <= 40; ++n) {
    auto hashes = LeafHashes(n);
    Hash root = RootFromLeafHashes(hashes);
    for (size_t i = 0; i < n; ++i) {
      auto proof = InclusionProof(hashes, i);
      ASSERT_TRUE(VerifyInclusion(hashes[i], i, n, proof, root).ok()) << n << " " << i;
      // Another index, another leaf, a longer or shorter proof: all refused.
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion(hashes[i], (i + 1) % n, n, proof, root).ok());
      }
      if (n > 1) {
        EXPECT_FALSE(VerifyInclusion(hashes[(i + 1) % n], i, n, proof, root).ok());
      }
      auto longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(VerifyInclusion(hashes[i], i, n, longer, root).ok());
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        EXPECT_FALSE(VerifyInclusion(hashes[i], i, n, shorter, root).ok());
        auto flipped = proof;
        flipped[0][0] ^= 1;
        EXPECT_FALSE(VerifyInclusion(hashes[i], i, n, flipped, root).ok());
      }
    }
    EXPECT_FALSE(VerifyInclusion(hashes[0], n, n, InclusionProof(hashes, 0), root).ok());  // index >= size
  }
  Hash any = HashLeaf("x");
  EXPECT_FALSE(VerifyInclusion(any, 0, 0, {}, EmptyRoot()).ok());  // size 0
}

// A 64-byte internal node offered as a leaf: its leaf hash is not the node hash.
TEST(Merkle, InternalNodeIsNotALeaf) {
  auto hashes = LeafHashes(4);
  Hash root = RootFromLeafHashes(hashes);
  std::string node = std::string(AsBytes(hashes[0])) + std::string(AsBytes(hashes[1]));
  auto proof = InclusionProof(hashes, 0);
  std::vector<Hash> upper(proof.begin() + 1, proof.end());                                   // the path above the pair
  EXPECT_TRUE(VerifyInclusion(HashChildren(hashes[0], hashes[1]), 0, 2, upper, root).ok());  // as a node: fine
  EXPECT_FALSE(VerifyInclusion(HashLeaf(node), 0, 2, upper, root).ok());                     // as a leaf: refused
}

TEST(Merkle, EveryConsistencyProofVerifiesAndTamperingFails) {
  auto all = LeafHashes(40);
  for (size_t n = 1; n <= all.size(); ++n) {
    auto hashes = std::span(all).subspan(0, n);
    Hash new_root = RootFromLeafHashes(hashes);
    for (size_t m = 1; m <= n; ++m) {
      Hash old_root = RootFromLeafHashes(hashes.subspan(0, m));
      auto proof = ConsistencyProof(hashes, m);
      ASSERT_TRUE(VerifyConsistency(m, n, old_root, new_root, proof).ok()) << m << " " << n;
      if (m < n) {
        EXPECT_FALSE(VerifyConsistency(m, n, new_root, new_root, proof).ok());
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, old_root, proof).ok());
        auto longer = proof;
        longer.push_back(new_root);
        EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, longer).ok());
        if (!proof.empty()) {
          auto shorter = proof;
          shorter.pop_back();
          EXPECT_FALSE(VerifyConsistency(m, n, old_root, new_root, shorter).ok());
        }
        if (m + 1 < n) {
          EXPECT_FALSE(VerifyConsistency(m + 1, n, old_root, new_root, proof).ok());
        }
      }
    }
  }
  Hash r = EmptyRoot();
  EXPECT_FALSE(VerifyConsistency(0, 3, r, r, {}).ok());
  EXPECT_FALSE(VerifyConsistency(4, 3, r, r, {}).ok());
}

TEST(Merkle, HashEncodingsAreStrict) {
  Hash h = HashLeaf("x");
  EXPECT_EQ(HashFromHex(ToHex(h)), h);
  EXPECT_FALSE(HashFromHex(ToHex(h).substr(2)).has_value());  // not 32 bytes
  std::string upper = ToHex(h);
  for (auto& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_FALSE(HashFromHex(upper).has_value());  // JSON hashes are lower-case hex
  EXPECT_EQ(HashFromBase64(ToBase64(h)), h);
  std::string b64 = ToBase64(h);  // 43 characters and '=': the last one carries 2 unused bits
  ASSERT_EQ(b64.size(), 44u);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string noncanonical = b64;
  noncanonical[42] = alphabet[alphabet.find(b64[42]) + 1];  // same bytes, unused bits set
  EXPECT_FALSE(HashFromBase64(noncanonical).has_value());
  EXPECT_FALSE(HashFromBase64(b64.substr(0, 43)).has_value());  // padding missing
}

}  // namespace
}  // namespace crawlproof::verify
