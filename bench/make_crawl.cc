// make_crawl: a synthetic crawl of any size built from real pages, for
// measuring the pipeline at crawl scale (docs/scaling.md).
//
//   make_crawl --texts DOCS.jsonl [--texts ...] --out DIR --documents N
//              [--files F] [--exact 0.05] [--near 0.10] [--seed 1] [--threads T]
//
// DOCS.jsonl: documents as `crawlproof extract` writes them (a "text" and a
// "lang" per line), e.g. from scripts/make-corpus's WARCs. Their sentences
// are pooled by language; every synthetic page draws one language (weighted
// by its pool) and 6–24 sentences from it in paragraphs of 1–4, so pages
// read as real text and share sentences but are not near each other.
// Planted duplicates, each of a page planted as unique and earlier in the
// crawl (in another file as often as not): an `--exact` fraction are the
// same text under another URL, a `--near` fraction the same text with about
// one word in 60 replaced (Jaccard of 5-word shingles near 0.85 for a page
// of 300 words).
//
// Writes DIR/crawl-NNNNN.warc.gz (one gzip member per record, block
// digests, response records as a crawler writes them) and DIR/truth.json
// (documents, files, planted exact and near copies, bytes). Deterministic:
// the same arguments give the same bytes, whatever --threads.
#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/digest.h"
#include "common/encoding.h"

namespace {

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

struct Rng {
  uint64_t s;
  uint64_t Next() { return s = Mix(s); }
  uint64_t Below(uint64_t n) { return n ? Next() % n : 0; }
  double Unit() { return static_cast<double>(Next() >> 11) / static_cast<double>(uint64_t{1} << 53); }
};

struct Pool {
  std::string lang;
  std::vector<std::string> sentences;
};

struct Args {
  std::vector<std::string> texts;
  std::string out;
  uint64_t documents = 0, files = 0, seed = 1;
  double exact = 0.05, near = 0.10;
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
};

enum class Kind { kUnique, kExact, kNear };

class Crawl {
 public:
  Crawl(const Args& a, std::vector<Pool> pools) : a_(a), pools_(std::move(pools)) {
    uint64_t total = 0;
    for (const auto& p : pools_) cumulative_.push_back(total += p.sentences.size());
  }

  Kind KindOf(uint64_t i) const {
    if (i == 0) return Kind::kUnique;
    const double u = Rng{Mix(a_.seed ^ (i * 0x100000001b3ULL))}.Unit();
    return u < a_.exact ? Kind::kExact : u < a_.exact + a_.near ? Kind::kNear : Kind::kUnique;
  }
  // The unique page a planted copy copies: an earlier page, followed back
  // to the unique page it descends from.
  uint64_t Origin(uint64_t i) const {
    while (KindOf(i) != Kind::kUnique) i = Rng{Mix(a_.seed * 31 + i)}.Below(i);
    return i;
  }

  // The text of a unique page, in paragraphs (lines).
  std::vector<std::string> UniqueText(uint64_t i, std::string* lang) const {
    Rng r{Mix(a_.seed ^ Mix(i))};
    const uint64_t pick = r.Below(cumulative_.back());
    size_t p =
        static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), pick) - cumulative_.begin());
    const Pool& pool = pools_[p];
    *lang = pool.lang;
    std::vector<std::string> paragraphs;
    const uint64_t n = 6 + r.Below(19);
    std::string para;
    uint64_t in_para = 0, per_para = 1 + r.Below(4);
    for (uint64_t k = 0; k < n; ++k) {
      if (!para.empty()) para.push_back(' ');
      para += pool.sentences[r.Below(pool.sentences.size())];
      if (++in_para == per_para) {
        paragraphs.push_back(std::move(para));
        para.clear();
        in_para = 0;
        per_para = 1 + r.Below(4);
      }
    }
    if (!para.empty()) paragraphs.push_back(std::move(para));
    return paragraphs;
  }

  std::vector<std::string> Text(uint64_t i, Kind* kind) const {
    *kind = KindOf(i);
    std::string lang;
    std::vector<std::string> text = UniqueText(*kind == Kind::kUnique ? i : Origin(i), &lang);
    if (*kind != Kind::kNear) return text;
    // About one word in 60 replaced by a word of another sentence.
    Rng r{Mix(a_.seed + 7 * i)};
    const Pool& pool = pools_[r.Below(pools_.size())];
    for (auto& para : text) {
      std::string out;
      size_t at = 0;
      while (at < para.size()) {
        size_t end = para.find(' ', at);
        if (end == std::string::npos) end = para.size();
        if (!out.empty()) out.push_back(' ');
        if (r.Below(60) == 0) {
          const std::string& s = pool.sentences[r.Below(pool.sentences.size())];
          out += s.substr(0, std::min<size_t>(s.find(' '), 24));
        } else {
          out.append(para, at, end - at);
        }
        at = end + 1;
      }
      para = std::move(out);
    }
    return text;
  }

  std::string Url(uint64_t i) const {
    return "https://site-" + std::to_string(Mix(i / 50) % 20000) + ".example.org/docs/" + std::to_string(i % 50) +
           "/page-" + std::to_string(i) + ".html";
  }

  const Args& args() const { return a_; }

 private:
  const Args& a_;
  std::vector<Pool> pools_;
  std::vector<uint64_t> cumulative_;
};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out.push_back(c);
  }
  return out;
}

