// How long `ledger verify` takes on a long history: builds a snapshot of
// BLOCKS blocks committing FILES_PER_BLOCK synthetic file entries each (signed
// by a 2-of-3 validator set), writes it, then times reading + VerifySnapshot
// (every signature, every file entry hashed, the whole log's Merkle tree).
// Baseline in the same run: SHA-256 over the snapshot file's bytes.
//
// usage: ledger_verify_bench [BLOCKS] [FILES_PER_BLOCK] [DIR]   (default 20 50000 /tmp)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/file_util.h"
#include "verify/ledger.h"

using namespace crawlproof;
using namespace crawlproof::verify;

namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

[[noreturn]] void Die(const Status& s) {
  std::fprintf(stderr, "ledger_verify_bench: %s\n", s.message().c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  size_t blocks = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20;
  size_t per_block = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 50000;
  std::string dir = argc > 3 ? argv[3] : "/tmp";
  std::vector<Ed25519Signer> keys;
  std::vector<std::string> lines;
  for (int i = 0; i < 3; ++i) {
    auto kp = GenerateEd25519();
    if (!kp.ok()) Die(kp.status());
    auto signer = Ed25519Signer::FromPem(kp->private_pem);
    if (!signer.ok()) Die(signer.status());
    keys.push_back(std::move(signer).value());
    std::string name = "v";
    name.append(std::to_string(i));
    lines.push_back(ValidatorLine(name, kp->public_key));
  }
  auto set = MakeValidatorSet(2, lines);
  if (!set.ok()) Die(set.status());
  std::vector<Signer> signers = {{"v0", &keys[0]}, {"v1", &keys[1]}};
  Snapshot snapshot;
  auto t0 = std::chrono::steady_clock::now();
  for (size_t b = 0; b < blocks; ++b) {
    std::vector<FileEntry> files(per_block);
    for (size_t i = 0; i < per_block; ++i) {
      size_t n = b * per_block + i;
      FileEntry& e = files[i];
      e.path.assign("crawl-data/CC-MAIN-2026-");
      e.path.append(std::to_string(b)).append("/segments/1/warc/CC-MAIN-").append(std::to_string(n));
      e.path.append(".warc.gz");
      e.size = 1'000'000'000 + n;
      e.sha256 = Sha256Hash(e.path);
      e.record_count = 100'000 + n % 1000;
      e.record_root = Sha256Hash(std::to_string(n));
    }
    if (Status s = AppendBlock(&snapshot, "bench/ledger", *set, signers, std::move(files), 1'800'000'000 + b); !s.ok())
      Die(s);
  }
  double t_build = Seconds(t0);
  std::string path = dir;
  path.append("/ledger_verify_bench.json");
  if (Status s = WriteSnapshotFile(path, snapshot); !s.ok()) Die(s);
  Trust trust{"bench/ledger", *set, std::nullopt, std::nullopt};

  t0 = std::chrono::steady_clock::now();
  auto bytes = ReadWholeFile(path);
  if (!bytes.ok()) Die(bytes.status());
  Hash digest = Sha256Hash(*bytes);
  double t_sha = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  auto read = ReadSnapshotFile(path);
  if (!read.ok()) Die(read.status());
  double t_parse = Seconds(t0);
  t0 = std::chrono::steady_clock::now();
  auto verified = VerifySnapshot(*read, trust);
  if (!verified.ok()) Die(verified.status());
  double t_verify = Seconds(t0);

  std::printf("snapshot: %zu blocks, %zu file entries, %.1f MB (sha256 %02x%02x…)\n", blocks, blocks * per_block,
              bytes->size() / 1e6, digest[0], digest[1]);
  std::printf("%-34s %8.3f s\n", "build (AppendBlock, all blocks)", t_build);
  std::printf("%-34s %8.3f s\n", "baseline: read + SHA-256 of file", t_sha);
  std::printf("%-34s %8.3f s\n", "parse (simdjson)", t_parse);
  std::printf("%-34s %8.3f s   %.2f µs/entry\n", "verify (signatures, log, roots)", t_verify,
              1e6 * t_verify / static_cast<double>(blocks * per_block));
  std::printf("%-34s %8.2f×\n", "parse + verify vs baseline", (t_parse + t_verify) / t_sha);
  std::filesystem::remove(path);
  return 0;
}
