// [filter] recipe: FineWeb-2's per-language settings (filter/recipe.h), the
// word rules of each language (words.h) and dictionary segmentation.
// GCC 12 reports a false -Wrestrict on "literal" + std::string (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include "filter/recipe.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <string>

#include "common/unicode.h"
#include "filter/filters.h"
#include "filter/words.h"
#include "ingest/line_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::filter {
namespace {

std::string Join(std::string_view text, const WordRules& rules) {
  std::u32string t = DecodeUtf8(text);
  std::string out;
  for (auto w : SplitWords(t, rules)) out += (out.empty() ? "" : "|") + EncodeUtf8(w);
  return out;
}

// What spaCy 3.8's tokenizer for each language makes of one line (through
// datatrove's split_into_words, as FineWeb-2 counted words).
TEST(WordRules, SplitAsSpacyDoesPerLanguage) {
  const std::string line = "GNU/Linux Debian-systeem l'homme d'un dell'uomo x,y 10-20 it's";
  EXPECT_EQ(Join(line, WordRulesFor("en")), "GNU|/|Linux|Debian|-|systeem|l'homme|d'un|dell'uomo|x|,|y|10|-|20|it|'s");
  EXPECT_EQ(Join(line, WordRulesFor("nl")), "GNU/Linux|Debian-systeem|l'homme|d'un|dell'uomo|x|,|y|10-20|it's");
  EXPECT_EQ(Join(line, WordRulesFor("de")), "GNU|/|Linux|Debian-systeem|l'homme|d'un|dell'uomo|x|,|y|10|-|20|it's");
  EXPECT_EQ(Join(line, WordRulesFor("fr")),
            "GNU|/|Linux|Debian|-|systeem|l'|homme|d'|un|dell'|uomo|x|,|y|10|-|20|it's");
  EXPECT_EQ(Join(line, WordRulesFor("it")),
            "GNU|/|Linux|Debian|-|systeem|l'|homme|d'|un|dell'|uomo|x|,|y|10|-|20|it|'s");
  EXPECT_EQ(Join("Kapitel 2. und 2.5. x", WordRulesFor("de")), "Kapitel|2.|und|2.5.|x");
  EXPECT_EQ(Join("2. 31. 32. 2.5.", WordRulesFor("da")), "2.|31.|32|.|2.5|.");
  EXPECT_EQ(Join("del al pel Del cal", WordRulesFor("ca")), "d|el|a|l|p|el|Del|cal");
  EXPECT_EQ(Join("hal-hal terburu-buru Debian-based", WordRulesFor("id")), "hal-hal|terburu-buru|Debian|-|based");
  // English contractions only in English.
  EXPECT_EQ(Join("don't dont", WordRulesFor("en")), "do|n't|do|nt");
  EXPECT_EQ(Join("don't dont", WordRulesFor("de")), "don't|dont");
}

// Text without spaces: one word per character (FineWeb's approximation), or
// dictionary words from ICU's word break iterator.
TEST(WordRules, DictionarySegmentation) {
  WordRules dict;
  dict.unspaced = Unspaced::kDictionary;
  EXPECT_EQ(Join("我们在北京工作。", WordRules{}), "我|们|在|北|京|工|作|。");
  const std::string zh = Join("我们在北京工作。", dict);
  EXPECT_NE(zh.find("北京"), std::string::npos) << zh;
  EXPECT_NE(zh.find("我们"), std::string::npos) << zh;
  const std::string ja = Join("東京タワーに行きました", dict);
  EXPECT_NE(ja.find("東京"), std::string::npos) << ja;
  EXPECT_NE(ja.find("タワー"), std::string::npos) << ja;
  const std::string th = Join("ภาษาไทยง่ายนิดเดียว", dict);
  EXPECT_NE(th.find("ภาษา"), std::string::npos) << th;
  EXPECT_NE(th.find("|"), std::string::npos) << th;
  // The pieces cover the text exactly, code points outside the BMP included.
  std::string wide = Join("𠀋𠀋北京大学", dict);
  EXPECT_GE(std::count(wide.begin(), wide.end(), '|'), 1) << wide;
  wide.erase(std::remove(wide.begin(), wide.end(), '|'), wide.end());
  EXPECT_EQ(wide, "𠀋𠀋北京大学");
  std::string mixed = Join("Debian是一个操作系统 (Linux)", dict);
  EXPECT_EQ(mixed.rfind("Debian|", 0), 0u) << mixed;
  EXPECT_NE(mixed.find("|操作|系统|(|Linux|)"), std::string::npos) << mixed;
}

TEST(Recipe, FineWeb2DataIsCompiledIn) {
  const auto& langs = FineWeb2Languages();
  EXPECT_GE(langs.size(), 150u);
  EXPECT_EQ(langs.count("en"), 0u);
  const FineWeb2Language& de = langs.at("de");
  EXPECT_EQ(de.source, "deu_Latn");
  EXPECT_DOUBLE_EQ(de.language_score, 0.821);
  EXPECT_DOUBLE_EQ(de.min_alpha_words_ratio, 0.774);
  EXPECT_EQ(de.top_n_grams.size(), 3u);
  EXPECT_EQ(de.dup_n_grams.front(), (std::pair<int, double>{5, 0.141}));
  EXPECT_NE(std::find(de.stop_words.begin(), de.stop_words.end(), "und"), de.stop_words.end());
  EXPECT_EQ(langs.at("zh-Hant").source, "cmn_Hani");
}

TEST(Recipe, LanguageScoreCalibration) {
  EXPECT_NEAR(CalibratedLanguageScore(0.3), 0.408, 0.001);
  EXPECT_NEAR(CalibratedLanguageScore(0.5), 0.5, 1e-9);
  EXPECT_NEAR(CalibratedLanguageScore(0.821), 0.666, 0.001);
  EXPECT_NEAR(CalibratedLanguageScore(0.9), 0.739, 0.001);
  EXPECT_NEAR(CalibratedLanguageScore(0.99), 1.0, 1e-9);
  for (double t = 0.05; t < 0.99; t += 0.01) EXPECT_LT(CalibratedLanguageScore(t), CalibratedLanguageScore(t + 0.01));
}

std::string WriteConfig(const std::string& body) {
  static int n = 0;
  std::string path = testing::MakeTempDir() + "/f" + std::to_string(n++) + ".toml";
  std::ofstream(path) << body;
  return path;
}

bool Skipped(const Decision& d, const std::string& what) {
  return std::find(d.skipped.begin(), d.skipped.end(), what) != d.skipped.end();
}

TEST(Recipe, NamesAreCheckedAndListed) {
  auto bad = LoadFilterPipeline(WriteConfig("[filter]\nrecipe = \"fineweb2\"\n"));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("filter.recipe must be \"fineweb\", \"fineweb-2\" or \"auto\", not "
                                        "\"fineweb2\""),
            std::string::npos)
      << bad.status().message();
  for (const char* name : {"fineweb", "fineweb-2", "auto"})
    EXPECT_TRUE(LoadFilterPipeline(WriteConfig(std::string("[filter]\nrecipe = \"") + name + "\"\n")).ok()) << name;
}

