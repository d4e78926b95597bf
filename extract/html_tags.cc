#include "extract/html_tags.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <string>

#include "common/ascii.h"
#include "extract/html_entities.h"

namespace crawlproof::extract {
namespace {

struct TagInfo {
  std::string_view name;
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
    {"code", kCode},
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
    {"kbd", kCode},
    {"keygen", kVoid},
    {"legend", kBlock},
    {"li", kBlk},
    {"link", kVoid},
    {"listing", kBlk | kPre | kCode},
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
    {"plaintext", kBlk | kPre | kCode},
    {"pre", kBlk | kPre | kCode},
    {"samp", kCode},
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
    {"tt", kCode},
    {"ul", kBlk},
    {"video", kHide},
    {"wbr", kVoid},
    {"xmp", kRaw | kBlk},
};

static_assert(std::is_sorted(std::begin(kTags), std::end(kTags),
                             [](const TagInfo& a, const TagInfo& b) { return a.name < b.name; }),
              "kTags is kept sorted by name");

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

// Sorted copies of a word list, for binary search.
template <size_t N>
std::array<std::string_view, N> Sorted(const std::string_view (&words)[N]) {
  std::array<std::string_view, N> a;
  std::copy(std::begin(words), std::end(words), a.begin());
  std::sort(a.begin(), a.end());
  return a;
}

template <size_t N>
bool Contains(const std::array<std::string_view, N>& sorted, std::string_view w) {
  return std::binary_search(sorted.begin(), sorted.end(), w);
}

}  // namespace

uint16_t FindTag(std::string_view name) {
  // An open-addressing hash table over kTags (a quarter full): one or two
  // comparisons per tag instead of a binary search's seven.
  constexpr size_t kSlots = 512;
  auto hash = [](std::string_view n) { return HashTagName(n) & (kSlots - 1); };
  static const auto table = [&] {
    std::array<uint16_t, kSlots> t;
    t.fill(kUnknownTag);
    for (size_t i = 0; i < std::size(kTags); ++i) {
      size_t h = hash(kTags[i].name);
      while (t[h] != kUnknownTag) h = (h + 1) & (kSlots - 1);
      t[h] = static_cast<uint16_t>(i);
    }
    return t;
  }();
  for (size_t h = hash(name); table[h] != kUnknownTag; h = (h + 1) & (kSlots - 1)) {
    if (kTags[table[h]].name == name) return table[h];
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
    // A listed word matches the token alone or followed by a digit ("nav2"):
    // the words hold no digits, so the token's letters before its first digit.
    std::string_view base = token.substr(0, std::min(token.size(), token.find_first_of("0123456789")));
    static const auto boiler = Sorted(kBoilerWords);
    static const auto main = Sorted(kMainWords);
    if (Contains(boiler, base)) bits |= kBoiler;
    if (Contains(main, base)) bits |= kMain;
    for (auto p : kBoilerPrefixes) {
      if (token.substr(0, p.size()) == p) bits |= kBoiler;
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
