#include "extract/html_text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/ascii.h"
#include "extract/html_entities.h"
#include "extract/html_tags.h"

namespace crawlproof::extract {
namespace {

// ---- The extractor -------------------------------------------------------

// Inherited state bits of a frame.
enum State : uint32_t {
  kInHidden = 1u << 0,
  kInBoiler = 1u << 1,
  kInMain = 1u << 2,
  kInLink = 1u << 3,
  kInPre = 1u << 4,
  kInHeading = 1u << 5,
  kInCode = 1u << 6,
};

struct Frame {
  uint16_t tag;
  uint32_t name_hash;  // for unknown tags
  uint32_t state;
};

struct Block {
  std::string text;
  uint32_t chars = 0;       // code points, spaces excluded
  uint32_t link_chars = 0;  // of which inside <a>
  uint32_t main_chars = 0;  // of which inside the main region
  uint32_t code_chars = 0;  // of which inside code elements
  bool heading = false;
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

class Extractor {
 public:
  Extractor(std::string_view html, const HtmlExtractOptions& options) : s_(html), options_(options) {
    stack_.reserve(options.max_depth);
  }

  HtmlText Run() {
    HtmlText out;
    if (s_.size() > options_.max_html_bytes) {
      s_ = s_.substr(0, options_.max_html_bytes);
      out.truncated = true;
    }
    size_t i = 0;
    while (i < s_.size()) {
      const void* lt = std::memchr(s_.data() + i, '<', s_.size() - i);
      size_t next = lt ? static_cast<size_t>(static_cast<const char*>(lt) - s_.data()) : s_.size();
      if (next > i) Text(s_.substr(i, next - i));
      if (next >= s_.size()) break;
      i = Markup(next);
    }
    EndBlock();
    out.title = std::move(title_);
    out.lang = std::move(lang_);
    out.blocks = blocks_.size();
    Select(&out);
    return out;
  }

 private:
  uint32_t State() const { return stack_.empty() ? 0 : stack_.back().state; }

  // ---- text

  void Text(std::string_view raw) {
    uint32_t st = State();
    if (st & kInHidden) return;
    if (options_.main_content && (st & kInBoiler)) return;
    if (raw.find('&') == std::string_view::npos) {
      AddText(raw, st);
      return;
    }
    decoded_.clear();
    DecodeInto(raw, &decoded_);
    AddText(decoded_, st);
  }

  void AddText(std::string_view t, uint32_t st) {
    bool pre = st & kInPre;
    uint32_t added = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      char c = t[i];
      bool space = IsSpace(c);
      if (!space && c == '\xC2' && i + 1 < t.size() && t[i + 1] == '\xA0') {  // no-break space
        space = true;
        ++i;
        c = ' ';
      }
      if (space) {
        if (pre) {
          if (c == '\n') {
            TrimTrailingSpace();
            cur_.text.push_back('\n');
            pending_space_ = false;
          } else if (c != '\r') {
            if (pending_space_ && !cur_.text.empty() && cur_.text.back() != '\n') cur_.text.push_back(' ');
            pending_space_ = false;
            cur_.text.push_back(c == '\t' ? '\t' : ' ');
          }
        } else {
          pending_space_ = true;
        }
        continue;
      }
      if (pending_space_ && !cur_.text.empty() && cur_.text.back() != '\n') cur_.text.push_back(' ');
      pending_space_ = false;
      cur_.text.push_back(c);
      if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++added;
    }
    cur_.chars += added;
    if (st & kInLink) cur_.link_chars += added;
    if (st & kInMain) cur_.main_chars += added;
    if (st & kInCode) cur_.code_chars += added;
    if (st & kInHeading) cur_.heading = cur_.heading || added > 0;
  }

  void TrimTrailingSpace() {
    while (!cur_.text.empty() && cur_.text.back() == ' ') cur_.text.pop_back();
  }

