// Our filters against datatrove's decisions on real documents, recorded by
// bench/filter_agreement.py (datatrove 0.10.1, spaCy 3 English tokenizer) in
// tests/data/filter-reference.jsonl.gz: 241 English pages of the PostgreSQL
// and SQLite manuals as `crawlproof extract` produced them.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>

#include "filter/filters.h"
#include "ingest/line_reader.h"

namespace crawlproof::filter {
namespace {

TEST(Reference, DecisionsAgreeWithDatatrove) {
  std::map<std::string, std::unique_ptr<Filter>> filters;
  filters["gopher_repetition"] = MakeGopherRepetitionFilter({});
  filters["gopher_quality"] = MakeGopherQualityFilter({});
  filters["c4"] = MakeC4Filter({});
  filters["fineweb"] = MakeFineWebFilter({});
  filters["pii"] = std::move(MakePiiFilter({})).value();
  std::map<std::string, int> agree, total, text_agree, text_total;
  simdjson::dom::parser parser;
  std::string path = std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/filter-reference.jsonl.gz";
  Status s = ingest::ForEachLine(path, {}, [&](std::string_view line) {
    simdjson::padded_string padded(line);
    simdjson::dom::element doc = parser.parse(padded).value();
    std::string text(doc["text"].get_string().value());
    for (auto& [name, f] : filters) {
      simdjson::dom::element ref = doc["datatrove"][name].value();
      FilterDocument d;
      d.id = std::string(doc["id"].get_string().value());
      d.url = std::string(doc["url"].get_string().value());
      d.lang = std::string(doc["lang"].get_string().value());
      d.lang_score = doc["lang_score"].get_double().value();
      d.text = text;
      Decision dec;
      f->Apply(&d, &dec);
      bool keep = ref["keep"].get_bool().value();
      ++total[name];
      if (dec.keep == keep) ++agree[name];
      if (keep && dec.keep && (name == "c4" || name == "pii")) {
        std::string_view after;
        std::string expected = ref["text_after"].get(after) ? text : std::string(after);
        ++text_total[name];
        if (d.text == expected) ++text_agree[name];
      }
    }
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.message();
  for (const auto& [name, n] : total) {
    ASSERT_EQ(n, 241) << name;
    EXPECT_GE(agree[name], 240) << name << ": " << agree[name] << " of " << n;  // at least 99.5%
  }
  EXPECT_EQ(text_agree["c4"], text_total["c4"]);
  EXPECT_EQ(text_agree["pii"], text_total["pii"]);
  EXPECT_GT(text_total["c4"], 150);
}

}  // namespace
}  // namespace crawlproof::filter
