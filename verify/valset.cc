#include "verify/valset.h"

#include <charconv>
#include <cstring>
#include <set>

#include "common/digest.h"
#include "common/encoding.h"
#include "verify/block.h"

namespace crawlproof::verify {
namespace {

constexpr std::string_view kHeader = "crawlproof-valset/v1";

Result<Validator> ParseValidatorLine(std::string_view line) {
  auto sp = line.find(' ');
  if (sp == std::string_view::npos) return Status::Corruption("validator line has no key");
  Validator v;
  v.name = line.substr(0, sp);
  if (!ValidSignerName(v.name)) return Status::Corruption("invalid validator name '" + v.name + "'");
  std::string_view b64 = line.substr(sp + 1);
  auto raw = Base64Decode(b64);
  if (!raw || Base64Encode(*raw) != b64 || raw->size() != 33 || (*raw)[0] != 0x01)
    return Status::Corruption("validator " + v.name + ": key is not canonical base64 of 0x01 and 32 bytes");
  v.public_key = raw->substr(1);
  v.key_id = ComputeKeyId(v.name, v.public_key);
  return v;
}

std::string Format(uint32_t quorum, const std::vector<Validator>& validators) {
  std::string doc(kHeader);
  doc += "\nquorum " + std::to_string(quorum) + "\n";
  for (const auto& v : validators) doc += ValidatorLine(v.name, v.public_key) + "\n";
  return doc;
}

Status CheckSet(const ValidatorSet& set) {
  if (set.validators.empty()) return Status::Corruption("validator set has no validators");
  if (set.quorum < 1 || set.quorum > set.validators.size())
    return Status::Corruption("quorum " + std::to_string(set.quorum) + " is not between 1 and " +
                              std::to_string(set.validators.size()));
  std::set<std::string> names, keys;
  for (const auto& v : set.validators) {
    if (!names.insert(v.name).second) return Status::Corruption("validator " + v.name + " appears twice");
    if (!keys.insert(v.public_key).second) return Status::Corruption("validator " + v.name + " reuses a key");
  }
  return Status::Ok();
}

}  // namespace

KeyId ComputeKeyId(std::string_view name, std::string_view public_key) {
  Hasher h(DigestAlgorithm::kSha256);
  h.Update(name);
  h.Update("\n");
  h.Update(std::string_view("\x01", 1));
  h.Update(public_key);
  std::string d = h.Finish();
  KeyId id;
  std::memcpy(id.data(), d.data(), 4);
  return id;
}

bool ValidSignerName(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f || c == '+') return false;
  }
  return true;
}

std::string ValidatorLine(std::string_view name, std::string_view public_key) {
  std::string raw = "\x01";
  raw.append(public_key);
  return std::string(name) + " " + Base64Encode(raw);
}

const Validator* ValidatorSet::Find(std::string_view name, const KeyId& key_id) const {
  for (const auto& v : validators) {
    if (v.name == name && v.key_id == key_id) return &v;
  }
  return nullptr;
}

Result<ValidatorSet> ParseValidatorSet(std::string_view document) {
  if (document.empty() || document.back() != '\n') return Status::Corruption("validator set must end with a newline");
  if (document.find('\r') != std::string_view::npos) return Status::Corruption("validator set contains CR");
  ValidatorSet set;
  size_t pos = 0, line_no = 0;
  while (pos < document.size()) {
    size_t nl = document.find('\n', pos);
    std::string_view line = document.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line_no == 1) {
      if (line != kHeader) return Status::Corruption("validator set line 1: expected '" + std::string(kHeader) + "'");
    } else if (line_no == 2) {
      uint64_t q = 0;
      if (line.substr(0, 7) != "quorum " || !ParseCanonicalUint(line.substr(7), &q) || q > UINT32_MAX)
        return Status::Corruption("validator set line 2: expected 'quorum <k>'");
      set.quorum = static_cast<uint32_t>(q);
    } else {
      auto v = ParseValidatorLine(line);
      if (!v.ok()) return v.status().WithPrefix("validator set line " + std::to_string(line_no));
      set.validators.push_back(std::move(v).value());
    }
  }
  RETURN_IF_ERROR(CheckSet(set));
  set.document = std::string(document);
  if (Format(set.quorum, set.validators) != set.document)
    return Status::Corruption("validator set is not in canonical form");
  set.hash = Sha256Hash(set.document);
  return set;
}

Result<ValidatorSet> MakeValidatorSet(uint32_t quorum, const std::vector<std::string>& validator_lines) {
  ValidatorSet set;
  set.quorum = quorum;
  for (const auto& line : validator_lines) {
    std::string_view l = line;
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
    auto v = ParseValidatorLine(l);
    if (!v.ok()) return Status::InvalidArgument(v.status().message());
    set.validators.push_back(std::move(v).value());
  }
  if (Status s = CheckSet(set); !s.ok()) return Status::InvalidArgument(s.message());
  set.document = Format(set.quorum, set.validators);
  set.hash = Sha256Hash(set.document);
  return set;
}

}  // namespace crawlproof::verify