  void EndBlock() {
    pending_space_ = false;
    while (!cur_.text.empty() && (cur_.text.back() == ' ' || cur_.text.back() == '\n')) cur_.text.pop_back();
    size_t lead = 0;
    while (lead < cur_.text.size() && cur_.text[lead] == '\n') ++lead;
    if (lead) cur_.text.erase(0, lead);
    if (!cur_.text.empty()) blocks_.push_back(std::move(cur_));
    cur_ = Block();
  }

  // ---- markup

  // s_[i] == '<'. Returns the index after the construct.
  size_t Markup(size_t i) {
    std::string_view rest = s_.substr(i);
    if (rest.size() >= 4 && rest.compare(0, 4, "<!--") == 0) {
      size_t e = s_.find("-->", i + 4);
      return e == std::string_view::npos ? s_.size() : e + 3;
    }
    if (rest.size() >= 2 && (rest[1] == '!' || rest[1] == '?')) {
      size_t e = s_.find('>', i + 2);
      return e == std::string_view::npos ? s_.size() : e + 1;
    }
    bool end_tag = rest.size() >= 2 && rest[1] == '/';
    size_t p = i + (end_tag ? 2 : 1);
    if (p >= s_.size() || !((s_[p] | 0x20) >= 'a' && (s_[p] | 0x20) <= 'z')) {
      if (end_tag) {  // "</>" or "</ junk>": a bogus comment
        size_t e = s_.find('>', p);
        return e == std::string_view::npos ? s_.size() : e + 1;
      }
      Text("<");
      return i + 1;
    }
    size_t name_start = p;
    while (p < s_.size() && !IsSpace(s_[p]) && s_[p] != '>' && s_[p] != '/') ++p;
    char buf[24];
    size_t n = std::min(p - name_start, sizeof(buf));
    for (size_t k = 0; k < n; ++k) buf[k] = AsciiLower(s_[name_start + k]);
    std::string_view name(buf, p - name_start <= sizeof(buf) ? n : 0);
    if (name.empty()) name = std::string_view("?long", 5);
    // Attributes.
    Attributes attrs;
    bool self_closing = false;
    while (p < s_.size()) {
      char c = s_[p];
      if (c == '>') break;
      if (IsSpace(c)) {
        ++p;
        continue;
      }
      if (c == '/') {
        self_closing = p + 1 < s_.size() && s_[p + 1] == '>';
        ++p;
        continue;
      }
      size_t an = p;
      while (p < s_.size() && !IsSpace(s_[p]) && s_[p] != '=' && s_[p] != '>' && s_[p] != '/') ++p;
      std::string_view aname = s_.substr(an, p - an);
      while (p < s_.size() && IsSpace(s_[p])) ++p;
      std::string_view value;
      if (p < s_.size() && s_[p] == '=') {
        ++p;
        while (p < s_.size() && IsSpace(s_[p])) ++p;
        if (p < s_.size() && (s_[p] == '"' || s_[p] == '\'')) {
          char q = s_[p];
          size_t e = s_.find(q, p + 1);
          if (e == std::string_view::npos) e = s_.size();
          value = s_.substr(p + 1, e - p - 1);
          p = e < s_.size() ? e + 1 : e;
        } else {
          size_t v = p;
          while (p < s_.size() && !IsSpace(s_[p]) && s_[p] != '>') ++p;
          value = s_.substr(v, p - v);
        }
      }
      if (!end_tag) attrs.Note(aname, value);
      if (p == an) ++p;  // a stray '=': skip it
    }
    size_t after = p < s_.size() ? p + 1 : s_.size();
    uint16_t tag = FindTag(name);
    if (end_tag) {
      EndTag(tag, name);
      return after;
    }
    return StartTag(tag, name, attrs, self_closing, after);
  }

  struct Attributes {
    std::string_view cls, id, role, style, lang;
    bool hidden = false;
    bool aria_hidden = false;
    void Note(std::string_view name, std::string_view value) {
      if (EqualsIgnoreCase(name, "class")) {
        cls = value;
      } else if (EqualsIgnoreCase(name, "id")) {
        id = value;
      } else if (EqualsIgnoreCase(name, "role")) {
        role = value;
      } else if (EqualsIgnoreCase(name, "style")) {
        style = value;
      } else if (EqualsIgnoreCase(name, "lang")) {
        lang = value;
      } else if (EqualsIgnoreCase(name, "hidden")) {
        hidden = true;
      } else if (EqualsIgnoreCase(name, "aria-hidden")) {
        aria_hidden = EqualsIgnoreCase(TrimWhitespace(value), "true");
      }
    }
  };

