#include "prompts/parquet.h"

#include <zstd.h>

#include <cstring>
#include <functional>

#include "common/json.h"

namespace crawlproof::prompts {
namespace {

// ---- Thrift compact protocol (the footer and page headers) -------------------

enum : uint8_t { kI32 = 5, kI64 = 6, kBinary = 8, kList = 9, kStruct = 12 };

class Thrift {
 public:
  void I32(int16_t id, int32_t v) {
    Field(id, kI32);
    Varint(ZigZag(v));
  }
  void I64(int16_t id, int64_t v) {
    Field(id, kI64);
    Varint(ZigZag(v));
  }
  void Binary(int16_t id, std::string_view s) {
    Field(id, kBinary);
    Bytes(s);
  }
  void BeginStruct(int16_t id) {
    Field(id, kStruct);
    Push();
  }
  // A list field; its elements follow (ListI32, ListBinary, BeginElement).
  void BeginList(int16_t id, uint8_t type, size_t n) {
    Field(id, kList);
    if (n < 15) {
      out_ += static_cast<char>(n << 4 | type);
    } else {
      out_ += static_cast<char>(0xF0 | type);
      Varint(n);
    }
  }
  void ListI32(int32_t v) { Varint(ZigZag(v)); }
  void ListBinary(std::string_view s) { Bytes(s); }
  void BeginElement() { Push(); }  // a struct element of a list
  void End() {                     // a struct's end
    out_ += '\0';
    last_ = stack_.back();
    stack_.pop_back();
  }
  void Stop() { out_ += '\0'; }
  std::string& out() { return out_; }

