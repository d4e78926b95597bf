#include "extract/charset.h"

#include <iconv.h>
#include <uchardet/uchardet.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "common/ascii.h"
#include "common/unicode.h"

namespace crawlproof::extract {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' || s.front() == '\r' ||
                        s.front() == '\f' || s.front() == '"' || s.front() == '\''))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r' ||
                        s.back() == '\f' || s.back() == '"' || s.back() == '\''))
    s.remove_suffix(1);
  return s;
}

// The charset=... value in `s` (a Content-Type value or a meta content
// attribute), or "".
std::string CharsetParameter(std::string_view s) {
  std::string lower = Lower(s);
  size_t p = lower.find("charset");
  while (p != std::string::npos) {
    size_t q = p + 7;
    while (q < lower.size() && (lower[q] == ' ' || lower[q] == '\t')) ++q;
    if (q < lower.size() && lower[q] == '=') {
      ++q;
      while (q < lower.size() && (lower[q] == ' ' || lower[q] == '\t' || lower[q] == '"' || lower[q] == '\'')) ++q;
      size_t e = q;
      while (e < lower.size() && lower[e] != ';' && lower[e] != '"' && lower[e] != '\'' && lower[e] != ' ' &&
             lower[e] != '\t')
        ++e;
      return lower.substr(q, e - q);
    }
    p = lower.find("charset", p + 7);
  }
  return "";
}

// Finds charset declarations in <meta> tags of the first bytes of a page.
std::string MetaCharset(std::string_view head) {
  std::string lower = Lower(head.substr(0, 4096));
  for (size_t p = lower.find("<meta"); p != std::string::npos; p = lower.find("<meta", p + 5)) {
    size_t end = lower.find('>', p);
    if (end == std::string::npos) break;
    std::string_view tag = std::string_view(lower).substr(p, end - p);
    std::string cs = CharsetParameter(tag);
    if (!cs.empty()) return cs;
  }
  return "";
}

struct Alias {
  const char* label;
  const char* name;
};

// WHATWG Encoding labels (the common ones) and the name we convert with.
constexpr Alias kAliases[] = {
    {"utf-8", "utf-8"},
    {"utf8", "utf-8"},
    {"unicode-1-1-utf-8", "utf-8"},
    {"x-unicode20utf8", "utf-8"},
    {"us-ascii", "windows-1252"},
    {"ascii", "windows-1252"},
    {"ansi_x3.4-1968", "windows-1252"},
    {"iso-8859-1", "windows-1252"},
    {"iso8859-1", "windows-1252"},
    {"iso_8859-1", "windows-1252"},
    {"latin1", "windows-1252"},
    {"l1", "windows-1252"},
    {"cp1252", "windows-1252"},
    {"windows-1252", "windows-1252"},
    {"x-cp1252", "windows-1252"},
    {"cp819", "windows-1252"},
    {"iso-ir-100", "windows-1252"},
    {"windows-1250", "windows-1250"},
    {"cp1250", "windows-1250"},
    {"windows-1251", "windows-1251"},
    {"cp1251", "windows-1251"},
    {"x-cp1251", "windows-1251"},
    {"windows-1253", "windows-1253"},
    {"windows-1254", "windows-1254"},
    {"iso-8859-9", "windows-1254"},
    {"latin5", "windows-1254"},
    {"windows-1255", "windows-1255"},
    {"windows-1256", "windows-1256"},
    {"windows-1257", "windows-1257"},
    {"windows-1258", "windows-1258"},
    {"windows-874", "windows-874"},
    {"tis-620", "windows-874"},
    {"iso-8859-11", "windows-874"},
    {"iso-8859-2", "iso-8859-2"},
    {"latin2", "iso-8859-2"},
    {"iso-8859-3", "iso-8859-3"},
    {"iso-8859-4", "iso-8859-4"},
    {"iso-8859-5", "iso-8859-5"},
    {"iso-8859-6", "iso-8859-6"},
    {"iso-8859-7", "iso-8859-7"},
    {"greek", "iso-8859-7"},
    {"iso-8859-8", "iso-8859-8"},
    {"iso-8859-8-i", "iso-8859-8"},
    {"iso-8859-10", "iso-8859-10"},
    {"iso-8859-13", "iso-8859-13"},
    {"iso-8859-14", "iso-8859-14"},
    {"iso-8859-15", "iso-8859-15"},
    {"latin9", "iso-8859-15"},
    {"iso-8859-16", "iso-8859-16"},
    {"koi8-r", "koi8-r"},
    {"koi8", "koi8-r"},
    {"koi8-u", "koi8-u"},
    {"koi8-ru", "koi8-u"},
    {"macintosh", "macintosh"},
    {"mac", "macintosh"},
    {"x-mac-roman", "macintosh"},
    {"ibm866", "ibm866"},
    {"cp866", "ibm866"},
    {"gbk", "gb18030"},
    {"gb2312", "gb18030"},
    {"gb_2312-80", "gb18030"},
    {"x-gbk", "gb18030"},
    {"cp936", "gb18030"},
    {"chinese", "gb18030"},
    {"gb18030", "gb18030"},
    {"big5", "big5-hkscs"},
    {"big5-hkscs", "big5-hkscs"},
    {"cn-big5", "big5-hkscs"},
    {"x-x-big5", "big5-hkscs"},
    {"shift_jis", "shift_jis"},
    {"shift-jis", "shift_jis"},
    {"sjis", "shift_jis"},
    {"x-sjis", "shift_jis"},
    {"ms_kanji", "shift_jis"},
    {"windows-31j", "shift_jis"},
    {"cp932", "shift_jis"},
    {"euc-jp", "euc-jp"},
    {"x-euc-jp", "euc-jp"},
    {"iso-2022-jp", "iso-2022-jp"},
    {"euc-kr", "euc-kr"},
    {"ks_c_5601-1987", "euc-kr"},
    {"korean", "euc-kr"},
    {"windows-949", "euc-kr"},
    {"cp949", "euc-kr"},
    {"utf-16", "utf-16le"},
    {"utf-16le", "utf-16le"},
    {"utf-16be", "utf-16be"},
};

