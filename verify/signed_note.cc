#include "verify/signed_note.h"

#include <algorithm>
#include <cstring>

#include "common/encoding.h"

namespace crawlproof::verify {
namespace {

constexpr std::string_view kDash = "\xE2\x80\x94 ";  // U+2014 and a space

bool HasForbiddenControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\n') || c == 0x7f;
  });
}

}  // namespace

Result<SignedNote> ParseSignedNote(std::string_view note) {
  if (note.empty() || note.back() != '\n') return Status::Corruption("note does not end with a newline");
  if (HasForbiddenControl(note)) return Status::Corruption("note contains control characters (CR?)");
  size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Status::Corruption("note has no blank line before its signatures");
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Status::Corruption("note has no signatures");
  size_t pos = 0, line_no = 0;
  while (pos < sigs.size()) {
    size_t nl = sigs.find('\n', pos);
    std::string_view line = sigs.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    std::string where = "signature line " + std::to_string(line_no);
    if (line.substr(0, kDash.size()) != kDash) return Status::Corruption(where + " does not start with '— '");
    line.remove_prefix(kDash.size());
    size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return Status::Corruption(where + " has no signature");
    NoteSignature s;
    s.name = line.substr(0, sp);
    if (!ValidSignerName(s.name)) return Status::Corruption(where + ": invalid signer name");
    std::string_view b64 = line.substr(sp + 1);
    auto raw = Base64Decode(b64);
    if (!raw || Base64Encode(*raw) != b64 || raw->size() < 5)
      return Status::Corruption(where + ": signature is not canonical base64 of a key id and a signature");
    std::memcpy(s.key_id.data(), raw->data(), 4);
    s.signature = raw->substr(4);
    out.signatures.push_back(std::move(s));
  }
  return out;
}

std::string FormatSignedNote(const SignedNote& note) {
  std::string out = note.text + "\n";
  for (const auto& s : note.signatures) {
    std::string raw(reinterpret_cast<const char*>(s.key_id.data()), 4);
    raw += s.signature;
    out += std::string(kDash) + s.name + " " + Base64Encode(raw) + "\n";
  }
  return out;
}

Result<NoteSignature> SignNoteText(std::string_view text, std::string_view name, const Ed25519Signer& signer) {
  if (!ValidSignerName(name)) return Status::InvalidArgument("invalid signer name '" + std::string(name) + "'");
  ASSIGN_OR_RETURN(std::string sig, signer.Sign(text));
  NoteSignature s;
  s.name = std::string(name);
  s.key_id = ComputeKeyId(name, signer.public_key());
  s.signature = std::move(sig);
  return s;
}

Result<NoteVerification> VerifyNote(const SignedNote& note, const ValidatorSet& set) {
  NoteVerification v;
  for (const auto& s : note.signatures) {
    const Validator* who = set.Find(s.name, s.key_id);
    if (who == nullptr) {
      ++v.ignored;
      continue;
    }
    if (!Ed25519Verify(who->public_key, note.text, s.signature))
      return Status::Corruption("signature by " + s.name + " does not verify: the note was changed or forged");
    if (std::find(v.signers.begin(), v.signers.end(), s.name) == v.signers.end()) v.signers.push_back(s.name);
  }
  v.quorum_met = v.signers.size() >= set.quorum;
  return v;
}

}  // namespace crawlproof::verify
