// FastTextModel's predictions: tokens, input ids, the hidden vector and the
// losses, each as fastText 0.9.2 computes them (fasttext_model.h).
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "classify/fasttext_impl.h"

namespace crawlproof::classify {
namespace {

constexpr std::string_view kEos = "</s>";
// Rows fetched ahead of the one being added (the input matrix of a DCLM-sized
// model does not fit any cache).
constexpr size_t kPrefetchAhead = 8;

bool IsSeparator(unsigned char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == '\0';
}

uint32_t Hash(std::string_view s) {
  uint32_t h = kFastTextHashStart;
  for (unsigned char c : s) h = FastTextHash(h, c);
  return h;
}

// Loss.cc's std_log: log(x + 1e-5), in double, kept as float.
float StdLog(float x) {
  return static_cast<float>(std::log(x + 1e-5));
}

uint64_t SignExtended(uint32_t h) {
  return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(h)));
}

}  // namespace

void FastTextModel::CharNgrams(std::string_view word, Scratch* s) const {
  const Impl& m = *impl_;
  std::string& w = s->word;
  w.resize(word.size() + 2);
  w.front() = '<';
  std::copy(word.begin(), word.end(), w.begin() + 1);
  w.back() = '>';
  const size_t size = w.size();
  const auto* p = reinterpret_cast<const unsigned char*>(w.data());
  for (size_t i = 0; i < size; ++i) {
    if ((p[i] & 0xC0) == 0x80) continue;
    uint32_t h = kFastTextHashStart;  // grows with the n-gram: FNV is a running hash
    size_t j = i;
    for (int n = 1; j < size && n <= info_.maxn; ++n) {
      h = FastTextHash(h, p[j++]);
      while (j < size && (p[j] & 0xC0) == 0x80) h = FastTextHash(h, p[j++]);
      if (n >= info_.minn && !(n == 1 && (i == 0 || j == size)))
        m.PushBucket(&s->input, info_.words, static_cast<int64_t>(h % static_cast<uint32_t>(info_.bucket)));
    }
  }
}

void FastTextModel::InputIds(std::string_view text, Scratch* s) const {
  const Impl& m = *impl_;
  static const uint32_t eos_hash = Hash(kEos);
  s->input.clear();
  s->word_hashes.clear();
  auto token = [&](std::string_view t, uint32_t h) {
    const int32_t wid = m.Find(t, h);
    const bool is_word = wid >= 0 ? wid < info_.words : t.substr(0, 9) != "__label__";
    if (!is_word) return;
    if (wid < 0) {
      if (t != kEos && info_.bucket > 0) CharNgrams(t, s);
    } else {
      s->input.insert(s->input.end(), m.subword_ids.begin() + m.subword_begin[wid],
                      m.subword_ids.begin() + m.subword_begin[wid + 1]);
    }
    s->word_hashes.push_back(h);
  };
  const size_t n = text.size();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  for (size_t i = 0;;) {
    while (i < n && p[i] != '\n' && IsSeparator(p[i])) ++i;
    if (i == n) break;
    if (p[i] == '\n') {
      token(kEos, eos_hash);
      ++i;
      continue;
    }
    const size_t begin = i;
    uint32_t h = kFastTextHashStart;
    while (i < n && !IsSeparator(p[i])) h = FastTextHash(h, p[i++]);
    token(text.substr(begin, i - begin), h);
  }
  if (n == 0 || p[n - 1] != '\n') token(kEos, eos_hash);

  // Dictionary::addWordNgrams (the hashes sign-extended, as fastText's
  // int32 vector does).
  const auto& hashes = s->word_hashes;
  if (info_.word_ngrams <= 1 || info_.bucket <= 0) return;
  const auto bucket = static_cast<uint64_t>(info_.bucket);
  for (size_t i = 0; i < hashes.size(); ++i) {
    uint64_t h = SignExtended(hashes[i]);
    for (size_t j = i + 1; j < hashes.size() && j < i + info_.word_ngrams; ++j) {
      h = h * 116049371 + SignExtended(hashes[j]);
      m.PushBucket(&s->input, info_.words, static_cast<int64_t>(h % bucket));
    }
  }
}

void FastTextModel::Hidden(Scratch* s) const {
  const FastTextMatrix& in = impl_->input;
  const auto& ids = s->input;
  s->hidden.assign(info_.dim, 0.0f);
  float* hidden = s->hidden.data();
  for (size_t k = 0; k < std::min(kPrefetchAhead, ids.size()); ++k) in.Prefetch(ids[k]);
  for (size_t k = 0; k < ids.size(); ++k) {
    if (k + kPrefetchAhead < ids.size()) in.Prefetch(ids[k + kPrefetchAhead]);
    in.AddRow(ids[k], hidden);
  }
  const auto scale = static_cast<float>(1.0 / ids.size());
  for (float& v : s->hidden) v *= scale;
}

