#include "store/rocksdb_index.h"

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"

namespace crawlproof::store {
namespace {

TEST(RocksDbIndex, RemembersKeptDocumentsAcrossOpens) {
  std::string dir = testing::MakeTempDir() + "/index";
  const std::string params = "num_perm=4 ngram=5 seed=42 bands=2 rows=2";
  {
    auto index = OpenRocksDbIndex(dir, params, 4);
    ASSERT_TRUE(index.ok()) << index.status().message();
    EXPECT_EQ((*index)->size(), 0u);
    ASSERT_TRUE((*index)
                    ->Add({{"doc-a", {11, 22}, {1, 2, 3, (uint64_t{1} << 61) - 2}}, {"doc-b", {22, 33}, {5, 6, 7, 8}}})
                    .ok());
    // A second opener of the same index is refused while this one holds it.
    auto second = OpenRocksDbIndex(dir, params, 4);
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status().message();
  }
  auto index = OpenRocksDbIndex(dir, params, 4);
  ASSERT_TRUE(index.ok()) << index.status().message();
  EXPECT_EQ((*index)->size(), 2u);
  EXPECT_EQ((*index)->Lookup(22).value(), (std::vector<std::string>{"doc-a", "doc-b"}));
  EXPECT_EQ((*index)->Lookup(11).value(), (std::vector<std::string>{"doc-a"}));
  EXPECT_TRUE((*index)->Lookup(99).value().empty());
  EXPECT_EQ((*index)->Signature("doc-a").value(), (std::vector<uint64_t>{1, 2, 3, (uint64_t{1} << 61) - 2}));
  EXPECT_EQ((*index)->Signature("missing").status().code(), StatusCode::kNotFound);
  index->reset();
  auto other = OpenRocksDbIndex(dir, "num_perm=4 ngram=5 seed=7 bands=2 rows=2", 4);
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.status().message().find("was built with num_perm=4 ngram=5 seed=42"), std::string::npos);
}

}  // namespace
}  // namespace crawlproof::store
