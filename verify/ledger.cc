#include "verify/ledger.h"

#include <toml++/toml.h>

#include <filesystem>
#include <sstream>

#include "common/file_util.h"
#include "common/toml_section.h"
#include "verify/signed_note.h"

namespace crawlproof::verify {
namespace {

Status BlockError(size_t i, const std::string& what) {
  return Status::Corruption("block " + std::to_string(i) + ": " + what);
}

}  // namespace

std::optional<size_t> VerifiedLedger::FindPath(std::string_view path) const {
  for (size_t i = entries.size(); i-- > 0;) {
    if (entries[i].path == path) return i;
  }
  return std::nullopt;
}

size_t VerifiedLedger::BlockOfEntry(size_t i) const {
  size_t b = 0;
  while (b + 1 < blocks.size() && blocks[b + 1].first_entry <= i) ++b;
  return b;
}

namespace {

constexpr uint64_t kMaxTrustFileBytes = 1 << 20;

// The trust file, strictly: only origin, valset_file and [pinned] (height,
// root); anything else (a misspelt `[pined]`, `pinned = 1`) is an error, since
// ignoring it would silently switch the rollback check off.
Status ReadTrustTable(const std::string& path, const toml::table& t, Trust* trust, std::string* valset_file) {
  TomlSection top(&t, "", path);
  RETURN_IF_ERROR(top.Get("origin", &trust->origin));
  RETURN_IF_ERROR(top.Get("valset_file", valset_file));
  const toml::table* pinned = nullptr;
  RETURN_IF_ERROR(top.Table("pinned", &pinned));
  RETURN_IF_ERROR(top.CheckUnknown());
  if (trust->origin.empty()) return Status::InvalidArgument(path + ": origin missing");
  if (valset_file->empty()) return Status::InvalidArgument(path + ": valset_file missing");
  if (pinned) {
    TomlSection pin(pinned, "pinned", path);
    const toml::node* h = pin.Node("height");
    std::string root_hex;
    RETURN_IF_ERROR(pin.Get("root", &root_hex));
    RETURN_IF_ERROR(pin.CheckUnknown());
    if (!h || !h->is_integer() || h->as_integer()->get() < 0)
      return Status::InvalidArgument(path + ": pinned.height must be a non-negative integer");
    if (root_hex.empty()) return Status::InvalidArgument(path + ": [pinned] needs height and root");
    auto root = HashFromHex(root_hex);
    if (!root) return Status::InvalidArgument(path + ": pinned.root is not 64 lower-case hex digits");
    trust->pinned_height = static_cast<uint64_t>(h->as_integer()->get());
    trust->pinned_root = *root;
  }
  return Status::Ok();
}

}  // namespace

Result<Trust> LoadTrustFile(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table t, ParseTomlFile(path, kMaxTrustFileBytes));
  Trust trust;
  std::string valset_file;
  RETURN_IF_ERROR(ReadTrustTable(path, t, &trust, &valset_file));
  std::filesystem::path vpath = valset_file;
  if (vpath.is_relative()) vpath = std::filesystem::path(path).parent_path() / vpath;
  auto doc = ReadWholeFile(vpath.string(), kMaxTrustFileBytes);
  if (!doc.ok()) return doc.status().WithPrefix("the genesis validator set");
  auto set = ParseValidatorSet(*doc);
  if (!set.ok()) return set.status().WithPrefix(vpath.string());
  trust.genesis = std::move(set).value();
  return trust;
}