  size_t StartTag(uint16_t tag, std::string_view name, const Attributes& a, bool self_closing, size_t after) {
    uint32_t bits = Bits(tag);
    if (tag == tag_html_ && lang_.empty()) lang_ = std::string(TrimWhitespace(a.lang));
    if (bits & kRaw) {
      if (bits & kBlock) EndBlock();
      return SkipRawText(name, after);
    }
    if (bits & kTitle) return CaptureTitle(after);
    if (bits & kBreak) {
      if (State() & kInPre) {
        cur_.text.push_back('\n');
      } else {
        EndBlock();
      }
      return after;
    }
    ImplicitClose(tag, bits);
    if (bits & kBlock) EndBlock();
    if ((bits & kVoid) || self_closing) return after;
    uint32_t st = State();
    uint32_t hints = 0;
    if (!a.cls.empty()) hints |= ClassifyNames(a.cls);
    if (!a.id.empty()) hints |= ClassifyNames(a.id);
    // Content-like names mark the main region only on sectioning containers
    // ("entry" on a table cell is not an article).
    if (tag != tag_div_ && tag != tag_section_ && tag != tag_article_ && tag != tag_main_) hints &= ~kMain;
    if (!a.role.empty()) hints |= ClassifyRole(a.role);
    if (hints & kMain) hints &= ~kBoiler;  // "post-content sidebar-free": trust the main hint
    if (bits & kHide || a.hidden || a.aria_hidden || (!a.style.empty() && StyleHides(a.style))) st |= kInHidden;
    if ((bits & kBoiler) || (hints & kBoiler)) st |= kInBoiler;
    if ((bits & kHeader) && !(st & kInMain)) st |= kInBoiler;
    if ((bits & kMain) || (hints & kMain)) st |= kInMain;
    if (bits & kLink) st |= kInLink;
    if (bits & kPre) st |= kInPre;
    if (bits & kCode) st |= kInCode;
    if (bits & kHeading) st |= kInHeading;
    if (stack_.size() >= options_.max_depth) {
      ++overflow_;
      return after;
    }
    stack_.push_back({tag, tag == kUnknownTag ? HashTagName(name) : 0, st});
    return after;
  }

  // Closes what a start tag implicitly ends (HTML5 parsing, the cases that
  // change text state: <p>, list items, table cells, links, headings).
  void ImplicitClose(uint16_t tag, uint32_t bits) {
    if (bits & kPClose) CloseInScope(tag_p_);
    if (tag == tag_li_) CloseInScope(tag_li_, tag_ul_, tag_ol_);
    if (tag == tag_dt_ || tag == tag_dd_) {
      CloseInScope(tag_dt_, tag_dl_);
      CloseInScope(tag_dd_, tag_dl_);
    }
    if (tag == tag_td_ || tag == tag_th_) {
      CloseInScope(tag_td_, tag_tr_);
      CloseInScope(tag_th_, tag_tr_);
    }
    if (tag == tag_tr_) CloseInScope(tag_tr_, tag_table_);
    if (tag == tag_a_) CloseInScope(tag_a_);
    if (tag == tag_option_) CloseInScope(tag_option_);
    if ((bits & kHeading) && !stack_.empty() && (Bits(stack_.back().tag) & kHeading)) PopTo(stack_.size() - 1);
  }

  // Pops through the innermost open `tag` if it is found before a scope
  // boundary or `stop1`/`stop2`, searching at most 64 frames.
  void CloseInScope(uint16_t tag, uint16_t stop1 = kUnknownTag - 1, uint16_t stop2 = kUnknownTag - 1) {
    size_t limit = stack_.size() > 64 ? stack_.size() - 64 : 0;
    for (size_t k = stack_.size(); k-- > limit;) {
      uint16_t t = stack_[k].tag;
      if (t == tag) {
        PopTo(k);
        return;
      }
      if (t == stop1 || t == stop2 || (Bits(t) & kScope)) return;
    }
  }

