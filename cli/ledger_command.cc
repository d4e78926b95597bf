// crawlproof keygen | ledger valset | ledger build | ledger verify | ledger check | ledger consistency
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "ingest/byte_source.h"
#include "verify/commitments.h"
#include "verify/ledger.h"

namespace crawlproof::cli {
namespace {

using namespace crawlproof::verify;

bool ReadText(const std::string& path, std::string* out) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return false;
  *out = std::move(text).value();
  return true;
}

// Writes `data` to `path` with `mode`; refuses to replace an existing file.
Status WriteNewFile(const std::string& path, const std::string& data, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::IoError(path + ": cannot create (" + std::strerror(errno) + ")");
  bool ok = write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = fchmod(fd, mode) == 0 && ok;
  ok = close(fd) == 0 && ok;
  return ok ? Status::Ok() : Status::IoError(path + ": write failed");
}

void PrintLine(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

// ---- keygen ---------------------------------------------------------------

struct KeygenArgs {
  std::string name, out;
};

Status RunKeygen(const KeygenArgs& a) {
  if (!ValidSignerName(a.name)) {
    return Status::InvalidArgument("keygen: invalid name '" + a.name + "' (no whitespace, no '+')");
  }
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  auto kp = GenerateEd25519();
  if (!kp.ok()) {
    return kp.status();
  }
  std::string base = a.out + "/" + a.name;
  for (auto [path, data, mode] :
       {std::tuple{base + ".key", kp->private_pem, mode_t{0600}},
        std::tuple{base + ".pub", kp->public_pem, mode_t{0644}},
        std::tuple{base + ".vkey", ValidatorLine(a.name, kp->public_key) + "\n", mode_t{0644}}}) {
    if (Status s = WriteNewFile(path, data, mode); !s.ok()) {
      return s.WithPrefix("keygen");
    }
  }
  JsonObject o;
  o.Add("name", a.name).Add("private_key", base + ".key").Add("public_key", base + ".pub").Add("vkey", base + ".vkey");
  PrintLine(o.str());
  return Status::Ok();
}

// ---- ledger valset --------------------------------------------------------

struct ValsetArgs {
  uint32_t quorum = 1;
  std::vector<std::string> vkeys;
};

Status RunValset(const ValsetArgs& a) {
  std::vector<std::string> lines;
  for (const auto& f : a.vkeys) {
    std::string text;
    if (!ReadText(f, &text)) {
      return Status::InvalidArgument(f + ": cannot read");
    }
    lines.push_back(text);
  }
  auto set = MakeValidatorSet(a.quorum, lines);
  if (!set.ok()) {
    return Status::InvalidArgument("ledger valset: " + set.status().message());
  }
  std::fwrite(set->document.data(), 1, set->document.size(), stdout);
  return Status::Ok();
}

// ---- ledger build ---------------------------------------------------------

struct BuildArgs {
  std::string origin, valset, prev, root, out;
  std::vector<std::string> keys, inputs;
  std::string leaves;            // sidecar directory; default <out>.leaves
  std::optional<uint64_t> time;  // default: now
  bool allow_damaged = false;
  bool allow_empty = false;
  bool no_leaves = false;
  bool force = false;
};

Status RunBuild(const BuildArgs& a) {
  if (a.keys.empty()) {
    return Status::InvalidArgument(
        "ledger build: no signing key: give --key NAME.key once per validator signing this block");
  }
  // Before anything is read or written: the snapshot never replaces an input
  // (a WARC, a key, the validator set, --prev unless it is the same ledger
  // grown in place), a key file, or a file that is not a snapshot.
  {
    std::vector<std::string> inputs = a.inputs;
    inputs.push_back(a.valset);
    inputs.insert(inputs.end(), a.keys.begin(), a.keys.end());
    if (Status s = CheckOutputFile({a.out, "ledger snapshot", JsonFormatIs("crawlproof-ledger/v1")}, inputs, a.force);
        !s.ok())
      return s.WithPrefix("ledger build --out");
  }
  std::string doc;
  if (!ReadText(a.valset, &doc)) {
    return Status::InvalidArgument(a.valset + ": cannot read the validator set");
  }
  auto set = ParseValidatorSet(doc);
  if (!set.ok()) {
    return set.status().WithPrefix(a.valset);
  }
  std::vector<Ed25519Signer> signers;
  std::vector<Signer> sign_as;
  for (const auto& k : a.keys) {
    std::string pem;
    if (!ReadText(k, &pem)) {
      return Status::InvalidArgument(k + ": cannot read");
    }
    auto s = Ed25519Signer::FromPem(pem);
    if (!s.ok()) {
      return s.status().WithPrefix(k);
    }
    signers.push_back(std::move(s).value());
  }
  for (size_t i = 0; i < a.keys.size(); ++i)
    sign_as.push_back({std::filesystem::path(a.keys[i]).stem().string(), &signers[i]});
  Snapshot snapshot;
  if (!a.prev.empty()) {
    auto prev = ReadSnapshotFile(a.prev);
    if (!prev.ok()) {
      return prev.status();
    }
    snapshot = std::move(prev).value();
  }
  std::vector<FileEntry> files;
  std::vector<std::string> sidecars;  // encoded leaf sidecars, one per file
  uint64_t damaged = 0;
  for (const auto& input : a.inputs) {
    auto c = CommitFile(input, LedgerPath(input, a.root));
    if (!c.ok()) {
      return c.status();
    }
    for (const auto& p : c->problems) LogError(p);
    if (c->entry.size == 0 && !a.allow_empty) {
      // An empty file is almost always a failed download or copy: committing
      // it would vouch for nothing.
      LogError(input + ": empty (0 bytes); not committed (use --allow-empty to commit it as it is)");
      ++damaged;
      continue;
    }
    if (!c->problems.empty() && !a.allow_damaged) {
      LogError(input + ": " + std::to_string(c->problems.size()) +
               " problems; not committed (use --allow-damaged to commit the file as it is)");
      ++damaged;
      continue;
    }
    JsonObject o;
    o.Add("file", input)
        .Add("path", c->entry.path)
        .Add("size", c->entry.size)
        .Add("records", c->entry.record_count)
        .Add("record_root", ToHex(c->entry.record_root));
    PrintLine(o.str());
    files.push_back(c->entry);
    sidecars.push_back(EncodeLeafSidecar(c->leaf_hashes));
  }
  if (damaged > 0)
    return Status::BadInput("ledger build: " + std::to_string(damaged) + (damaged == 1 ? " file" : " files") +
                            " not committed; no block written");
  if (!a.no_leaves) {
    // Content-addressed, so written before the snapshot: a failed snapshot
    // write leaves only unreferenced sidecars behind.
    std::string dir = a.leaves.empty() ? a.out + ".leaves" : a.leaves;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    for (size_t i = 0; i < files.size(); ++i) {
      auto name = LeafSidecarName(files[i]);
      Status s = name.ok() ? WriteFileAtomically(dir + "/" + *name, sidecars[i]) : name.status();
      if (!s.ok()) {
        return s.WithPrefix("ledger build: leaf sidecar of " + files[i].path);
      }
    }
  }
  uint64_t now = a.time ? *a.time
                        : static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                    std::chrono::system_clock::now().time_since_epoch())
                                                    .count());
  if (Status s = AppendBlock(&snapshot, a.origin, *set, sign_as, std::move(files), now); !s.ok()) {
    return s.WithPrefix("ledger build");
  }
  // The snapshot as a verifier with its own genesis set would see it: a block
  // without its quorum, or a switch the new set does not co-sign, is not written.
  Trust own;
  own.origin = snapshot.origin;
  if (auto genesis = ParseValidatorSet(snapshot.valsets[0]); genesis.ok()) own.genesis = std::move(genesis).value();
  if (auto v = VerifySnapshot(snapshot, own); !v.ok()) {
    return Status::InvalidArgument("ledger build: the new block would not verify, not written: " +
                                   v.status().message());
  }
  if (Status s = WriteSnapshotFile(a.out, snapshot); !s.ok()) {
    return s;
  }
  LogInfo(a.out + ": block " + std::to_string(snapshot.blocks.size() - 1) + " appended");
  return Status::Ok();
}