float FastTextModel::Sigmoid(float x) const {
  if (x < -8) return 0.0f;
  if (x > 8) return 1.0f;
  return impl_->sigmoid_table[static_cast<int64_t>((x + 8.0f) * 512.0f / 8.0f / 2.0f)];
}

bool FastTextModel::Predict(std::string_view text, Scratch* s, std::vector<float>* probs) const {
  const Impl& m = *impl_;
  probs->clear();
  InputIds(text, s);
  if (s->input.empty()) return false;
  Hidden(s);
  const float* hidden = s->hidden.data();
  const int32_t osz = info_.labels;
  probs->assign(osz, 0.0f);
  switch (info_.loss) {
    case FastTextLoss::kSoftmax: {
      auto& out = s->output;
      out.resize(osz);
      for (int32_t i = 0; i < osz; ++i) out[i] = m.output.DotRow(hidden, i);
      float max = out[0], z = 0;
      for (float v : out) max = std::max(v, max);
      for (float& v : out) {
        v = static_cast<float>(std::exp(static_cast<double>(v - max)));
        z += v;
      }
      for (int32_t i = 0; i < osz; ++i) (*probs)[i] = std::exp(StdLog(out[i] / z));
      break;
    }
    case FastTextLoss::kOneVsAll:
    case FastTextLoss::kNegativeSampling:
      for (int32_t i = 0; i < osz; ++i) (*probs)[i] = std::exp(StdLog(Sigmoid(m.output.DotRow(hidden, i))));
      break;
    case FastTextLoss::kHierarchicalSoftmax: {
      // HierarchicalSoftmaxLoss::dfs without its pruning: every leaf.
      std::function<void(int32_t, float)> dfs = [&](int32_t node, float score) {
        const Impl::Node& t = m.tree[node];
        if (t.left == -1 && t.right == -1) {
          (*probs)[node] = std::exp(score);
          return;
        }
        float f = m.output.DotRow(hidden, node - osz);
        f = static_cast<float>(1. / (1 + std::exp(-f)));
        dfs(t.left, score + StdLog(static_cast<float>(1.0 - f)));
        dfs(t.right, score + StdLog(f));
      };
      dfs(2 * osz - 2, 0.0f);
      break;
    }
  }
  return true;
}

std::optional<float> FastTextModel::Probability(std::string_view text, int label, Scratch* s) const {
  const Impl& m = *impl_;
  if (label < 0 || label >= info_.labels) return std::nullopt;
  switch (info_.loss) {
    case FastTextLoss::kSoftmax: {
      std::vector<float> probs;
      if (!Predict(text, s, &probs)) return std::nullopt;
      return probs[label];
    }
    case FastTextLoss::kOneVsAll:
    case FastTextLoss::kNegativeSampling:
      InputIds(text, s);
      if (s->input.empty()) return std::nullopt;
      Hidden(s);
      return std::exp(StdLog(Sigmoid(m.output.DotRow(s->hidden.data(), label))));
    case FastTextLoss::kHierarchicalSoftmax: {
      InputIds(text, s);
      if (s->input.empty()) return std::nullopt;
      Hidden(s);
      float score = 0;
      for (const auto& [row, right] : m.paths[label]) {
        float f = m.output.DotRow(s->hidden.data(), row);
        f = static_cast<float>(1. / (1 + std::exp(-f)));
        score += right ? StdLog(f) : StdLog(static_cast<float>(1.0 - f));
      }
      return std::exp(score);
    }
  }
  return std::nullopt;
}

namespace {

// The code point at p[i..] (UTF-8; a bad byte is itself) and its length.
char32_t Decode(std::string_view s, size_t i, size_t* len) {
  const auto c = static_cast<unsigned char>(s[i]);
  int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) n = 1;
  char32_t cp = n == 1 ? c : c & (0x7F >> n);
  for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  *len = n;
  return cp;
}

// Python's str.isspace.
bool PythonSpace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Python's str.splitlines boundaries (\r\n counts once, by the caller).
bool PythonLineBreak(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
         c == 0x2028 || c == 0x2029;
}

}  // namespace

std::string JoinLines(std::string_view text) {
  // strip(): the code points at either end that are white space.
  size_t begin = 0, len = 0;
  while (begin < text.size() && PythonSpace(Decode(text, begin, &len))) begin += len;
  size_t end = begin;  // just past the last code point that is not white space
  for (size_t i = begin; i < text.size();) {
    const bool space = PythonSpace(Decode(text, i, &len));
    i += len;
    if (!space) end = i;
  }
  std::string out;
  out.reserve(end - begin);
  for (size_t i = begin; i < end;) {
    const char32_t c = Decode(text, i, &len);
    if (PythonLineBreak(c)) {
      out += ' ';
      if (c == '\r' && i + 1 < end && text[i + 1] == '\n') ++len;
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

double ShortestDouble(float f) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf - 1, f);
  *r.ptr = 0;
  return std::strtod(buf, nullptr);
}

std::string NewlinesToSpaces(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == '\n') c = ' ';
  return out;
}

}  // namespace crawlproof::classify
