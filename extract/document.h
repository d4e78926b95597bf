// WARC records to documents: which records become documents (and why the
// others do not), and the document itself.
//
// Selected, as FineWeb-style pipelines select: `response` records whose HTTP
// status is 200 and whose payload is HTML — by Content-Type (text/html,
// application/xhtml+xml; else Common Crawl's WARC-Identified-Payload-Type),
// or sniffed when the type is absent or generic — and `conversion` records
// (WET text), taken as plain UTF-8 text. Every other record is skipped with a
// reason (see SkipReason).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "extract/html_text.h"
#include "extract/language.h"
#include "ingest/warc_record.h"

namespace crawlproof::extract {

struct ExtractOptions {
  HtmlExtractOptions html;
  LanguageOptions language;
  // Called with each HTML page as UTF-8 (after charset conversion, at most
  // html.max_html_bytes), before its text is extracted: what else a caller
  // takes from the markup (the prompts stage's schema.org Q&A).
  std::function<void(std::string_view html)> on_html;
};

struct Document {
  std::string id;  // DocumentId()
  std::string url, date, title, text;
  std::string lang = "und";
  double lang_score = 0;
  std::string lang2;  // second language of a mixed page (language.h), or ""
  double lang2_share = 0;
  std::string lang_label;  // the language model's label ("deu_Latn"), "" with CLD2
  // Source location: file (as given), and the record's offset and length as
  // `warc index` prints them.
  std::string file;
  uint64_t offset = 0, length = 0;
  std::string record_id;
  // How the text was obtained: charset (for HTML), replacements made while
  // converting, whether the page was longer than the extractor looks at.
  std::string charset, charset_source;
  size_t replaced_sequences = 0;
  bool truncated = false;
};

// Why a record is not a document. The skip reasons, each a stable string:
//   "type:<warc-type>"      not a response or conversion record
//   "http:unparseable"      the response block is not an HTTP response
//   "status:<code>"         HTTP status other than 200
//   "mime:<type>"           payload not HTML (the type, lower case, no params)
//   "too-large"             block larger than the reader keeps in memory
//   "empty"                 no text left after extraction
struct ExtractOutcome {
  bool ok = false;
  std::string skip_reason;
  Document doc;
};

ExtractOutcome ExtractRecord(const ingest::WarcRecord& record, std::string_view file,
                             const ExtractOptions& options = {});

// Stable document id, derived from the WARC-Record-ID: the UUID of a
// `<urn:uuid:…>` id (lower case); for any other id "r" + the first 32 hex
// digits of SHA-256(id); for a record without an id (ARC) "a" + the first 32
// hex digits of SHA-256(target URI ‖ "\n" ‖ date ‖ "\n" ‖ decimal offset).
std::string DocumentId(std::string_view record_id, std::string_view target_uri, std::string_view date, uint64_t offset);

// True when the first bytes look like HTML (WHATWG MIME sniffing's HTML
// patterns, after leading whitespace and a BOM).
bool LooksLikeHtml(std::string_view body);

// One JSON line (no newline): id, url, date, title, text, lang, lang_score,
// file, offset, length, record_id.
std::string DocumentJson(const Document& doc);

}  // namespace crawlproof::extract
