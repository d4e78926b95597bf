#include "prompts/prompt.h"

#include <algorithm>

#include "common/digest.h"
#include "common/encoding.h"

namespace crawlproof::prompts {

std::string PromptId(const std::string& doc_id, const Candidate& c) {
  std::string key = doc_id;
  for (const std::string* part : {&c.kind, &c.question, &c.answer}) {
    key += '\0';
    key += *part;
  }
  std::string id = HexEncode(Sha256(key).substr(0, 16));
  id.insert(0, 1, 'p');
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

PromptRecord MakeRecord(const Prompt& p, const PromptSource& src, uint64_t index, const PromptOptions& o,
                        std::vector<uint32_t> prompt_ids) {
  PromptRecord r;
  r.data_source = DataSource(p.answer);
  if (!o.system.empty()) r.messages.emplace_back("system", o.system);
  r.messages.emplace_back("user", ApplyTemplate(o, p.question));
  r.ability = p.kind == "qa" && p.answer.type == "phrase" ? "qa" : "math";
  r.ground_truth = p.answer.ground_truth;
  r.index = index;
  r.split = p.split;
  r.prompt_id = p.id;
  r.doc_id = src.doc_id;
  r.url = src.url;
  r.crawl = src.crawl;
  r.file = src.file;
  r.offset = src.offset;
  r.length = src.length;
  r.record_id = src.record_id;
  r.ledger_leaf = src.ledger_leaf;
  r.verification = src.verification;
  r.kind = p.kind;
  r.answer_type = p.answer.type;
  r.prompt_ids = std::move(prompt_ids);
  return r;
}

std::string VerlRow(const Prompt& p, const PromptSource& src, uint64_t index, const PromptOptions& o) {
  return RecordJson(MakeRecord(p, src, index, o));
}

}  // namespace crawlproof::prompts
