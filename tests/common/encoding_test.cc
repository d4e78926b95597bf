#include "common/encoding.h"

#include <gtest/gtest.h>

namespace crawlproof {

// RFC 4648 §10 test vectors.
TEST(Encoding, Base32Rfc4648Vectors) {
  EXPECT_EQ(Base32Encode(""), "");
  EXPECT_EQ(Base32Encode("f"), "MY======");
  EXPECT_EQ(Base32Encode("fo"), "MZXQ====");
  EXPECT_EQ(Base32Encode("foo"), "MZXW6===");
  EXPECT_EQ(Base32Encode("foobar"), "MZXW6YTBOI======");
  EXPECT_EQ(Base32Decode("MZXW6YTBOI======").value(), "foobar");
  EXPECT_EQ(Base32Decode("mzxw6ytboi").value(), "foobar");
  EXPECT_FALSE(Base32Decode("MZXW6YTBO1").has_value());  // '1' is not in the alphabet
}

TEST(Encoding, Base64Rfc4648Vectors) {
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zm9vYg==").value(), "foob");
  EXPECT_FALSE(Base64Decode("Zm9vYg=").has_value());
  EXPECT_FALSE(Base64Decode("Zm=vYg==").has_value());
}

TEST(Encoding, PercentEncode) {
  EXPECT_EQ(PercentEncode("a b/c~\xc3\xa9%", "/~"), "a%20b/c~%C3%A9%25");
  EXPECT_EQ(PercentEncode("", ""), "");
}

TEST(Encoding, HexRoundTrip) {
  std::string bytes("\x00\x01\xfe\xff", 4);
  EXPECT_EQ(HexEncode(bytes), "0001feff");
  EXPECT_EQ(HexDecode("0001FEFF").value(), bytes);
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

}  // namespace crawlproof
