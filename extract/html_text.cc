#include "extract/html_text.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/ascii.h"

namespace crawlproof::extract {
namespace {

// ---- Character references ------------------------------------------------

struct Entity {
  const char* name;
  const char* value;
};

constexpr Entity kEntities[] = {
#include "extract/html_entities.inc"
};

const char* LookupEntity(std::string_view name) {
  size_t lo = 0, hi = std::size(kEntities);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = name.compare(kEntities[mid].name);
    if (c == 0) return kEntities[mid].value;
    if (c < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return nullptr;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// WHATWG: numeric references to C1 controls mean windows-1252's characters.
constexpr uint16_t kC1[32] = {0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                              0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                              0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Decodes the reference at s[0] == '&'; appends its text and returns the
// bytes consumed (1 when it is not a reference: the '&' itself).
size_t DecodeReference(std::string_view s, std::string* out) {
  if (s.size() >= 3 && s[1] == '#') {
    size_t i = 2;
    bool hex = s[i] == 'x' || s[i] == 'X';
    if (hex) ++i;
    size_t digits_start = i;
    uint32_t cp = 0;
    bool overflow = false;
    while (i < s.size()) {
      char c = s[i];
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        d = static_cast<uint32_t>((c | 0x20) - 'a' + 10);
      } else {
        break;
      }
      cp = cp * (hex ? 16 : 10) + d;
      if (cp > 0x10FFFF) overflow = true, cp = 0x110000;
      ++i;
    }
    if (i == digits_start) {
      out->push_back('&');
      return 1;
    }
    if (i < s.size() && s[i] == ';') ++i;
    if (overflow || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp >= 0x80 && cp <= 0x9F) cp = kC1[cp - 0x80];
    AppendUtf8(cp, out);
    return i;
  }
  size_t n = 1;
  while (n < s.size() && n <= 32 && IsAlnum(s[n])) ++n;
  if (n == 1) {
    out->push_back('&');
    return 1;
  }
  char buf[40];
  size_t len = n - 1;
  std::memcpy(buf, s.data() + 1, len);
  if (n < s.size() && s[n] == ';') {
    buf[len] = ';';
    if (const char* v = LookupEntity(std::string_view(buf, len + 1))) {
      out->append(v);
      return n + 1;
    }
  }
  // Legacy references without ';' (&amp, &copy, &nbsp…): longest that exists.
  for (size_t k = len; k >= 2; --k) {
    if (const char* v = LookupEntity(std::string_view(buf, k))) {
      out->append(v);
      return 1 + k;
    }
  }
  out->push_back('&');
  return 1;
}

// Appends `s` with its character references decoded.
void DecodeInto(std::string_view s, std::string* out) {
  for (size_t i = 0; i < s.size();) {
    size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) amp = s.size();
    out->append(s.substr(i, amp - i));
    if (amp >= s.size()) break;
    i = amp + DecodeReference(s.substr(amp), out);
  }
}

// ---- Tags ----------------------------------------------------------------

enum TagBits : uint32_t {
  kBlock = 1u << 0,    // ends the current text block
  kVoid = 1u << 1,     // no content, no end tag
  kRaw = 1u << 2,      // raw text: contents skipped up to </name>
  kHide = 1u << 3,     // contents parsed but not text (svg, select, …)
  kBoiler = 1u << 4,   // boilerplate container
  kMain = 1u << 5,     // main-content container
  kHeading = 1u << 6,  // h1-h6
  kPre = 1u << 7,      // whitespace kept
  kLink = 1u << 8,     // <a>
  kHeader = 1u << 9,   // <header>: boilerplate unless inside main content
  kTitle = 1u << 10,   // <title>: captured
  kBreak = 1u << 11,   // <br>: line break
  kPClose = 1u << 12,  // start tag closes an open <p>
  kScope = 1u << 13,   // boundary of implicit closing searches
};

struct TagInfo {
  const char* name;
  uint32_t bits;
};

constexpr uint32_t kBlk = kBlock | kPClose;

// Sorted by name.
constexpr TagInfo kTags[] = {
    {"a", kLink},
    {"address", kBlk},
    {"applet", kHide | kScope},
    {"area", kVoid},
    {"article", kBlk | kMain},
    {"aside", kBlk | kBoiler},
    {"audio", kHide},
    {"base", kVoid},
    {"blockquote", kBlk},
    {"body", kBlock | kScope},
    {"br", kVoid | kBreak},
    {"button", kHide | kScope},
    {"canvas", kHide},
    {"caption", kBlock | kScope},
    {"center", kBlk},
    {"col", kVoid},
    {"datalist", kHide},
    {"dd", kBlk},
    {"details", kBlk},
    {"dialog", kBlk | kBoiler},
    {"dir", kBlk},
    {"div", kBlk},
    {"dl", kBlk},
    {"dt", kBlk},
    {"embed", kVoid},
    {"fieldset", kBlk},
    {"figcaption", kBlk},
    {"figure", kBlk},
    {"footer", kBlk | kBoiler},
    {"form", kBlk | kBoiler},
    {"frameset", kBlock},
    {"h1", kBlk | kHeading},
    {"h2", kBlk | kHeading},
    {"h3", kBlk | kHeading},
    {"h4", kBlk | kHeading},
    {"h5", kBlk | kHeading},
    {"h6", kBlk | kHeading},
    {"head", kBlock},
    {"header", kBlk | kHeader},
    {"hgroup", kBlk},
    {"hr", kVoid | kBlk},
    {"html", kBlock | kScope},
    {"iframe", kRaw},
    {"img", kVoid},
    {"input", kVoid},
    {"keygen", kVoid},
    {"legend", kBlock},
    {"li", kBlk},
    {"link", kVoid},
    {"listing", kBlk | kPre},
    {"main", kBlk | kMain},
    {"map", kHide},
    {"marquee", kScope},
    {"math", kHide},
    {"menu", kBlk | kBoiler},
    {"meta", kVoid},
    {"nav", kBlk | kBoiler},
    {"noembed", kRaw},
    {"noframes", kRaw},
    {"noscript", kRaw},
    {"object", kHide | kScope},
    {"ol", kBlk},
    {"optgroup", kBlock},
    {"option", kBlock},
    {"p", kBlk},
    {"param", kVoid},
    {"plaintext", kBlk | kPre},
    {"pre", kBlk | kPre},
    {"script", kRaw},
    {"section", kBlk},
    {"select", kHide | kBlock},
    {"source", kVoid},
    {"style", kRaw},
    {"summary", kBlk},
    {"svg", kHide},
    {"table", kBlk | kScope},
    {"tbody", kBlock},
    {"td", kBlock | kScope},
    {"template", kRaw},
    {"textarea", kRaw},
    {"tfoot", kBlock},
    {"th", kBlock | kScope},
    {"thead", kBlock},
    {"title", kTitle},
    {"tr", kBlock},
    {"track", kVoid},
    {"ul", kBlk},
    {"video", kHide},
    {"wbr", kVoid},
    {"xmp", kRaw | kBlk},
};

constexpr uint16_t kUnknownTag = 0xFFFF;

uint16_t FindTag(std::string_view name) {
  size_t lo = 0, hi = std::size(kTags);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = name.compare(kTags[mid].name);
    if (c == 0) return static_cast<uint16_t>(mid);
    if (c < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return kUnknownTag;
}

uint32_t Bits(uint16_t tag) {
  return tag == kUnknownTag ? 0 : kTags[tag].bits;
}

uint16_t TagIndex(const char* name) {
  return FindTag(name);
}

// Class / id tokens that mark boilerplate or main content. A token matches
// when it equals a word here or starts with one followed by a digit or the
// end ("nav", "nav2"; not "navy"). Separate list for prefixes ("advert*").
constexpr std::string_view kBoilerWords[] = {
    "ad",         "ads",    "banner",  "bottombar", "breadcrumb", "breadcrumbs", "comment",    "comments",
    "consent",    "cookie", "cookies", "copyright", "disqus",     "footer",      "gdpr",       "login",
    "masthead",   "menu",   "menubar", "modal",     "nav",        "navbar",      "navigation", "newsletter",
    "pagination", "pager",  "popup",   "promo",     "related",    "share",       "sharing",    "sidebar",
    "signup",     "skip",   "social",  "sponsored", "subscribe",  "tags",        "toc",        "toolbar",
    "topbar",     "widget", "widgets", "sitemap",   "subnav",     "submenu",     "cart",       "search",
};
constexpr std::string_view kBoilerPrefixes[] = {"advert", "sidebar", "breadcrumb", "cookie", "newsletter", "social"};
constexpr std::string_view kMainWords[] = {"article", "content", "entry", "main",     "post",        "story",
                                           "body",    "text",    "prose", "document", "page-content"};

bool TokenIs(std::string_view token, std::string_view word) {
  if (token.size() < word.size() || token.compare(0, word.size(), word) != 0) return false;
  if (token.size() == word.size()) return true;
  char c = token[word.size()];
  return c >= '0' && c <= '9';
}

// Classifies a class/id attribute value: kBoiler, kMain or 0.
uint32_t ClassifyNames(std::string_view value) {
  uint32_t bits = 0;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && !IsAlnum(value[i])) ++i;
    size_t start = i;
    while (i < value.size() && IsAlnum(value[i])) ++i;
    if (i == start) break;
    char buf[32];
    size_t n = std::min<size_t>(i - start, sizeof(buf));
    for (size_t k = 0; k < n; ++k) buf[k] = AsciiLower(value[start + k]);
    std::string_view token(buf, n);
    for (auto w : kBoilerWords) {
      if (TokenIs(token, w)) bits |= kBoiler;
    }
    for (auto p : kBoilerPrefixes) {
      if (token.substr(0, p.size()) == p) bits |= kBoiler;
    }
    for (auto w : kMainWords) {
      if (TokenIs(token, w)) bits |= kMain;
    }
  }
  return bits;
}

uint32_t ClassifyRole(std::string_view role) {
  static constexpr std::string_view kBoilerRoles[] = {"navigation",  "banner", "contentinfo", "complementary",
                                                      "search",      "menu",   "menubar",     "dialog",
                                                      "alertdialog", "toolbar"};
  std::string lower;
  for (char c : TrimWhitespace(role)) lower += AsciiLower(c);
  for (auto r : kBoilerRoles) {
    if (lower == r) return kBoiler;
  }
  if (lower == "main" || lower == "article") return kMain;
  return 0;
}

bool StyleHides(std::string_view style) {
  std::string s;
  for (char c : style) {
    if (c != ' ' && c != '\t') s += AsciiLower(c);
  }
  return s.find("display:none") != std::string::npos || s.find("visibility:hidden") != std::string::npos;
}

// ---- The extractor -------------------------------------------------------

// Inherited state bits of a frame.
enum State : uint32_t {
  kInHidden = 1u << 0,
  kInBoiler = 1u << 1,
  kInMain = 1u << 2,
  kInLink = 1u << 3,
  kInPre = 1u << 4,
  kInHeading = 1u << 5,
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
  bool heading = false;
};

uint32_t HashName(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

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
    if (bits & kHeading) st |= kInHeading;
    if (stack_.size() >= options_.max_depth) {
      ++overflow_;
      return after;
    }
    stack_.push_back({tag, tag == kUnknownTag ? HashName(name) : 0, st});
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
    uint32_t hash = tag == kUnknownTag ? HashName(name) : 0;
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
        if (restrict_main && b.main_chars * 2 < b.chars) {
          kind[k] = kBad;
          continue;
        }
        double link_density = b.chars ? static_cast<double>(b.link_chars) / b.chars : 0;
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
      out->text.append(blocks_[k].text);
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

  const uint16_t tag_p_ = TagIndex("p"), tag_li_ = TagIndex("li"), tag_ul_ = TagIndex("ul"), tag_ol_ = TagIndex("ol"),
                 tag_dt_ = TagIndex("dt"), tag_dd_ = TagIndex("dd"), tag_dl_ = TagIndex("dl"), tag_td_ = TagIndex("td"),
                 tag_th_ = TagIndex("th"), tag_tr_ = TagIndex("tr"), tag_table_ = TagIndex("table"),
                 tag_a_ = TagIndex("a"), tag_option_ = TagIndex("option"), tag_html_ = TagIndex("html"),
                 tag_div_ = TagIndex("div"), tag_section_ = TagIndex("section"), tag_article_ = TagIndex("article"),
                 tag_main_ = TagIndex("main");
};

}  // namespace

void AppendDecodedEntities(std::string_view s, std::string* out) {
  DecodeInto(s, out);
}

HtmlText ExtractHtmlText(std::string_view html, const HtmlExtractOptions& options) {
  return Extractor(html, options).Run();
}

}  // namespace crawlproof::extract