 private:
  static uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>(v | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  void Bytes(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Field(int16_t id, uint8_t type) {
    int delta = id - last_;
    if (delta > 0 && delta <= 15) {
      out_ += static_cast<char>(delta << 4 | type);
    } else {
      out_ += static_cast<char>(type);
      Varint(ZigZag(id));
    }
    last_ = id;
  }
  void Push() {
    stack_.push_back(last_);
    last_ = 0;
  }
  std::string out_;
  int16_t last_ = 0;
  std::vector<int16_t> stack_;
};

// ---- columns ---------------------------------------------------------------------

enum PhysicalType : int32_t { kInt32 = 1, kInt64 = 2, kByteArray = 6 };

struct Column {
  std::vector<std::string> path;
  PhysicalType type;
  int max_def = 0, max_rep = 0;
  std::vector<uint8_t> def, rep;
  std::string values;
  uint64_t entries = 0;

  void Add(int d, int r) {
    if (max_def > 0) def.push_back(static_cast<uint8_t>(d));
    if (max_rep > 0) rep.push_back(static_cast<uint8_t>(r));
    ++entries;
  }
  void String(std::string_view s, int d = 0, int r = 0) {
    Add(d, r);
    uint32_t n = static_cast<uint32_t>(s.size());
    values.append(reinterpret_cast<const char*>(&n), 4);  // little-endian hosts (x86-64, arm64)
    values.append(s);
  }
  void Int64(int64_t v, int d = 0, int r = 0) {
    Add(d, r);
    values.append(reinterpret_cast<const char*>(&v), 8);
  }
  void Int32(int32_t v, int d = 0, int r = 0) {
    Add(d, r);
    values.append(reinterpret_cast<const char*>(&v), 4);
  }
  void Null(int d, int r = 0) { Add(d, r); }
};

// Levels as the RLE/bit-packed hybrid (RLE runs only), 4-byte length first.
void AppendLevels(const std::vector<uint8_t>& levels, int max, std::string* out) {
  if (max == 0) return;
  std::string runs;
  for (size_t i = 0; i < levels.size();) {
    size_t j = i;
    while (j < levels.size() && levels[j] == levels[i]) ++j;
    uint64_t header = (j - i) << 1;
    while (header >= 0x80) {
      runs += static_cast<char>(header | 0x80);
      header >>= 7;
    }
    runs += static_cast<char>(header);
    runs += static_cast<char>(levels[i]);  // bit width <= 8: one byte
    i = j;
  }
  uint32_t n = static_cast<uint32_t>(runs.size());
  out->append(reinterpret_cast<const char*>(&n), 4);
  out->append(runs);
}

// One schema element: a group (children > 0) or a leaf.
struct Node {
  std::string name;
  int repetition;  // 0 required, 1 optional, 2 repeated
  int children = 0;
  int32_t type = -1;       // leaves
  int32_t converted = -1;  // 0 UTF8, 3 LIST
};

}  // namespace

std::string RecordJson(const PromptRecord& r) {
  std::string messages = "[";
  for (const auto& [role, content] : r.messages) {
    if (messages.size() > 1) messages += ',';
    messages += JsonObject().Add("role", role).Add("content", content).str();
  }
  messages += ']';
  JsonObject extra;
  extra.Add("index", r.index)
      .Add("split", r.split)
      .Add("prompt_id", r.prompt_id)
      .Add("doc_id", r.doc_id)
      .Add("url", r.url)
      .Add("crawl", r.crawl)
      .Add("file", r.file)
      .Add("offset", r.offset)
      .Add("length", r.length)
      .Add("record_id", r.record_id);
  if (r.ledger_leaf) {
    extra.Add("ledger_leaf", *r.ledger_leaf);
  } else {
    extra.AddNull("ledger_leaf");
  }
  extra.Add("verification", r.verification).Add("kind", r.kind).Add("answer_type", r.answer_type);
  std::string ids = "[";
  for (uint32_t id : r.prompt_ids) {
    if (ids.size() > 1) ids += ',';
    ids += std::to_string(id);
  }
  ids += ']';
  JsonObject row;
  row.Add("data_source", r.data_source)
      .AddRaw("prompt", messages)
      .Add("ability", r.ability)
      .AddRaw("reward_model", JsonObject().Add("style", r.style).Add("ground_truth", r.ground_truth).str())
      .AddRaw("extra_info", extra.str())
      .AddRaw("prompt_ids", ids)
      .Add("prompt_tokens", static_cast<uint64_t>(r.prompt_ids.size()));
  return row.str();
}

Result<std::string> PromptsParquet(const std::vector<PromptRecord>& rows) {
  // The schema, depth first; the leaves in the same order as `columns`.
  const std::vector<std::string> strings_of_extra = {"split", "prompt_id", "doc_id", "url", "crawl", "file"};
  std::vector<Node> schema = {
      {"schema", 0, 7},
      {"data_source", 0, 0, kByteArray, 0},
      {"prompt", 0, 1, -1, 3},
      {"list", 2, 1},
      {"element", 0, 2},
      {"role", 0, 0, kByteArray, 0},
      {"content", 0, 0, kByteArray, 0},
      {"ability", 0, 0, kByteArray, 0},
      {"reward_model", 0, 2},
      {"style", 0, 0, kByteArray, 0},
      {"ground_truth", 0, 0, kByteArray, 0},
      {"extra_info", 0, 14},
      {"index", 0, 0, kInt64},
  };
  for (const auto& s : strings_of_extra) schema.push_back({s, 0, 0, kByteArray, 0});
  schema.push_back({"offset", 0, 0, kInt64});
  schema.push_back({"length", 0, 0, kInt64});
  schema.push_back({"record_id", 0, 0, kByteArray, 0});
  schema.push_back({"ledger_leaf", 1, 0, kInt64});
  for (const char* s : {"verification", "kind", "answer_type"}) schema.push_back({s, 0, 0, kByteArray, 0});
  schema.push_back({"prompt_ids", 0, 1, -1, 3});
  schema.push_back({"list", 2, 1});
  schema.push_back({"element", 0, 0, kInt32});
  schema.push_back({"prompt_tokens", 0, 0, kInt64});

  std::vector<Column> columns;
  auto leaf = [&](std::vector<std::string> path, PhysicalType t, int max_def = 0, int max_rep = 0) {
    columns.push_back(Column{std::move(path), t, max_def, max_rep, {}, {}, {}, 0});
    return columns.size() - 1;
  };
  const size_t data_source = leaf({"data_source"}, kByteArray);
  const size_t role = leaf({"prompt", "list", "element", "role"}, kByteArray, 1, 1);
  const size_t content = leaf({"prompt", "list", "element", "content"}, kByteArray, 1, 1);
  const size_t ability = leaf({"ability"}, kByteArray);
  const size_t style = leaf({"reward_model", "style"}, kByteArray);
  const size_t truth = leaf({"reward_model", "ground_truth"}, kByteArray);
  const size_t index = leaf({"extra_info", "index"}, kInt64);
  std::vector<size_t> extra_strings;
  for (const auto& s : strings_of_extra) extra_strings.push_back(leaf({"extra_info", s}, kByteArray));
  const size_t offset = leaf({"extra_info", "offset"}, kInt64);
  const size_t length = leaf({"extra_info", "length"}, kInt64);
  const size_t record_id = leaf({"extra_info", "record_id"}, kByteArray);
  const size_t ledger_leaf = leaf({"extra_info", "ledger_leaf"}, kInt64, 1);
  const size_t verification = leaf({"extra_info", "verification"}, kByteArray);
  const size_t kind = leaf({"extra_info", "kind"}, kByteArray);
  const size_t answer_type = leaf({"extra_info", "answer_type"}, kByteArray);
  const size_t ids = leaf({"prompt_ids", "list", "element"}, kInt32, 1, 1);
  const size_t tokens = leaf({"prompt_tokens"}, kInt64);

  for (const PromptRecord& r : rows) {
    columns[data_source].String(r.data_source);
    if (r.messages.empty()) {
      columns[role].Null(0);
      columns[content].Null(0);
    }
    for (size_t m = 0; m < r.messages.size(); ++m) {
      columns[role].String(r.messages[m].first, 1, m ? 1 : 0);
      columns[content].String(r.messages[m].second, 1, m ? 1 : 0);
    }
    columns[ability].String(r.ability);
    columns[style].String(r.style);
    columns[truth].String(r.ground_truth);
    columns[index].Int64(static_cast<int64_t>(r.index));
    const std::string* extra[] = {&r.split, &r.prompt_id, &r.doc_id, &r.url, &r.crawl, &r.file};
    for (size_t k = 0; k < extra_strings.size(); ++k) columns[extra_strings[k]].String(*extra[k]);
    columns[offset].Int64(static_cast<int64_t>(r.offset));
    columns[length].Int64(static_cast<int64_t>(r.length));
    columns[record_id].String(r.record_id);
    if (r.ledger_leaf) {
      columns[ledger_leaf].Int64(static_cast<int64_t>(*r.ledger_leaf), 1);
    } else {
      columns[ledger_leaf].Null(0);
    }
    columns[verification].String(r.verification);
    columns[kind].String(r.kind);
    columns[answer_type].String(r.answer_type);
    if (r.prompt_ids.empty()) columns[ids].Null(0);
    for (size_t k = 0; k < r.prompt_ids.size(); ++k)
      columns[ids].Int32(static_cast<int32_t>(r.prompt_ids[k]), 1, k ? 1 : 0);
    columns[tokens].Int64(static_cast<int64_t>(r.prompt_ids.size()));
  }

  std::string file = "PAR1";
  struct Written {
    int64_t offset, compressed, uncompressed;
  };
  std::vector<Written> written;
  int64_t total = 0;
  for (const Column& c : columns) {
    if (rows.empty()) break;  // no row group, no pages
    std::string page;
    AppendLevels(c.rep, c.max_rep, &page);
    AppendLevels(c.def, c.max_def, &page);
    page += c.values;
    std::string z(ZSTD_compressBound(page.size()), '\0');
    size_t zn = ZSTD_compress(z.data(), z.size(), page.data(), page.size(), 3);
    if (ZSTD_isError(zn)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(zn));
    z.resize(zn);
    Thrift h;
    h.I32(1, 0);  // DATA_PAGE
    h.I32(2, static_cast<int32_t>(page.size()));
    h.I32(3, static_cast<int32_t>(z.size()));
    h.BeginStruct(5);  // DataPageHeader
    h.I32(1, static_cast<int32_t>(c.entries));
    h.I32(2, 0);  // PLAIN
    h.I32(3, 3);  // RLE definition levels
    h.I32(4, 3);  // RLE repetition levels
    h.End();
    h.Stop();
    Written w{static_cast<int64_t>(file.size()), static_cast<int64_t>(h.out().size() + z.size()),
              static_cast<int64_t>(h.out().size() + page.size())};
    file += h.out();
    file += z;
    total += w.compressed;
    written.push_back(w);
  }
  Thrift m;  // FileMetaData
  m.I32(1, 1);
  m.BeginList(2, kStruct, schema.size());
  for (const Node& n : schema) {
    m.BeginElement();
    if (n.type >= 0) m.I32(1, n.type);
    if (&n != &schema.front()) m.I32(3, n.repetition);
    m.Binary(4, n.name);
    if (n.children > 0) m.I32(5, n.children);
    if (n.converted >= 0) m.I32(6, n.converted);
    m.End();
  }
  m.I64(3, static_cast<int64_t>(rows.size()));
  // One row group; none for no rows (as pyarrow writes an empty table).
  m.BeginList(4, kStruct, rows.empty() ? 0 : 1);
  if (!rows.empty()) {
    m.BeginElement();
    m.BeginList(1, kStruct, columns.size());
    for (size_t k = 0; k < columns.size(); ++k) {
      const Column& c = columns[k];
      m.BeginElement();  // ColumnChunk
      m.I64(2, written[k].offset);
      m.BeginStruct(3);  // ColumnMetaData
      m.I32(1, c.type);
      m.BeginList(2, kI32, 2);
      m.ListI32(0);  // PLAIN
      m.ListI32(3);  // RLE
      m.BeginList(3, kBinary, c.path.size());
      for (const auto& p : c.path) m.ListBinary(p);
      m.I32(4, 6);  // ZSTD
      m.I64(5, static_cast<int64_t>(c.entries));
      m.I64(6, written[k].uncompressed);
      m.I64(7, written[k].compressed);
      m.I64(9, written[k].offset);
      m.End();
      m.End();
    }
    m.I64(2, total);
    m.I64(3, static_cast<int64_t>(rows.size()));
    m.End();
  }
  m.Binary(6, "crawlproof");
  m.Stop();
  file += m.out();
  uint32_t footer = static_cast<uint32_t>(m.out().size());
  file.append(reinterpret_cast<const char*>(&footer), 4);
  file += "PAR1";
  return file;
}

}  // namespace crawlproof::prompts