// ---- ledger verify / check / consistency ------------------------------------

// Loads and verifies: a trust file or snapshot that cannot be read is "cannot
// run", one that does not verify is bad input (also printed as a JSON line).
Result<VerifiedLedger> LoadVerified(const std::string& snapshot_path, const std::string& trust_path) {
  auto trust = LoadTrustFile(trust_path);
  if (!trust.ok()) return trust.status();
  auto snapshot = ReadSnapshotFile(snapshot_path);
  if (!snapshot.ok()) {
    StatusCode code = snapshot.status().code();
    return code == StatusCode::kNotFound || code == StatusCode::kIoError ? snapshot.status()
                                                                         : AsBadInput(snapshot.status());
  }
  auto v = VerifySnapshot(*snapshot, *trust);
  if (!v.ok()) {
    JsonObject o;
    o.Add("snapshot", snapshot_path)
        .Add("status", "failed")
        .Add("error", v.status().message())
        .Add("valset_sha256", ToHex(trust->genesis.hash));
    PrintLine(o.str());
    return AsBadInput(v.status().WithPrefix(snapshot_path));
  }
  return std::move(v).value();
}

struct VerifyArgs {
  std::string snapshot, trust, root;
  std::string leaves;  // sidecar directory or URL prefix; default <snapshot>.leaves
  std::vector<std::string> inputs;
  bool pin = false;
};

