#include <pybind11/pybind11.h>

#include "python/src/bindings.h"

namespace crawlproof::python {
namespace {

py::object* error_type = nullptr;  // crawlproof.Error

}  // namespace

void Raise(const Status& s) {
  const std::string message = s.message();
  switch (s.code()) {
    case StatusCode::kNotFound: PyErr_SetString(PyExc_FileNotFoundError, message.c_str()); break;
    case StatusCode::kInvalidArgument: PyErr_SetString(PyExc_ValueError, message.c_str()); break;
    case StatusCode::kIoError:
    case StatusCode::kUnavailable: PyErr_SetString(PyExc_OSError, message.c_str()); break;
    default: PyErr_SetString(error_type ? error_type->ptr() : PyExc_RuntimeError, message.c_str());
  }
  throw py::error_already_set();
}

void RegisterErrors(py::module_& m) {
  static py::object type = py::reinterpret_steal<py::object>(
      PyErr_NewExceptionWithDoc("crawlproof.Error",
                                "Malformed input or a failed check: the message names the file, the byte offset where "
                                "known, and the reason.",
                                PyExc_RuntimeError, nullptr));
  error_type = &type;
  m.attr("Error") = type;
}

}  // namespace crawlproof::python

PYBIND11_MODULE(_core, m) {
  m.doc() = "crawlproof's C++ core (use the crawlproof package)";
  crawlproof::python::RegisterErrors(m);
  crawlproof::python::RegisterTokenizer(m);
  crawlproof::python::RegisterShards(m);
  crawlproof::python::RegisterStore(m);
  crawlproof::python::RegisterWarc(m);
  crawlproof::python::RegisterRun(m);
}
