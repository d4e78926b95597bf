#include "common/json.h"

#include <gtest/gtest.h>

namespace crawlproof {

TEST(Json, EscapesControlAndQuotes) {
  std::string out;
  AppendJsonString(out, "a\"b\\c\n\x01");
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(Json, InvalidUtf8BecomesReplacementCharacter) {
  std::string out;
  AppendJsonString(out, "caf\xc3\xa9 \xff \xed\xa0\x80");  // valid é, invalid byte, surrogate
  EXPECT_EQ(out, "\"caf\xc3\xa9 \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
}

TEST(Json, ObjectKeepsOrderAndTypes) {
  JsonObject o;
  o.Add("s", "x").Add("n", uint64_t{18446744073709551615u}).Add("b", false).Add("t", std::optional<bool>());
  EXPECT_EQ(o.str(), R"({"s":"x","n":18446744073709551615,"b":false,"t":null})");
}

}  // namespace crawlproof