Status RunVerify(const VerifyArgs& a) {
  ASSIGN_OR_RETURN(auto v, LoadVerified(a.snapshot, a.trust));
  JsonObject o;
  o.Add("snapshot", a.snapshot)
      .Add("status", "verified")
      .Add("height", v.height())
      .Add("files", static_cast<uint64_t>(v.entries.size()))
      .Add("root", ToHex(v.root()))
      .AddRaw("signers", JsonStringArray(v.blocks.back().signers));
  // The trusted genesis set's fingerprint, as the audit page shows it: to
  // compare with the one the ledger's operator published.
  if (auto trust = LoadTrustFile(a.trust); trust.ok()) o.Add("valset_sha256", ToHex(trust->genesis.hash));
  if (a.pin) {
    // Move the trust point forward: the new head must extend the pinned log
    // (an RFC 9162 consistency proof, checked here and printed for the record).
    auto trust = LoadTrustFile(a.trust);
    if (trust.ok() && trust->pinned_height) {
      const BlockBody& old_block = v.blocks[*trust->pinned_height].body;
      const BlockBody& head = v.blocks.back().body;
      std::vector<std::string> proof_hex;
      if (old_block.size > 0) {
        auto proof = ConsistencyProof(std::span<const Hash>(v.entry_hashes).subspan(0, head.size), old_block.size);
        if (Status s = VerifyConsistency(old_block.size, head.size, old_block.root, head.root, proof); !s.ok()) {
          return Status::BadInput(a.snapshot + ": the new head does not extend the pinned block: " + s.message());
        }
        for (const auto& h : proof) proof_hex.push_back(ToHex(h));
      }
      JsonObject c;
      c.Add("from_height", *trust->pinned_height)
          .Add("old_size", old_block.size)
          .Add("new_size", head.size)
          .AddRaw("proof", JsonStringArray(proof_hex));
      o.AddRaw("consistency", c.str());
    }
    if (Status s = PinTrustFile(a.trust, v.height(), v.root()); !s.ok()) {
      return s;
    }
    o.Add("pinned", v.height());
  }
  PrintLine(o.str());
  return Status::Ok();
}

// Where a mismatching file first differs from its ledger entry, record by
// record, using the entry's leaf sidecar. Sets *record_json (the record as JSON) when found; returns the sentence for
// the detail.
std::string LocateFirstDifference(const VerifyArgs& a, const FileEntry& e, const FileCommitment& c,
                                  std::string* record_json) {
  auto name = LeafSidecarName(e);
  if (!name.ok()) return "first differing record: unknown (" + name.status().message() + ")";
  std::string base = a.leaves.empty() ? a.snapshot + ".leaves" : a.leaves;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  std::string where = base + "/" + *name;
  if (!ingest::IsRemoteUri(where) && !std::filesystem::exists(where))
    return "first differing record: unknown (no leaf sidecar " + where + ")";
  auto bytes = ingest::ReadAllFromUri(where, {}, LeafSidecarSize(e));  // refused past its size, before reading
  if (!bytes.ok()) return "first differing record: unknown (" + bytes.status().message() + ")";
  auto ledger_leaves = DecodeLeafSidecar(*bytes, e);
  if (!ledger_leaves.ok())
    return "first differing record: unknown (leaf sidecar " + where + ": " + ledger_leaves.status().message() + ")";
  auto i = FirstDifferingLeaf(*ledger_leaves, c.leaf_hashes);
  if (!i) return "every record matches its leaf; bytes outside the records differ";
  JsonObject r;
  r.Add("index", static_cast<uint64_t>(*i));
  std::string sentence = "first differing record: #" + std::to_string(*i);
  if (*i < c.leaves.size()) {
    const RecordLeaf& l = c.leaves[*i];
    r.Add("offset", l.offset).Add("length", l.length).Add("record_id", l.record_id);
    sentence += " at offset " + std::to_string(l.offset) + " (" + l.record_id + ")";
  } else {
    sentence += ": the file ends after " + std::to_string(c.leaves.size()) + " records";
  }
  if (*i >= ledger_leaves->size())
    sentence += ": the ledger's file ends after " + std::to_string(ledger_leaves->size()) + " records";
  *record_json = r.str();
  return sentence;
}

