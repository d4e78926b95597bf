// Status and Result<T>: how every function that input can make fail reports it.
//
// A Status is either OK or carries a code and a message. Messages name the file,
// the byte offset and what was expected, e.g.
//   "data/a.warc.gz: offset 1234: gzip member truncated (expected 8-byte trailer)".
// Both types are [[nodiscard]]: ignoring an error is a compile warning (an error
// with -Werror).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace crawlproof {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller asked for something malformed (usage, bad URI)
  kNotFound,           // file, object or key does not exist
  kIoError,            // the operating system or the network failed us
  kCorruption,         // input bytes are malformed (bad gzip, bad WARC header)
  kResourceExhausted,  // an explicit limit was hit (record size, inflation ratio)
  kUnavailable,        // a remote end kept failing after every retry
  kUnimplemented,      // a format or feature we do not support
  kInternal,           // a bug: an invariant did not hold
  // The operation ran to the end, but some of its input was bad or did not
  // verify (each case was reported where it was found; the message sums up).
  // Only commands return it: it becomes exit status 1 (docs/cli.md).
  kBadInput,
};

// Returns a stable lower-case name for `code`, e.g. "corruption".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status BadInput(std::string m) { return {StatusCode::kBadInput, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corruption: <message>", or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>" (same code).
  Status WithPrefix(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "Result constructed from an OK Status without a value");
    if (status_.ok()) status_ = Status::Internal("Result built from OK status without value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace crawlproof

#define CRAWLPROOF_CONCAT_INNER(a, b) a##b
#define CRAWLPROOF_CONCAT(a, b) CRAWLPROOF_CONCAT_INNER(a, b)

// Evaluates `expr` (a Status); returns it from the current function when not OK.
#define RETURN_IF_ERROR(expr)                                \
  do {                                                       \
    ::crawlproof::Status crawlproof_status_ = (expr);        \
    if (!crawlproof_status_.ok()) return crawlproof_status_; \
  } while (0)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the
// value into `lhs` (which may be a declaration: `ASSIGN_OR_RETURN(auto x, F())`).
#define ASSIGN_OR_RETURN(lhs, rexpr) ASSIGN_OR_RETURN_IMPL(CRAWLPROOF_CONCAT(crawlproof_result_, __LINE__), lhs, rexpr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                          \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()
