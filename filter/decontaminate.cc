#include "filter/decontaminate.h"

#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "common/file_util.h"
#include "common/logging.h"
#include "common/unicode.h"
#include "filter/text_util.h"
#include "filter/words.h"

namespace crawlproof::filter {
namespace {

using namespace detail;

// Bounds on an evaluation set, read from outside like any input: its bytes
// (checked before a regular file is read, and while anything else — a pipe,
// /dev/zero — is read) and one item's line. Evaluation sets are megabytes;
// the n-gram index costs a few times the text.
constexpr uint64_t kMaxSetBytes = uint64_t{128} << 20;
constexpr size_t kMaxItemBytes = size_t{1} << 20;

// datatrove's PUNCTUATION (utils/text.py), by code point, sorted.
constexpr char32_t kPunctuation[] = {
    0x21,   0x22,   0x23,   0x24,   0x25,   0x26,   0x27,   0x28,   0x29,   0x2A,   0x2B,   0x2C,   0x2D,   0x2E,
    0x2F,   0x3A,   0x3B,   0x3C,   0x3D,   0x3E,   0x3F,   0x40,   0x5B,   0x5C,   0x5D,   0x5E,   0x5F,   0x60,
    0x7B,   0x7C,   0x7D,   0x7E,   0xAB,   0xB4,   0xBB,   0x2013, 0x2014, 0x2019, 0x201C, 0x201D, 0x201E, 0x2026,
    0x2236, 0x2501, 0x25BA, 0x3001, 0x3002, 0x3008, 0x3009, 0x300A, 0x300B, 0x300C, 0x300D, 0x3010, 0x3011, 0xFF01,
    0xFF05, 0xFF08, 0xFF09, 0xFF0C, 0xFF0E, 0xFF11, 0xFF1A, 0xFF1B, 0xFF1F, 0xFF5E};

bool IsPunctuation(char32_t c) {
  // The C0 and C1 controls datatrove lists: 0-8, 11-12, 14-31, 127-159.
  if (c < 0x20) return c != '\t' && c != '\n' && c != '\r';
  if (c >= 0x7F && c < 0xA0) return true;
  return std::binary_search(std::begin(kPunctuation), std::end(kPunctuation), c);
}

bool IsDecimalSeparator(char32_t c) {
  return c == '.' || c == ',' || c == 0x60C || c == 0x66B || c == 0x2396 || c == 0x2397 || c == 0x2398;
}

// simplify_text (decontaminate.h, steps 1-5).
std::u32string Simplify(std::string_view utf8) {
  std::u32string t = DecodeUtf8(utf8);
  for (char32_t& c : t) c = LowerChar(c);
  std::u32string out;
  out.reserve(t.size());
  bool space = false;
  auto put_space = [&] { space = !out.empty(); };
  for (size_t i = 0; i < t.size();) {
    const char32_t c = t[i];
    if (IsDecimal(c)) {
      while (i < t.size() && IsDecimal(t[i])) ++i;
      if (i + 1 < t.size() && IsDecimalSeparator(t[i]) && IsDecimal(t[i + 1])) {
        ++i;
        while (i < t.size() && IsDecimal(t[i])) ++i;
      }
      if (space) out.push_back(' ');
      space = false;
      out.push_back('0');
      continue;
    }
    ++i;
    if (IsPunctuation(c) || IsSpace(c)) {
      put_space();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    AppendWithoutDiacritics(c, &out);
  }
  return out;
}

uint64_t Mix(uint64_t x) {  // splitmix64's finaliser
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

uint64_t WordHash(std::u32string_view w) {
  Key k = KeyOf(w);
  return Mix(k.a ^ Mix(k.b));
}

constexpr uint64_t kBase = 0x9E3779B97F4A7C15ull;  // odd: invertible mod 2^64

// Calls fn(start, hash) for each n-gram of `words` (a rolling polynomial of
// the word hashes: same words in the same order, same hash).
template <typename Fn>
void ForEachNgram(const std::vector<uint64_t>& h, size_t n, Fn&& fn) {
  if (h.size() < n) return;
  uint64_t top = 1;  // kBase^(n-1)
  for (size_t k = 1; k < n; ++k) top *= kBase;
  uint64_t acc = 0;
  for (size_t k = 0; k < n; ++k) acc = acc * kBase + h[k];
  for (size_t i = 0;; ++i) {
    if (!fn(i, Mix(acc))) return;
    if (i + n >= h.size()) return;
    acc = (acc - h[i] * top) * kBase + h[i + n];
  }
}

// An open-addressing map from n-gram hash to the set it came from.
class NgramIndex {
 public:
  void Reserve(size_t n) {
    size_t cap = 1024;
    while (cap < n * 2) cap <<= 1;
    keys_.assign(cap, 0);
    sets_.assign(cap, 0);
    mask_ = cap - 1;
  }
  // False when the table is full (Reserve was too small).
  void Insert(uint64_t key, uint16_t set) {
    key = key ? key : 1;
    size_t i = key & mask_;
    while (keys_[i] && keys_[i] != key) i = (i + 1) & mask_;
    if (!keys_[i]) {
      keys_[i] = key;
      sets_[i] = set;
    }
  }
  // The set holding `key`, or -1.
  int Find(uint64_t key) const {
    key = key ? key : 1;
    for (size_t i = key & mask_; keys_[i]; i = (i + 1) & mask_) {
      if (keys_[i] == key) return sets_[i];
    }
    return -1;
  }

 private:
  std::vector<uint64_t> keys_;
  std::vector<uint16_t> sets_;
  size_t mask_ = 0;
};

// A text's normalised words: views into its simplified text (no copy per word).
struct Words {
  std::u32string text;
  std::vector<std::u32string_view> words;
};

Words Normalise(std::string_view utf8) {
  Words w;
  w.text = Simplify(utf8);
  w.words = SplitWords(w.text, Unspaced::kRuns);
  return w;
}

std::vector<uint64_t> WordHashes(const std::vector<std::u32string_view>& words) {
  std::vector<uint64_t> h;
  h.reserve(words.size());
  for (const auto& w : words) h.push_back(WordHash(w));
  return h;
}

// The loaded sets: an index and the sets' names.
struct Loaded {
  size_t n = 0;
  std::vector<std::string> names;
  NgramIndex index;
  std::vector<EvaluationSetStats> stats;
};

class DecontaminateFilter : public Filter {
 public:
  explicit DecontaminateFilter(std::shared_ptr<const Loaded> sets) : sets_(std::move(sets)) {}
  std::string_view name() const override { return "decontaminate"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    const size_t n = sets_->n;
    const Words normalised = Normalise(doc->text);
    const std::vector<std::u32string_view>& words = normalised.words;
    const std::vector<uint64_t> h = WordHashes(words);
    ForEachNgram(h, n, [&](size_t start, uint64_t key) {
      const int set = sets_->index.Find(key);
      if (set < 0) return true;
      Drop(d, name(), sets_->names[static_cast<size_t>(set)]);
      std::u32string match;
      for (size_t k = start; k < start + n; ++k) {
        if (k > start) match.push_back(' ');
        match += words[k];
      }
      d->match = EncodeUtf8(match);
      return false;
    });
  }

 private:
  std::shared_ptr<const Loaded> sets_;
};

// The items of one evaluation file: JSON lines' "text", or plain lines.
Status ReadItems(const std::string& path, const std::function<void(std::string_view)>& item) {
  ASSIGN_OR_RETURN(std::string data, ReadWholeFile(path, kMaxSetBytes));
  const std::string ext = std::filesystem::path(path).extension().string();
  const bool json = ext == ".jsonl" || ext == ".json" || ext == ".ndjson";
  simdjson::dom::parser parser;
  uint64_t line_no = 0, items = 0;
  for (size_t at = 0; at < data.size();) {
    size_t nl = data.find('\n', at);
    if (nl == std::string::npos) nl = data.size();
    std::string_view line(data.data() + at, nl - at);
    at = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    if (line.size() > kMaxItemBytes)
      return Status::InvalidArgument(path + ": line " + std::to_string(line_no) + ": " + std::to_string(line.size()) +
                                     " bytes, more than an evaluation item may hold (" + std::to_string(kMaxItemBytes) +
                                     ")");
    if (!json) {
      item(line);
      ++items;
      continue;
    }
    simdjson::dom::element e;
    std::string_view text;
    const std::string where = path + ": line " + std::to_string(line_no) + ": ";
    if (auto err = parser.parse(line.data(), line.size()).get(e))
      return Status::InvalidArgument(where + "not JSON (" + simdjson::error_message(err) + ")");
    if (e["text"].get(text)) return Status::InvalidArgument(where + "no \"text\" string");
    item(text);
    ++items;
  }
  if (items == 0) return Status::InvalidArgument(path + ": no evaluation items (an empty set decontaminates nothing)");
  return Status::Ok();
}

}  // namespace

std::vector<std::u32string> DecontaminationWords(std::string_view text) {
  const Words w = Normalise(text);
  return std::vector<std::u32string>(w.words.begin(), w.words.end());
}

namespace {

Result<std::shared_ptr<const Loaded>> Load(const DecontaminateOptions& o) {
  auto sets = std::make_shared<Loaded>();
  sets->n = static_cast<size_t>(o.ngram);
  std::vector<std::pair<uint64_t, uint16_t>> all;
  for (const auto& path : o.files) {
    EvaluationSetStats s;
    s.path = path;
    s.name = std::filesystem::path(path).stem().string();
    const auto set = static_cast<uint16_t>(sets->names.size());
    RETURN_IF_ERROR(ReadItems(path, [&](std::string_view text) {
      ++s.items;
      const std::vector<uint64_t> h = WordHashes(Normalise(text).words);
      if (h.size() < sets->n) ++s.too_short;
      ForEachNgram(h, sets->n, [&](size_t, uint64_t key) {
        all.emplace_back(key, set);
        ++s.ngrams;
        return true;
      });
    }));
    LogInfo("decontaminate: " + s.name + " (" + path + "): " + std::to_string(s.items) + " items, " +
            std::to_string(s.ngrams) + " " + std::to_string(o.ngram) + "-grams" +
            (s.too_short ? "; " + std::to_string(s.too_short) + " items shorter than " + std::to_string(o.ngram) +
                               " words can never match"
                         : std::string()));
    sets->names.push_back(s.name);
    sets->stats.push_back(std::move(s));
  }
  sets->index.Reserve(all.size());
  for (const auto& [key, set] : all) sets->index.Insert(key, set);
  return std::shared_ptr<const Loaded>(std::move(sets));
}

// What identifies loaded sets: n, and each file with its size and time.
std::string CacheKey(const DecontaminateOptions& o) {
  std::string key = std::to_string(o.ngram);
  for (const auto& f : o.files) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(f, ec);
    const auto time = std::filesystem::last_write_time(f, ec).time_since_epoch().count();
    key += "\n" + f + "\t" + std::to_string(size) + "\t" + std::to_string(time);
  }
  return key;
}

}  // namespace

Result<std::unique_ptr<Filter>> MakeDecontaminateFilter(const DecontaminateOptions& o,
                                                        std::vector<EvaluationSetStats>* stats) {
  if (o.files.empty()) return Status::InvalidArgument("decontaminate: no evaluation sets (files = [...])");
  if (o.files.size() > 65535) return Status::InvalidArgument("decontaminate: more than 65535 evaluation sets");
  // Loaded once per process: a run builds its filters for every source
  // shard, and the sets do not change under it.
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const Loaded>> cache;
  const std::string key = CacheKey(o);
  std::shared_ptr<const Loaded> sets;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(key); it != cache.end()) sets = it->second;
  }
  if (!sets) {
    ASSIGN_OR_RETURN(sets, Load(o));
    std::lock_guard<std::mutex> lock(mu);
    cache.emplace(key, sets);
  }
  if (stats) *stats = sets->stats;
  return std::unique_ptr<Filter>(std::make_unique<DecontaminateFilter>(std::move(sets)));
}

}  // namespace crawlproof::filter
