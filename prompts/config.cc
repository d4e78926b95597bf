// LoadPromptOptions (prompt.h): the [prompts] section of a pipeline file.
#include <toml++/toml.h>

#include <algorithm>

#include "common/toml_section.h"
#include "extract/language.h"
#include "prompts/prompt.h"

namespace crawlproof::prompts {

Result<PromptOptions> LoadPromptOptions(const std::string& path) {
  PromptOptions o;
  if (path.empty()) return o;
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path, 16 << 20));
  const toml::table* section = nullptr;
  RETURN_IF_ERROR(TomlSection(&root, "", path).Table("prompts", &section));
  TomlSection s(section, "prompts", path);
  RETURN_IF_ERROR(s.Get("enabled", &o.enabled));
  if (s.Node("kinds")) {
    RETURN_IF_ERROR(s.Get("kinds", &o.kinds));
    for (const auto& k : o.kinds)
      if (k != "qa" && k != "math" && k != "exercise")
        return s.Bad("kinds", "has \"" + k + "\"; the kinds are \"qa\", \"math\" and \"exercise\"");
    if (o.kinds.empty()) return s.Bad("kinds", std::string("is empty; leave it out for every kind"));
  }
  RETURN_IF_ERROR(s.Get("max_answer_words", &o.max_answer_words, 1, 100));
  RETURN_IF_ERROR(s.Get("max_prompt_tokens", &o.max_prompt_tokens, 1, 1000000));
  RETURN_IF_ERROR(s.Get("template", &o.template_text));
  if (o.template_text.find("{prompt}") == std::string::npos)
    return s.Bad("template", std::string("must contain {prompt}, where the question goes"));
  RETURN_IF_ERROR(s.Get("system", &o.system));
  RETURN_IF_ERROR(s.Get("validation_fraction", &o.validation_fraction, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("min_question_words", &o.question.min_words, 1, 100000));
  RETURN_IF_ERROR(s.Get("max_question_words", &o.question.max_words, 1, 100000));
  if (o.question.max_words < o.question.min_words)
    return s.Bad("max_question_words", std::string("is below min_question_words"));
  if (s.Node("languages")) {
    RETURN_IF_ERROR(s.Get("languages", &o.languages));
    const auto& known = extract::KnownLanguageCodes();
    for (const auto& l : o.languages)
      if (l != "und" && !std::binary_search(known.begin(), known.end(), l))
        return s.Bad("languages", "has \"" + l + "\", not a language code crawlproof can identify (docs/extract.md)");
  }
  RETURN_IF_ERROR(s.CheckUnknown());
  return o;
}

}  // namespace crawlproof::prompts
