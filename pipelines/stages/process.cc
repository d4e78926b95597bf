// The process stage (stages.h).
#include <algorithm>
#include <filesystem>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "dedup/minhash_dedup.h"
#include "dedup/normalize.h"
#include "kernels/minhash.h"
#include "kernels/minhash_math.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

// ---- process --------------------------------------------------------------------------

Result<ProcessedSource> ProcessSource(const StageContext& ctx, uint64_t source) {
  const PipelineConfig& c = *ctx.config;
  const std::string dir = SourceDir(ctx, source);
  ProcessedSource out;
  if (fs::exists(dir + "/DONE")) {
    out.skipped = true;
    return out;
  }
  const std::string& path = ctx.plan->sources[source];
  ASSIGN_OR_RETURN(ShardResult r, RunTask(c, path, ctx.prepared->ledger ? &*ctx.prepared->ledger : nullptr));
  const auto t0 = Clock::now();
  const std::string tmp = TempDir(dir);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  RETURN_IF_ERROR(MakeDirs(tmp));
  // Exact hashes, signatures and ids of the candidates; their band keys and
  // every document's id by dedup partition.
  std::vector<std::string> texts;
  std::vector<const std::string*> ids;
  for (const DocOut& d : r.docs)
    if (d.status == DocStatus::kCandidate) {
      texts.push_back(dedup::NormalizeForDedup(d.doc.text));
      ids.push_back(&d.doc.id);
    }
  const dedup::DedupOptions dopt = DedupOptionsOf(c, ctx.threads);
  std::string device;
  ASSIGN_OR_RETURN(std::vector<uint64_t> sigs,
                   dedup::Signatures(texts, dopt.minhash, dopt.device, &device, ctx.threads));
  const uint32_t np = c.num_perm, parts = ctx.plan->dedup_partitions;
  if (texts.size() >= (uint64_t{1} << 32) || r.docs.size() >= (uint64_t{1} << 32))
    return Status::InvalidArgument(path + ": more than 2^32 documents in one source");
  Encoder signed_file;
  signed_file.U64(texts.size());
  std::vector<Encoder> bands(parts), id_parts(parts);
  const bool banded = c.bands > 0 && c.rows > 0 && uint64_t{c.bands} * c.rows <= np;  // else refused by cluster
  for (size_t k = 0; k < texts.size(); ++k) {
    const uint64_t* sig = sigs.data() + k * np;
    RETURN_IF_ERROR(AppendSignedRecord(Sha256(texts[k]), sig, np, *ids[k], &signed_file).WithPrefix(path));
    if (!banded) continue;
    for (uint32_t b = 0; b < c.bands; ++b) {
      const uint64_t key = kernels::detail::BandKey(sig, b, c.rows);
      Encoder& e = bands[key % parts];
      e.U32(static_cast<uint32_t>(k));
      e.U64(key);
    }
  }
  uint32_t row = 0;
  for (size_t j = 0; j < r.docs.size(); ++j) {
    const DocOut& d = r.docs[j];
    Encoder& e = id_parts[IdPartition(d.doc.id, parts)];
    e.U32(static_cast<uint32_t>(j));
    e.U32(d.status == DocStatus::kCandidate ? row++ : kNoRow);
    e.Str(d.doc.id);
  }
  r.seconds += Since(t0);
  RETURN_IF_ERROR(WriteStageFile(tmp + "/sigs.bin", signed_file.bytes(), false));
  for (uint32_t p = 0; p < parts; ++p) {
    RETURN_IF_ERROR(WriteStageFile(tmp + "/bands-" + Num(p, 5) + ".bin", bands[p].bytes(), false));
    RETURN_IF_ERROR(WriteStageFile(tmp + "/ids-" + Num(p, 5) + ".bin.zst", id_parts[p].bytes(), true));
  }
  Encoder meta, docs;
  EncodeResult(r, false, &meta);
  EncodeResult(r, true, &docs);
  RETURN_IF_ERROR(WriteStageFile(tmp + "/meta.bin.zst", meta.bytes(), true));
  RETURN_IF_ERROR(WriteStageFile(tmp + "/docs.bin.zst", docs.bytes(), true));
  if (c.prompts.enabled) {
    SourceCandidates candidates;
    for (size_t j = 0; j < r.docs.size(); ++j)
      if (!r.docs[j].candidates.empty()) candidates[j] = std::move(r.docs[j].candidates);
    RETURN_IF_ERROR(WriteCandidates(tmp + "/prompts.bin.zst", candidates));
  }
  RETURN_IF_ERROR(WriteFileAtomically(tmp + "/DONE", path + "\n"));
  RETURN_IF_ERROR(RenameDir(tmp, dir));
  out.bytes = r.size;
  out.documents = r.docs.size();
  return out;
}

Status ProcessTask(const StageContext& ctx, uint64_t task) {
  if (task >= ctx.plan->process_tasks.size())
    return Status::InvalidArgument("process task " + std::to_string(task) + " is not in the plan (" +
                                   std::to_string(ctx.plan->process_tasks.size()) + " tasks)");
  for (uint64_t source : ctx.plan->process_tasks[task]) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    RETURN_IF_ERROR(ProcessSource(ctx, source).status());
  }
  return Status::Ok();
}

}  // namespace crawlproof::pipelines
