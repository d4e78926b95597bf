#include "verify/snapshot.h"

#include <simdjson.h>

#include "common/file_util.h"
#include "common/json.h"

namespace crawlproof::verify {
namespace {

using simdjson::dom::element;

Status Missing(const std::string& where, const char* field, const char* type) {
  return Status::Corruption("snapshot: " + where + ": \"" + field + "\" missing or not " + type);
}

Status GetString(element obj, const std::string& where, const char* field, std::string* out) {
  std::string_view v;
  if (obj[field].get(v)) return Missing(where, field, "a string");
  out->assign(v);
  return Status::Ok();
}

Status GetUint(element obj, const std::string& where, const char* field, uint64_t* out) {
  if (obj[field].get(*out)) return Missing(where, field, "an unsigned integer");
  return Status::Ok();
}

Status GetHash(element obj, const std::string& where, const char* field, Hash* out) {
  std::string s;
  RETURN_IF_ERROR(GetString(obj, where, field, &s));
  auto h = HashFromHex(s);
  if (!h) return Status::Corruption("snapshot: " + where + ": \"" + field + "\" is not 64 lower-case hex digits");
  *out = *h;
  return Status::Ok();
}

}  // namespace

Result<Snapshot> ParseSnapshot(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element root;
  if (auto err = parser.parse(padded).get(root))
    return Status::Corruption(std::string("snapshot is not valid JSON: ") + simdjson::error_message(err));
  Snapshot s;
  std::string format;
  RETURN_IF_ERROR(GetString(root, "top level", "format", &format));
  if (format != "crawlproof-ledger/v1")
    return Status::Corruption("snapshot format is '" + format + "', expected 'crawlproof-ledger/v1'");
  RETURN_IF_ERROR(GetString(root, "top level", "origin", &s.origin));
  simdjson::dom::array valsets, blocks;
  if (root["valsets"].get(valsets)) return Missing("top level", "valsets", "an array");
  for (element v : valsets) {
    std::string_view doc;
    if (v.get(doc)) return Status::Corruption("snapshot: valsets: every entry must be a string");
    s.valsets.emplace_back(doc);
  }
  if (root["blocks"].get(blocks)) return Missing("top level", "blocks", "an array");
  size_t bi = 0;
  for (element b : blocks) {
    std::string where = "block " + std::to_string(bi++);
    SnapshotBlock block;
    RETURN_IF_ERROR(GetString(b, where, "note", &block.note));
    simdjson::dom::array files;
    if (b["files"].get(files)) return Missing(where, "files", "an array");
    size_t fi = 0;
    for (element f : files) {
      std::string fwhere = where + " file " + std::to_string(fi++);
      FileEntry e;
      RETURN_IF_ERROR(GetString(f, fwhere, "path", &e.path));
      RETURN_IF_ERROR(GetUint(f, fwhere, "size", &e.size));
      RETURN_IF_ERROR(GetHash(f, fwhere, "sha256", &e.sha256));
      RETURN_IF_ERROR(GetUint(f, fwhere, "record_count", &e.record_count));
      RETURN_IF_ERROR(GetHash(f, fwhere, "record_root", &e.record_root));
      block.files.push_back(std::move(e));
    }
    s.blocks.push_back(std::move(block));
  }
  return s;
}

std::string FormatSnapshot(const Snapshot& s) {
  std::string out = "{\"format\":\"crawlproof-ledger/v1\",\"origin\":";
  AppendJsonString(out, s.origin);
  out += ",\n\"valsets\":[";
  for (size_t i = 0; i < s.valsets.size(); ++i) {
    if (i) out += ",";
    out += "\n";
    AppendJsonString(out, s.valsets[i]);
  }
  out += "],\n\"blocks\":[";
  for (size_t i = 0; i < s.blocks.size(); ++i) {
    if (i) out += ",";
    out += "\n{\"note\":";
    AppendJsonString(out, s.blocks[i].note);
    out += ",\"files\":[";
    for (size_t j = 0; j < s.blocks[i].files.size(); ++j) {
      const FileEntry& e = s.blocks[i].files[j];
      if (j) out += ",";
      JsonObject o;
      o.Add("path", e.path)
          .Add("size", e.size)
          .Add("sha256", ToHex(e.sha256))
          .Add("record_count", e.record_count)
          .Add("record_root", ToHex(e.record_root));
      out += "\n " + o.str();
    }
    out += "]}";
  }
  out += "]}\n";
  return out;
}

Result<Snapshot> ReadSnapshotFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  auto s = ParseSnapshot(text);
  if (!s.ok()) return s.status().WithPrefix(path);
  return s;
}

Status WriteSnapshotFile(const std::string& path, const Snapshot& s) {
  return WriteFileAtomically(path, FormatSnapshot(s));
}

}  // namespace crawlproof::verify
