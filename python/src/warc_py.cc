// crawlproof._core.WarcRecords (read_warc) and extract: WARC/ARC records from
// a file or URL (any compression the CLI reads), each copied into a Record
// that owns its header and block (its body readable as bytes or, through
// the buffer protocol, as a memoryview without a further copy), and the document `crawlproof extract`
// would make of one.
#include <pybind11/stl.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "extract/document.h"
#include "ingest/warc_reader.h"
#include "python/src/bindings.h"

namespace crawlproof::python {
namespace {

// One record, owning what its views point into.
class Record {
 public:
  Record(const ingest::WarcRecord& r, std::string file) : file_(std::move(file)) {
    rec_ = r;
    auto own = [&](std::string_view v) { return std::string_view(strings_.emplace_back(v)); };
    rec_.version = own(r.version);
    rec_.type_name = own(r.type_name);
    rec_.record_id = own(r.record_id);
    rec_.target_uri = own(r.target_uri);
    rec_.date = own(r.date);
    for (auto& h : rec_.headers) {
      h.name = own(h.name);
      h.value = own(h.value);
    }
    block_.assign(r.block);
    rec_.block = block_;
  }
  const ingest::WarcRecord& rec() const { return rec_; }
  const std::string& file() const { return file_; }
  py::bytes body() const { return py::bytes(block_); }
  const std::string& block() const { return block_; }
  std::vector<std::pair<std::string, std::string>> headers() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& h : rec_.headers) out.emplace_back(std::string(h.name), std::string(h.value));
    return out;
  }
  py::object header(const std::string& name) const {
    for (const auto& h : rec_.headers)
      if (h.name.size() == name.size() && std::equal(h.name.begin(), h.name.end(), name.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
          }))
        return py::str(std::string(h.value));
    return py::none();
  }

 private:
  std::string file_;
  std::deque<std::string> strings_;  // stable addresses
  std::string block_;
  ingest::WarcRecord rec_;
};

class WarcRecords {
 public:
  WarcRecords(const std::string& uri, bool check_digests) : uri_(uri) {
    ingest::WarcReaderOptions o;
    o.check_digests = check_digests;
    reader_ = WithoutGil([&] { return ingest::WarcReader::Open(uri, {}, o); });
  }
  // The next record; a damaged one raises crawlproof.Error (file, offset,
  // reason) and the next call goes on after it; StopIteration at the end.
  std::shared_ptr<Record> Next() {
    ingest::WarcRecord rec;
    Result<bool> r = Status::Internal("not read");
    {
      py::gil_scoped_release release;
      r = reader_->Next(&rec);
    }
    if (!r.ok()) Raise(r.status());
    if (!*r) throw py::stop_iteration();
    return std::make_shared<Record>(rec, uri_);
  }
  py::dict Stats() const {
    const auto& s = reader_->stats();
    py::dict d;
    d["records"] = s.records;
    d["errors"] = s.errors;
    d["skipped_bytes"] = s.skipped_bytes;
    d["digests_checked"] = s.digests_checked;
    d["digest_mismatches"] = s.digest_mismatches;
    d["truncated_records"] = s.truncated_records;
    return d;
  }
  bool failed() const { return reader_->failed(); }

 private:
  std::string uri_;
  std::unique_ptr<ingest::WarcReader> reader_;
};

}  // namespace

void RegisterWarc(py::module_& m) {
  py::class_<Record, std::shared_ptr<Record>>(
      m, "Record",
      "One WARC (or ARC) record: headers, location, digest check, body. memoryview(record) is the body without a "
      "copy.",
      py::buffer_protocol())
      .def_buffer([](Record& r) {
        // Read-only bytes of the block; the view keeps the record alive.
        return py::buffer_info(const_cast<char*>(r.block().data()), 1, py::format_descriptor<uint8_t>::format(), 1,
                               {static_cast<py::ssize_t>(r.block().size())}, {py::ssize_t{1}}, /*readonly=*/true);
      })
      .def_property_readonly("file", &Record::file)
      .def_property_readonly("offset", [](const Record& r) { return r.rec().offset; })
      .def_property_readonly("length", [](const Record& r) { return r.rec().length; })
      .def_property_readonly("type", [](const Record& r) { return std::string(r.rec().type_name); })
      .def_property_readonly("record_id", [](const Record& r) { return std::string(r.rec().record_id); })
      .def_property_readonly("target_uri", [](const Record& r) { return std::string(r.rec().target_uri); })
      .def_property_readonly("date", [](const Record& r) { return std::string(r.rec().date); })
      .def_property_readonly("content_length", [](const Record& r) { return r.rec().content_length; })
      .def_property_readonly("digest_ok", [](const Record& r) { return r.rec().digest_ok; })
      .def_property_readonly("errors", [](const Record& r) { return r.rec().errors; })
      .def_property_readonly("headers", &Record::headers)
      .def("header", &Record::header, py::arg("name"), "A header's value (first of that name, any case), or None.")
      .def_property_readonly("body", &Record::body, "The block: Content-Length bytes after the header (a copy).")
      .def_property_readonly(
          "body_view", [](py::object self) { return py::memoryview(self); },
          "The block as a read-only memoryview of the record's own buffer: no copy.")
      .def("__repr__", [](const Record& r) {
        return "crawlproof.Record(" + std::string(r.rec().type_name) + ", " + std::string(r.rec().target_uri) +
               ", offset=" + std::to_string(r.rec().offset) + ")";
      });
  py::class_<WarcRecords>(m, "WarcRecords")
      .def(py::init<const std::string&, bool>(), py::arg("uri"), py::arg("check_digests") = true)
      .def("__iter__", [](WarcRecords& w) -> WarcRecords& { return w; })
      .def("__next__", &WarcRecords::Next)
      .def_property_readonly("stats", &WarcRecords::Stats)
      .def_property_readonly("failed", &WarcRecords::failed);
  m.def(
      "_extract",
      [](const Record& r, bool all_text, double min_lang_score, size_t max_html_bytes) -> py::object {
        extract::ExtractOptions o;
        o.html.main_content = !all_text;
        o.html.max_html_bytes = max_html_bytes;
        o.language.min_score = min_lang_score;
        extract::ExtractOutcome out;
        {
          py::gil_scoped_release release;
          out = extract::ExtractRecord(r.rec(), r.file(), o);
        }
        if (!out.ok) return py::make_tuple(py::none(), out.skip_reason);
        return py::make_tuple(extract::DocumentJson(out.doc), py::none());
      },
      py::arg("record"), py::arg("all_text") = false, py::arg("min_lang_score") = 0.5,
      py::arg("max_html_bytes") = size_t{16} << 20);
}

}  // namespace crawlproof::python
