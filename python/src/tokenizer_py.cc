// crawlproof.Tokenizer: the CLI's tokenizer (tokenize/tokenizer.h), the GIL
// released while it encodes; ids as lists or as numpy arrays that own the
// vector they were encoded into (no copy).
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "python/src/bindings.h"
#include "tokenize/tokenizer.h"

namespace crawlproof::python {
namespace {

using tokenize::Tokenizer;

// The ids as a uint32 array that owns them.
py::array_t<uint32_t> ToArray(std::vector<uint32_t>&& ids) {
  auto* owned = new std::vector<uint32_t>(std::move(ids));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<uint32_t>*>(p); });
  return py::array_t<uint32_t>({static_cast<py::ssize_t>(owned->size())}, {sizeof(uint32_t)}, owned->data(),
                               free_when_done);
}

py::object Ids(std::vector<uint32_t>&& ids, bool as_numpy) {
  if (as_numpy) return ToArray(std::move(ids));
  return py::cast(ids);
}

// The UTF-8 bytes of a str (or bytes), valid while `keep` holds the object.
std::string_view Utf8(const py::handle& text) {
  if (PyUnicode_Check(text.ptr())) {
    Py_ssize_t n = 0;
    const char* p = PyUnicode_AsUTF8AndSize(text.ptr(), &n);
    if (!p) throw py::error_already_set();
    return std::string_view(p, static_cast<size_t>(n));
  }
  if (PyBytes_Check(text.ptr())) return std::string_view(PyBytes_AS_STRING(text.ptr()), PyBytes_GET_SIZE(text.ptr()));
  throw py::type_error("text must be str or bytes, not " + std::string(py::str(text.get_type().attr("__name__"))));
}

std::vector<uint32_t> IdsFrom(const py::handle& ids, uint32_t vocab) {
  std::vector<uint32_t> out;
  if (py::isinstance<py::array>(ids)) {
    auto a = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(ids);
    if (!a || a.ndim() != 1) throw py::value_error("ids must be a one-dimensional sequence of integers");
    out.reserve(static_cast<size_t>(a.size()));
    for (py::ssize_t i = 0; i < a.size(); ++i) {
      const int64_t v = a.data()[i];
      if (v < 0 || v >= vocab) throw py::value_error("id " + std::to_string(v) + " is outside the vocabulary");
      out.push_back(static_cast<uint32_t>(v));
    }
    return out;
  }
  for (const py::handle& x : py::iter(ids)) {
    if (!PyLong_Check(x.ptr())) throw py::type_error("ids must be integers");
    const long long v = PyLong_AsLongLong(x.ptr());
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (v < 0 || v >= vocab) throw py::value_error("id " + std::to_string(v) + " is outside the vocabulary");
    out.push_back(static_cast<uint32_t>(v));
  }
  return out;
}

}  // namespace

void RegisterTokenizer(py::module_& m) {
  py::class_<Tokenizer, std::shared_ptr<Tokenizer>>(
      m, "Tokenizer",
      "A byte-level BPE tokenizer loaded from a tokenizer.json (Hugging Face) or a .tiktoken rank file: the ids of "
      "`crawlproof tokenize` and of the shards, equal to Hugging Face tokenizers' and tiktoken's.")
      .def_static(
          "from_file",
          [](const std::string& path) {
            return std::shared_ptr<Tokenizer>(WithoutGil([&] { return Tokenizer::Load(path); }));
          },
          py::arg("path"),
          "Loads tokenizer.json (tokenizer_config.json beside it gives BOS/EOS) or NAME.tiktoken (NAME.json beside "
          "it: pat_str, special_tokens). Raises FileNotFoundError, ValueError (what it cannot use), OSError.")
      .def(
          "encode",
          [](const Tokenizer& t, const py::object& text, bool as_numpy) {
            const std::string_view s = Utf8(text);  // `text` keeps the bytes alive
            std::vector<uint32_t> ids;
            {
              py::gil_scoped_release release;
              t.Encode(s, &ids);
            }
            return Ids(std::move(ids), as_numpy);
          },
          py::arg("text"), py::kw_only(), py::arg("as_numpy") = false,
          "The ids of `text` (str, or UTF-8 bytes): a list of int, or with as_numpy=True a uint32 array.")
      .def(
          "encode_batch",
          [](const Tokenizer& t, const py::iterable& texts, unsigned threads, bool as_numpy) {
            std::vector<py::object> keep;  // the texts stay alive while the GIL is released
            std::vector<std::string_view> views;
            for (const py::handle& x : texts) {
              keep.push_back(py::reinterpret_borrow<py::object>(x));
              views.push_back(Utf8(keep.back()));
            }
            std::vector<std::vector<uint32_t>> ids;
            {
              py::gil_scoped_release release;
              ids = t.EncodeBatch(views, threads);
            }
            py::list out(ids.size());
            for (size_t i = 0; i < ids.size(); ++i) out[i] = Ids(std::move(ids[i]), as_numpy);
            return out;
          },
          py::arg("texts"), py::kw_only(), py::arg("threads") = 1, py::arg("as_numpy") = false,
          "The ids of every text, on `threads` threads (0: all cores); the same ids as encode() one by one. The GIL "
          "is released while encoding.")
      .def(
          "decode",
          [](const Tokenizer& t, const py::object& ids, bool skip_special_tokens) {
            std::vector<uint32_t> v = IdsFrom(ids, t.vocab_size());
            std::string s;
            {
              py::gil_scoped_release release;
              s = t.Decode(v, skip_special_tokens);
            }
            PyObject* u = PyUnicode_DecodeUTF8(s.data(), static_cast<Py_ssize_t>(s.size()), "replace");
            if (!u) throw py::error_already_set();
            return py::reinterpret_steal<py::str>(u);
          },
          py::arg("ids"), py::kw_only(), py::arg("skip_special_tokens") = false,
          "The text of `ids` (a sequence or array of ints); bytes that are not valid UTF-8 become U+FFFD.")
      .def(
          "token_to_id",
          [](const Tokenizer& t, const std::string& token) -> py::object {
            auto id = t.TokenId(token);
            return id ? py::object(py::int_(*id)) : py::object(py::none());
          },
          py::arg("token"), "The id of a token's content (added or model token), or None.")
      .def_property_readonly("vocab_size", &Tokenizer::vocab_size, "One more than the largest id.")
      .def_property_readonly("name", &Tokenizer::name)
      .def_property_readonly("kind", &Tokenizer::kind, "\"huggingface\" or \"tiktoken\".")
      .def("__repr__", [](const Tokenizer& t) {
        return "crawlproof.Tokenizer(" + t.name() + ", " + t.kind() + ", vocab_size=" + std::to_string(t.vocab_size()) +
               ")";
      });
}

}  // namespace crawlproof::python
