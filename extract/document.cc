#include "extract/document.h"

#include "common/ascii.h"
#include "common/digest.h"
#include "common/encoding.h"
#include "common/json.h"
#include "extract/charset.h"
#include "extract/language_model.h"
#include "ingest/http_response.h"

namespace crawlproof::extract {
namespace {

// a + b (a helper: GCC 12's -Wrestrict misfires on `"literal" + std::string`).
std::string Concat(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + b.size());
  out.append(a).append(b);
  return out;
}

std::string MimeType(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  t = TrimWhitespace(t);
  std::string out;
  for (char c : t) out += AsciiLower(c);
  return out;
}

bool IsHtmlMime(std::string_view mime) {
  return mime == "text/html" || mime == "application/xhtml+xml" || mime == "application/xhtml";
}

// Types that say nothing about the payload: sniff instead.
bool IsGenericMime(std::string_view mime) {
  return mime.empty() || mime == "application/octet-stream" || mime == "unknown/unknown" ||
         mime == "application/unknown" || mime == "*/*";
}

}  // namespace

bool LooksLikeHtml(std::string_view body) {
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  size_t i = 0;
  while (i < body.size() && i < 512 &&
         (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r' || body[i] == '\f'))
    ++i;
  body.remove_prefix(i);
  static constexpr std::string_view kPatterns[] = {
      "<!doctype html", "<html",  "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table", "<a",
      "<style",         "<title", "<b",    "<body",   "<br",     "<p",  "<!--"};
  for (auto p : kPatterns) {
    if (!StartsWithIgnoreCase(body, p)) continue;
    if (p == "<!--") return true;
    if (body.size() > p.size() && (body[p.size()] == ' ' || body[p.size()] == '>')) return true;
  }
  return false;
}

std::string DocumentId(std::string_view record_id, std::string_view target_uri, std::string_view date,
                       uint64_t offset) {
  std::string_view id = record_id;
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
  if (StartsWithIgnoreCase(id, "urn:uuid:") && id.size() == 9 + 36) {
    std::string uuid;
    for (char c : id.substr(9)) uuid += AsciiLower(c);
    return uuid;
  }
  if (!record_id.empty()) return Concat("r", HexEncode(Sha256(record_id)).substr(0, 32));
  std::string key(target_uri);
  key += '\n';
  key += date;
  key += '\n';
  key += std::to_string(offset);
  return Concat("a", HexEncode(Sha256(key)).substr(0, 32));
}

ExtractOutcome ExtractRecord(const ingest::WarcRecord& record, std::string_view file, const ExtractOptions& options) {
  ExtractOutcome out;
  using ingest::WarcType;
  if (record.type != WarcType::kResponse && record.type != WarcType::kConversion) {
    std::string t;
    for (char c : record.type_name) t += AsciiLower(c);
    out.skip_reason = Concat("type:", t.empty() ? "none" : t);
    return out;
  }
  if (!record.block_in_memory) {
    out.skip_reason = "too-large";
    return out;
  }
  Document& d = out.doc;
  d.url = std::string(record.target_uri);
  d.date = std::string(record.date);
  d.file = std::string(file);
  d.offset = record.offset;
  d.length = record.length;
  d.record_id = std::string(record.record_id);
  d.id = DocumentId(record.record_id, record.target_uri, record.date, record.offset);
  std::string html_lang, content_language;  // hints for language identification
  std::vector<std::pair<size_t, size_t>> code_spans;

  if (record.type == WarcType::kConversion) {
    // WET text: UTF-8 by Common Crawl's contract; repaired if it is not.
    d.charset = "utf-8";
    d.charset_source = "wet";
    if (IsValidUtf8(record.block)) {
      d.text = std::string(record.block);
    } else {
      d.replaced_sequences = AppendRepairedUtf8(record.block, &d.text);
    }
    while (!d.text.empty() && (d.text.back() == '\n' || d.text.back() == '\r' || d.text.back() == ' '))
      d.text.pop_back();
  } else {
    auto http = ingest::ParseHttpResponse(record.block);
    if (!http.ok()) {
      out.skip_reason = "http:unparseable";
      return out;
    }
    if (http->status != 200) {
      out.skip_reason = Concat("status:", std::to_string(http->status));
      return out;
    }
    std::string_view body = http->Body();
    std::string content_type(http->Header("Content-Type").value_or(""));
    std::string mime = MimeType(content_type);
    if (IsGenericMime(mime)) {
      if (auto identified = record.Header("WARC-Identified-Payload-Type")) mime = MimeType(*identified);
    }
    if (!IsHtmlMime(mime) && !(IsGenericMime(mime) && LooksLikeHtml(body))) {
      out.skip_reason = Concat("mime:", mime.empty() ? "none" : mime);
      return out;
    }
    CharsetGuess cs = DetectCharset(content_type, body);
    d.charset = cs.name;
    d.charset_source = cs.source;
    std::string_view payload = body.substr(cs.bom_bytes);
    if (payload.size() > options.html.max_html_bytes) {
      payload = payload.substr(0, options.html.max_html_bytes);
      d.truncated = true;
    }
    std::string utf8 = ConvertToUtf8(payload, cs.name, &d.replaced_sequences);
    if (options.on_html) options.on_html(utf8);
    HtmlText h = ExtractHtmlText(utf8, options.html);
    d.title = std::move(h.title);
    d.text = std::move(h.text);
    d.truncated = d.truncated || h.truncated;
    html_lang = std::move(h.lang);
    code_spans = std::move(h.code_spans);
    content_language = std::string(http->Header("Content-Language").value_or(""));
  }
  if (d.text.empty()) {
    out.skip_reason = "empty";
    return out;
  }
  LanguageGuess lang = options.language.model
                           ? IdentifyLanguageByModel(d.text, *options.language.model, options.language.min_score)
                           : IdentifyLanguage(d.text, options.language, {html_lang, content_language}, code_spans);
  d.lang = lang.code;
  d.lang_label = std::move(lang.label);
  d.lang_score = lang.score;
  d.lang2 = std::move(lang.second);
  d.lang2_share = lang.second_share;
  out.ok = true;
  return out;
}

std::string DocumentJson(const Document& d) {
  JsonObject o;
  o.Add("id", d.id)
      .Add("url", d.url)
      .Add("date", d.date)
      .Add("title", d.title)
      .Add("text", d.text)
      .Add("lang", d.lang)
      .Add("lang_score", d.lang_score);
  if (!d.lang2.empty()) o.Add("lang2", d.lang2).Add("lang2_share", d.lang2_share);
  if (!d.lang_label.empty()) o.Add("lang_label", d.lang_label);
  o.Add("file", d.file).Add("offset", d.offset).Add("length", d.length).Add("record_id", d.record_id);
  return o.str();
}

}  // namespace crawlproof::extract