Status PinTrustFile(const std::string& path, uint64_t height, const Hash& root) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, kMaxTrustFileBytes));
  ASSIGN_OR_RETURN(toml::table t, ParseToml(text, path));
  Trust check;
  std::string valset_file;
  RETURN_IF_ERROR(ReadTrustTable(path, t, &check, &valset_file));
  // The leading comment block is kept; the rest is written by toml++'s
  // serialiser, so there is exactly one [pinned] table.
  std::string head;
  for (size_t at = 0; at < text.size() && (text[at] == '#' || text[at] == '\n');) {
    const size_t nl = text.find('\n', at);
    const size_t end = nl == std::string::npos ? text.size() : nl + 1;
    head += text.substr(at, end - at);
    at = end;
  }
  if (!head.empty() && head.back() != '\n') head += '\n';
  toml::table pinned;
  pinned.insert("height", static_cast<int64_t>(height));
  pinned.insert("root", ToHex(root));
  t.insert_or_assign("pinned", std::move(pinned));
  std::ostringstream out;
  out << toml::toml_formatter(t);
  return WriteFileAtomically(path, head + out.str() + "\n", /*through_link=*/true);
}

Result<VerifiedLedger> VerifySnapshot(const Snapshot& snapshot, const Trust& trust) {
  VerifiedLedger ledger;
  if (snapshot.origin != trust.origin)
    return Status::Corruption("snapshot origin '" + snapshot.origin + "' is not the trusted '" + trust.origin + "'");
  if (snapshot.valsets.empty() || snapshot.valsets[0] != trust.genesis.document)
    return Status::Corruption("the snapshot's genesis validator set is not the trusted one");
  for (size_t i = 0; i < snapshot.valsets.size(); ++i) {
    auto set = ParseValidatorSet(snapshot.valsets[i]);
    if (!set.ok()) return set.status().WithPrefix("validator set " + std::to_string(i));
    ledger.valsets.push_back(std::move(set).value());
  }
  if (snapshot.blocks.empty()) return Status::Corruption("snapshot has no blocks");
  MerkleBuilder log;
  size_t current = 0;  // validator set in force
  std::string prev_text;
  for (size_t i = 0; i < snapshot.blocks.size(); ++i) {
    const SnapshotBlock& sb = snapshot.blocks[i];
    auto note = ParseSignedNote(sb.note);
    if (!note.ok()) return BlockError(i, note.status().message());
    auto body = ParseBlockBody(note->text);
    if (!body.ok()) return BlockError(i, body.status().message());
    if (body->origin != trust.origin) return BlockError(i, "origin '" + body->origin + "' is not the trusted one");
    if (i > 0 && body->height == ledger.blocks.back().body.height)
      return Status::Corruption("equivocation: two blocks at height " + std::to_string(body->height) + " (roots " +
                                ToHex(ledger.blocks.back().body.root) + " and " + ToHex(body->root) + ")");
    if (body->height != i)
      return BlockError(i, "height " + std::to_string(body->height) + ", expected " + std::to_string(i));
    Hash expected_prev = i == 0 ? Hash{} : Sha256Hash(prev_text);
    if (body->prev != expected_prev) return BlockError(i, "prev does not match the previous block");
    // Validator set: the one in force, or a switch signed by it.
    size_t set_index = current;
    if (body->valset != ledger.valsets[current].hash) {
      set_index = ledger.valsets.size();
      for (size_t v = 0; v < ledger.valsets.size(); ++v) {
        if (ledger.valsets[v].hash == body->valset) set_index = v;
      }
      if (set_index == ledger.valsets.size()) return BlockError(i, "names a validator set the snapshot does not hold");
    }
    auto checked = VerifyNote(*note, ledger.valsets[current]);
    if (!checked.ok()) return BlockError(i, checked.status().message());
    if (!checked->quorum_met) {
      return BlockError(i, std::string(set_index != current ? "switches validator sets without " : "lacks ") +
                               "a quorum of " + std::to_string(ledger.valsets[current].quorum) + " (" +
                               std::to_string(checked->signers.size()) + " valid signatures of the set in force)");
    }
    VerifiedBlock vb;
    vb.signers = checked->signers;
    if (set_index != current) {
      // A switch is co-signed: by a quorum of the set in force (checked
      // above) and by a quorum of the new set, so a switch to keys that
      // never sign (or to nobody's keys) cannot take the ledger over.
      auto by_new = VerifyNote(*note, ledger.valsets[set_index]);
      if (!by_new.ok()) return BlockError(i, by_new.status().message());
      if (!by_new->quorum_met)
        return BlockError(i, "switches to validator set " + std::to_string(set_index) + " without a quorum of " +
                                 std::to_string(ledger.valsets[set_index].quorum) + " of the new set (" +
                                 std::to_string(by_new->signers.size()) + " valid signatures of it)");
      current = set_index;
    }
    vb.valset_index = current;
    vb.first_entry = ledger.entries.size();
    for (const FileEntry& e : sb.files) {
      auto enc = EncodeFileEntry(e);
      if (!enc.ok()) return BlockError(i, enc.status().message());
      Hash h = HashLeaf(*enc);
      log.Append(h);
      ledger.entries.push_back(e);
      ledger.entry_hashes.push_back(h);
    }
    if (log.size() != body->size)
      return BlockError(i, "lists " + std::to_string(log.size()) + " file entries in all, its size says " +
                               std::to_string(body->size));
    if (log.Root() != body->root) return BlockError(i, "its file entries do not hash to its root");
    vb.body = std::move(body).value();
    prev_text = note->text;
    ledger.blocks.push_back(std::move(vb));
  }
  if (trust.pinned_height) {
    if (*trust.pinned_height > ledger.height())
      return Status::Corruption("rollback: the snapshot ends at height " + std::to_string(ledger.height()) +
                                ", below the pinned height " + std::to_string(*trust.pinned_height));
    const BlockBody& pinned = ledger.blocks[*trust.pinned_height].body;
    if (pinned.root != *trust.pinned_root)
      return Status::Corruption("rollback or fork: block " + std::to_string(*trust.pinned_height) + " has root " +
                                ToHex(pinned.root) + ", the pinned root is " + ToHex(*trust.pinned_root));
  }
  return ledger;
}

