// Text encodings of binary digests: Base16 (hex), Base32 (RFC 4648, the alphabet
// WARC's `sha1:` digests use) and Base64 (RFC 4648 §4, with padding).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace crawlproof {

// Lower-case hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// Accepts upper and lower case. Returns nullopt on odd length or a non-hex digit.
std::optional<std::string> HexDecode(std::string_view text);

// RFC 4648 Base32, upper case, '=' padding added to a multiple of 8 characters.
std::string Base32Encode(std::string_view bytes);
// Accepts either case, with or without '=' padding. Returns nullopt on any other
// character or on trailing bits that are not zero.
std::optional<std::string> Base32Decode(std::string_view text);

// Percent-encoding (RFC 3986 §2.1, upper-case hex): ASCII letters and digits
// and the characters in `keep` stay literal, every other byte becomes %XX.
std::string PercentEncode(std::string_view bytes, std::string_view keep);

// RFC 4648 Base64 with '=' padding.
std::string Base64Encode(std::string_view bytes);
// Strict: standard alphabet, padding required. Returns nullopt otherwise.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace crawlproof