bool Gzip(const std::string& in, std::string* out) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  const size_t at = out->size();
  out->resize(at + deflateBound(&z, in.size()) + 32);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data() + at);
  z.avail_out = static_cast<uInt>(out->size() - at);
  const int rc = deflate(&z, Z_FINISH);
  out->resize(at + z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END;
}

std::string Record(const Crawl& crawl, uint64_t i, Kind* kind) {
  const std::vector<std::string> paragraphs = crawl.Text(i, kind);
  std::string title = paragraphs.front().substr(0, std::min<size_t>(paragraphs.front().size(), 60));
  while (!title.empty() && (static_cast<unsigned char>(title.back()) & 0xc0) == 0x80) title.pop_back();
  if (!title.empty() && static_cast<unsigned char>(title.back()) >= 0xc0) title.pop_back();
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + Escape(title) +
                     "</title></head>\n<body><nav><a href=\"/\">Home</a> | <a href=\"/docs/\">Docs</a></nav>\n<main>"
                     "<h1>" +
                     Escape(title) + "</h1>\n";
  for (const auto& p : paragraphs) html += "<p>" + Escape(p) + "</p>\n";
  html += "</main><footer>Generated page " + std::to_string(i) + "</footer></body></html>\n";
  const std::string http =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " + std::to_string(html.size()) +
      "\r\n\r\n" + html;
  const uint64_t a = Mix(crawl.args().seed ^ (i << 1)), b = Mix(crawl.args().seed ^ (i << 1 | 1));
  char uuid[64];
  std::snprintf(uuid, sizeof uuid, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xfff,
                static_cast<unsigned>(b >> 48) & 0xfff, static_cast<unsigned long long>(b & 0xffffffffffffULL));
  const uint64_t secs = 1700000000 + i % 2592000;
  char date[32];
  const time_t t = static_cast<time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string rec = "WARC/1.0\r\nWARC-Type: response\r\nWARC-Date: " + std::string(date) +
                    "\r\nWARC-Record-ID: <urn:uuid:" + uuid + ">\r\nWARC-Target-URI: " + crawl.Url(i) +
                    "\r\nContent-Type: application/http; msgtype=response\r\nWARC-Block-Digest: sha1:" +
                    crawlproof::Base32Encode(crawlproof::Sha1(http)) +
                    "\r\nContent-Length: " + std::to_string(http.size()) + "\r\n\r\n" + http + "\r\n\r\n";
  return rec;
}

// A sentence of prose: mostly letters (any non-ASCII byte counts as one),
// no column layout (a directory listing, a table).
bool Prose(std::string_view s) {
  size_t letters = 0;
  for (unsigned char c : s) letters += std::isalpha(c) || c >= 0x80;
  return s.find("   ") == std::string_view::npos && s.find('\t') == std::string_view::npos &&
         letters * 10 >= s.size() * 7;
}

