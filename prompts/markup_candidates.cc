// FindMarkupCandidates (candidates.h): schema.org Q&A markup in JSON-LD and
// microdata.
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/ascii.h"
#include "extract/html_text.h"
#include "prompts/candidates.h"

namespace crawlproof::prompts {
namespace {

constexpr int kMaxDepth = 32;
constexpr size_t kMaxJsonLdBlocks = 64;

// memmem: glibc's two-way search, much faster than string_view::find for a
// needle whose first byte is common in HTML.
size_t Find(std::string_view hay, std::string_view needle, size_t from = 0) {
  if (from > hay.size()) return std::string_view::npos;
  const void* p = memmem(hay.data() + from, hay.size() - from, needle.data(), needle.size());
  return p ? static_cast<size_t>(static_cast<const char*>(p) - hay.data()) : std::string_view::npos;
}

// A field's HTML (answers are often HTML) as text: tags out (block tags as
// line breaks), entities decoded, whitespace collapsed per line.
std::string FieldText(std::string_view html) {
  if (html.size() > kMaxFieldBytes) html = html.substr(0, kMaxFieldBytes);
  std::string raw;
  for (size_t i = 0; i < html.size(); ++i) {
    if (html[i] != '<') {
      raw += html[i];
      continue;
    }
    size_t close = html.find('>', i);
    if (close == std::string_view::npos) break;
    std::string tag = AsciiLowercase(html.substr(i + 1, std::min<size_t>(close - i - 1, 8)));
    for (std::string_view block : {"br", "p", "/p", "li", "div", "/div", "tr", "h"})
      if (tag.rfind(block, 0) == 0) {
        raw += '\n';
        break;
      }
    i = close;
  }
  std::string decoded;
  extract::AppendDecodedEntities(raw, &decoded);
  std::string out;
  bool space = false;
  for (char c : decoded) {
    if (c == '\n') {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (!out.empty() && out.back() != '\n') out += '\n';
      space = false;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      space = !out.empty() && out.back() != '\n';
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// ---- JSON-LD ------------------------------------------------------------------

bool HasType(simdjson::dom::element e, std::string_view type) {
  simdjson::dom::element t;
  if (e["@type"].get(t)) return false;
  std::string_view s;
  if (!t.get(s))
    return s == type || s == "https://schema.org/" + std::string(type) || s == "http://schema.org/" + std::string(type);
  simdjson::dom::array a;
  if (!t.get(a))
    for (auto x : a)
      if (!x.get(s) && s == type) return true;
  return false;
}

std::string StringField(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (!e[key].get(s)) return FieldText(s);
  return "";
}

// An Answer object's text and upvotes.
std::optional<std::pair<std::string, int64_t>> AnswerOf(simdjson::dom::element a) {
  simdjson::dom::object o;
  if (a.get(o)) return {};
  std::string text = StringField(a, "text");
  if (text.empty()) return {};
  int64_t votes = 0;
  simdjson::dom::element v;
  if (!a["upvoteCount"].get(v)) {
    int64_t n;
    double d;
    std::string_view s;
    if (!v.get(n))
      votes = n;
    else if (!v.get(d))
      votes = static_cast<int64_t>(d);
    else if (!v.get(s))
      votes = std::atoll(std::string(s).c_str());
  }
  return std::make_pair(text, votes);
}

// The candidates found so far: a pair the page repeats (a spam FAQ of one
// entry three thousand times) counts once, so that it does not use up the
// page's budget of candidates.
struct Found {
  std::vector<Candidate> list;
  std::unordered_set<std::string> seen;  // source, question and answer
  size_t considered = 0;                 // questions looked at, repeats included
  bool full() const { return list.size() >= kMaxCandidatesPerDocument || considered >= 16 * kMaxCandidatesPerDocument; }
  void Add(Candidate c) {
    ++considered;
    if (list.size() >= kMaxCandidatesPerDocument) return;
    if (!seen.insert(c.source + '\0' + c.question + '\0' + c.answer).second) return;
    list.push_back(std::move(c));
  }
};

void QuestionFrom(simdjson::dom::element q, Found* out) {
  std::string name = StringField(q, "name"), body = StringField(q, "text");
  std::string question = name;
  if (!body.empty() && body != name) question += (question.empty() ? "" : "\n") + body;
  if (question.empty()) return;
  std::optional<std::pair<std::string, int64_t>> best;
  // The accepted answer (the first one with text, when several are given);
  // without one, the suggested answer with the most upvotes (the first on a tie).
  auto consider = [&](simdjson::dom::element field, bool accepted) {
    std::vector<simdjson::dom::element> answers;
    simdjson::dom::array arr;
    if (!field.get(arr)) {
      for (auto x : arr) answers.push_back(x);
    } else {
      answers.push_back(field);
    }
    for (auto x : answers) {
      auto a = AnswerOf(x);
      if (!a) continue;
      if (accepted) {
        best = a;
        return;
      }
      if (!best || a->second > best->second) best = a;
    }
  };
  simdjson::dom::element f;
  if (!q["acceptedAnswer"].get(f)) consider(f, true);
  if (!best && !q["suggestedAnswer"].get(f)) consider(f, false);
  if (!best) return;
  Candidate c;
  c.kind = "qa";
  c.source = "json-ld";
  c.question = std::move(question);
  c.answer = std::move(best->first);
  out->Add(std::move(c));
}

void Walk(simdjson::dom::element e, int depth, Found* out) {
  if (depth > kMaxDepth || out->full()) return;
  simdjson::dom::array arr;
  if (!e.get(arr)) {
    for (auto x : arr) Walk(x, depth + 1, out);
    return;
  }
  simdjson::dom::object obj;
  if (e.get(obj)) return;
  if (HasType(e, "Question")) {
    QuestionFrom(e, out);
    return;
  }
  // QAPage / FAQPage mainEntity, @graph, and anything nested.
  for (auto [key, value] : obj) {
    (void)key;
    Walk(value, depth + 1, out);
  }
}

void JsonLd(std::string_view html, Found* out) {
  simdjson::dom::parser parser;
  size_t blocks = 0, at = 0;
  while (blocks < kMaxJsonLdBlocks) {
    size_t tag = Find(html, "<script", at);
    if (tag == std::string_view::npos) break;
    size_t close = html.find('>', tag);
    if (close == std::string_view::npos) break;
    at = close + 1;
    std::string attrs = AsciiLowercase(html.substr(tag, close - tag));
    if (attrs.find("application/ld+json") == std::string::npos) continue;
    size_t end = Find(html, "</script", at);
    if (end == std::string_view::npos) end = html.size();
    std::string_view json = html.substr(at, end - at);
    at = end;
    ++blocks;
    if (json.size() > kMaxMarkupBytes) continue;
    simdjson::dom::element root;
    if (parser.parse(simdjson::padded_string(json)).get(root)) continue;  // malformed: ignored, like a browser
    Walk(root, 0, out);
  }
}

// ---- microdata ---------------------------------------------------------------

// An attribute's value in a start tag's text ("" when absent).
std::string Attribute(std::string_view tag, std::string_view name) {
  std::string lower = AsciiLowercase(tag);
  for (size_t at = lower.find(name); at != std::string::npos; at = lower.find(name, at + 1)) {
    if (at == 0 || !IsAsciiSpace(lower[at - 1])) continue;
    size_t i = at + name.size();
    if (i < tag.size() && (std::isalnum(static_cast<unsigned char>(tag[i])) || tag[i] == '-')) continue;
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i >= tag.size() || tag[i] != '=') return " ";  // present, no value ("itemscope")
    ++i;
    while (i < tag.size() && tag[i] == ' ') ++i;
    if (i < tag.size() && (tag[i] == '"' || tag[i] == '\'')) {
      size_t q = tag.find(tag[i], i + 1);
      return std::string(tag.substr(i + 1, (q == std::string_view::npos ? tag.size() : q) - i - 1));
    }
    size_t e = i;
    while (e < tag.size() && !IsAsciiSpace(tag[e]) && tag[e] != '>') ++e;
    return std::string(tag.substr(i, e - i));
  }
  return "";
}

bool IsVoid(std::string_view name) {
  for (std::string_view v :
       {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})
    if (name == v) return true;
  return false;
}

// One open element: its name, the item it starts (if itemscope), the
// property it carries, and where its content starts.
struct Open {
  std::string name;
  int item = -1;  // index into items when it has itemscope
  std::string prop;
  size_t content = 0;
};

struct Item {
  std::string type;  // "Question", "Answer", …
  int parent = -1;   // the item this one is a property of
  std::string parent_prop;
  std::string name, text;
  int64_t votes = 0;
};

std::string TypeName(const std::string& itemtype) {
  size_t slash = itemtype.find_last_of('/');
  std::string t = slash == std::string::npos ? itemtype : itemtype.substr(slash + 1);
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return t;
}

void Microdata(std::string_view html, Found* out) {
  if (Find(html, "itemscope") == std::string_view::npos) return;
  std::vector<Open> stack;
  std::vector<Item> items;
  size_t i = 0;
  while (i < html.size() && items.size() < 4 * kMaxCandidatesPerDocument) {
    size_t lt = html.find('<', i);
    if (lt == std::string_view::npos) break;
    size_t gt = html.find('>', lt);
    if (gt == std::string_view::npos) break;
    std::string_view tag = html.substr(lt + 1, gt - lt - 1);
    i = gt + 1;
    if (tag.empty() || tag[0] == '!' || tag[0] == '?') continue;
    if (tag[0] == '/') {
      std::string name = AsciiLowercase(tag.substr(1, tag.find_first_of(" \t\n") - 1));
      // Close up to the matching element; an end tag nothing matches is ignored.
      auto it = std::find_if(stack.rbegin(), stack.rend(), [&](const Open& o) { return o.name == name; });
      if (it == stack.rend()) continue;
      while (!stack.empty()) {
        Open o = std::move(stack.back());
        stack.pop_back();
        if (!o.prop.empty() && o.item < 0) {
          // A property's value: its text, to the nearest enclosing item.
          int owner = -1;
          for (auto s = stack.rbegin(); s != stack.rend(); ++s)
            if (s->item >= 0) {
              owner = s->item;
              break;
            }
          if (owner >= 0) {
            std::string value = FieldText(html.substr(o.content, lt - o.content));
            Item& item = items[owner];
            if (o.prop == "name") item.name = value;
            if (o.prop == "text") item.text = value;
            if (o.prop == "upvoteCount") item.votes = std::atoll(value.c_str());
          }
        }
        if (o.name == name) break;
      }
      continue;
    }
    size_t name_end = tag.find_first_of(" \t\n/");
    std::string name = AsciiLowercase(tag.substr(0, name_end));
    if (name == "script" || name == "style") {
      size_t end = html.find("</" + name, i);
      i = end == std::string_view::npos ? html.size() : end;
      continue;
    }
    Open o;
    o.name = name;
    o.prop = Attribute(tag, "itemprop");
    o.content = i;
    if (!Attribute(tag, "itemscope").empty()) {
      Item item;
      item.type = TypeName(Attribute(tag, "itemtype"));
      item.parent_prop = o.prop;
      for (auto s = stack.rbegin(); s != stack.rend(); ++s)
        if (s->item >= 0) {
          item.parent = s->item;
          break;
        }
      o.item = static_cast<int>(items.size());
      items.push_back(std::move(item));
    }
    // meta itemprop="upvoteCount" content="12"
    std::string content = Attribute(tag, "content");
    if (!o.prop.empty() && o.item < 0 && (IsVoid(name) || tag.back() == '/')) {
      for (auto s = stack.rbegin(); s != stack.rend(); ++s)
        if (s->item >= 0) {
          if (o.prop == "upvoteCount") items[s->item].votes = std::atoll(content.c_str());
          if (o.prop == "name" && !content.empty()) items[s->item].name = FieldText(content);
          if (o.prop == "text" && !content.empty()) items[s->item].text = FieldText(content);
          break;
        }
      continue;
    }
    if (IsVoid(name) || tag.back() == '/') continue;
    stack.push_back(std::move(o));
  }
  // Questions with their best answer.
  for (size_t q = 0; q < items.size() && !out->full(); ++q) {
    if (items[q].type != "Question") continue;
    const Item* best = nullptr;
    bool accepted = false;
    for (const Item& a : items) {
      if (a.parent != static_cast<int>(q) || a.text.empty()) continue;
      if (a.parent_prop == "acceptedAnswer") {
        if (!accepted) best = &a;
        accepted = true;
      } else if (a.parent_prop == "suggestedAnswer" && !accepted && (!best || a.votes > best->votes)) {
        best = &a;
      }
    }
    if (!best) continue;
    Candidate c;
    c.kind = "qa";
    c.source = "microdata";
    c.question = items[q].name;
    if (!items[q].text.empty() && items[q].text != items[q].name)
      c.question += (c.question.empty() ? "" : "\n") + items[q].text;
    c.answer = best->text;
    if (!c.question.empty()) out->Add(std::move(c));
  }
}

}  // namespace

std::vector<Candidate> FindMarkupCandidates(std::string_view html) {
  if (html.size() > kMaxMarkupBytes) html = html.substr(0, kMaxMarkupBytes);
  Found found;
  JsonLd(html, &found);
  Microdata(html, &found);
  std::vector<Candidate> out = std::move(found.list);
  // A final answer inside an accepted answer ("… so the answer is 12.") is
  // the one to check.
  for (Candidate& c : out) {
    std::string source;
    std::string final = FinalAnswer(c.answer, &source);
    if (!final.empty()) c.answer = final;
  }
  return out;
}

}  // namespace crawlproof::prompts
