// Strict reading of one TOML table of a config file: typed getters that
// leave the default when the key is absent, and unknown keys as errors
// naming the file and the key (a misspelt option must not pass silently).
#pragma once

#include <toml++/toml.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/ascii.h"
#include "common/file_util.h"
#include "common/status.h"

namespace crawlproof {

// Every TOML file the project reads (pipeline files, filter configs, trust
// files) is parsed here: at most `max_bytes` (checked before reading), errors
// naming the file, the line and the column.
inline Result<toml::table> ParseToml(const std::string& text, const std::string& path) {
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ":" +
                                   std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
}
inline Result<toml::table> ParseTomlFile(const std::string& path, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, max_bytes));
  return ParseToml(text, path);
}

class TomlSection {
 public:
  static constexpr uint64_t kMaxListFileBytes = uint64_t{1} << 30;  // a `*_file` list (a domain block list)

  TomlSection(const toml::table* t, std::string path, std::string file)
      : t_(t), path_(std::move(path)), file_(std::move(file)) {}

  Status Get(const char* key, double* v) { return GetNumber(key, v); }
  Status Get(const char* key, int* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_integer() || n->as_integer()->get() < INT32_MIN || n->as_integer()->get() > INT32_MAX)
      return Bad(key, "must be an integer");
    *v = static_cast<int>(n->as_integer()->get());
    return Status::Ok();
  }
  // The same, with the value's range (inclusive): every option is read with
  // its range, so a bad value is refused before anything is written.
  template <typename T>
  Status Get(const char* key, T* v, T lo, T hi) {
    if (!Node(key)) return Status::Ok();  // the default (or a recipe's value) stands
    RETURN_IF_ERROR(Get(key, v));
    if (!(*v >= lo && *v <= hi))
      return Bad(key, "must be between " + Show(lo) + " and " + Show(hi) + ", not " + Show(*v));
    return Status::Ok();
  }
  Status Get(const char* key, uint64_t* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_integer() || n->as_integer()->get() < 0) return Bad(key, "must be a non-negative integer");
    *v = static_cast<uint64_t>(n->as_integer()->get());
    return Status::Ok();
  }
  // A count from 0 to `hi`, or -1 for "this check is off" (datatrove's
  // convention in filter settings), which leaves *v empty.
  Status GetCountOrOff(const char* key, std::optional<uint64_t>* v, int hi) {
    int n = *v ? static_cast<int>(**v) : -1;
    RETURN_IF_ERROR(Get(key, &n, -1, hi));
    *v = n < 0 ? std::nullopt : std::optional<uint64_t>(n);
    return Status::Ok();
  }
  Status Get(const char* key, uint32_t* v) {
    uint64_t u = *v;
    RETURN_IF_ERROR(Get(key, &u));
    if (u > 0xFFFFFFFFu) return Bad(key, "is too large");
    *v = static_cast<uint32_t>(u);
    return Status::Ok();
  }
  Status Get(const char* key, std::string* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_string()) return Bad(key, "must be a string");
    *v = n->as_string()->get();
    return Status::Ok();
  }
  // A path, relative to the config file's folder unless absolute or a URL;
  // made absolute, so that what a run records does not depend on the folder
  // it was started from.
  Status GetPath(const char* key, std::string* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_string()) return Bad(key, "must be a path");
    *v = Resolve(n->as_string()->get());
    return Status::Ok();
  }
  std::string Resolve(const std::string& p) const {
    if (p.empty() || p.find("://") != std::string::npos) return p;
    std::error_code ec;
    std::filesystem::path base = std::filesystem::path(file_).parent_path();
    base = base.empty() ? std::filesystem::current_path(ec) : std::filesystem::absolute(base, ec);
    std::string out = (p[0] == '/' || ec ? std::filesystem::path(p) : base / p).lexically_normal().string();
    while (out.size() > 1 && out.back() == '/') out.pop_back();
    return out;
  }
  Status Get(const char* key, bool* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_boolean()) return Bad(key, "must be true or false");
    *v = n->as_boolean()->get();
    return Status::Ok();
  }
  Status Get(const char* key, std::vector<std::string>* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    const toml::array* a = n->as_array();
    if (!a) return Bad(key, "must be an array of strings");
    v->clear();
    for (const auto& e : *a) {
      if (!e.is_string()) return Bad(key, "must be an array of strings");
      v->push_back(e.as_string()->get());
    }
    return Status::Ok();
  }
  Status Get(const char* key, std::vector<std::pair<int, double>>* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    const toml::array* a = n->as_array();
    if (!a) return Bad(key, "must be an array of [n, fraction] pairs");
    v->clear();
    for (const auto& e : *a) {
      const toml::array* p = e.as_array();
      if (!p || p->size() != 2 || !(*p)[0].is_integer() || !(*p)[1].is_number())
        return Bad(key, "must be an array of [n, fraction] pairs");
      const int64_t n_words = (*p)[0].as_integer()->get();
      const double fraction = (*p)[1].value<double>().value_or(-1);
      if (n_words < 1 || n_words > 100 || !(fraction >= 0 && fraction <= 1))
        return Bad(key, "needs n between 1 and 100 and a fraction between 0 and 1 in each pair");
      v->emplace_back(static_cast<int>(n_words), fraction);
    }
    return Status::Ok();
  }
  // A list given inline (`key`) and/or as a file of one entry per line
  // (`key_file`, relative to the config; '#' lines ignored).
  Status GetList(const std::string& key, std::vector<std::string>* v) {
    RETURN_IF_ERROR(Get(key.c_str(), v));
    const std::string file_key = key + "_file";
    std::string path;
    RETURN_IF_ERROR(GetPath(file_key.c_str(), &path));
    if (path.empty()) return Status::Ok();
    auto text = ReadWholeFile(path, kMaxListFileBytes);
    if (!text.ok()) return text.status().WithPrefix(file_ + ": " + Name(file_key.c_str()));
    size_t start = 0;
    while (start < text->size()) {
      size_t nl = text->find('\n', start);
      if (nl == std::string::npos) nl = text->size();
      std::string line = text->substr(start, nl - start);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') v->push_back(line);
      start = nl + 1;
    }
    return Status::Ok();
  }
  // A sub-table (`[path.key]`): *out stays null when absent; any other
  // value there (`key = 1`, `key = ["de"]`) is an error.
  Status Table(const char* key, const toml::table** out) {
    *out = nullptr;
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_table()) return Bad(key, "must be a table ([" + Name(key) + "]), not a value");
    *out = n->as_table();
    return Status::Ok();
  }
  const toml::node* Node(const char* key) {
    seen_.insert(key);
    return t_ ? t_->get(key) : nullptr;
  }
  // Unknown keys are errors (a misspelt threshold must not pass silently).
  Status CheckUnknown() {
    if (!t_) return Status::Ok();
    for (const auto& [k, v] : *t_) {
      const std::string key(k.str());
      if (seen_.count(key)) continue;
      std::string why = v.is_table() ? "is not a known table" : "is not a known option";
      const std::string near = NearestName(key, std::vector<std::string>(seen_.begin(), seen_.end()));
      if (!near.empty()) why += "; did you mean " + Name(near.c_str()) + "?";
      return Status::InvalidArgument(file_ + ": " + Name(key.c_str()) + " " + why);
    }
    return Status::Ok();
  }
  const toml::table* table() const { return t_; }
  const std::string& path() const { return file_; }

  Status Bad(const char* key, const std::string& why) const { return Bad(key, why.c_str()); }

 private:
  Status GetNumber(const char* key, double* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_number()) return Bad(key, "must be a number");
    const double d = n->value<double>().value_or(*v);
    if (!std::isfinite(d)) return Bad(key, "must be a finite number, not " + Show(d));
    *v = d;
    return Status::Ok();
  }
  template <typename T>
  static std::string Show(T v) {
    if constexpr (std::is_floating_point_v<T>) {
      std::ostringstream o;
      o << v;
      return o.str();
    } else {
      return std::to_string(v);
    }
  }
  std::string Name(const char* key) const { return path_.empty() ? std::string(key) : path_ + "." + key; }
  // The message names the file and the key, and echoes the value given
  // (TOML as written, cut at 80 characters) unless `why` already shows it.
  Status Bad(const char* key, const char* why) const {
    std::string m = file_ + ": " + Name(key) + " " + why;
    const toml::node* n = t_ ? t_->get(key) : nullptr;
    if (n && std::string_view(why).find(", not ") == std::string_view::npos && !n->is_table()) {
      std::ostringstream o;
      n->visit([&o](const auto& v) { o << v; });
      std::string shown = o.str();
      if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
      m += ", not " + shown;
    }
    return Status::InvalidArgument(m);
  }
  const toml::table* t_;
  std::string path_, file_;
  std::set<std::string> seen_;
};

}  // namespace crawlproof