Status RunCheck(const VerifyArgs& a) {
  ASSIGN_OR_RETURN(auto v, LoadVerified(a.snapshot, a.trust));
  uint64_t failed = 0;
  CommitOptions options;
  options.keep_leaves = true;  // to name the first differing record
  for (const auto& input : a.inputs) {
    std::string path = LedgerPath(input, a.root);
    JsonObject o;
    o.Add("file", input).Add("path", path);
    auto c = CommitFile(input, path, options);
    if (!c.ok()) {
      LogError(c.status().message());
      o.Add("status", "mismatch").Add("detail", "unreadable: " + c.status().message());
      PrintLine(o.str());
      ++failed;
      continue;
    }
    for (const auto& p : c->problems) LogWarning(p);
    std::optional<size_t> idx = v.FindPath(path);
    if (!idx) {
      o.Add("status", "not-in-ledger").Add("detail", "no file entry with this path");
      PrintLine(o.str());
      ++failed;
      continue;
    }
    const FileEntry& e = v.entries[*idx];
    o.Add("block", static_cast<uint64_t>(v.BlockOfEntry(*idx)));
    std::vector<std::string> diffs;
    if (e.size != c->entry.size)
      diffs.push_back("size: ledger " + std::to_string(e.size) + ", file " + std::to_string(c->entry.size));
    if (e.sha256 != c->entry.sha256)
      diffs.push_back("file hash: ledger " + ToHex(e.sha256) + ", file " + ToHex(c->entry.sha256));
    if (e.record_count != c->entry.record_count)
      diffs.push_back("record count: ledger " + std::to_string(e.record_count) + ", file " +
                      std::to_string(c->entry.record_count));
    if (e.record_root != c->entry.record_root)
      diffs.push_back("record root: ledger " + ToHex(e.record_root) + ", file " + ToHex(c->entry.record_root));
    std::string located;
    if (!diffs.empty()) diffs.push_back(LocateFirstDifference(a, e, *c, &located));
    std::string detail;
    for (const auto& d : diffs) detail += (detail.empty() ? "" : "; ") + d;
    o.Add("status", diffs.empty() ? "verified" : "mismatch");
    if (!detail.empty()) o.Add("detail", detail);
    if (!located.empty()) o.AddRaw("first_differing_record", located);
    PrintLine(o.str());
    if (!diffs.empty()) ++failed;
  }
  if (failed > 0)
    return Status::BadInput("ledger check: " + std::to_string(failed) + " of " + std::to_string(a.inputs.size()) +
                            " files do not match the ledger");
  return Status::Ok();
}

struct ConsistencyArgs {
  std::string snapshot, trust;
  uint64_t from = 0;
  std::optional<uint64_t> to;  // default: the head
};

Status RunConsistency(const ConsistencyArgs& a) {
  ASSIGN_OR_RETURN(auto v, LoadVerified(a.snapshot, a.trust));
  uint64_t to = a.to.value_or(v.height());
  if (a.from > to || to > v.height()) {
    return Status::InvalidArgument("ledger consistency: need --from <= --to <= " + std::to_string(v.height()));
  }
  const BlockBody& b1 = v.blocks[a.from].body;
  const BlockBody& b2 = v.blocks[to].body;
  auto leaves = std::span<const Hash>(v.entry_hashes).subspan(0, b2.size);
  std::vector<Hash> proof;
  if (b1.size > 0) proof = ConsistencyProof(leaves, b1.size);
  std::vector<std::string> hex;
  for (const auto& h : proof) hex.push_back(ToHex(h));
  bool ok = b1.size == 0 || VerifyConsistency(b1.size, b2.size, b1.root, b2.root, proof).ok();
  JsonObject o;
  o.Add("from", a.from)
      .Add("to", to)
      .Add("old_size", b1.size)
      .Add("new_size", b2.size)
      .Add("old_root", ToHex(b1.root))
      .Add("new_root", ToHex(b2.root))
      .AddRaw("proof", JsonStringArray(hex))
      .Add("verified", ok);
  PrintLine(o.str());
  if (!ok)
    return Status::BadInput("ledger consistency: block " + std::to_string(to) + " does not extend block " +
                            std::to_string(a.from));
  return Status::Ok();
}

}  // namespace

