#include "extract/charset.h"

#include <gtest/gtest.h>
#include <iconv.h>

namespace crawlproof::extract {
namespace {

// Real text (LilyPond's Japanese manual, PostgreSQL's Russian glossary) in the
// encodings such pages were served in before UTF-8.
const std::string kJapanese =
    "大きなプロジェクトに取り組んでいるとき、入力ファイルの構造をすっきりさせておくことが不可欠です。";
const std::string kRussian = "Сервер баз данных PostgreSQL обрабатывает запросы клиентов и возвращает результаты.";

std::string Iconv(const std::string& to, const std::string& utf8) {
  size_t replaced = 0;
  (void)replaced;
  // Round trip through the library itself would prove nothing: encode with
  // glibc's iconv directly.
  iconv_t cd = iconv_open(to.c_str(), "UTF-8");
  std::string out(utf8.size() * 4, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size(), out_left = out.size();
  char* dst = out.data();
  iconv(cd, &in, &in_left, &dst, &out_left);
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

TEST(Charset, EvidenceInBrowserOrder) {
  EXPECT_EQ(DetectCharset("text/html; charset=ISO-8859-1", "<meta charset=utf-8>").name, "windows-1252");
  EXPECT_EQ(DetectCharset("text/html; charset=ISO-8859-1", "<meta charset=utf-8>").source, "http");
  EXPECT_EQ(DetectCharset("text/html", "\xEF\xBB\xBF<p>x").source, "bom");
  EXPECT_EQ(DetectCharset("text/html; charset=\"Shift_JIS\"", "").name, "shift_jis");
  auto meta = DetectCharset("text/html",
                            "<html><head><META http-equiv=\"Content-Type\" content=\"text/html; "
                            "charset=koi8-r\"></head>");
  EXPECT_EQ(meta.name, "koi8-r");
  EXPECT_EQ(meta.source, "meta");
  EXPECT_EQ(DetectCharset("", "<meta charset='gb2312'>").name, "gb18030");
  EXPECT_EQ(DetectCharset("", "<p>" + kJapanese).source, "utf8-valid");
  EXPECT_EQ(DetectCharset("text/html; charset=bogus-charset", "<p>plain").name, "utf-8");
}

TEST(Charset, UndeclaredLegacyEncodingsAreDetected) {
  std::string sjis = Iconv("SHIFT_JIS", "<html><body><p>" + kJapanese + kJapanese + kJapanese + "</p></body></html>");
  auto g = DetectCharset("", sjis);
  EXPECT_EQ(g.source, "detected");
  size_t replaced = 0;
  std::string utf8 = ConvertToUtf8(sjis, g.name, &replaced);
  EXPECT_EQ(replaced, 0u);
  EXPECT_NE(utf8.find(kJapanese), std::string::npos) << g.name;

  std::string cp1251 = Iconv("CP1251", "<p>" + kRussian + " " + kRussian + "</p>");
  g = DetectCharset("", cp1251);
  EXPECT_EQ(g.source, "detected");
  utf8 = ConvertToUtf8(cp1251, g.name, &replaced);
  EXPECT_NE(utf8.find(kRussian), std::string::npos) << g.name;
}

TEST(Charset, InvalidSequencesAreReplacedNeverFatal) {
  size_t replaced = 0;
  EXPECT_EQ(ConvertToUtf8("caf\xE9 \xC0\xAF ok \xED\xA0\x80", "utf-8", &replaced),
            "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD ok \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(replaced, 6u);
  // windows-1252's 0x80 is the euro sign; 0x81 is undefined there.
  EXPECT_EQ(ConvertToUtf8("\x80 5", "windows-1252", &replaced), "\xE2\x82\xAC 5");
  EXPECT_EQ(replaced, 0u);
  std::string broken = Iconv("SHIFT_JIS", kJapanese);
  broken[5] = '\xFF';
  std::string out = ConvertToUtf8(broken, "shift_jis", &replaced);
  EXPECT_GE(replaced, 1u);
  EXPECT_NE(out.find("\xEF\xBF\xBD"), std::string::npos);
  EXPECT_TRUE(IsValidUtf8(out));
  // Truncated multibyte sequence at the end.
  out = ConvertToUtf8(Iconv("EUC-JP", kJapanese).substr(0, 7), "euc-jp", &replaced);
  EXPECT_TRUE(IsValidUtf8(out));
  EXPECT_EQ(replaced, 1u);
}

}  // namespace
}  // namespace crawlproof::extract
