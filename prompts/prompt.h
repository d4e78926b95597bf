// From candidate to prompt row: the decision (with its reason), the stable
// id and split, and the row in verl's shape (docs/prompts.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "prompts/answer.h"
#include "prompts/candidates.h"
#include "prompts/parquet.h"
#include "prompts/question.h"

namespace crawlproof::prompts {

// [prompts] in the pipeline file.
struct PromptOptions {
  bool enabled = false;
  std::vector<std::string> kinds = {"qa", "math", "exercise"};
  int max_answer_words = 10;
  int max_prompt_tokens = 1024;
  // The user message; {prompt} is replaced by the question. The default asks
  // for the final answer in \boxed{}, where verl's math scorer looks.
  std::string template_text = "{prompt}\n\nPlease reason step by step, and put your final answer within \\boxed{}.";
  std::string system;              // a system message when not empty
  double validation_fraction = 0;  // share of prompts in the "validation" split (by id, stable)
  QuestionOptions question;
  std::vector<std::string> languages;  // allowed document languages; empty: every language
};

// The [prompts] table of a pipeline file (absent, or an empty path: the
// defaults, disabled). Errors: NotFound, InvalidArgument naming the file
// and the key.
Result<PromptOptions> LoadPromptOptions(const std::string& pipeline_path);

// Where a prompt came from: its document's account, as the store has it.
struct PromptSource {
  std::string doc_id, url, crawl, file, record_id, verification, lang;
  uint64_t offset = 0, length = 0;
  std::optional<uint64_t> ledger_leaf;
};

struct Prompt {
  std::string id;     // "p" + 32 hex digits (PromptId)
  std::string kind;   // candidate kind
  std::string found;  // candidate source ("json-ld", "boxed", …)
  std::string question, answer_text;
  Answer answer;       // type and ground truth when verifiable
  std::string reason;  // "" when kept, else "prompts:<check>"
  std::string split;   // "train" or "validation"
};

// Stable: SHA-256 of the document id, kind, question and answer text.
std::string PromptId(const std::string& doc_id, const Candidate& c);

// The decision for one candidate of a kept document, checks in order:
// language, answer (answer.h), question (question.h; an answer may appear in
// a yes/no question). Dedup, decontamination and the token bound are the
// stage's (they need the other prompts and the tokenizer).
Prompt Decide(const Candidate& c, const PromptSource& src, const PromptOptions& o);

// The user message: the template with {prompt} replaced.
std::string ApplyTemplate(const PromptOptions& o, const std::string& question);

// verl's data_source for an answer type: "lighteval/MATH" (its math scorer
// takes the last \boxed{} of the response and compares it with the ground
// truth after the MATH normalisation) for every type we emit.
const char* DataSource(const Answer& a);

// The row, typed (parquet.h), with `prompt_ids` the caller's token ids of
// the user message.
PromptRecord MakeRecord(const Prompt& p, const PromptSource& src, uint64_t index, const PromptOptions& o,
                        std::vector<uint32_t> prompt_ids = {});

// One row, one JSON line without newline: data_source, prompt (chat
// messages), ability, reward_model {style: "rule", ground_truth}, extra_info
// (index, split, prompt_id, doc_id, url, crawl, file, offset, length,
// record_id, ledger_leaf, verification, kind, answer_type), prompt_ids,
// prompt_tokens: RecordJson(MakeRecord(...)).
std::string VerlRow(const Prompt& p, const PromptSource& src, uint64_t index, const PromptOptions& o);

}  // namespace crawlproof::prompts
