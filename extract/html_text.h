// HTML to text: a streaming tokenizer and main-content selection.
//
// One pass over the page builds a list of text blocks (block-level elements
// and <br> end a block), then a selection pass keeps the main content:
//
// - dropped while tokenizing: comments, doctype, processing instructions, and
//   the contents of script, style, noscript, template, iframe, object, svg,
//   math, select, textarea, button and hidden elements (`hidden`,
//   aria-hidden="true", inline display:none / visibility:hidden);
// - boilerplate containers: nav, aside, footer, form, menu, dialog, a header
//   that is not inside the main content, ARIA roles navigation, banner,
//   contentinfo, complementary, search, menu(bar), dialog, alertdialog, and any
//   element whose class or id has a boilerplate token (nav, menu, footer,
//   sidebar, breadcrumb, cookie, consent, share, social, related, comment,
//   advert, newsletter, popup, pagination, … — the list is in html_text.cc);
//   their text never reaches a block;
// - main region: when article, main, role=main or a content-like class/id
//   (content, article, post, entry, story, …) holds at least 40% of the
//   page's text, blocks outside it are dropped unless they are long prose
//   (25 words or more, at most 10% link text);
// - link density: a block whose text is more than 50% link text is dropped;
// - context (after jusText): a block of at least 10 words (20 CJK characters)
//   with at most 30% link text is good; shorter blocks are kept only next to
//   good content (the nearest longer block before or after them is good),
//   headings only when a good block follows before the next heading; a page without any good block keeps all its
//   remaining blocks.
//
// Entities are decoded (all HTML5 named references, numeric ones with the
// WHATWG replacements); whitespace is collapsed except inside <pre>. Time is
// linear in the input; the element stack is bounded (max_depth), so deep
// nesting costs no more than flat markup, and input beyond max_html_bytes is
// ignored (reported as truncated).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawlproof::extract {

struct HtmlExtractOptions {
  // Keep only the main content (true), or every visible text block (false,
  // like Common Crawl's WET text). Default: true.
  bool main_content = true;
  // Bytes of HTML looked at; the rest is ignored. Default: 16 MiB.
  size_t max_html_bytes = 16 << 20;
  // Deepest element nesting tracked; deeper elements inherit from the
  // deepest one tracked. Default: 256.
  size_t max_depth = 256;
};

struct HtmlText {
  std::string title;  // <title>, whitespace collapsed
  std::string text;   // kept blocks, one per line ('\n'-separated)
  std::string lang;   // <html lang="…">, as written
  // Byte ranges [begin, end) of `text` holding code rather than prose: kept
  // blocks whose characters are mostly inside pre, code, kbd, samp, tt or
  // listing. Language identification leaves them out.
  std::vector<std::pair<size_t, size_t>> code_spans;
  size_t blocks = 0;       // text blocks found
  size_t blocks_kept = 0;  // blocks in `text`
  bool truncated = false;  // input longer than max_html_bytes
};

// `html` must be UTF-8 (convert first; see charset.h).
HtmlText ExtractHtmlText(std::string_view html, const HtmlExtractOptions& options = {});

// Decodes character references in `s` (text content) and appends to `out`.
void AppendDecodedEntities(std::string_view s, std::string* out);

}  // namespace crawlproof::extract
