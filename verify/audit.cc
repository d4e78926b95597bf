#include "verify/audit.h"

#include <simdjson.h>

#include "common/encoding.h"
#include "common/json.h"
#include "ingest/warc_reader.h"
#include "verify/signed_note.h"

namespace crawlproof::verify {
namespace {

using simdjson::dom::element;

std::string HexList(const std::vector<Hash>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", \"" : "\"") + ToHex(v[i]) + "\"";
  return out + "]";
}

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

Status Field(const std::string& name) {
  return Status::Corruption("bundle: \"" + name + "\" missing or malformed");
}

Status GetStr(element o, const char* k, std::string* out) {
  std::string_view v;
  if (o[k].get(v)) return Field(k);
  out->assign(v);
  return Status::Ok();
}

Status GetU64(element o, const char* k, uint64_t* out) {
  if (o[k].get(*out)) return Field(k);
  return Status::Ok();
}

Status GetHexBytes(element o, const char* k, std::string* out) {
  std::string hex;
  RETURN_IF_ERROR(GetStr(o, k, &hex));
  auto raw = HexDecode(hex);
  if (!raw || HexEncode(*raw) != hex) return Field(k);
  *out = std::move(*raw);
  return Status::Ok();
}

Status GetHashes(element o, const char* k, std::vector<Hash>* out) {
  simdjson::dom::array arr;
  if (o[k].get(arr)) return Field(k);
  for (element e : arr) {
    std::string_view s;
    if (e.get(s)) return Field(k);
    auto h = HashFromHex(s);  // exactly 32 bytes: a SHA-1 (20) or anything else is refused
    if (!h) return Status::Corruption(std::string("bundle: \"") + k + "\" holds a value that is not a SHA-256 hash");
    out->push_back(*h);
  }
  return Status::Ok();
}

Status GetStrings(element o, const char* k, std::vector<std::string>* out) {
  simdjson::dom::array arr;
  if (o[k].get(arr)) return Field(k);
  for (element e : arr) {
    std::string_view s;
    if (e.get(s)) return Field(k);
    out->emplace_back(s);
  }
  return Status::Ok();
}

Status Fail(const std::string& what) {
  return Status::Corruption("audit: " + what);
}

// The bundle's block against the trust file's pinned block: the same root
// at the same height; else a consistency proof between the two logs (whose
// sizes, bound to the roots, give the direction).
Status CheckPin(const AuditBundle& b, const Trust& trust, const BlockBody& body, std::string* what) {
  const uint64_t pinned = *trust.pinned_height;
  const Hash& pinned_root = *trust.pinned_root;
  if (pinned == body.height) {
    if (pinned_root != body.root) return Fail("block: root differs from the pinned root at that height (fork)");
    *what = "same block";
    return Status::Ok();
  }
  const std::string at = "the trust file pins block " + std::to_string(pinned) + ", the bundle's block is at height " +
                         std::to_string(body.height);
  if (!b.pin || b.pin->height != pinned)
    return Fail(at + " and the bundle carries no proof of consistency with the pinned block (make it with " +
                "`audit record --trust` or `--pin-height " + std::to_string(pinned) + "`)");
  const bool later = body.height > pinned;
  const uint64_t pinned_size = b.pin->size;
  if (later ? pinned_size > body.size : pinned_size < body.size)
    return Fail(at + ": the pinned log size " + std::to_string(pinned_size) + " is out of order with the block's " +
                std::to_string(body.size));
  if (pinned_size == body.size) {
    if (pinned_root != body.root || !b.pin->proof.empty())
      return Fail(at + ": not consistent with the pinned block (fork)");
  } else if ((later ? pinned_size : body.size) == 0) {
    if ((later ? pinned_root : body.root) != EmptyRoot() || !b.pin->proof.empty())
      return Fail(at + ": not consistent with the pinned block (fork)");
  } else {
    Status s = later ? VerifyConsistency(pinned_size, body.size, pinned_root, body.root, b.pin->proof)
                     : VerifyConsistency(body.size, pinned_size, body.root, pinned_root, b.pin->proof);
    if (!s.ok()) return Fail(at + ": not consistent with the pinned block (fork): " + s.message());
  }
  *what = later ? "extends the pinned block" : "in the pinned block's log";
  return Status::Ok();
}

// The record part of a bundle from the entry's leaf sidecar and the record
// alone (BuildAuditBundle's `hint`); false when that cannot be done.
bool RecordFromSidecar(std::string_view uri, uint64_t offset, const RecordHint& hint, const FileEntry& entry,
                       const ingest::SourceOptions& source, AuditBundle* b) {
  auto name = LeafSidecarName(entry);
  if (!name.ok() || hint.leaves_dir.empty() || hint.leaf_index >= entry.record_count || hint.length == 0) return false;
  auto bytes = ingest::ReadAllFromUri(hint.leaves_dir + "/" + *name, {}, LeafSidecarSize(entry));
  if (!bytes.ok()) return false;
  auto leaves = DecodeLeafSidecar(*bytes, entry);  // checked against the entry's record root
  if (!leaves.ok()) return false;
  ingest::SourceOptions so = source;
  so.offset = offset;
  so.length = hint.length;
  auto record = ingest::ReadAllFromUri(uri, so, hint.length);
  if (!record.ok() || record->size() != hint.length) return false;
  ingest::WarcReaderOptions ro;
  ro.addressable_sha256 = true;
  ro.block_sha256 = true;
  ro.check_digests = false;
  auto reader = ingest::WarcReader::Open(ingest::MakeMemorySource(std::move(*record), std::string(uri)), ro);
  if (!reader.ok()) return false;
  ingest::WarcRecord rec;
  auto r = (*reader)->Next(&rec);
  if (!r.ok() || !*r || rec.length != hint.length) return false;
  auto leaf = RecordLeafFromWarc(rec);
  if (!leaf.ok()) return false;
  leaf->offset = offset;  // read from a copy of the record alone
  auto encoded = EncodeRecordLeaf(*leaf);
  if (!encoded.ok() || HashLeaf(*encoded) != (*leaves)[hint.leaf_index]) return false;
  b->leaf = std::move(*encoded);
  b->record_index = hint.leaf_index;
  b->offset = offset;
  b->length = leaf->length;
  b->record_count = entry.record_count;
  b->record_path = InclusionProof(*leaves, hint.leaf_index);
  return true;
}

}  // namespace

