// Character sets: which one a page is in, and conversion to UTF-8.
//
// The order of evidence follows what browsers do (WHATWG Encoding and HTML
// "determining the character encoding"): a byte order mark, then the HTTP
// Content-Type charset, then a <meta charset> / <meta http-equiv> in the first
// 4096 bytes; without any, a body that is valid UTF-8 is UTF-8, else uchardet
// guesses, else windows-1252. Labels are normalised as WHATWG does (latin1 and
// us-ascii mean windows-1252, gb2312 means GBK/GB18030, …).
#pragma once

#include <string>
#include <string_view>

namespace crawlproof::extract {

struct CharsetGuess {
  std::string name;      // canonical label, e.g. "utf-8", "windows-1252", "shift_jis"
  std::string source;    // "bom", "http", "meta", "utf8-valid", "detected", "default"
  size_t bom_bytes = 0;  // bytes of the byte order mark to skip
};

// The charset parameter of a Content-Type value, lower-cased, or "".
std::string CharsetFromContentType(std::string_view content_type);

// A WHATWG label (any case, surrounding spaces allowed) to our canonical name,
// or "" when the label is unknown.
std::string NormalizeCharsetLabel(std::string_view label);

// Decides the charset of `body` given the HTTP Content-Type header value ("" if
// none).
CharsetGuess DetectCharset(std::string_view content_type, std::string_view body);

// True when `s` is entirely valid UTF-8 (no overlongs, no surrogates).
bool IsValidUtf8(std::string_view s);

// Appends `s` to `out` with every invalid UTF-8 sequence replaced by U+FFFD;
// returns the number of replacements.
size_t AppendRepairedUtf8(std::string_view s, std::string* out);

// Converts `bytes` in `charset` (a canonical name) to UTF-8, replacing
// undecodable sequences by U+FFFD. An unknown charset is treated as
// windows-1252. Returns the number of replacements in *replaced.
std::string ConvertToUtf8(std::string_view bytes, std::string_view charset, size_t* replaced);

}  // namespace crawlproof::extract
