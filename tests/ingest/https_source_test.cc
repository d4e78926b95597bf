// https:// through libcurl against a real TLS server on loopback
// (`openssl s_server -WWW` with a certificate made for the test): the bytes
// equal the file when the certificate is trusted, and the read fails when not.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "ingest/byte_source.h"
#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

class TlsServer {
 public:
  explicit TlsServer(const std::string& dir) : port_(FreePort()) {
    pid_ = fork();
    if (pid_ == 0) {
      if (chdir(dir.c_str()) != 0) _exit(127);
      freopen("/dev/null", "w", stdout);
      freopen("/dev/null", "w", stderr);
      std::string accept = "127.0.0.1:" + std::to_string(port_);
      execlp("openssl", "openssl", "s_server", "-quiet", "-WWW", "-accept", accept.c_str(), "-cert", "cert.pem", "-key",
             "key.pem", nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100 && !Accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ~TlsServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::string url(const std::string& file) const { return "https://127.0.0.1:" + std::to_string(port_) + "/" + file; }

 private:
  int port_;
  pid_t pid_;
};

TEST(HttpsSource, ReadsOverTlsAndVerifiesTheCertificate) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  std::string dir = testing::MakeTempDir();
  std::string make_cert = "cd " + dir +
                          " && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 "
                          "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0);
  std::string fixture = testing::FixturePath("warc/rp_warcfile.warc.gz");
  std::filesystem::copy_file(fixture, dir + "/sample.warc.gz");
  TlsServer server(dir);

  SourceOptions trusted;
  trusted.ca_file = dir + "/cert.pem";
  trusted.retry.max_attempts = 2;
  trusted.retry.base_delay_s = 0.01;
  auto local = testing::ReadAll(fixture);
  auto remote = testing::ReadAll(server.url("sample.warc.gz"), {}, trusted);
  ASSERT_TRUE(remote.errors.empty()) << remote.errors.front();
  ASSERT_EQ(remote.records.size(), local.records.size());
  for (size_t i = 0; i < local.records.size(); ++i) EXPECT_EQ(remote.records[i].block, local.records[i].block);

  // Without trusting the test certificate the connection is refused.
  SourceOptions untrusted = trusted;
  untrusted.ca_file.clear();
  auto refused = OpenByteSource(server.url("sample.warc.gz"), untrusted);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("certificate"), std::string::npos) << refused.status().message();
}

}  // namespace
}  // namespace crawlproof::ingest
