#include "common/digest.h"

#include <gtest/gtest.h>

#include "common/encoding.h"

namespace crawlproof {

// FIPS 180 known answers for "abc".
TEST(Digest, KnownAnswers) {
  EXPECT_EQ(HexEncode(Sha1("abc")), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexEncode(Sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, StreamingEqualsOneShotAndResets) {
  Hasher h(DigestAlgorithm::kSha1);
  h.Update("a");
  h.Update("bc");
  EXPECT_EQ(h.Finish(), Sha1("abc"));
  h.Reset();
  h.Update("abc");
  EXPECT_EQ(h.Finish(), Sha1("abc"));
}

}  // namespace crawlproof