void RegisterLedgerCommands(CLI::App& app, Status* result) {
  auto keygen_args = std::make_shared<KeygenArgs>();
  auto* keygen = app.add_subcommand("keygen", "Create an Ed25519 validator key: NAME.key (0600), NAME.pub, NAME.vkey");
  keygen->add_option("--name", keygen_args->name, "Validator name")->required();
  keygen->add_option("--out", keygen_args->out, "Directory for the key files")->required();
  keygen->callback([keygen_args, result] { *result = RunKeygen(*keygen_args); });

  auto* ledger = app.add_subcommand("ledger", "Signed ledger snapshots of WARC file commitments");
  ledger->require_subcommand(1);

  auto valset_args = std::make_shared<ValsetArgs>();
  auto* valset = ledger->add_subcommand("valset", "Write a validator set document from .vkey files");
  valset->add_option("--quorum", valset_args->quorum, "Signatures a block needs")->required();
  valset->add_option("vkeys", valset_args->vkeys, ".vkey files")->required();
  valset->callback([valset_args, result] { *result = RunValset(*valset_args); });

  auto build_args = std::make_shared<BuildArgs>();
  auto* build = ledger->add_subcommand("build", "Commit WARC files in a new signed block");
  build->add_option("--origin", build_args->origin, "Ledger origin (first line of every block)")->required();
  build->add_option("--valset", build_args->valset, "Validator set document of this block")->required();
  // Checked in RunBuild, not by CLI11: a misspelt --keys is then reported as
  // the unknown option it is, not as a missing --key.
  build->add_option("--key", build_args->keys, "Private key(s) to sign with; NAME.key signs as NAME (required)");
  build->add_option("--prev", build_args->prev, "Snapshot to append to");
  build->add_option("--root", build_args->root, "Directory local paths are committed relative to");
  build->add_option("--out", build_args->out, "Snapshot to write")->required();
  build->add_option("--time", build_args->time, "Block time in unix seconds (default: now)")->check(WholeNumber());
  build->add_option("--leaves", build_args->leaves,
                    "Directory for the record-leaf sidecars that let `ledger check` name the first "
                    "differing record (default: OUT.leaves)");
  build->add_flag("--no-leaves", build_args->no_leaves, "Write no record-leaf sidecars");
  build->add_flag("--force", build_args->force,
                  "Replace an --out file that is not a ledger snapshot (never an input or a key file)");
  build->add_flag("--allow-empty", build_args->allow_empty, "Commit a file of 0 bytes (refused by default)");
  build->add_flag("--allow-damaged", build_args->allow_damaged, "Commit files the reader reported damage in");
  build->add_option("inputs", build_args->inputs, "WARC files or URLs")->required();
  build->callback([build_args, result] { *result = RunBuild(*build_args); });

  auto verify_args = std::make_shared<VerifyArgs>();
  auto* verify = ledger->add_subcommand("verify", "Verify a snapshot against a trust file");
  verify->add_option("snapshot", verify_args->snapshot, "Snapshot")->required();
  verify->add_option("--trust", verify_args->trust, "Trust file (TOML)")->required();
  verify->add_flag("--pin", verify_args->pin,
                   "After verifying, pin the head in the trust file ([pinned] height and root), "
                   "checking that it extends the previously pinned block");
  verify->callback([verify_args, result] { *result = RunVerify(*verify_args); });

  auto check_args = std::make_shared<VerifyArgs>();
  auto* check = ledger->add_subcommand("check", "Check WARC files against a verified snapshot");
  check->add_option("snapshot", check_args->snapshot, "Snapshot")->required();
  check->add_option("--trust", check_args->trust, "Trust file (TOML)")->required();
  check->add_option("--root", check_args->root, "Directory local paths are committed relative to");
  check->add_option("--leaves", check_args->leaves,
                    "Directory or URL prefix of the record-leaf sidecars (default: SNAPSHOT.leaves)");
  check->add_option("inputs", check_args->inputs, "WARC files or URLs")->required();
  check->callback([check_args, result] { *result = RunCheck(*check_args); });

  auto cons_args = std::make_shared<ConsistencyArgs>();
  auto* cons = ledger->add_subcommand("consistency", "RFC 9162 consistency proof between two blocks");
  cons->add_option("snapshot", cons_args->snapshot, "Snapshot")->required();
  cons->add_option("--trust", cons_args->trust, "Trust file (TOML)")->required();
  cons->add_option("--from", cons_args->from, "Older block height")->required()->check(WholeNumber());
  cons->add_option("--to", cons_args->to, "Newer block height (default: the last)")->check(WholeNumber());
  cons->callback([cons_args, result] { *result = RunConsistency(*cons_args); });
}

}  // namespace crawlproof::cli
