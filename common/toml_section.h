// Strict reading of one TOML table of a config file: typed getters that
// leave the default when the key is absent, and unknown keys as errors
// naming the file and the key (a misspelt option must not pass silently).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/file_util.h"
#include "common/status.h"

namespace crawlproof {

class TomlSection {
 public:
  TomlSection(const toml::table* t, std::string path, std::string file)
      : t_(t), path_(std::move(path)), file_(std::move(file)) {}

  Status Get(const char* key, double* v) { return GetNumber(key, v); }
  Status Get(const char* key, int* v) {
    double d = *v;
    RETURN_IF_ERROR(GetNumber(key, &d));
    if (d != static_cast<int>(d)) return Bad(key, "must be an integer");
    *v = static_cast<int>(d);
    return Status::Ok();
  }
  Status Get(const char* key, uint64_t* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_integer() || n->as_integer()->get() < 0) return Bad(key, "must be a non-negative integer");
    *v = static_cast<uint64_t>(n->as_integer()->get());
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
  // A path, relative to the config file's folder unless absolute or a URL.
  Status GetPath(const char* key, std::string* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_string()) return Bad(key, "must be a path");
    *v = Resolve(n->as_string()->get());
    return Status::Ok();
  }
  std::string Resolve(const std::string& p) const {
    if (p.empty() || p[0] == '/' || p.find("://") != std::string::npos) return p;
    std::filesystem::path base = std::filesystem::path(file_).parent_path();
    return base.empty() ? p : (base / p).lexically_normal().string();
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
      v->emplace_back(static_cast<int>((*p)[0].as_integer()->get()), (*p)[1].value<double>().value_or(0));
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
    auto text = ReadWholeFile(path);
    if (!text.ok()) return text.status().WithPrefix(file_ + ": " + path_ + "." + file_key);
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
  const toml::node* Node(const char* key) {
    seen_.insert(key);
    return t_ ? t_->get(key) : nullptr;
  }
  // Unknown keys are errors (a misspelt threshold must not pass silently).
  Status CheckUnknown() {
    if (!t_) return Status::Ok();
    for (const auto& [k, v] : *t_) {
      if (!seen_.count(std::string(k.str()))) return Bad(std::string(k.str()).c_str(), "is not a known option");
    }
    return Status::Ok();
  }
  const toml::table* table() const { return t_; }

  Status Bad(const char* key, const std::string& why) const { return Bad(key, why.c_str()); }

 private:
  Status GetNumber(const char* key, double* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_number()) return Bad(key, "must be a number");
    *v = n->value<double>().value_or(*v);
    return Status::Ok();
  }
  Status Bad(const char* key, const char* why) const {
    return Status::InvalidArgument(file_ + ": " + path_ + "." + key + " " + why);
  }
  const toml::table* t_;
  std::string path_, file_;
  std::set<std::string> seen_;
};

}  // namespace crawlproof
