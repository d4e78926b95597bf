// C2SP signed notes: a text (ending in a newline), a blank line, and one
// signature line per signer:
//   — <name> <base64(key id[4] ‖ Ed25519 signature over the text)>\n
// (the dash is U+2014 EM DASH). Parsing is strict: CR, a missing final newline,
// non-canonical base64 or a malformed signature line make the note invalid.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "verify/ed25519.h"
#include "verify/valset.h"

namespace crawlproof::verify {

struct NoteSignature {
  std::string name;
  KeyId key_id{};
  std::string signature;  // what follows the key id (64 bytes for Ed25519)
};

struct SignedNote {
  std::string text;  // the signed bytes, final newline included
  std::vector<NoteSignature> signatures;
};

// Errors: Corruption naming what is wrong.
Result<SignedNote> ParseSignedNote(std::string_view note);
// text + "\n" + one line per signature.
std::string FormatSignedNote(const SignedNote& note);

// Signs `text` as `name` with `signer` (key id from name and public key).
Result<NoteSignature> SignNoteText(std::string_view text, std::string_view name, const Ed25519Signer& signer);

struct NoteVerification {
  std::vector<std::string> signers;  // distinct validators whose signature verified, in note order
  size_t ignored = 0;                // signatures by keys not in the set (never counted)
  bool quorum_met = false;           // signers.size() >= set.quorum
};

// Checks every signature of `note` against `set`. Signatures by unknown
// (name, key id) pairs are ignored; a validator signing twice counts once.
// Errors: Corruption when a signature by a validator of the set does not
// verify (the note was changed, or the signature is forged).
Result<NoteVerification> VerifyNote(const SignedNote& note, const ValidatorSet& set);

}  // namespace crawlproof::verify
