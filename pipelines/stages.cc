// The process and tokenize stages (stages.h).
#include "pipelines/stages.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <unordered_set>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "dedup/minhash_dedup.h"
#include "dedup/normalize.h"
#include "kernels/minhash.h"
#include "kernels/minhash_math.h"
#include "pipelines/stage_files.h"
#include "store/provenance_store.h"
#include "tokenize/tokenizer.h"

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
  ShardResult r = RunTask(c, path, ctx.prepared->ledger ? &*ctx.prepared->ledger : nullptr);
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

// ---- tokenize ---------------------------------------------------------------------------

Status Tokenize(const StageContext& ctx, uint64_t begin, uint64_t end) {
  const PipelineConfig& c = *ctx.config;
  const Prepared& pr = *ctx.prepared;
  for (uint64_t g = begin; g < end; ++g) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    const std::string dir = TokenizeDir(ctx, g);
    if (fs::exists(dir + "/DONE")) continue;
    const auto t0 = Clock::now();
    const PlanGroup& group = ctx.plan->groups[g];
    ASSIGN_OR_RETURN(GroupDecisions dec, ReadDecisions(ctx, g));
    // The kept documents' texts, one source at a time.
    std::vector<extract::Document> kept(dec.kept.size());
    {
      std::vector<std::vector<size_t>> want(group.sources.size());
      for (size_t i = 0; i < dec.kept.size(); ++i) want[dec.kept[i].source].push_back(i);
      for (size_t k = 0; k < group.sources.size(); ++k) {
        if (want[k].empty()) continue;
        ASSIGN_OR_RETURN(ShardResult r, ReadResult(ctx, group.sources[k], true));
        for (size_t i : want[k]) {
          if (dec.kept[i].doc >= r.docs.size()) return Status::Corruption(dir + ": a kept document out of range");
          kept[i] = std::move(r.docs[dec.kept[i].doc].doc);
        }
      }
    }
    const std::string tmp = TempDir(dir);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    RETURN_IF_ERROR(MakeDirs(tmp));
    std::vector<std::string_view> views;
    for (const auto& d : kept) views.push_back(d.text);
    const auto token_ids = pr.tokenizer->EncodeBatch(views, ctx.threads);
    std::vector<TokenizedDoc> placed(kept.size());
    tokenize::Manifest fresh;
    bool have_fresh = false;  // a writer has been closed into `fresh`
    uint64_t next_shard = 0;
    // At least one writer, so that the manifest names the tokenizer even
    // when no document is left.
    size_t b = 0;
    do {
      const bool validation = b < kept.size() && dec.kept[b].validation;
      ASSIGN_OR_RETURN(std::unique_ptr<tokenize::ShardWriter> writer,
                       tokenize::ShardWriter::Open(tmp, *pr.tokenizer, pr.tok_path, pr.shard_options, next_shard,
                                                   validation ? "validation" : "train"));
      size_t i = b;
      for (; i < kept.size() && dec.kept[i].validation == validation; ++i) {
        ASSIGN_OR_RETURN(placed[i].position, writer->Add(kept[i].id, token_ids[i]));
        placed[i].tokens = token_ids[i].size();
        placed[i].text_sha256 = HexEncode(Sha256(kept[i].text));
        placed[i].tokens_sha256 = HexEncode(Sha256(std::string_view(reinterpret_cast<const char*>(token_ids[i].data()),
                                                                    token_ids[i].size() * sizeof(uint32_t))));
      }
      ASSIGN_OR_RETURN(tokenize::Manifest written, writer->Finish());
      if (!written.shards.empty()) next_shard = written.shards.back().index + 1;
      if (have_fresh) {
        RETURN_IF_ERROR(fresh.Append(std::move(written)));
      } else {
        fresh = std::move(written);
        have_fresh = true;
      }
      b = i;
    } while (b < kept.size());
    // The final documents, for people who read or re-tokenize them.
    if (c.documents && !kept.empty()) {
      std::string lines;
      for (size_t i = 0; i < kept.size(); ++i) {
        const extract::Document& d = kept[i];
        JsonObject src;
        src.Add("file", d.file).Add("offset", d.offset).Add("length", d.length).Add("record_id", d.record_id);
        JsonObject o;
        o.Add("id", d.id)
            .Add("url", d.url)
            .Add("date", d.date)
            .Add("lang", d.lang)
            .AddRaw("source", src.str())
            .Add("split", dec.kept[i].validation ? "validation" : "train")
            .Add("text", d.text)
            .Add("tokens", placed[i].tokens);
        lines += o.str();
        lines += '\n';
      }
      const std::string name = "documents/group-" + Num(group.first) + ".jsonl.zst";
      RETURN_IF_ERROR(MakeDirs(tmp + "/documents"));
      RETURN_IF_ERROR(WriteStageFile(tmp + "/" + name, lines, true, 3));  // users' files: level 3
      ASSIGN_OR_RETURN(std::string written, ReadWholeFile(tmp + "/" + name));
      fresh.other_files.push_back({name, written.size(), HexEncode(Sha256(written))});
    }
    if (c.prompts.enabled) RETURN_IF_ERROR(WritePromptFiles(c, dec.prompts, tmp));
    RETURN_IF_ERROR(WritePositions(tmp + "/positions.bin", placed, Since(t0)));
    RETURN_IF_ERROR(WriteFileAtomically(tmp + "/fresh-manifest.json", fresh.ToJson()));
    RETURN_IF_ERROR(WriteFileAtomically(tmp + "/DONE", ""));
    RETURN_IF_ERROR(RenameDir(tmp, dir));
  }
  return Status::Ok();
}

}  // namespace crawlproof::pipelines
