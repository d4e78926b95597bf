#include "ingest/http_response.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

using testing::FixturePath;

// Every HTTP response of a fixture, parsed.
std::vector<HttpResponse> Responses(const std::string& file, std::vector<std::string>* blocks) {
  auto all = testing::ReadAll(FixturePath(file));
  std::vector<HttpResponse> out;
  for (const auto& r : all.records) {
    if (r.type != "response" || r.uri.rfind("http", 0) != 0) continue;
    blocks->push_back(r.block);
  }
  for (const auto& b : *blocks) {
    auto p = ParseHttpResponse(b);
    EXPECT_TRUE(p.ok()) << file << ": " << p.status().message();
    if (p.ok()) out.push_back(std::move(p).value());
  }
  return out;
}

bool Removed(const HttpResponse& r, const std::string& coding) {
  for (const auto& c : r.codings_removed)
    if (c == coding) return true;
  return false;
}

TEST(HttpResponse, ChunkedTransferCodingIsRemoved) {
  std::vector<std::string> blocks;
  auto rs = Responses("warc/wio_example-iana.org-chunked.warc", &blocks);
  int chunked = 0;
  for (const auto& r : rs) {
    if (!Removed(r, "chunked")) continue;
    ++chunked;
    EXPECT_TRUE(r.warnings.empty());
    EXPECT_NE(r.Body().find("</html>"), std::string_view::npos);
    EXPECT_LT(r.Body().size(), r.raw_body.size());
  }
  EXPECT_EQ(chunked, 1);
}

TEST(HttpResponse, ZstdBrAndGzipContentCodingsAreRemoved) {
  std::vector<std::string> b1, b2;
  auto zstd = Responses("warc/warcbench_fb_wget-1.25_zstd-accept.warc.gz", &b1);
  auto crawl = Responses("warc/warcbench_test-crawl_0.warc.gz", &b2);
  int z = 0, br = 0, gz = 0;
  for (const auto* set : {&zstd, &crawl}) {
    for (const auto& r : *set) {
      for (const auto& w : r.warnings) ADD_FAILURE() << w;
      if (Removed(r, "zstd")) ++z;
      if (Removed(r, "br")) ++br;
      if (Removed(r, "gzip")) ++gz;
      if (!r.codings_removed.empty() && r.Header("Content-Type") &&
          r.Header("Content-Type")->find("html") != std::string_view::npos) {
        EXPECT_NE(r.Body().find('<'), std::string_view::npos);  // readable markup now
      }
    }
  }
  EXPECT_EQ(z, 1);
  EXPECT_EQ(br, 6);
  EXPECT_EQ(gz, 1);
}

TEST(HttpResponse, CommonCrawlBodiesAreAlreadyDecoded) {
  std::vector<std::string> blocks;
  auto rs = Responses("warc/jwarc_cc.warc.gz", &blocks);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_TRUE(rs[0].crawler_decoded);
  EXPECT_TRUE(rs[0].codings_removed.empty());
  EXPECT_EQ(rs[0].status, 200);
}

TEST(HttpResponse, BrokenChunkingKeepsTheBodyWithAWarning) {
  auto r = ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\nabc\r\n0\r\n\r\n");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->body_decoded);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("runs past the end"), std::string::npos) << r->warnings[0];
  EXPECT_EQ(r->Body(), "40\r\nabc\r\n0\r\n\r\n");
  // A body that was never chunked (the writer removed the coding) is a note.
  auto plain = ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n<html>x</html>");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->warnings.empty());
  EXPECT_EQ(plain->notes.size(), 1u);
  EXPECT_EQ(plain->Body(), "<html>x</html>");
}

// deflate: no fixture uses it, so both forms servers send are made here from a
// real page: zlib-wrapped (RFC 9110) and raw deflate (what many servers send).
TEST(HttpResponse, DeflateBothFormsAreRemoved) {
  std::string page = testing::ReadFileBytes(FixturePath("warc/iawc_text-extraction-test.warc"));
  for (int window_bits : {MAX_WBITS, -MAX_WBITS}) {
    std::string packed = testing::Deflate(page, window_bits);
    auto r = ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n" + packed);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r->warnings.empty()) << window_bits;
    EXPECT_EQ(r->Body(), page) << window_bits;
  }
}

TEST(HttpResponse, ContentCodingBombIsBounded) {
  std::string zeros(8 << 20, '\0');
  uLongf n = compressBound(zeros.size());
  std::string packed(n, '\0');
  compress2(reinterpret_cast<Bytef*>(packed.data()), &n, reinterpret_cast<const Bytef*>(zeros.data()), zeros.size(), 9);
  packed.resize(n);
  HttpDecodeOptions o;
  o.max_body_bytes = 1 << 20;
  auto r = ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n" + packed, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->body_decoded);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("more than 1048576 bytes"), std::string::npos) << r->warnings[0];
}

// gzip bodies take a one-call path when their trailer states their size;
// a body of two members, a trailer that lies and a truncated body go the
// streaming way and come out the same as before.
TEST(HttpResponse, GzipBodiesWholeAndOtherwise) {
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n";
  const std::string page = "<html><body><p>" + std::string(100000, 'x') + "</p></body></html>";
  auto decoded = [&](const std::string& body) {
    auto r = ParseHttpResponse(head + body);
    EXPECT_TRUE(r.ok());
    return r.ok() && r->body_decoded ? std::string(r->Body()) : std::string("(not decoded)");
  };
  EXPECT_EQ(decoded(testing::Deflate(page)), page);
  EXPECT_EQ(decoded(testing::Deflate(page) + testing::Deflate("<p>more</p>")), page + "<p>more</p>");  // two members
  std::string lying = testing::Deflate(page);
  lying[lying.size() - 4] ^= 1;  // ISIZE off by one: the whole-body path refuses, zlib reports it
  EXPECT_EQ(decoded(lying), "(not decoded)");
  std::string cut = testing::Deflate(page);
  cut.resize(cut.size() / 2);
  EXPECT_EQ(decoded(cut), "(not decoded)");
}

TEST(HttpResponse, NotHttpIsAnError) {
  EXPECT_FALSE(ParseHttpResponse("hello").ok());
}

}  // namespace
}  // namespace crawlproof::ingest
