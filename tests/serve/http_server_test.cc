// crawlproof serve's pieces in-process, over real HTTP (libcurl against the
// libmicrohttpd server on a free loopback port): request paths kept encoded
// per segment, queries decoded, methods, limits, security headers; the
// store's follower seeing a commit made after it opened, and URL-prefix
// pages with cursors.
#include "serve/http_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "serve/audit_service.h"
#include "store/provenance_store.h"
#include "tests/support/test_paths.h"

namespace crawlproof::serve {
namespace {

namespace fs = std::filesystem;

struct Reply {
  long status = 0;
  std::string headers, body;
  CURLcode code = CURLE_OK;
};

size_t Append(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

Reply Fetch(const std::string& url, const std::string& method = "GET", const std::vector<std::string>& headers = {}) {
  Reply r;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);  // "/static/../x" sent as it is
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, Append);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  if (method == "HEAD")
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (method != "GET")
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  r.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return r;
}

TEST(PercentCoding, DecodesEncodesAndRefusesBadEscapes) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%2Fb%41%e2%82%ac", &out));
  EXPECT_EQ(out, "a/bA\xe2\x82\xac");
  ASSERT_TRUE(PercentDecode("a+b%2B", &out, /*plus_is_space=*/true));
  EXPECT_EQ(out, "a b+");
  ASSERT_TRUE(PercentDecode("a+b", &out));
  EXPECT_EQ(out, "a+b");
  for (const char* bad : {"%", "%4", "%zz", "a%g1", "%%41"}) EXPECT_FALSE(PercentDecode(bad, &out)) << bad;
  EXPECT_EQ(PercentEncode("<urn:uuid:1>/a b"), "%3Curn%3Auuid%3A1%3E%2Fa%20b");
  ASSERT_TRUE(PercentDecode(PercentEncode(std::string("\0\xff/%", 4)), &out));
  EXPECT_EQ(out, std::string("\0\xff/%", 4));
}

class Server : public ::testing::Test {
 protected:
  void SetUp() override {
    HttpOptions o;
    o.port = 0;
    auto s = HttpServer::Start(o, [this](const HttpRequest& r) {
      seen_ = r;
      HttpResponse resp;
      resp.body = "{\"path\":\"ok\"}";
      return resp;
    });
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(*s);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  std::unique_ptr<HttpServer> server_;
  std::string base_;
  HttpRequest seen_;
};

TEST_F(Server, PathsStayEncodedQueriesAreDecoded) {
  Reply r = Fetch(base_ + "/doc/a%2Fb%3Cc?u=http%3A%2F%2Fx%2F%3Fy%3D1&q=a+b&flag");
  ASSERT_EQ(r.code, CURLE_OK);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(seen_.method, "GET");
  EXPECT_EQ(seen_.path, "/doc/a%2Fb%3Cc");
  EXPECT_EQ(seen_.Arg("u"), "http://x/?y=1");
  EXPECT_EQ(seen_.Arg("q"), "a b");
  EXPECT_TRUE(seen_.Has("flag"));
  EXPECT_FALSE(seen_.Has("nothing"));
  EXPECT_NE(r.headers.find("Content-Security-Policy: default-src 'none'; script-src 'self'"), std::string::npos);
  EXPECT_NE(r.headers.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_NE(r.headers.find("Cache-Control: no-store"), std::string::npos);
  EXPECT_EQ(r.body, "{\"path\":\"ok\"}");
}

TEST_F(Server, ReadOnlyMethodsAndBoundedRequests) {
  Reply head = Fetch(base_ + "/x", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  for (const char* m : {"POST", "PUT", "DELETE", "PATCH"}) {
    Reply r = Fetch(base_ + "/x", m);
    EXPECT_EQ(r.status, 405) << m;
    EXPECT_NE(r.headers.find("Allow: GET, HEAD"), std::string::npos);
  }
  // Headers beyond the per-connection memory: refused, the server goes on.
  Reply big = Fetch(base_ + "/x", "GET", {"X-Big: " + std::string(100000, 'a')});
  EXPECT_TRUE(big.code != CURLE_OK || big.status == 431 || big.status == 413 || big.status == 414) << big.status;
  Reply url = Fetch(base_ + "/x?u=" + std::string(100000, 'b'));
  EXPECT_TRUE(url.code != CURLE_OK || url.status == 414 || url.status == 431 || url.status == 413) << url.status;
  EXPECT_EQ(Fetch(base_ + "/x").status, 200);
}

TEST(HttpServerStart, AnswersOnlyAllowedHostNames) {
  HttpOptions o;
  o.port = 0;
  o.allowed_hosts = {"127.0.0.1", "localhost", "::1"};
  auto s = HttpServer::Start(o, [](const HttpRequest&) { return HttpResponse(); });
  ASSERT_TRUE(s.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*s)->port());
  EXPECT_EQ(Fetch(base + "/x").status, 200);
  EXPECT_EQ(Fetch(base + "/x", "GET", {"Host: rebound.example"}).status, 421);
  EXPECT_EQ(Fetch(base + "/x", "GET", {"Host: LOCALHOST:1"}).status, 200);
  EXPECT_EQ(Fetch(base + "/x", "GET", {"Host: [::1]:1"}).status, 200);
  EXPECT_EQ(Fetch(base + "/x", "GET", {"Host: 127.0.0.1.rebound.example"}).status, 421);
}

TEST(HttpServerStart, RefusesWhatIsNotAnAddressAndATakenPort) {
  HttpOptions o;
  o.host = "localhost.example";
  EXPECT_EQ(HttpServer::Start(o, nullptr).status().code(), StatusCode::kInvalidArgument);
  o.host = "127.0.0.1";
  o.port = 0;
  auto first = HttpServer::Start(o, [](const HttpRequest&) { return HttpResponse(); });
  ASSERT_TRUE(first.ok());
  o.port = (*first)->port();
  EXPECT_EQ(HttpServer::Start(o, nullptr).status().code(), StatusCode::kIoError);
}

// A store written by a "run" (the primary) while the service follows it.
class Follower : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    auto st = store::ProvenanceStore::Open(dir_ + "/store", "num_perm=4 ngram=5 seed=1 bands=2 rows=2", 4);
    ASSERT_TRUE(st.ok()) << st.status().message();
    primary_ = std::move(*st);
    Put("d1", "http://a/1");
    ServeOptions o;
    o.store = dir_ + "/store";
    o.catch_up_s = 0;
    auto s = AuditService::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().message();
    service_ = std::move(*s);
  }
  void Put(const std::string& id, const std::string& url) {
    store::ProvenanceStore::Batch b;
    b.PutDocument(id, "{\"doc_id\":\"" + id + "\",\"status\":\"dropped\",\"source\":{\"url\":\"" + url + "\"}}", url);
    ASSERT_TRUE(primary_->Commit(&b).ok());
  }
  HttpResponse Get(const std::string& path, std::vector<std::pair<std::string, std::string>> query = {}) {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.query = std::move(query);
    return service_->Handle(r);
  }
  void TearDown() override {
    service_.reset();
    primary_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
  std::unique_ptr<store::ProvenanceStore> primary_;
  std::unique_ptr<AuditService> service_;
};

TEST_F(Follower, SeesCommitsMadeAfterItOpened) {
  EXPECT_EQ(Get("/api/doc/d1").status, 200);
  EXPECT_EQ(Get("/api/doc/d2").status, 404);
  Put("d2", "http://a/2");
  HttpResponse r = Get("/api/doc/d2");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("http://a/2"), std::string::npos);
  // Ids are decoded per path segment: an encoded '/' stays in the id.
  Put("x/y", "http://a/3");
  EXPECT_EQ(Get("/api/doc/x%2Fy").status, 200);
  EXPECT_EQ(Get("/api/doc/x/y").status, 404);
  EXPECT_EQ(Get("/api/doc/%zz").status, 400);
}