std::string FormatAuditBundle(const AuditBundle& b) {
  std::string s = "{\n";
  s += "\"format\": \"crawlproof-audit/v1\",\n";
  s += "\"origin\": " + Quoted(b.origin) + ",\n";
  s += "\"file\": " + Quoted(b.file) + ",\n";
  s += "\"path\": " + Quoted(b.path) + ",\n";
  s += "\"offset\": " + std::to_string(b.offset) + ",\n";
  s += "\"length\": " + std::to_string(b.length) + ",\n";
  s += "\"record_index\": " + std::to_string(b.record_index) + ",\n";
  s += "\"leaf\": \"" + HexEncode(b.leaf) + "\",\n";
  s += "\"record_count\": " + std::to_string(b.record_count) + ",\n";
  s += "\"record_path\": " + HexList(b.record_path) + ",\n";
  s += "\"entry\": \"" + HexEncode(b.entry) + "\",\n";
  s += "\"entry_index\": " + std::to_string(b.entry_index) + ",\n";
  s += "\"tree_size\": " + std::to_string(b.tree_size) + ",\n";
  s += "\"entry_path\": " + HexList(b.entry_path) + ",\n";
  s += "\"height\": " + std::to_string(b.height) + ",\n";
  s += "\"block_note\": " + Quoted(b.block_note) + ",\n";
  s += "\"valsets\": " + JsonStringArray(b.valsets) + ",\n";
  s += "\"switch_blocks\": " + JsonStringArray(b.switch_blocks) + ",\n";
  if (b.pin) {
    s += "\"pin\": {\"height\": " + std::to_string(b.pin->height) + ", \"size\": " + std::to_string(b.pin->size) +
         ", \"proof\": " + HexList(b.pin->proof) + "},\n";
  }
  s += "\"decisions\": null\n";
  s += "}\n";
  return s;
}