// Real pages of the multilingual crawl (tests/data/multilingual-docs.jsonl.gz).
std::map<std::string, std::vector<FilterDocument>> PagesByLanguage() {
  std::map<std::string, std::vector<FilterDocument>> out;
  simdjson::dom::parser parser;
  Status s = ingest::ForEachLine(testing::TestDataPath("multilingual-docs.jsonl.gz"), {}, [&](std::string_view l) {
    simdjson::padded_string padded(l);
    simdjson::dom::element e = parser.parse(padded).value();
    FilterDocument d;
    d.id = std::string(e["id"].get_string().value());
    d.url = std::string(e["url"].get_string().value());
    d.lang = std::string(e["lang"].get_string().value());
    d.lang_score = 1;  // the file has no scores: the language step is not what these tests look at
    d.text = std::string(e["text"].get_string().value());
    out[d.lang].push_back(std::move(d));
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

// English keeps FineWeb's recipe unless fineweb-2 is asked for; "fineweb"
// is FineWeb's for every language (what a pipeline without `recipe` did
// before FineWeb-2's settings came).
TEST(Recipe, WhichLanguagesGetWhichRecipe) {
  auto pages = PagesByLanguage();
  auto fineweb = LoadFilterPipeline(WriteConfig("[filter]\nlanguages = []\nrecipe = \"fineweb\"\n"));
  auto automatic = LoadFilterPipeline(WriteConfig("[filter]\nlanguages = []\n"));
  auto fineweb2 = LoadFilterPipeline(WriteConfig("[filter]\nlanguages = []\nrecipe = \"fineweb-2\"\n"));
  ASSERT_TRUE(fineweb.ok() && automatic.ok() && fineweb2.ok());
  auto run = [](FilterPipeline& p, FilterDocument d) { return p.Run(&d).value(); };
  int english = 0, english_kept = 0, german_changed = 0;
  for (const auto& d : pages["en"]) {
    Decision a = run(*fineweb, d), b = run(*automatic, d), c = run(*fineweb2, d);
    EXPECT_EQ(a.keep, b.keep) << d.url;
    EXPECT_EQ(a.reason, b.reason) << d.url;
    EXPECT_EQ(a.skipped, b.skipped) << d.url;
    EXPECT_EQ(a.changes, b.changes) << d.url;
    ++english;
    // Under fineweb-2, C4's rules are not applied (FineWeb-2 does not).
    EXPECT_EQ(c.reason.rfind("c4:", 0), std::string::npos) << d.url;
    if (c.keep) {
      ++english_kept;
      EXPECT_TRUE(Skipped(c, "c4:all:fineweb-2 recipe, en")) << d.url;
    }
  }
  EXPECT_GT(english, 100);
  EXPECT_GT(english_kept, 10);
  for (const auto& d : pages["de"]) {
    Decision a = run(*fineweb, d), b = run(*automatic, d);
    if (a.keep != b.keep || a.reason != b.reason) ++german_changed;
    if (b.keep) {
      EXPECT_TRUE(Skipped(b, "c4:all:fineweb-2 recipe, de")) << d.url;
    }
    if (a.keep) {
      EXPECT_FALSE(Skipped(a, "c4:all:fineweb-2 recipe, de")) << d.url;
    }
    EXPECT_EQ(b.reason.rfind("c4:", 0), std::string::npos) << d.url;
  }
  EXPECT_GT(german_changed, 10);  // German pages now meet German thresholds
  // Japanese and Chinese words come from the dictionary: the n-gram and
  // word-length checks apply instead of being skipped.
  for (const char* lang : {"ja", "zh"}) {
    for (const auto& d : pages[lang]) {
      Decision a = run(*fineweb, d), b = run(*automatic, d);
      if (a.keep) {
        EXPECT_TRUE(Skipped(a, std::string("gopher_repetition:n_grams:no spaces between words in ") + lang));
      }
      for (const auto& s : b.skipped) EXPECT_EQ(s.find("no spaces between words"), std::string::npos) << s;
    }
  }
}

// A key the file sets applies to every language, over FineWeb-2's value.
TEST(Recipe, TheFilesKeysWinForEveryLanguage) {
  auto pages = PagesByLanguage();
  auto strict = LoadFilterPipeline(WriteConfig("[filter]\nsteps = [\"gopher_quality\"]\n"));
  auto loose = LoadFilterPipeline(WriteConfig(
      "[filter]\nsteps = [\"gopher_quality\"]\n[filter.gopher_quality]\nmin_alpha_words_ratio = 0.1\n"
      "min_stop_words = 0\nmin_doc_words = 1\nmax_doc_words = 0\nmin_avg_word_length = 0\nmax_avg_word_length = 1000\n"
      "max_symbol_word_ratio = 1\nmax_bullet_lines_ratio = 1\nmax_ellipsis_lines_ratio = 1\n"));
  ASSERT_TRUE(strict.ok() && loose.ok());
  int strict_drops = 0;
  for (const char* lang : {"de", "es", "fr", "ja"}) {
    for (auto d : pages[lang]) {
      FilterDocument copy = d;
      strict_drops += !strict->Run(&d).value().keep;
      EXPECT_TRUE(loose->Run(&copy).value().keep) << copy.url;
    }
  }
  EXPECT_GT(strict_drops, 20);
}

// Under FineWeb-2, the language step's threshold is the language's
// calibrated one; the file's min_score replaces it everywhere.
TEST(Recipe, LanguageThresholds) {
  auto automatic = LoadFilterPipeline(WriteConfig("[filter]\nsteps = [\"language\"]\nlanguages = []\n"));
  auto fixed = LoadFilterPipeline(
      WriteConfig("[filter]\nsteps = [\"language\"]\nlanguages = []\n[filter.language]\nmin_score = 0.65\n"));
  ASSERT_TRUE(automatic.ok() && fixed.ok());
  auto keep = [](FilterPipeline& p, const char* lang, double score) {
    FilterDocument d;
    d.lang = lang;
    d.lang_score = score;
    d.text = "x";
    return p.Run(&d).value().keep;
  };
  // Danish: FineWeb-2's 0.3 -> 0.408; Russian: 0.9 -> 0.739; English: 0.65.
  EXPECT_TRUE(keep(*automatic, "da", 0.45));
  EXPECT_FALSE(keep(*fixed, "da", 0.45));
  EXPECT_FALSE(keep(*automatic, "ru", 0.72));
  EXPECT_TRUE(keep(*automatic, "ru", 0.75));
  EXPECT_FALSE(keep(*automatic, "en", 0.6));
  EXPECT_TRUE(keep(*automatic, "en", 0.7));
}

}  // namespace
}  // namespace crawlproof::filter