std::vector<Pool> ReadPools(const std::vector<std::string>& files) {
  std::map<std::string, std::vector<std::string>> by_lang;
  simdjson::dom::parser parser;
  for (const auto& f : files) {
    simdjson::padded_string json;
    if (simdjson::padded_string::load(f).get(json)) {
      std::cerr << "make_crawl: " << f << ": cannot read\n";
      std::exit(2);
    }
    simdjson::dom::document_stream docs;
    if (parser.parse_many(json).get(docs)) continue;
    for (auto doc : docs) {
      std::string_view text, lang = "und";
      if (doc["text"].get(text)) continue;
      if (doc["lang"].get(lang)) lang = "und";
      auto& out = by_lang[std::string(lang)];
      // Sentences: split after ". ", "。", "! ", "? " and at line ends.
      size_t at = 0;
      for (size_t k = 0; k <= text.size(); ++k) {
        const bool end =
            k == text.size() || text[k] == '\n' ||
            (k + 1 < text.size() && (text[k] == '.' || text[k] == '!' || text[k] == '?') && text[k + 1] == ' ') ||
            (k + 3 <= text.size() && text.substr(k, 3) == "\xe3\x80\x82");
        if (!end) continue;
        size_t stop = k == text.size() || text[k] == '\n'                  ? k
                      : text[k] == '.' || text[k] == '!' || text[k] == '?' ? k + 1
                                                                           : k + 3;
        std::string_view s = text.substr(at, stop - at);
        while (!s.empty() && (s.front() == ' ' || s.front() == '\n')) s.remove_prefix(1);
        if (s.size() >= 24 && s.size() <= 600 && Prose(s)) out.emplace_back(s);
        at = stop;
      }
    }
  }
  std::vector<Pool> pools;
  for (auto& [lang, sentences] : by_lang) {
    std::sort(sentences.begin(), sentences.end());
    sentences.erase(std::unique(sentences.begin(), sentences.end()), sentences.end());
    if (sentences.size() >= 200) pools.push_back({lang, std::move(sentences)});
  }
  return pools;
}

int Usage(const char* why) {
  std::cerr << "make_crawl: " << why
            << "\nusage: make_crawl --texts DOCS.jsonl [--texts ...] --out DIR --documents N [--files F]"
               " [--exact 0.05] [--near 0.10] [--seed 1] [--threads T]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int k = 1; k < argc; ++k) {
    const std::string arg = argv[k];
    if (k + 1 >= argc) return Usage(("missing value of " + arg).c_str());
    const std::string v = argv[++k];
    if (arg == "--texts")
      a.texts.push_back(v);
    else if (arg == "--out")
      a.out = v;
    else if (arg == "--documents")
      a.documents = std::stoull(v);
    else if (arg == "--files")
      a.files = std::stoull(v);
    else if (arg == "--exact")
      a.exact = std::stod(v);
    else if (arg == "--near")
      a.near = std::stod(v);
    else if (arg == "--seed")
      a.seed = std::stoull(v);
    else if (arg == "--threads")
      a.threads = static_cast<unsigned>(std::stoul(v));
    else
      return Usage(("unknown option " + arg).c_str());
  }
  if (a.texts.empty() || a.out.empty() || a.documents == 0) return Usage("--texts, --out and --documents are needed");
  if (a.files == 0) a.files = std::max<uint64_t>(1, a.documents / 20000);
  std::vector<Pool> pools = ReadPools(a.texts);
  if (pools.empty()) return Usage("no language with 200 sentences in the texts");
  uint64_t sentences = 0;
  for (const auto& p : pools) sentences += p.sentences.size();
  std::cerr << "make_crawl: " << sentences << " sentences in " << pools.size() << " languages\n";
  std::filesystem::create_directories(a.out);
  const Crawl crawl(a, std::move(pools));
  std::atomic<uint64_t> next{0}, exact{0}, near{0}, bytes{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (uint64_t f; (f = next.fetch_add(1)) < a.files && !failed;) {
      const uint64_t begin = a.documents * f / a.files, end = a.documents * (f + 1) / a.files;
      char name[48];
      std::snprintf(name, sizeof name, "/crawl-%05llu.warc.gz", static_cast<unsigned long long>(f));
      const std::string path = a.out + name, tmp = path + ".tmp";
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      std::string gz;
      for (uint64_t i = begin; i < end; ++i) {
        Kind kind;
        gz.clear();
        if (!Gzip(Record(crawl, i, &kind), &gz)) failed = true;
        out.write(gz.data(), static_cast<std::streamsize>(gz.size()));
        bytes += gz.size();
        exact += kind == Kind::kExact;
        near += kind == Kind::kNear;
      }
      out.close();
      if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) failed = true;
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < std::min<uint64_t>(a.threads, a.files); ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  if (failed) {
    std::cerr << "make_crawl: cannot write under " << a.out << "\n";
    return 1;
  }
  std::ofstream truth(a.out + "/truth.json");
  truth << "{\"documents\":" << a.documents << ",\"files\":" << a.files << ",\"planted_exact\":" << exact
        << ",\"planted_near\":" << near << ",\"unique\":" << a.documents - exact - near << ",\"bytes\":" << bytes
        << ",\"seed\":" << a.seed << "}\n";
  std::cout << "{\"documents\":" << a.documents << ",\"files\":" << a.files << ",\"planted_exact\":" << exact
            << ",\"planted_near\":" << near << ",\"bytes\":" << bytes << "}\n";
  return truth ? 0 : 1;
}