Result<AuditBundle> ParseAuditBundle(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  element o;
  if (parser.parse(padded).get(o) || !o.is_object()) return Status::Corruption("bundle is not a JSON object");
  std::string format;
  RETURN_IF_ERROR(GetStr(o, "format", &format));
  if (format != "crawlproof-audit/v1") return Status::Corruption("bundle format is not crawlproof-audit/v1");
  AuditBundle b;
  RETURN_IF_ERROR(GetStr(o, "origin", &b.origin));
  RETURN_IF_ERROR(GetStr(o, "file", &b.file));
  RETURN_IF_ERROR(GetStr(o, "path", &b.path));
  RETURN_IF_ERROR(GetU64(o, "offset", &b.offset));
  RETURN_IF_ERROR(GetU64(o, "length", &b.length));
  RETURN_IF_ERROR(GetU64(o, "record_index", &b.record_index));
  RETURN_IF_ERROR(GetHexBytes(o, "leaf", &b.leaf));
  RETURN_IF_ERROR(GetU64(o, "record_count", &b.record_count));
  RETURN_IF_ERROR(GetHashes(o, "record_path", &b.record_path));
  RETURN_IF_ERROR(GetHexBytes(o, "entry", &b.entry));
  RETURN_IF_ERROR(GetU64(o, "entry_index", &b.entry_index));
  RETURN_IF_ERROR(GetU64(o, "tree_size", &b.tree_size));
  RETURN_IF_ERROR(GetHashes(o, "entry_path", &b.entry_path));
  RETURN_IF_ERROR(GetU64(o, "height", &b.height));
  RETURN_IF_ERROR(GetStr(o, "block_note", &b.block_note));
  RETURN_IF_ERROR(GetStrings(o, "valsets", &b.valsets));
  RETURN_IF_ERROR(GetStrings(o, "switch_blocks", &b.switch_blocks));
  element pin;
  if (!o["pin"].get(pin) && !pin.is_null()) {
    AuditBundle::Pin p;
    RETURN_IF_ERROR(GetU64(pin, "height", &p.height));
    RETURN_IF_ERROR(GetU64(pin, "size", &p.size));
    RETURN_IF_ERROR(GetHashes(pin, "proof", &p.proof));
    b.pin = std::move(p);
  }
  return b;
}