  void PopTo(size_t k) {
    bool block = false;
    for (size_t j = k; j < stack_.size(); ++j) block = block || (Bits(stack_[j].tag) & kBlock);
    stack_.resize(k);
    if (block) EndBlock();
  }

  void EndTag(uint16_t tag, std::string_view name) {
    uint32_t bits = Bits(tag);
    if (bits & kBreak) {  // </br> acts as <br>
      EndBlock();
      return;
    }
    if (overflow_ > 0) {
      --overflow_;
      return;
    }
    uint32_t hash = tag == kUnknownTag ? HashTagName(name) : 0;
    size_t limit = stack_.size() > 64 ? stack_.size() - 64 : 0;
    for (size_t k = stack_.size(); k-- > limit;) {
      if (stack_[k].tag == tag && stack_[k].name_hash == hash) {
        PopTo(k);
        return;
      }
    }
    if (tag == tag_p_ || (bits & kBlock)) EndBlock();  // stray </p>, </div>: still a break
  }

  // Skips to the end of raw text element `name`; returns the index after it.
  size_t SkipRawText(std::string_view name, size_t from) {
    size_t e = FindEndTag(name, from);
    return e;
  }

  // Index after "</name ...>" at or after `from` (case-insensitive), or the end.
  size_t FindEndTag(std::string_view name, size_t from) {
    size_t i = from;
    while (i < s_.size()) {
      const void* lt = std::memchr(s_.data() + i, '<', s_.size() - i);
      if (!lt) return s_.size();
      size_t p = static_cast<size_t>(static_cast<const char*>(lt) - s_.data());
      if (p + 2 + name.size() <= s_.size() && s_[p + 1] == '/' &&
          EqualsIgnoreCase(s_.substr(p + 2, name.size()), name)) {
        size_t q = p + 2 + name.size();
        if (q >= s_.size() || IsSpace(s_[q]) || s_[q] == '>' || s_[q] == '/') {
          size_t gt = s_.find('>', q);
          end_of_raw_ = p;
          return gt == std::string_view::npos ? s_.size() : gt + 1;
        }
      }
      i = p + 1;
    }
    return s_.size();
  }

  size_t CaptureTitle(size_t from) {
    end_of_raw_ = s_.size();
    size_t after = FindEndTag("title", from);
    if (title_.empty() && !(State() & kInHidden)) {
      std::string decoded;
      std::string_view raw = s_.substr(from, std::min(end_of_raw_, s_.size()) - from);
      DecodeInto(raw.substr(0, 4096), &decoded);
      bool space = false;
      for (char c : decoded) {
        if (IsSpace(c)) {
          space = !title_.empty();
          continue;
        }
        if (space) title_.push_back(' ');
        space = false;
        title_.push_back(c);
      }
    }
    return after;
  }

  // ---- selection

