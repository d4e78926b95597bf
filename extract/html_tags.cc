#include "extract/html_tags.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "common/ascii.h"
#include "extract/html_entities.h"

namespace crawlproof::extract {
namespace {

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

}  // namespace

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

// Classifies a class/id attribute value: kBoiler, kMain or 0.
uint32_t ClassifyNames(std::string_view value) {
  uint32_t bits = 0;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && !IsAsciiAlnum(value[i])) ++i;
    size_t start = i;
    while (i < value.size() && IsAsciiAlnum(value[i])) ++i;
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

}  // namespace crawlproof::extract
