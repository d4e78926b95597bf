// Network byte sources against a real HTTP server on loopback that drops
// connections, throttles and ignores ranges: the bytes read must equal the file.
#include "ingest/byte_source.h"

#include <gtest/gtest.h>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace crawlproof::ingest {
namespace {

using testing::ServerFaults;
using testing::TestServer;

std::string Object() {
  return testing::ReadFileBytes(testing::FixturePath("warc/warcbench_test-crawl_0.warc.gz"));
}

SourceOptions Fast() {
  SourceOptions o;
  o.retry.base_delay_s = 0.01;
  o.retry.max_delay_s = 0.05;
  o.retry.max_attempts = 6;
  o.buffer_bytes = 64 << 10;
  return o;
}

Result<std::string> ReadEverything(const std::string& uri, const SourceOptions& o, int* retries = nullptr) {
  ASSIGN_OR_RETURN(auto src, OpenByteSource(uri, o));
  std::string out;
  std::string buf(100000, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, src->Read(buf.data(), buf.size()));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  if (retries) *retries = src->retries();
  return out;
}

TEST(HttpSource, PlainDownloadEqualsFile) {
  std::string body = Object();
  TestServer server(body);
  auto got = ReadEverything(server.url(), Fast());
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, body);
}

TEST(HttpSource, ResumesAfterDroppedConnections) {
  std::string body = Object();
  ServerFaults f;
  f.drop_responses = 3;
  f.drop_after_bytes = 100000;
  TestServer server(body, f);
  int retries = 0;
  auto got = ReadEverything(server.url(), Fast(), &retries);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, body);
  EXPECT_EQ(retries, 3);
  // Each retry asked for the first byte not yet received.
  auto log = server.request_log();
  ASSERT_EQ(log.size(), 4u);
  EXPECT_NE(log[1].find("Range: bytes=100000-"), std::string::npos) << log[1];
  EXPECT_NE(log[3].find("Range: bytes=300000-"), std::string::npos) << log[3];
}

TEST(HttpSource, RetriesThrottlingWithRetryAfter) {
  std::string body = Object();
  for (int status : {503, 429}) {
    ServerFaults f;
    f.error_responses = 3;
    f.error_status = status;
    f.retry_after = "0";
    TestServer server(body, f);
    int retries = 0;
    auto got = ReadEverything(server.url(), Fast(), &retries);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(*got, body);
    EXPECT_EQ(retries, 3);
  }
}

TEST(HttpSource, GivesUpWithAClearError) {
  ServerFaults f;
  f.error_responses = 100;
  f.error_status = 503;
  TestServer server("x", f);
  auto got = ReadEverything(server.url(), Fast());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("giving up after 6"), std::string::npos) << got.status().message();
  EXPECT_NE(got.status().message().find("ServiceUnavailable"), std::string::npos) << got.status().message();
}

TEST(HttpSource, ServerIgnoringRangeStillResumesCorrectly) {
  std::string body = Object();
  ServerFaults f;
  f.drop_responses = 2;
  f.drop_after_bytes = 250000;
  f.ignore_range = true;
  TestServer server(body, f);
  auto got = ReadEverything(server.url(), Fast());
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, body);
}

TEST(HttpSource, ObjectChangingMidTransferIsCorruption) {
  ServerFaults f;
  f.drop_responses = 1;
  f.drop_after_bytes = 1000;
  f.change_etag_after = 1;
  TestServer server(Object(), f);
  auto got = ReadEverything(server.url(), Fast());
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kCorruption);
}

TEST(HttpSource, RangeRequestAndConnectionReuse) {
  std::string body = Object();
  TestServer server(body);
  SourceOptions o = Fast();
  o.offset = 12345;
  o.length = 4321;
  auto a = ReadEverything(server.url(), o);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, body.substr(12345, 4321));
  o.offset = 1;
  o.length = 10;
  auto b = ReadEverything(server.url(), o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, body.substr(1, 10));
  EXPECT_EQ(server.connections(), 1);  // the second request reused the connection
}

TEST(HttpSource, SlowServerIsReadCompletelyInBoundedMemory) {
  std::string body = Object().substr(0, 300000);
  ServerFaults f;
  f.slow_ms = 2;
  TestServer server(body, f);
  auto got = ReadEverything(server.url(), Fast());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, body);
}

TEST(HttpSource, WarcReaderOverFlakyNetworkEqualsLocalRead) {
  std::string path = testing::FixturePath("warc/warcbench_test-crawl_0.warc.gz");
  ServerFaults f;
  f.drop_responses = 4;
  f.drop_after_bytes = 200001;
  TestServer server(testing::ReadFileBytes(path), f);
  auto local = testing::ReadAll(path);
  auto remote = testing::ReadAll(server.url(), {}, Fast());
  ASSERT_TRUE(remote.errors.empty()) << remote.errors.front();
  ASSERT_EQ(remote.records.size(), local.records.size());
  for (size_t i = 0; i < local.records.size(); ++i) {
    EXPECT_EQ(remote.records[i].offset, local.records[i].offset);
    EXPECT_EQ(remote.records[i].block, local.records[i].block);
  }
}

TEST(ByteSource, UnknownSchemeAndMissingFile) {
  EXPECT_EQ(OpenByteSource("ftp://x/y").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenByteSource("/no/such/file.warc.gz").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace crawlproof::ingest
