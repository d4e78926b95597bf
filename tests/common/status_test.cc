#include "common/status.h"

#include <gtest/gtest.h>

namespace crawlproof {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status Check(int x) {
  RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

}  // namespace

TEST(Status, MacrosPropagate) {
  EXPECT_EQ(Quarter(8).value(), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "odd: 3");
  EXPECT_TRUE(Check(4).ok());
  EXPECT_EQ(Check(5).ToString(), "invalid_argument: odd: 5");
  EXPECT_EQ(Status::Corruption("x").WithPrefix("f.warc").message(), "f.warc: x");
}

}  // namespace crawlproof