TEST_F(Follower, UrlPrefixPagesEveryDocumentOnce) {
  for (int i = 2; i <= 7; ++i) Put("p" + std::to_string(i), "http://a/" + std::to_string(i));
  Put("q", "http://ab/1");
  std::vector<std::string> seen;
  std::string after;
  for (int pages = 0; pages < 10; ++pages) {
    std::vector<std::pair<std::string, std::string>> q = {{"u", "http://a/"}, {"match", "prefix"}, {"limit", "2"}};
    if (!after.empty()) q.emplace_back("after", after);
    HttpResponse r = Get("/api/url", q);
    ASSERT_EQ(r.status, 200) << r.body;
    for (size_t at = r.body.find("\"doc_id\":\""); at != std::string::npos; at = r.body.find("\"doc_id\":\"", at + 1))
      seen.push_back(r.body.substr(at + 10, r.body.find('"', at + 10) - at - 10));
    after.clear();
    for (const auto& [k, v] : r.headers)
      if (k == "X-Next-Cursor") after = v;
    if (after.empty()) break;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"d1", "p2", "p3", "p4", "p5", "p6", "p7"}));
}

TEST_F(Follower, ServesOnlyItsOwnAssets) {
  EXPECT_EQ(Get("/static/app.js").status, 200);
  EXPECT_EQ(Get("/static/app.js").content_type, "text/javascript; charset=utf-8");
  for (const char* p : {"/static/../CMakeLists.txt", "/static/..%2FCMakeLists.txt", "/static/index.html",
                        "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/static/", "/static/app.js/x", "/etc/passwd"})
    EXPECT_EQ(Get(p).status, 404) << p;
  EXPECT_EQ(Get("/doc/anything").status, 200);  // the page, whose script reads the path
  EXPECT_EQ(Get("/doc/anything").content_type, "text/html; charset=utf-8");
  EXPECT_EQ(Get("relative").status, 404);
}

}  // namespace
}  // namespace crawlproof::serve
