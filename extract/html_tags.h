// The HTML element and attribute knowledge of the text extractor: what each
// tag does to text (html_text.h describes the rules), and the class / id /
// role / style hints for boilerplate and main content.
#pragma once

#include <cstdint>
#include <string_view>

namespace crawlproof::extract {

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
  kCode = 1u << 14,    // code, commands, program output: not prose
};

inline constexpr uint16_t kUnknownTag = 0xFFFF;

// FNV-1a of a tag name: the extractor's key for unknown tags, and FindTag's.
inline uint32_t HashTagName(std::string_view s) {
  uint32_t h = 2166136261u;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
  return h;
}

// Index of a lower-case tag name in the table, or kUnknownTag.
uint16_t FindTag(std::string_view name);
// The TagBits of a tag index (0 for kUnknownTag).
uint32_t Bits(uint16_t tag);
// A class or id attribute value: kBoiler, kMain, both or 0.
uint32_t ClassifyNames(std::string_view value);
// An ARIA role: kBoiler, kMain or 0.
uint32_t ClassifyRole(std::string_view role);
// True when an inline style hides the element (display:none, visibility:hidden).
bool StyleHides(std::string_view style);

}  // namespace crawlproof::extract
