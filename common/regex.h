// Regular expressions: PCRE2 with Unicode properties, JIT-compiled.
//
// Patterns are UTF-8 in PCRE2's syntax with PCRE2_UCP (\w, \d, \s, \b and
// POSIX classes by Unicode property). Subjects may hold invalid UTF-8: such
// bytes match nothing (PCRE2_MATCH_INVALID_UTF) instead of failing the match.
//
// Thread safety: a compiled Regex is immutable; Find() may be called from any
// number of threads at once (match data is per thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

struct pcre2_real_code_8;

namespace crawlproof {

class Regex {
 public:
  // Errors: InvalidArgument naming the pattern, the offset and PCRE2's reason.
  // `match_limit` (0: PCRE2's default, 10 million) bounds the backtracking
  // steps of one Find(): a pattern that can backtrack quadratically on
  // hostile input (spaCy's URL pattern) reports no match once it is spent,
  // so no subject costs more than a fixed time.
  static Result<std::unique_ptr<Regex>> Compile(std::string_view pattern, uint32_t match_limit = 0);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // The first match that starts at or after byte `from` of `subject`:
  // [*begin, *end). False when there is none.
  bool Find(std::string_view subject, size_t from, size_t* begin, size_t* end) const;

  const std::string& pattern() const { return pattern_; }

 private:
  Regex() = default;
  pcre2_real_code_8* code_ = nullptr;
  bool jit_ = false;
  uint32_t match_limit_ = 0;
  std::string pattern_;
};

}  // namespace crawlproof
