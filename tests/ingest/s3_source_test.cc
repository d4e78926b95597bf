// s3:// against a real S3-compatible server on loopback (moto's server, from the
// test virtual environment that .ci/run creates), and the signing details
// checked on the wire against the test server.
#include "ingest/s3_source.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace crawlproof::ingest {
namespace {

std::string VenvDir() {
  const char* v = std::getenv("CRAWLPROOF_VENV");
  return v ? v : testing::BinaryDir() + "/../venv";
}

Result<std::string> ReadEverything(const std::string& uri, const SourceOptions& o = {}) {
  ASSIGN_OR_RETURN(auto src, OpenByteSource(uri, o));
  std::string out;
  std::string buf(1 << 16, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, src->Read(buf.data(), buf.size()));
    if (n == 0) break;
    out.append(buf.data(), n);
  }
  return out;
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(S3Source, SignsWithSigV4AndSessionToken) {
  testing::TestServer server("hello from s3");
  ScopedEnv key("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  ScopedEnv token("AWS_SESSION_TOKEN", "session-token-123");
  ScopedEnv endpoint("AWS_ENDPOINT_URL", server.url(""));
  ScopedEnv region("AWS_REGION", "eu-west-1");
  auto got = ReadEverything("s3://bucket/dir/file name.warc.gz");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, "hello from s3");
  auto log = server.request_log();
  ASSERT_EQ(log.size(), 1u);
  const std::string& req = log[0];
  EXPECT_EQ(req.rfind("GET /bucket/dir/file%20name.warc.gz ", 0), 0u) << req;
  EXPECT_NE(req.find("Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), std::string::npos) << req;
  EXPECT_NE(req.find("/eu-west-1/s3/aws4_request"), std::string::npos) << req;
  EXPECT_NE(req.find("x-amz-security-token: session-token-123"), std::string::npos) << req;
  // The token and the payload hash are covered by the signature.
  auto signed_at = req.find("SignedHeaders=");
  ASSERT_NE(signed_at, std::string::npos);
  std::string signed_headers = req.substr(signed_at, req.find(',', signed_at) - signed_at);
  EXPECT_NE(signed_headers.find("x-amz-security-token"), std::string::npos) << signed_headers;
  EXPECT_NE(signed_headers.find("x-amz-content-sha256"), std::string::npos) << signed_headers;
  // Secrets never appear in what we could log.
  auto src = OpenByteSource("s3://bucket/dir/file name.warc.gz");
  ASSERT_TRUE(src.ok());
  EXPECT_EQ((*src)->name().find("wJalr"), std::string::npos);
}

// A redirect to another host gets no credential: neither the signature nor
// the session token (nor any other header of ours); one to the same origin
// keeps them.
TEST(S3Source, CrossHostRedirectDropsEveryCredential) {
  testing::TestServer target("moved object");
  testing::TestServer origin("never served");
  origin.RedirectTo("http://localhost:" + std::to_string(target.port()));  // another host name, another port
  ScopedEnv key("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  ScopedEnv token("AWS_SESSION_TOKEN", "session-token-123");
  ScopedEnv endpoint("AWS_ENDPOINT_URL", origin.url(""));
  auto got = ReadEverything("s3://bucket/key.warc.gz");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, "moved object");
  ASSERT_EQ(origin.request_log().size(), 1u);
  EXPECT_NE(origin.request_log()[0].find("x-amz-security-token: session-token-123"), std::string::npos);
  auto moved = target.request_log();
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].rfind("GET /moved/bucket/key.warc.gz ", 0), 0u) << moved[0];
  for (const char* secret_part : {"x-amz-security-token", "session-token-123", "Authorization", "AKIDEXAMPLE",
                                  "x-amz-content-sha256", "X-Amz-Date"})
    EXPECT_EQ(moved[0].find(secret_part), std::string::npos) << secret_part << " in " << moved[0];

  // To the same origin: the credentials go along (a new signature).
  testing::TestServer same("same origin");
  same.RedirectTo(same.url(""));
  ScopedEnv same_endpoint("AWS_ENDPOINT_URL", same.url(""));
  auto again = ReadEverything("s3://bucket/key.warc.gz");
  ASSERT_TRUE(again.ok()) << again.status().message();
  auto log = same.request_log();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_NE(log[1].find("x-amz-security-token: session-token-123"), std::string::npos) << log[1];
  EXPECT_NE(log[1].find("Authorization: AWS4-HMAC-SHA256"), std::string::npos) << log[1];
}

TEST(S3Source, AnonymousWithoutCredentials) {
  testing::TestServer server("public");
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  ScopedEnv endpoint("AWS_ENDPOINT_URL_S3", server.url(""));
  auto got = ReadEverything("s3://commoncrawl/crawl-data/x.warc.gz");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(server.request_log()[0].find("Authorization"), std::string::npos);
}

TEST(S3Source, RejectsMalformedUris) {
  EXPECT_EQ(ResolveS3Uri("s3://bucket", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ResolveS3Uri("s3:///key", {}).status().code(), StatusCode::kInvalidArgument);
}

// The real thing: moto's S3 server.
TEST(S3Source, ReadsFromMotoServerWithRangesAndMissingKeys) {
  std::string moto = VenvDir() + "/bin/moto_server";
  std::string python = VenvDir() + "/bin/python";
  if (!std::filesystem::exists(moto)) GTEST_SKIP() << "moto_server not installed at " << moto << " (run .ci/run)";
  int port = 0;
  {
    testing::TestServer probe("");  // borrow a free port number
    port = probe.port() + 1;
  }
  pid_t pid = fork();
  if (pid == 0) {
    freopen("/dev/null", "w", stderr);
    freopen("/dev/null", "w", stdout);
    execl(moto.c_str(), moto.c_str(), "-H", "127.0.0.1", "-p", std::to_string(port).c_str(), nullptr);
    _exit(127);
  }
  std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  std::string object = testing::ReadFileBytes(testing::FixturePath("warc/rp_warcfile.warc.gz"));
  std::string upload = python +
                       " -c \"import boto3,time,sys\n"
                       "s=boto3.client('s3',endpoint_url='" +
                       endpoint +
                       "',aws_access_key_id='testing',aws_secret_access_key='testing',region_name='us-east-1')\n"
                       "for i in range(100):\n"
                       "  try:\n    s.create_bucket(Bucket='crawl'); break\n"
                       "  except Exception: time.sleep(0.1)\n"
                       "s.upload_file(sys.argv[1],'crawl','crawl-data/seg/a.warc.gz')\" " +
                       testing::FixturePath("warc/rp_warcfile.warc.gz");
  int rc = std::system(upload.c_str());
  ScopedEnv key("AWS_ACCESS_KEY_ID", "testing");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "testing");
  ScopedEnv token("AWS_SESSION_TOKEN", "testing-token");
  ScopedEnv ep("AWS_ENDPOINT_URL", endpoint);
  if (rc == 0) {
    auto got = ReadEverything("s3://crawl/crawl-data/seg/a.warc.gz");
    EXPECT_TRUE(got.ok()) << got.status().message();
    if (got.ok()) {
      EXPECT_EQ(*got, object);
    }
    SourceOptions o;
    o.offset = 1000;
    o.length = 5000;
    auto range = ReadEverything("s3://crawl/crawl-data/seg/a.warc.gz", o);
    EXPECT_TRUE(range.ok());
    if (range.ok()) {
      EXPECT_EQ(*range, object.substr(1000, 5000));
    }
    auto missing = OpenByteSource("s3://crawl/no/such.warc.gz");
    EXPECT_EQ(missing.status().code(), StatusCode::kNotFound) << missing.status().message();
  }
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  ASSERT_EQ(rc, 0) << "could not upload to moto_server";
}

}  // namespace
}  // namespace crawlproof::ingest
