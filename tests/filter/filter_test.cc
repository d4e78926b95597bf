// GCC 12 reports a false -Wrestrict on "literal" + std::string (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

#include "common/unicode.h"
#include "extract/document.h"
#include "filter/filters.h"
#include "filter/words.h"
#include "ingest/warc_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::filter {
namespace {

std::vector<std::string> Words(const std::string& s) {
  std::u32string t = DecodeUtf8(s);
  std::vector<std::string> out;
  for (auto w : SplitWords(t)) out.push_back(EncodeUtf8(w));
  return out;
}

// Reference token lists from spaCy 3 (blank "en"), the tokenizer datatrove
// counts English words with.
// spaCy's exceptions without an apostrophe, times, and symbols of category
// So, as spaCy 3.8 splits them.
TEST(Words, ContractionsTimesAndSymbols) {
  EXPECT_EQ(Words("Dont worry im sure youre right at 10am cannot Cannot CANNOT DONT"),
            (std::vector<std::string>{"Do", "nt", "worry", "i", "m", "sure", "you", "re", "right", "at", "10", "am",
                                      "can", "not", "Can", "not", "CANNOT", "DONT"}));
  EXPECT_EQ(Words("n°5 a™b ★x °C. ©"),
            (std::vector<std::string>{"n", "°", "5", "a", "™", "b", "★", "x", "°", "C", ".", "©"}));
}

TEST(Words, SplitLikeTheReference) {
  EXPECT_EQ(
      Words("Hello, world! It's a well-known (test) e.g. U.S. don't $5.00 3+4 https://x.org/a?b=c foo...bar 10km"),
      (std::vector<std::string>{"Hello",
                                ",",
                                "world",
                                "!",
                                "It",
                                "'s",
                                "a",
                                "well",
                                "-",
                                "known",
                                "(",
                                "test",
                                ")",
                                "e.g.",
                                "U.S.",
                                "do",
                                "n't",
                                "$",
                                "5.00",
                                "3",
                                "+",
                                "4",
                                "https://x.org/a?b=c",
                                "foo",
                                "...",
                                "bar",
                                "10",
                                "km"}));
  EXPECT_EQ(Words("ssh://[user@]host.xz[:port]/path/to/repo.git/ \"git://git.host.xz/\"] Staff.StaffSymbol.thickness "
                  "cannot ): etc. x.y. U.S.A. https://x.org/a?b=c."),
            (std::vector<std::string>{"ssh://[user@]host.xz[:port]/path",
                                      "/",
                                      "to",
                                      "/",
                                      "repo.git/",
                                      "\"",
                                      "git://git.host.xz/",
                                      "\"",
                                      "]",
                                      "Staff.StaffSymbol.thickness",
                                      "can",
                                      "not",
                                      "):",
                                      "etc",
                                      ".",
                                      "x.y",
                                      ".",
                                      "U.S.A.",
                                      "https://x.org/a?b=c",
                                      "."}));
  // Unspaced scripts: one word per character.
  EXPECT_EQ(Words("大きなプロジェクト OK"),
            (std::vector<std::string>{"大", "き", "な", "プ", "ロ", "ジ", "ェ", "ク", "ト", "OK"}));
}

FilterDocument Doc(std::string text, std::string lang = "en", std::string url = "https://example.org/page") {
  FilterDocument d;
  d.id = "doc";
  d.url = std::move(url);
  d.lang = std::move(lang);
  d.lang_score = 0.99;
  d.text = std::move(text);
  return d;
}

Decision Apply1(Filter& f, FilterDocument* d) {
  Decision dec;
  f.Apply(d, &dec);
  return dec;
}

// A real paragraph (SQLite's documentation of SELECT).
const std::string kPara =
    "The SELECT statement is used to query the database. The result of a SELECT is zero or more rows of data where "
    "each row has a fixed number of columns. A SELECT statement does not make any changes to the database.";

TEST(GopherRepetition, RepeatedParagraphsAndLines) {
  auto f = MakeGopherRepetitionFilter({});
  auto once = Doc(kPara);
  EXPECT_TRUE(Apply1(*f, &once).keep);
  auto twice = Doc(kPara + "\n\n" + kPara + "\n\nSomething else entirely, written once and only once here.");
  EXPECT_EQ(Apply1(*f, &twice).reason, "gopher_repetition:dup_para_frac");
  auto empty = Doc("");
  EXPECT_EQ(Apply1(*f, &empty).reason, "gopher_repetition:empty");
}

TEST(GopherQuality, Rules) {
  auto f = MakeGopherQualityFilter({});
  auto short_doc = Doc(kPara);  // 40 words
  EXPECT_EQ(Apply1(*f, &short_doc).reason, "gopher_quality:short_doc");
  auto good = Doc(kPara + "\n" + kPara + " " + kPara);
  EXPECT_TRUE(Apply1(*f, &good).keep);
  std::string no_stop = kPara + " " + kPara + " " + kPara;
  for (std::string w : {" the ", " to ", " of "}) {
    for (size_t p; (p = no_stop.find(w)) != std::string::npos;) no_stop.replace(p, w.size(), " ");
  }
  auto lacking = Doc(no_stop);
  EXPECT_EQ(Apply1(*f, &lacking).reason, "gopher_quality:stop_words");
  auto hashes = Doc(kPara + " " + kPara + " " + std::string(40, '#'));
  EXPECT_EQ(Apply1(*f, &hashes).reason, "gopher_quality:hash_ratio");
  // German: no stop word list of ours; the check is skipped and recorded, not failed.
  auto german =
      Doc("LilyPond ist ein Notensatzsystem. Das erklärte Ziel ist es, Notendruck in bestmöglicher Qualität zu "
          "erstellen. Mit dem Programm wird es möglich, die Ästhetik handgestochenen traditionellen Notensatzes mit "
          "computergesetzten Noten zu erreichen. LilyPond ist Freie Software und Teil des GNU-Projekts. LilyPond ist "
          "ein sehr mächtiges und flexibles Werkzeug, das Notensatz unterschiedlichster Art handhaben kann.",
          "de");
  Decision d = Apply1(*f, &german);
  EXPECT_TRUE(d.keep) << d.reason;
  ASSERT_EQ(d.skipped.size(), 1u);
  EXPECT_EQ(d.skipped[0].rfind("gopher_quality:stop_words:", 0), 0u);
  // Japanese: words are characters; mean word length is skipped, not failed.
  std::string ja;
  for (int i = 0; i < 4; ++i)
    ja += "大きなプロジェクトに取り組んでいるとき、入力ファイルの構造をすっきりさせておくことが不可欠です。";
  auto japanese = Doc(ja, "ja");
  d = Apply1(*f, &japanese);
  EXPECT_TRUE(d.keep) << d.reason;
  EXPECT_EQ(d.skipped.front().rfind("gopher_quality:mean_word_length:", 0), 0u);
}

TEST(C4, LinesAreRemovedAndCounted) {
  auto f = MakeC4Filter({});
  std::string text = kPara + "\nThis site uses cookies to improve your experience.\nShort line.\n" + kPara + "[12]\n" +
                     "Please enable JavaScript to view the comments.";
  auto doc = Doc(text);
  Decision d = Apply1(*f, &doc);
  ASSERT_TRUE(d.keep) << d.reason;
  EXPECT_EQ(doc.text, kPara + "\n" + kPara);
  EXPECT_EQ(d.changes["c4:line_policy"], 1u);
  EXPECT_EQ(d.changes["c4:line_too_few_words"], 1u);
  EXPECT_EQ(d.changes["c4:line_javascript"], 1u);
  auto curly = Doc(kPara + "\nint main() { return 0; }");
  EXPECT_EQ(Apply1(*f, &curly).reason, "c4:curly_bracket");
  auto lorem = Doc(kPara + "\nLorem ipsum dolor sit amet.");
  EXPECT_EQ(Apply1(*f, &lorem).reason, "c4:lorem_ipsum");
  auto few = Doc("One sentence only here.\nAnd a second one.");
  EXPECT_EQ(Apply1(*f, &few).reason, "c4:too_few_sentences");
}

TEST(FineWeb, Ratios) {
  auto f = MakeFineWebFilter({});
  auto good = Doc(kPara + "\n" + kPara.substr(0, 120) + " and more.");
  EXPECT_TRUE(Apply1(*f, &good).keep);
  EXPECT_FALSE(Apply1(*f, &good).value.has_value());
  auto menu = Doc("Home\nAbout us\nProducts\nContact\n" + kPara);
  Decision m = Apply1(*f, &menu);
  EXPECT_EQ(m.reason, "fineweb:short_line_ratio");
  // What the check measured (4 of 5 lines short) and the threshold it crossed.
  ASSERT_TRUE(m.value && m.threshold);
  EXPECT_DOUBLE_EQ(*m.value, 0.8);
  EXPECT_DOUBLE_EQ(*m.threshold, 0.67);
  std::string unpunctuated;
  for (int i = 0; i < 9; ++i)
    unpunctuated += "A heading line that is long enough but has no end " + std::to_string(i) + "\n";
  auto headings = Doc(unpunctuated + kPara);
  Decision h = Apply1(*f, &headings);
  EXPECT_EQ(h.reason, "fineweb:line_punct_ratio");
  ASSERT_TRUE(h.value && h.threshold);
  EXPECT_DOUBLE_EQ(*h.value, 0.1);
  EXPECT_LT(*h.value, *h.threshold);
  auto dup = Doc(kPara + "\n" + kPara);
  EXPECT_EQ(Apply1(*f, &dup).reason, "fineweb:char_dup_ratio");
}

TEST(Pii, EmailsAndPublicAddressesReplacedInTurn) {
  auto f = MakePiiFilter({});
  ASSERT_TRUE(f.ok());
  auto doc =
      Doc("Write to jane.doe@lists.example.com or bob@mail.org; server 8.8.8.8, gateway 192.168.1.1, "
          "odd 08.8.8.8, next 1.1.1.1.");
  Decision d = Apply1(**f, &doc);
  // As datatrove 0.10.1 writes it: a private address and one with a leading
  // zero (not an address to Python's ipaddress) stay.
  EXPECT_EQ(doc.text,
            "Write to email@example.com or firstname.lastname@example.org; server 22.214.171.124, gateway "
            "192.168.1.1, odd 08.8.8.8, next 126.96.36.199.");
  EXPECT_EQ(d.changes["pii:email"], 2u);
  EXPECT_EQ(d.changes["pii:ip"], 2u);
}

TEST(Url, ListsAndWords) {
  UrlOptions o;
  o.block_domains = {"bad.example"};
  o.block_urls = {"https://ok.example/exact"};
  o.banned_words = {"casino"};
  o.soft_banned_words = {"free", "pills"};
  o.banned_subwords = {"xxx"};
  auto f = MakeUrlFilter(o);
  auto check = [&](const std::string& url) {
    auto d = Doc(kPara, "en", url);
    return Apply1(*f, &d).reason;
  };
  EXPECT_EQ(check("https://bad.example/"), "url:domain");
  EXPECT_EQ(check("http://www.shop.Bad.Example:8080/a"), "url:subdomain");
  EXPECT_EQ(check("https://ok.example/exact"), "url:url");
  EXPECT_EQ(check("https://ok.example/online-casino/"), "url:banned_word");
  EXPECT_EQ(check("https://ok.example/free/pills"), "url:soft_banned_words");
  EXPECT_EQ(check("https://ok.example/free"), "");
  EXPECT_EQ(check("https://ok.example/a-XXX-b"), "url:banned_subword");
  EXPECT_EQ(check("https://notbad.example/"), "");
}

TEST(Pipeline, ConfigIsStrict) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/ok.toml") << "[filter]\nsteps = [\"c4\", \"fineweb\"]\n[filter.c4]\nmin_num_sentences = 2\n";
  auto p = LoadFilterPipeline(dir + "/ok.toml");
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->filters().size(), 2u);
  std::ofstream(dir + "/typo.toml") << "[filter.c4]\nmin_num_sentence = 2\n";
  auto typo = LoadFilterPipeline(dir + "/typo.toml");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("filter.c4.min_num_sentence is not a known option"), std::string::npos);
  std::ofstream(dir + "/step.toml") << "[filter]\nsteps = [\"gopher\"]\n";
  EXPECT_FALSE(LoadFilterPipeline(dir + "/step.toml").ok());
  auto defaults = LoadFilterPipeline("");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->filters().size(), 7u);
}