// Our canonical name to the name glibc's iconv knows (supersets where WHATWG
// decodes with one: Shift_JIS as CP932, EUC-KR as CP949).
const char* IconvName(std::string_view name) {
  if (name == "shift_jis") return "CP932";
  if (name == "euc-kr") return "CP949";
  if (name == "big5-hkscs") return "BIG5-HKSCS";
  if (name == "windows-874") return "CP874";
  if (name == "macintosh") return "MACINTOSH";
  if (name == "ibm866") return "CP866";
  return nullptr;
}

void AppendReplacement(std::string* out) {
  out->append("\xEF\xBF\xBD");
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid.
size_t ValidSequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = s.size() - i;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return n >= 2 && (b(i + 1) & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (n < 3 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (n < 4 || (b(i + 1) & 0xC0) != 0x80 || (b(i + 2) & 0xC0) != 0x80 || (b(i + 3) & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

std::string NormalizeCharsetLabel(std::string_view label) {
  std::string l = Lower(TrimSpaces(label));
  for (const auto& a : kAliases) {
    if (l == a.label) return a.name;
  }
  return "";
}

std::string CharsetFromContentType(std::string_view content_type) {
  return CharsetParameter(content_type);
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while ((i = SkipAscii(s, i)) < s.size()) {
    size_t n = ValidSequence(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t AppendRepairedUtf8(std::string_view s, std::string* out) {
  size_t replaced = 0, i = 0, run = 0;
  out->reserve(out->size() + s.size());
  while (i < s.size()) {
    size_t n = ValidSequence(s, i);
    if (n == 0) {
      out->append(s.substr(run, i - run));
      AppendReplacement(out);
      ++replaced;
      ++i;
      run = i;
    } else {
      i += n;
    }
  }
  out->append(s.substr(run));
  return replaced;
}

CharsetGuess DetectCharset(std::string_view content_type, std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") return {"utf-8", "bom", 3};
  if (body.substr(0, 2) == "\xFF\xFE") return {"utf-16le", "bom", 2};
  if (body.substr(0, 2) == "\xFE\xFF") return {"utf-16be", "bom", 2};
  if (std::string n = NormalizeCharsetLabel(CharsetFromContentType(content_type)); !n.empty()) return {n, "http", 0};
  if (std::string n = NormalizeCharsetLabel(MetaCharset(body)); !n.empty()) {
    // A page cannot declare itself UTF-16 in ASCII-compatible bytes (WHATWG).
    if (n == "utf-16le" || n == "utf-16be") n = "utf-8";
    return {n, "meta", 0};
  }
  std::string_view sample = body.substr(0, 1 << 20);
  if (IsValidUtf8(sample)) return {"utf-8", "utf8-valid", 0};
  std::unique_ptr<std::remove_pointer_t<uchardet_t>, void (*)(uchardet_t)> det(uchardet_new(), uchardet_delete);
  if (det && uchardet_handle_data(det.get(), sample.data(), sample.size()) == 0) {
    uchardet_data_end(det.get());
    if (std::string n = NormalizeCharsetLabel(uchardet_get_charset(det.get())); !n.empty()) return {n, "detected", 0};
  }
  return {"windows-1252", "default", 0};
}

std::string ConvertToUtf8(std::string_view bytes, std::string_view charset, size_t* replaced) {
  std::string out;
  *replaced = 0;
  if (charset == "utf-8") {
    if (IsValidUtf8(bytes)) return std::string(bytes);
    *replaced = AppendRepairedUtf8(bytes, &out);
    return out;
  }
  std::string name(charset.empty() ? std::string_view("windows-1252") : charset);
  const char* iconv_name = IconvName(name);
  iconv_t cd = iconv_open("UTF-8", iconv_name ? iconv_name : name.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) cd = iconv_open("UTF-8", "WINDOWS-1252");
  if (cd == reinterpret_cast<iconv_t>(-1)) {  // no iconv modules at all: keep what is valid
    *replaced = AppendRepairedUtf8(bytes, &out);
    return out;
  }
  out.resize(bytes.size() * 2 + 16);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  size_t used = 0;
  while (in_left > 0) {
    if (out.size() - used < 16) out.resize(out.size() * 2);
    char* dst = out.data() + used;
    size_t dst_left = out.size() - used;
    size_t r = iconv(cd, &in, &in_left, &dst, &dst_left);
    used = out.size() - dst_left;
    if (r != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else {  // EILSEQ or EINVAL (incomplete at the end): one replacement, skip a byte
      if (out.size() - used < 3) out.resize(out.size() * 2);
      std::memcpy(out.data() + used, "\xEF\xBF\xBD", 3);
      used += 3;
      ++*replaced;
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
    }
  }
  // Flush any shift state (ISO-2022-JP).
  if (out.size() - used < 16) out.resize(out.size() + 16);
  char* dst = out.data() + used;
  size_t dst_left = out.size() - used;
  iconv(cd, nullptr, nullptr, &dst, &dst_left);
  used = out.size() - dst_left;
  iconv_close(cd);
  out.resize(used);
  return out;
}

}  // namespace crawlproof::extract
