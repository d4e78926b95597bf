#include "common/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace crawlproof {
namespace {

// One match data block per thread, large enough for any of our patterns'
// whole-match offsets (capture groups beyond it are simply not reported).
pcre2_match_data* ThreadMatchData() {
  struct Holder {
    pcre2_match_data* data = pcre2_match_data_create(16, nullptr);
    ~Holder() { pcre2_match_data_free(data); }
  };
  thread_local Holder holder;
  return holder.data;
}

// One match context per thread and limit (contexts are not shared between
// threads): the limit of the Regex that asks.
pcre2_match_context* ThreadMatchContext(uint32_t limit) {
  struct Holder {
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
    ~Holder() { pcre2_match_context_free(context); }
  };
  thread_local Holder holder;
  pcre2_set_match_limit(holder.context, limit);
  return holder.context;
}

}  // namespace

Result<std::unique_ptr<Regex>> Regex::Compile(std::string_view pattern, uint32_t match_limit) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    return Status::InvalidArgument("regular expression /" + std::string(pattern) + "/ at offset " +
                                   std::to_string(offset) + ": " + reinterpret_cast<const char*>(message));
  }
  std::unique_ptr<Regex> regex(new Regex());
  regex->code_ = code;
  regex->jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
  regex->pattern_ = std::string(pattern);
  regex->match_limit_ = match_limit;
  return regex;
}

Regex::~Regex() {
  if (code_) pcre2_code_free(code_);
}

bool Regex::Find(std::string_view subject, size_t from, size_t* begin, size_t* end) const {
  pcre2_match_data* md = ThreadMatchData();
  auto s = reinterpret_cast<PCRE2_SPTR>(subject.data());
  pcre2_match_context* context = match_limit_ ? ThreadMatchContext(match_limit_) : nullptr;
  int rc = jit_ ? pcre2_jit_match(code_, s, subject.size(), from, 0, md, context)
                : pcre2_match(code_, s, subject.size(), from, 0, md, context);
  if (rc < 0) return false;
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  *begin = ov[0];
  *end = ov[1];
  return true;
}

}  // namespace crawlproof
