// Language identification by a fastText model (lid.176, GlotLID), the
// alternative to CLD2 that `[extract] language_model` selects.
//
// The model sees the page's whole text as FineWeb-2 feeds GlotLID (datatrove's
// language filter): every \n replaced by a space. The top label is the
// language and its probability, as fastText's predict gives it, the score
// (FineWeb-2's per-language thresholds are on this number). Labels become
// crawlproof's codes (LanguageCodeOfLabel); the label itself is kept
// (LanguageGuess::label, a document's `lang_label`), so a GlotLID script
// ("deu_Latn", "srp_Latn" against "srp_Cyrl") is never lost.
#pragma once

#include <string>
#include <string_view>

#include "classify/fasttext_model.h"
#include "extract/language.h"

namespace crawlproof::extract {

// The top label of `model` for `text`; `code` is "und" when its score is
// below `min_score` or the text gives the model nothing. Thread-safe.
LanguageGuess IdentifyLanguageByModel(std::string_view text, const classify::FastTextModel& model, double min_score);

// A model's label as a language code: GlotLID's "deu_Latn" is the CLD2 code
// FineWeb-2's table gives it ("de"; data/fineweb2/recipe.toml's `source`),
// another GlotLID label its ISO 639-1 code where CLD2 has the language
// ("eng_Latn" -> "en"; extract/iso639.inc), lid.176's "he" and "jv" are
// CLD2's "iw" and "jw"; any other label is kept as it is, without
// "__label__" ("xmf", "nds_Latn").
std::string LanguageCodeOfLabel(std::string_view label);

}  // namespace crawlproof::extract
