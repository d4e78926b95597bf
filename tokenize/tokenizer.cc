#include "tokenize/tokenizer.h"

#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <system_error>
#include <thread>

#include "common/file_util.h"
#include "common/regex.h"
#include "common/unicode.h"
#include "tokenize/pretokenize.h"

namespace crawlproof::tokenize {

char32_t ByteLevelChar(uint8_t b) {
  // Printable Latin-1 bytes stand for themselves; the others, in byte order,
  // for U+0100 onwards.
  auto printable = [](unsigned c) { return (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174); };
  if (printable(b)) return b;
  char32_t next = 256;
  for (unsigned c = 0; c < b; ++c)
    if (!printable(c)) ++next;
  return next;
}

namespace {

// Inverse of ByteLevelChar: code point -> byte, -1 for other characters.
const std::vector<int>& ByteLevelInverse() {
  static const std::vector<int> inverse = [] {
    std::vector<int> v(512, -1);
    for (int b = 0; b < 256; ++b) v[ByteLevelChar(static_cast<uint8_t>(b))] = b;
    return v;
  }();
  return inverse;
}

// The bytes a byte-level token string stands for; false when it holds a
// character outside the alphabet (such tokens cannot come out of the model).
bool ByteLevelBytes(std::string_view token, std::string* bytes) {
  bytes->clear();
  const auto& inverse = ByteLevelInverse();
  for (size_t i = 0; i < token.size();) {
    char32_t c = NextCodepoint(token, &i);
    if (c >= inverse.size() || inverse[c] < 0) return false;
    bytes->push_back(static_cast<char>(inverse[c]));
  }
  return true;
}

}  // namespace

namespace {

// ---- tokenizer.json --------------------------------------------------------

using simdjson::dom::element;
using simdjson::dom::object;

std::string_view StringOr(element e, const char* key, std::string_view fallback = {}) {
  std::string_view v;
  return e[key].get(v) ? fallback : v;
}

bool BoolOr(element e, const char* key, bool fallback) {
  bool v;
  return e[key].get(v) ? fallback : v;
}

bool IsNull(element e) {
  return e.type() == simdjson::dom::element_type::NULL_VALUE;
}

// A Split's pattern: {"Regex": …} or {"String": …} (a literal).
Result<std::string> PatternOf(element e, std::string_view where) {
  std::string_view v;
  if (!e["pattern"]["Regex"].get(v)) return std::string(v);
  if (!e["pattern"]["String"].get(v)) return QuoteLiteral(v);
  return Status::InvalidArgument(std::string(where) + ": a pattern needs \"Regex\" or \"String\"");
}

Status AddNormalizers(element e, std::vector<std::unique_ptr<Normalizer>>* out) {
  if (IsNull(e)) return Status::Ok();
  std::string_view type = StringOr(e, "type");
  if (type == "Sequence") {
    simdjson::dom::array list;
    if (e["normalizers"].get(list)) return Status::InvalidArgument("normalizer Sequence without \"normalizers\"");
    for (element n : list) RETURN_IF_ERROR(AddNormalizers(n, out));
  } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
    out->push_back(MakeUnicodeForm(type == "NFC"    ? NormalForm::kNfc
                                   : type == "NFD"  ? NormalForm::kNfd
                                   : type == "NFKC" ? NormalForm::kNfkc
                                                    : NormalForm::kNfkd));
  } else if (type == "Lowercase") {
    out->push_back(MakeLowercase());
  } else if (type == "Replace") {
    ASSIGN_OR_RETURN(std::string pattern, PatternOf(e, "normalizer Replace"));
    ASSIGN_OR_RETURN(std::unique_ptr<Normalizer> n, MakeReplace(pattern, std::string(StringOr(e, "content"))));
    out->push_back(std::move(n));
  } else if (type == "Prepend") {
    out->push_back(MakePrepend(std::string(StringOr(e, "prepend"))));
  } else if (type == "Strip") {
    out->push_back(MakeStrip(BoolOr(e, "strip_left", true), BoolOr(e, "strip_right", true)));
  } else if (type == "ByteLevel") {
    // Bytes to the byte-level alphabet: the model here works on raw bytes.
  } else {
    return Status::InvalidArgument("normalizer \"" + std::string(type) + "\" is not supported");
  }
  return Status::Ok();
}

Status AddPreTokenizers(element e, std::vector<std::unique_ptr<PreTokenizer>>* out) {
  if (IsNull(e)) return Status::Ok();
  std::string_view type = StringOr(e, "type");
  if (type == "Sequence") {
    simdjson::dom::array list;
    if (e["pretokenizers"].get(list))
      return Status::InvalidArgument("pre-tokenizer Sequence without \"pretokenizers\"");
    for (element p : list) RETURN_IF_ERROR(AddPreTokenizers(p, out));
  } else if (type == "Split") {
    ASSIGN_OR_RETURN(std::string pattern, PatternOf(e, "pre-tokenizer Split"));
    std::string_view b = StringOr(e, "behavior", "Isolated");
    SplitBehavior behavior;
    if (b == "Removed") {
      behavior = SplitBehavior::kRemoved;
    } else if (b == "Isolated") {
      behavior = SplitBehavior::kIsolated;
    } else if (b == "MergedWithPrevious") {
      behavior = SplitBehavior::kMergedWithPrevious;
    } else if (b == "MergedWithNext") {
      behavior = SplitBehavior::kMergedWithNext;
    } else if (b == "Contiguous") {
      behavior = SplitBehavior::kContiguous;
    } else {
      return Status::InvalidArgument("pre-tokenizer Split: behavior \"" + std::string(b) + "\" is not known");
    }
    ASSIGN_OR_RETURN(std::unique_ptr<PreTokenizer> split,
                     MakeRegexSplit(pattern, behavior, BoolOr(e, "invert", false)));
    out->push_back(std::move(split));
  } else if (type == "ByteLevel") {
    ASSIGN_OR_RETURN(std::unique_ptr<PreTokenizer> byte_level,
                     MakeByteLevel(BoolOr(e, "add_prefix_space", true), BoolOr(e, "use_regex", true)));
    out->push_back(std::move(byte_level));
  } else if (type == "Digits") {
    ASSIGN_OR_RETURN(std::unique_ptr<PreTokenizer> digits, MakeDigits(BoolOr(e, "individual_digits", false)));
    out->push_back(std::move(digits));
  } else {
    return Status::InvalidArgument("pre-tokenizer \"" + std::string(type) + "\" is not supported");
  }
  return Status::Ok();
}

Status CheckDecoder(element e) {
  if (IsNull(e)) return Status::Ok();
  std::string_view type = StringOr(e, "type");
  if (type == "ByteLevel") return Status::Ok();
  if (type == "Sequence") {
    simdjson::dom::array list;
    if (e["decoders"].get(list)) return Status::InvalidArgument("decoder Sequence without \"decoders\"");
    for (element d : list) RETURN_IF_ERROR(CheckDecoder(d));
    return Status::Ok();
  }
  return Status::InvalidArgument("decoder \"" + std::string(type) + "\" is not supported (byte-level BPE only)");
}

// bos_token / eos_token: a string or {"content": …}.
std::optional<std::string> ConfigToken(element config, const char* key) {
  element t;
  if (config[key].get(t)) return std::nullopt;
  std::string_view s;
  if (!t.get(s)) return std::string(s);
  if (!t["content"].get(s)) return std::string(s);
  return std::nullopt;
}

std::string Base64Decode(std::string_view in, bool* ok) {
  static const std::vector<int> table = [] {
    std::vector<int> t(256, -1);
    const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(a[i])] = i;
    return t;
  }();
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  *ok = true;
  for (char c : in) {
    if (c == '=') break;
    int v = table[static_cast<uint8_t>(c)];
    if (v < 0) {
      *ok = false;
      return out;
    }
    acc = acc << 6 | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromHuggingFace(std::string_view tokenizer_json,
                                                              std::string_view config_json, std::string name) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(tokenizer_json);
  element root;
  if (parser.parse(padded).get(root)) return Status::InvalidArgument(name + ": not JSON");
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->name_ = name;
  t->kind_ = "huggingface";
  element model;
  if (root["model"].get(model)) return Status::InvalidArgument(name + ": no \"model\"");
  std::string_view type = StringOr(model, "type", "BPE");
  if (type != "BPE") return Status::InvalidArgument(name + ": model type \"" + std::string(type) + "\" is not BPE");
  if (BoolOr(model, "byte_fallback", false))
    return Status::InvalidArgument(name + ": byte_fallback BPE (SentencePiece style) is not supported");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    std::string_view v;
    if (!model[key].get(v) && !v.empty()) return Status::InvalidArgument(name + ": model." + key + " is not supported");
  }
  object vocab;
  simdjson::dom::array merges;
  if (model["vocab"].get(vocab) || model["merges"].get(merges))
    return Status::InvalidArgument(name + ": the model needs \"vocab\" and \"merges\"");
  // Vocabulary: byte-level strings -> raw bytes. Strings with characters
  // outside the byte-level alphabet (special tokens kept in the vocabulary)
  // cannot come out of the model; they are decoded through added_tokens.
  std::unordered_map<std::string_view, uint32_t> by_string;
  std::string bytes;
  uint32_t max_id = 0;
  for (auto [key, value] : vocab) {
    int64_t id;
    if (value.get(id) || id < 0 || id > kMaxTokenId)
      return Status::InvalidArgument(name + ": vocabulary entry \"" + std::string(key) +
                                     "\" has no valid id (0 to " + std::to_string(kMaxTokenId) + ")");
    by_string.emplace(key, static_cast<uint32_t>(id));
    max_id = std::max(max_id, static_cast<uint32_t>(id));
    if (!ByteLevelBytes(key, &bytes)) continue;
    if (Status s = t->model_.AddToken(static_cast<uint32_t>(id), bytes); !s.ok())
      return Status::InvalidArgument(name + ": " + s.message());
  }
  uint32_t rank = 0;
  for (element m : merges) {
    std::string_view left, right, s;
    simdjson::dom::array pair;
    if (!m.get(s)) {
      size_t space = s.find(' ');
      if (space == std::string_view::npos)
        return Status::InvalidArgument(name + ": merge " + std::to_string(rank) + " is not \"left right\"");
      left = s.substr(0, space);
      right = s.substr(space + 1);
    } else if (!m.get(pair) && pair.size() == 2 && !pair.at(0).get(left) && !pair.at(1).get(right)) {
    } else {
      return Status::InvalidArgument(name + ": merge " + std::to_string(rank) + " is neither a string nor a pair");
    }
    auto l = by_string.find(left), r = by_string.find(right);
    auto m_it = by_string.find(std::string(left) + std::string(right));
    if (l == by_string.end() || r == by_string.end() || m_it == by_string.end())
      return Status::InvalidArgument(name + ": merge " + std::to_string(rank) + " (" + std::string(left) + " " +
                                     std::string(right) + ") uses tokens that are not in the vocabulary");
    if (Status st = t->model_.AddMerge(l->second, r->second, m_it->second, rank); !st.ok())
      return Status::InvalidArgument(name + ": " + st.message());
    ++rank;
  }
  t->model_.set_whole_piece_first(BoolOr(model, "ignore_merges", false));
  if (Status s = t->model_.Finish(); !s.ok()) return Status::InvalidArgument(name + ": " + s.message());
  // Added tokens.
  simdjson::dom::array added;
  if (!root["added_tokens"].get(added)) {
    for (element a : added) {
      int64_t id;
      std::string_view content;
      if (a["id"].get(id) || a["content"].get(content) || id < 0 || id > kMaxTokenId)
        return Status::InvalidArgument(name + ": an added token without content or a valid id (0 to " +
                                       std::to_string(kMaxTokenId) + ")");
      t->added_.push_back({static_cast<uint32_t>(id), std::string(content), BoolOr(a, "special", false)});
      max_id = std::max(max_id, static_cast<uint32_t>(id));
    }
  }
  element e;
  if (!root["normalizer"].get(e)) {
    if (Status s = AddNormalizers(e, &t->normalizers_); !s.ok())
      return Status::InvalidArgument(name + ": " + s.message());
  }
  if (!root["pre_tokenizer"].get(e)) {
    if (Status s = AddPreTokenizers(e, &t->pre_tokenizers_); !s.ok())
      return Status::InvalidArgument(name + ": " + s.message());
  }
  if (!root["decoder"].get(e)) {
    if (Status s = CheckDecoder(e); !s.ok()) return Status::InvalidArgument(name + ": " + s.message());
  }
  t->vocab_size_ = std::max(max_id + 1, t->model_.size());
  t->added_index_.assign(t->vocab_size_, -1);
  for (size_t i = 0; i < t->added_.size(); ++i) t->added_index_[t->added_[i].id] = static_cast<int64_t>(i);
  // BOS / EOS defaults from tokenizer_config.json.
  if (!config_json.empty()) {
    simdjson::dom::parser config_parser;
    simdjson::padded_string config_padded(config_json);
    element config;
    if (config_parser.parse(config_padded).get(config))
      return Status::InvalidArgument(name + ": tokenizer_config.json is not JSON");
    if (auto bos = ConfigToken(config, "bos_token"); bos && BoolOr(config, "add_bos_token", false)) {
      t->bos_ = t->TokenId(*bos);
      if (!t->bos_) return Status::InvalidArgument(name + ": bos_token " + *bos + " is not a token");
    }
    if (auto eos = ConfigToken(config, "eos_token")) {
      t->eos_ = t->TokenId(*eos);
      if (!t->eos_) return Status::InvalidArgument(name + ": eos_token " + *eos + " is not a token");
    }
  }
  return t;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::FromTiktoken(std::string_view ranks, std::string_view meta_json,
                                                           std::string name) {
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  t->name_ = name;
  t->kind_ = "tiktoken";
  uint32_t max_id = 0;
  size_t line_no = 0;
  for (size_t pos = 0; pos < ranks.size();) {
    size_t nl = ranks.find('\n', pos);
    std::string_view line = ranks.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? ranks.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    size_t space = line.find(' ');
    bool ok = space != std::string_view::npos;
    std::string bytes = ok ? Base64Decode(line.substr(0, space), &ok) : std::string();
    char* end = nullptr;
    std::string rank_text = ok ? std::string(line.substr(space + 1)) : std::string();
    unsigned long rank = ok ? std::strtoul(rank_text.c_str(), &end, 10) : 0;
    if (!ok || bytes.empty() || !end || *end != '\0' || rank > kMaxTokenId)
      return Status::InvalidArgument(name + ": line " + std::to_string(line_no) + ": not \"<base64> <rank>\"");
    if (Status s = t->model_.AddToken(static_cast<uint32_t>(rank), std::move(bytes)); !s.ok())
      return Status::InvalidArgument(name + ": line " + std::to_string(line_no) + ": " + s.message());
    max_id = std::max(max_id, static_cast<uint32_t>(rank));
  }
  t->model_.AddMergesFromTokenSplits();
  t->model_.set_whole_piece_first(true);
  if (Status s = t->model_.Finish(); !s.ok()) return Status::InvalidArgument(name + ": " + s.message());
  simdjson::dom::parser parser;
  simdjson::padded_string padded(meta_json);
  element meta;
  std::string_view pattern;
  if (parser.parse(padded).get(meta) || meta["pat_str"].get(pattern))
    return Status::InvalidArgument(name + ": the .json beside the rank file needs \"pat_str\"");
  // tiktoken keeps only the matches (text between them is dropped).
  ASSIGN_OR_RETURN(std::unique_ptr<PreTokenizer> split, MakeRegexSplit(pattern, SplitBehavior::kRemoved, true));
  t->pre_tokenizers_.push_back(std::move(split));
  object specials;
  if (!meta["special_tokens"].get(specials)) {
    for (auto [content, value] : specials) {
      int64_t id;
      if (value.get(id) || id < 0 || id > kMaxTokenId)
        return Status::InvalidArgument(name + ": special token without a valid id (0 to " +
                                       std::to_string(kMaxTokenId) + ")");
      t->added_.push_back({static_cast<uint32_t>(id), std::string(content), true});
      max_id = std::max(max_id, static_cast<uint32_t>(id));
    }
  }
  t->vocab_size_ = max_id + 1;
  t->added_index_.assign(t->vocab_size_, -1);
  for (size_t i = 0; i < t->added_.size(); ++i) t->added_index_[t->added_[i].id] = static_cast<int64_t>(i);
  t->eos_ = t->TokenId("<|endoftext|>");
  return t;
}

Result<std::unique_ptr<Tokenizer>> Tokenizer::Load(const std::string& path) {
  ASSIGN_OR_RETURN(std::string data, ReadWholeFile(path));
  const std::string base = Basename(path);
  if (base.size() > 9 && base.substr(base.size() - 9) == ".tiktoken") {
    const std::string meta_path = path.substr(0, path.size() - 9) + ".json";
    auto meta = ReadWholeFile(meta_path);
    if (!meta.ok())
      return Status::InvalidArgument(path + ": needs " + meta_path +
                                     " ({\"pat_str\", \"special_tokens\"}): " + meta.status().message());
    return FromTiktoken(data, *meta, path);
  }
  std::string config;
  if (auto c = ReadWholeFile(Dirname(path) + "/tokenizer_config.json"); c.ok()) config = std::move(*c);
  return FromHuggingFace(data, config, path);
}

Result<std::optional<uint32_t>> Tokenizer::ResolveMarker(std::string_view value, std::optional<uint32_t> dflt) const {
  if (value == "auto") return dflt;
  if (value == "none") return std::optional<uint32_t>();
  if (auto id = TokenId(value)) return std::optional<uint32_t>(*id);
  return Status::InvalidArgument(std::string(value) + " is not a token of " + name_);
}

std::optional<uint32_t> Tokenizer::TokenId(std::string_view content) const {
  for (const AddedToken& a : added_)
    if (a.content == content) return a.id;
  int64_t id = model_.Find(content);
  if (id >= 0) return static_cast<uint32_t>(id);
  return std::nullopt;
}

void Tokenizer::Encode(std::string_view text, std::vector<uint32_t>* ids) const {
  thread_local std::string normalized;
  thread_local std::vector<std::string_view> a, b;
  thread_local std::deque<std::string> arena;
  arena.clear();
  if (!normalizers_.empty()) {
    normalized.assign(text);
    for (const auto& n : normalizers_) n->Apply(&normalized);
    text = normalized;
  }
  a.clear();
  if (!text.empty()) a.push_back(text);
  for (const auto& p : pre_tokenizers_) {
    b.clear();
    p->Split(a, &b, &arena);
    std::swap(a, b);
  }
  for (std::string_view piece : a) model_.EncodePiece(piece, ids);
}

std::vector<uint32_t> Tokenizer::Encode(std::string_view text) const {
  std::vector<uint32_t> ids;
  Encode(text, &ids);
  return ids;
}

std::vector<std::vector<uint32_t>> Tokenizer::EncodeBatch(const std::vector<std::string_view>& texts,
                                                          unsigned threads) const {
  std::vector<std::vector<uint32_t>> out(texts.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, texts.size()));
  if (threads <= 1) {
    for (size_t i = 0; i < texts.size(); ++i) Encode(texts[i], &out[i]);
    return out;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < texts.size();) Encode(texts[i], &out[i]);
  };
  for (unsigned w = 1; w < threads; ++w) {
    try {
      workers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: the ones started and this one share the texts
    }
  }
  work();
  for (auto& w : workers) w.join();
  return out;
}

std::string Tokenizer::Decode(const uint32_t* ids, size_t count, bool skip_special) const {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    const uint32_t id = ids[i];
    if (id < added_index_.size() && added_index_[id] >= 0) {
      const AddedToken& a = added_[static_cast<size_t>(added_index_[id])];
      if (!(skip_special && a.special)) out += a.content;
      continue;
    }
    out += model_.Bytes(id);
  }
  return out;
}

}  // namespace crawlproof::tokenize
