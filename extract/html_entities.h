// HTML character references: all HTML5 named references (html_entities.inc)
// and numeric ones, decoded as WHATWG's tokenizer does in text content.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace crawlproof::extract {

// Decodes the reference at s[0] == '&', appends its text to `out` and returns
// the bytes consumed (1 when it is not a reference: the '&' itself).
size_t DecodeReference(std::string_view s, std::string* out);

// Appends `s` with its character references decoded.
void DecodeInto(std::string_view s, std::string* out);

// True for [A-Za-z0-9].
bool IsAsciiAlnum(char c);

}  // namespace crawlproof::extract
