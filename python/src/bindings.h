// The Python module crawlproof._core (pybind11): the pieces of each part
// registered by its own file; errors become Python exceptions.
#pragma once

#include <pybind11/pybind11.h>

#include <optional>
#include <string>
#include <utility>

#include "common/status.h"

namespace crawlproof::python {

namespace py = pybind11;

// Raises the Python exception for `s` (not OK): NotFound → FileNotFoundError,
// InvalidArgument → ValueError, IoError/Unavailable → OSError, the others
// crawlproof.Error; the C++ message (file, offset, reason) as the message.
[[noreturn]] void Raise(const Status& s);

template <typename T>
T Value(Result<T> r) {
  if (!r.ok()) Raise(r.status());
  return std::move(r).value();
}
inline void Check(const Status& s) {
  if (!s.ok()) Raise(s);
}
// Runs `f` (it returns a Result) with the GIL released; its value, or its
// error raised once the GIL is held again.
template <typename F>
auto WithoutGil(F&& f) {
  std::optional<decltype(f())> r;
  {
    py::gil_scoped_release release;
    r.emplace(f());
  }
  if (!r->ok()) Raise(r->status());
  return std::move(*r).value();
}

void RegisterErrors(py::module_& m);
void RegisterTokenizer(py::module_& m);
void RegisterShards(py::module_& m);
void RegisterStore(py::module_& m);
void RegisterWarc(py::module_& m);
void RegisterRun(py::module_& m);

}  // namespace crawlproof::python
