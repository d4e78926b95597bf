#include "prompts/prompt.h"

#include <algorithm>

#include "common/digest.h"
#include "common/json.h"

namespace crawlproof::prompts {

std::string PromptId(const std::string& doc_id, const Candidate& c) {
  std::string key = doc_id;
  for (const std::string* part : {&c.kind, &c.question, &c.answer}) {
    key += '\0';
    key += *part;
  }
  std::string digest = Sha256(key);
  static const char* kHex = "0123456789abcdef";
  std::string id = "p";
  for (size_t i = 0; i < 16; ++i) {
    unsigned char b = static_cast<unsigned char>(digest[i]);
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

Prompt Decide(const Candidate& c, const PromptSource& src, const PromptOptions& o) {
  Prompt p;
  p.id = PromptId(src.doc_id, c);
  p.kind = c.kind;
  p.found = c.source;
  p.question = c.question;
  p.answer_text = c.answer;
  // The split by the id's bits: stable across runs and executors.
  uint64_t h = 0;
  for (size_t i = 1; i < 14 && i < p.id.size(); ++i)
    h = h * 16 + static_cast<uint64_t>(p.id[i] <= '9' ? p.id[i] - '0' : p.id[i] - 'a' + 10);
  p.split = static_cast<double>(h) / static_cast<double>(1ull << 52) < o.validation_fraction ? "validation" : "train";
  if (!o.languages.empty() && std::find(o.languages.begin(), o.languages.end(), src.lang) == o.languages.end()) {
    p.reason = "prompts:language";
    return p;
  }
  p.answer = ClassifyAnswer(c.answer, o.max_answer_words);
  if (!p.answer.ok) {
    p.reason = "prompts:" + p.answer.reason;
    return p;
  }
  std::string check = CheckQuestion(c.question, p.answer.type == "yes_no" ? "" : p.answer.ground_truth, o.question);
  if (!check.empty()) p.reason = "prompts:" + check;
  return p;
}

std::string ApplyTemplate(const PromptOptions& o, const std::string& question) {
  std::string out = o.template_text;
  for (size_t at = out.find("{prompt}"); at != std::string::npos; at = out.find("{prompt}", at + question.size()))
    out.replace(at, 8, question);
  return out;
}

const char* DataSource(const Answer&) {
  return "lighteval/MATH";
}

std::string VerlRow(const Prompt& p, const PromptSource& src, uint64_t index, const PromptOptions& o) {
  std::string messages = "[";
  if (!o.system.empty()) messages += JsonObject().Add("role", "system").Add("content", o.system).str() + ",";
  messages += JsonObject().Add("role", "user").Add("content", ApplyTemplate(o, p.question)).str() + "]";
  JsonObject reward;
  reward.Add("style", "rule").Add("ground_truth", p.answer.ground_truth);
  JsonObject extra;
  extra.Add("index", index)
      .Add("split", p.split)
      .Add("prompt_id", p.id)
      .Add("doc_id", src.doc_id)
      .Add("url", src.url)
      .Add("crawl", src.crawl)
      .Add("file", src.file)
      .Add("offset", src.offset)
      .Add("length", src.length)
      .Add("record_id", src.record_id);
  if (src.ledger_leaf) {
    extra.Add("ledger_leaf", *src.ledger_leaf);
  } else {
    extra.AddNull("ledger_leaf");
  }
  extra.Add("verification", src.verification).Add("kind", p.kind).Add("answer_type", p.answer.type);
  JsonObject row;
  row.Add("data_source", DataSource(p.answer))
      .AddRaw("prompt", messages)
      .Add("ability", p.kind == "qa" && p.answer.type == "phrase" ? "qa" : "math")
      .AddRaw("reward_model", reward.str())
      .AddRaw("extra_info", extra.str());
  return row.str();
}

}  // namespace crawlproof::prompts