Status AppendBlock(Snapshot* snapshot, const std::string& origin, const ValidatorSet& valset,
                   const std::vector<Signer>& signers, std::vector<FileEntry> files, uint64_t time) {
  if (signers.empty()) return Status::InvalidArgument("a block needs at least one signing key");
  if (snapshot->blocks.empty()) {
    snapshot->origin = origin;
    snapshot->valsets = {valset.document};
  } else if (snapshot->origin != origin) {
    return Status::InvalidArgument("origin '" + origin + "' differs from the snapshot's '" + snapshot->origin + "'");
  }
  bool known = false;
  for (const auto& doc : snapshot->valsets) known |= doc == valset.document;
  if (!known) snapshot->valsets.push_back(valset.document);

  MerkleBuilder log;
  BlockBody body;
  body.origin = origin;
  body.height = snapshot->blocks.size();
  body.time = time;
  body.valset = valset.hash;
  for (const auto& b : snapshot->blocks) {
    for (const auto& e : b.files) {
      ASSIGN_OR_RETURN(std::string enc, EncodeFileEntry(e));
      log.Append(HashLeaf(enc));
    }
  }
  if (!snapshot->blocks.empty()) {
    auto prev = ParseSignedNote(snapshot->blocks.back().note);
    if (!prev.ok()) return prev.status().WithPrefix("previous block");
    body.prev = Sha256Hash(prev->text);
  }
  for (const auto& e : files) {
    ASSIGN_OR_RETURN(std::string enc, EncodeFileEntry(e));
    log.Append(HashLeaf(enc));
  }
  body.size = log.size();
  body.root = log.Root();
  SignedNote note;
  note.text = FormatBlockBody(body);
  for (const auto& s : signers) {
    ASSIGN_OR_RETURN(NoteSignature sig, SignNoteText(note.text, s.name, *s.key));
    note.signatures.push_back(std::move(sig));
  }
  snapshot->blocks.push_back({FormatSignedNote(note), std::move(files)});
  return Status::Ok();
}

}  // namespace crawlproof::verify
