// The tokenize stage (stages.h).
#include <algorithm>
#include <filesystem>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"
#include "tokenize/tokenizer.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

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