Result<AuditBundle> BuildAuditBundle(std::string_view uri, std::string_view ledger_path, uint64_t offset,
                                     const Snapshot& snapshot, const ingest::SourceOptions& source,
                                     std::optional<uint64_t> pin_height, const RecordHint* hint) {
  AuditBundle b;
  b.origin = snapshot.origin;
  b.file = std::string(uri);
  b.path = std::string(ledger_path);
  if (snapshot.valsets.empty()) return Status::Corruption("snapshot has no validator sets");
  // The log of file entries, and the last entry with this path.
  std::vector<Hash> entry_hashes;
  std::optional<uint64_t> found;  // its index in the log
  size_t found_block = 0;
  FileEntry ledger_entry;
  for (size_t bi = 0; bi < snapshot.blocks.size(); ++bi) {
    for (const auto& e : snapshot.blocks[bi].files) {
      ASSIGN_OR_RETURN(std::string enc, EncodeFileEntry(e));
      if (e.path == ledger_path) {
        found = entry_hashes.size();
        found_block = bi;
        ledger_entry = e;
        b.entry = enc;
      }
      entry_hashes.push_back(HashLeaf(enc));
    }
  }
  if (!found) return Status::NotFound(std::string(ledger_path) + ": no file entry with this path in the snapshot");
  auto note = ParseSignedNote(snapshot.blocks[found_block].note);
  if (!note.ok()) return note.status().WithPrefix("block " + std::to_string(found_block));
  auto body = ParseBlockBody(note->text);
  if (!body.ok()) return body.status().WithPrefix("block " + std::to_string(found_block));
  if (body->size > entry_hashes.size() || *found >= body->size)
    return Status::Corruption("block " + std::to_string(found_block) + ": size does not cover its entries");
  b.height = body->height;
  b.block_note = snapshot.blocks[found_block].note;
  b.entry_index = *found;
  b.tree_size = body->size;
  b.entry_path = InclusionProof(std::span<const Hash>(entry_hashes).subspan(0, body->size), b.entry_index);
  if (pin_height && *pin_height != b.height) {
    if (*pin_height >= snapshot.blocks.size())
      return Status::NotFound("the snapshot has no block at the pinned height " + std::to_string(*pin_height));
    auto pn = ParseSignedNote(snapshot.blocks[*pin_height].note);
    if (!pn.ok()) return pn.status().WithPrefix("block " + std::to_string(*pin_height));
    auto pb = ParseBlockBody(pn->text);
    if (!pb.ok()) return pb.status().WithPrefix("block " + std::to_string(*pin_height));
    if (pb->size > entry_hashes.size())
      return Status::Corruption("block " + std::to_string(*pin_height) + ": size does not cover its entries");
    AuditBundle::Pin pin;
    pin.height = *pin_height;
    pin.size = pb->size;
    const uint64_t small = std::min(pin.size, b.tree_size), large = std::max(pin.size, b.tree_size);
    if (small > 0 && small < large)
      pin.proof = ConsistencyProof(std::span<const Hash>(entry_hashes).subspan(0, large), small);
    b.pin = std::move(pin);
  }

  // The validator-set history up to the block.
  b.valsets.push_back(snapshot.valsets[0]);
  Hash current = Sha256Hash(snapshot.valsets[0]);
  for (size_t bi = 0; bi <= found_block; ++bi) {
    auto n = ParseSignedNote(snapshot.blocks[bi].note);
    if (!n.ok()) return n.status().WithPrefix("block " + std::to_string(bi));
    auto bb = ParseBlockBody(n->text);
    if (!bb.ok()) return bb.status().WithPrefix("block " + std::to_string(bi));
    if (bb->valset == current) continue;
    const std::string* doc = nullptr;
    for (const auto& d : snapshot.valsets) {
      if (Sha256Hash(d) == bb->valset) doc = &d;
    }
    if (!doc) return Status::Corruption("block " + std::to_string(bi) + " names a validator set the snapshot lacks");
    b.valsets.push_back(*doc);
    b.switch_blocks.push_back(snapshot.blocks[bi].note);
    current = bb->valset;
  }

  if (hint && RecordFromSidecar(uri, offset, *hint, ledger_entry, source, &b)) return b;
  // The record: recompute the file's leaves and check them against the entry.
  CommitOptions co;
  co.keep_leaves = true;
  co.source = source;
  ASSIGN_OR_RETURN(FileCommitment c, CommitFile(uri, ledger_path, co));
  if (c.entry.size != ledger_entry.size || c.entry.sha256 != ledger_entry.sha256 ||
      c.entry.record_count != ledger_entry.record_count || c.entry.record_root != ledger_entry.record_root)
    return Status::Corruption(std::string(uri) + ": the file does not match its ledger entry");
  for (size_t i = 0; i < c.leaves.size(); ++i) {
    if (c.leaves[i].offset != offset) continue;
    ASSIGN_OR_RETURN(b.leaf, EncodeRecordLeaf(c.leaves[i]));
    b.record_index = i;
    b.offset = offset;
    b.length = c.leaves[i].length;
    b.record_count = c.entry.record_count;
    b.record_path = InclusionProof(c.leaf_hashes, i);
    return b;
  }
  return Status::NotFound(std::string(uri) + ": no record starts at offset " + std::to_string(offset));
}