// A language code CLD2 never answers would drop every document: refused,
// with the codes there are, in either place the list can be given.
TEST(Pipeline, UnknownLanguageCodesAreRefused) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/top.toml") << "[filter]\nlanguages = [\"de\", \"eng\"]\n";
  std::ofstream(dir + "/section.toml") << "[filter.language]\nlanguages = [\"zh-TW\"]\n";
  for (const char* name : {"/top.toml", "/section.toml"}) {
    auto p = LoadFilterPipeline(dir + name);
    ASSERT_FALSE(p.ok()) << name;
    const std::string& m = p.status().message();
    EXPECT_NE(m.find(dir + name), std::string::npos) << m;
    EXPECT_NE(m.find("not a language code crawlproof can identify"), std::string::npos) << m;
    EXPECT_NE(m.find("zh-Hant"), std::string::npos) << m;  // the list of codes
  }
  std::ofstream(dir + "/ok.toml") << "[filter]\nlanguages = [\"zh\", \"zh-Hant\", \"sr-ME\", \"und\"]\n";
  auto ok = LoadFilterPipeline(dir + "/ok.toml");
  EXPECT_TRUE(ok.ok()) << ok.status().message();
}

// Good pages in four languages (the Debian FAQ's first chapter, from
// Debian's packages) pass the whole FineWeb recipe when every language is
// allowed: no check drops a language wholesale; checks that do not apply are
// skipped and recorded.
TEST(Pipeline, GoodPagesInFourLanguagesAreKept) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/all.toml") << "[filter]\nrecipe = \"fineweb\"\n"
                                   << "[filter.language]\nlanguages = []\nmin_score = 0.5\n";
  auto pipeline = LoadFilterPipeline(dir + "/all.toml");
  ASSERT_TRUE(pipeline.ok()) << pipeline.status().message();
  auto reader =
      ingest::WarcReader::Open(std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/debian-faq-multilingual.warc.gz");
  ASSERT_TRUE(reader.ok());
  ingest::WarcRecord rec;
  std::map<std::string, Decision> by_lang;
  while (true) {
    auto r = (*reader)->Next(&rec);
    ASSERT_TRUE(r.ok());
    if (!*r) break;
    auto o = extract::ExtractRecord(rec, "faq");
    ASSERT_TRUE(o.ok) << o.skip_reason;
    FilterDocument d;
    d.id = o.doc.id;
    d.url = o.doc.url;
    d.lang = o.doc.lang;
    d.lang_score = o.doc.lang_score;
    d.text = o.doc.text;
    by_lang[d.lang] = pipeline->Run(&d).value();
  }
  ASSERT_EQ(by_lang.size(), 4u);
  for (const char* lang : {"de", "ru", "ja", "zh"}) {
    ASSERT_TRUE(by_lang.count(lang)) << lang;
    EXPECT_TRUE(by_lang[lang].keep) << lang << ": " << by_lang[lang].reason;
  }
  auto has = [](const Decision& d, const std::string& prefix) {
    for (const auto& s : d.skipped) {
      if (s.rfind(prefix, 0) == 0) return true;
    }
    return false;
  };
  EXPECT_TRUE(has(by_lang["ru"], "gopher_quality:stop_words:"));
  EXPECT_FALSE(has(by_lang["ru"], "gopher_repetition:n_grams:"));
  EXPECT_TRUE(has(by_lang["ja"], "gopher_repetition:n_grams:"));
  EXPECT_TRUE(has(by_lang["zh"], "gopher_quality:mean_word_length:"));
}

}  // namespace
}  // namespace crawlproof::filter