  void Select(HtmlText* out) {
    std::vector<char> keep(blocks_.size(), 1);
    if (options_.main_content && !blocks_.empty()) {
      size_t total = 0, main = 0;
      for (const auto& b : blocks_) total += b.chars, main += b.main_chars;
      bool restrict_main = main > 0 && main * 10 >= total * 4;
      enum Kind : char { kBad, kShort, kGood };
      std::vector<char> kind(blocks_.size());
      for (size_t k = 0; k < blocks_.size(); ++k) {
        const Block& b = blocks_[k];
        double link_density = b.chars ? static_cast<double>(b.link_chars) / b.chars : 0;
        // Outside the main region only long prose survives (a stray </div>
        // can end the region early; menus and teasers are short or linky).
        if (restrict_main && b.main_chars * 2 < b.chars && !(Size(b.text) >= 25 && link_density <= 0.1)) {
          kind[k] = kBad;
          continue;
        }
        if (link_density > 0.5) {
          kind[k] = kBad;
          continue;
        }
        kind[k] = Size(b.text) >= 10 && link_density <= 0.3 ? kGood : kShort;
      }
      bool any_good = std::find(kind.begin(), kind.end(), kGood) != kind.end();
      for (size_t k = 0; k < blocks_.size(); ++k) {
        if (kind[k] == kBad) {
          keep[k] = 0;
        } else if (kind[k] == kShort && any_good) {
          if (blocks_[k].heading) {
            keep[k] = GoodFollows(kind, k);
          } else {
            keep[k] = NeighbourIsGood(kind, k, -1) || NeighbourIsGood(kind, k, +1);
          }
        }
      }
    }
    for (size_t k = 0; k < blocks_.size(); ++k) {
      if (!keep[k]) continue;
      if (!out->text.empty()) out->text.push_back('\n');
      const size_t begin = out->text.size();
      out->text.append(blocks_[k].text);
      if (blocks_[k].code_chars * 2 > blocks_[k].chars) {
        if (!out->code_spans.empty() && out->code_spans.back().second + 1 == begin) {
          out->code_spans.back().second = out->text.size();  // one span for adjacent code blocks
        } else {
          out->code_spans.emplace_back(begin, out->text.size());
        }
      }
      ++out->blocks_kept;
    }
  }

  // Words, or for scripts written without spaces half their characters.
  static size_t Size(std::string_view t) {
    size_t words = 0, cjk = 0;
    bool in_word = false;
    for (size_t i = 0; i < t.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(t[i]);
      bool space = c == ' ' || c == '\n';
      if (!space && !in_word) ++words;
      in_word = !space;
      if (c >= 0xE0 && c < 0xF0 && i + 2 < t.size()) {
        uint32_t cp = (c & 0x0Fu) << 12 | (static_cast<unsigned char>(t[i + 1]) & 0x3Fu) << 6 |
                      (static_cast<unsigned char>(t[i + 2]) & 0x3Fu);
        if ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF)) ++cjk;
      }
      if (c == 0xE0 && i + 1 < t.size() && (static_cast<unsigned char>(t[i + 1]) & 0xFC) == 0xB8) ++cjk;  // Thai, Lao
    }
    return std::max(words, cjk / 2);
  }

  static bool NeighbourIsGood(const std::vector<char>& kind, size_t k, int dir) {
    for (size_t j = k; dir < 0 ? j-- > 0 : ++j < kind.size();) {
      if (kind[j] == 2) return true;
      if (kind[j] == 0) return false;
    }
    return false;
  }

  bool GoodFollows(const std::vector<char>& kind, size_t k) const {
    for (size_t j = k + 1; j < kind.size() && j <= k + 4; ++j) {
      if (kind[j] == 2) return true;
      if (blocks_[j].heading) return false;
    }
    return false;
  }

  std::string_view s_;
  HtmlExtractOptions options_;
  std::vector<Frame> stack_;
  size_t overflow_ = 0;
  std::vector<Block> blocks_;
  Block cur_;
  bool pending_space_ = false;
  std::string decoded_;
  std::string title_, lang_;
  size_t end_of_raw_ = 0;

  const uint16_t tag_p_ = FindTag("p"), tag_li_ = FindTag("li"), tag_ul_ = FindTag("ul"), tag_ol_ = FindTag("ol"),
                 tag_dt_ = FindTag("dt"), tag_dd_ = FindTag("dd"), tag_dl_ = FindTag("dl"), tag_td_ = FindTag("td"),
                 tag_th_ = FindTag("th"), tag_tr_ = FindTag("tr"), tag_table_ = FindTag("table"), tag_a_ = FindTag("a"),
                 tag_option_ = FindTag("option"), tag_html_ = FindTag("html"), tag_div_ = FindTag("div"),
                 tag_section_ = FindTag("section"), tag_article_ = FindTag("article"), tag_main_ = FindTag("main");
};

}  // namespace

void AppendDecodedEntities(std::string_view s, std::string* out) {
  DecodeInto(s, out);
}

HtmlText ExtractHtmlText(std::string_view html, const HtmlExtractOptions& options) {
  return Extractor(html, options).Run();
}

}  // namespace crawlproof::extract