Result<AuditResult> VerifyAuditBundle(const AuditBundle& b, const Trust& trust,
                                      const std::optional<std::string>& record_bytes) {
  AuditResult out;
  if (b.origin != trust.origin) return Fail("origin '" + b.origin + "' is not the trusted one");
  if (b.valsets.empty() || b.valsets[0] != trust.genesis.document)
    return Fail("the bundle's genesis validator set is not the trusted one");
  if (b.switch_blocks.size() + 1 != b.valsets.size())
    return Fail("every validator set after genesis needs the signed block that switched to it");
  // Follow the validator-set history.
  ValidatorSet current = trust.genesis;
  uint64_t last_height = 0;
  for (size_t k = 0; k < b.switch_blocks.size(); ++k) {
    std::string where = "validator set switch " + std::to_string(k + 1);
    auto note = ParseSignedNote(b.switch_blocks[k]);
    if (!note.ok()) return Fail(where + ": " + note.status().message());
    auto body = ParseBlockBody(note->text);
    if (!body.ok()) return Fail(where + ": " + body.status().message());
    if (body->origin != trust.origin) return Fail(where + ": wrong origin");
    if (k > 0 && body->height <= last_height) return Fail(where + ": heights out of order");
    last_height = body->height;
    auto next = ParseValidatorSet(b.valsets[k + 1]);
    if (!next.ok()) return Fail(where + ": " + next.status().message());
    if (body->valset != next->hash) return Fail(where + ": the block does not name this validator set");
    auto v = VerifyNote(*note, current);
    if (!v.ok()) return Fail(where + ": " + v.status().message());
    if (!v->quorum_met) return Fail(where + ": not signed by a quorum of the previous validator set");
    auto by_new = VerifyNote(*note, *next);
    if (!by_new.ok()) return Fail(where + ": " + by_new.status().message());
    if (!by_new->quorum_met) return Fail(where + ": not signed by a quorum of the new validator set");
    current = std::move(next).value();
  }
  // The block.
  auto note = ParseSignedNote(b.block_note);
  if (!note.ok()) return Fail("block: " + note.status().message());
  auto body = ParseBlockBody(note->text);
  if (!body.ok()) return Fail("block: " + body.status().message());
  if (body->origin != trust.origin) return Fail("block: wrong origin");
  if (body->height != b.height) return Fail("block: height differs from the bundle's");
  if (!b.switch_blocks.empty() && body->height < last_height) return Fail("block: older than a validator-set switch");
  if (body->valset != current.hash) return Fail("block: signed under a validator set the history does not reach");
  auto signers = VerifyNote(*note, current);
  if (!signers.ok()) return Fail("block: " + signers.status().message());
  if (!signers->quorum_met)
    return Fail("block: " + std::to_string(signers->signers.size()) + " valid signatures, quorum is " +
                std::to_string(current.quorum));
  if (trust.pinned_height) RETURN_IF_ERROR(CheckPin(b, trust, *body, &out.pin_check));
  // The file entry in the block's log.
  auto entry = DecodeFileEntry(b.entry);
  if (!entry.ok()) return Fail("file entry: " + entry.status().message());
  if (b.tree_size != body->size) return Fail("file entry: tree size is not the block's size");
  if (Status s = VerifyInclusion(HashLeaf(b.entry), b.entry_index, b.tree_size, b.entry_path, body->root); !s.ok())
    return Fail("file entry: " + s.message());
  if (entry->path != b.path) return Fail("file entry: its path is not the bundle's");
  // The record in the file.
  auto leaf = DecodeRecordLeaf(b.leaf);
  if (!leaf.ok()) return Fail("record: " + leaf.status().message());
  if (b.record_count != entry->record_count) return Fail("record: record count differs from the file entry's");
  if (Status s =
          VerifyInclusion(HashLeaf(b.leaf), b.record_index, entry->record_count, b.record_path, entry->record_root);
      !s.ok())
    return Fail("record: " + s.message());
  if (leaf->offset != b.offset || leaf->length != b.length)
    return Fail("record: the leaf's offset/length are not the bundle's");
  // The content, when given.
  if (record_bytes) {
    if (record_bytes->size() != leaf->length)
      return Fail("content: " + std::to_string(record_bytes->size()) + " bytes given, the leaf commits to " +
                  std::to_string(leaf->length));
    if (Sha256Hash(*record_bytes) != leaf->addressable_sha256)
      return Fail("content: the record's bytes do not hash to the committed SHA-256");
    ingest::WarcReaderOptions o;
    o.block_sha256 = true;
    o.check_digests = false;
    auto reader = ingest::WarcReader::Open(ingest::MakeMemorySource(*record_bytes, "record bytes"), o);
    if (!reader.ok()) return Fail("content: " + reader.status().message());
    ingest::WarcRecord rec;
    auto r = (*reader)->Next(&rec);
    if (!r.ok() || !*r) return Fail("content: the bytes do not hold a WARC record");
    if (rec.block_sha256 != AsBytes(leaf->block_sha256))
      return Fail("content: the record block does not hash to the committed SHA-256");
    if (static_cast<uint8_t>(rec.type) != leaf->type || rec.record_id != leaf->record_id ||
        rec.target_uri != leaf->target_uri || rec.date != leaf->date)
      return Fail("content: the record's header fields differ from the committed ones");
    out.content_checked = true;
  }
  out.leaf = std::move(leaf).value();
  out.entry = std::move(entry).value();
  out.height = body->height;
  out.signers = signers->signers;
  return out;
}

}  // namespace crawlproof::verify
