// The files the dedup, cluster and assemble stages hand each other in the
// work folder (stages.h), for duplicates.cc and assemble.cc only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"

namespace crawlproof::pipelines {

// plan-<id>/dedup/w<a>-<b>/<kind>-<p>.bin.zst: a dedup partition's links or repeats.
std::string PartFile(const StageContext& ctx, uint64_t begin, uint64_t end, const char* kind, uint32_t p);
// plan-<id>/cluster/tasks/g<g>-t<t>.bin.zst: a cluster task's duplicates of a group.
std::string TaskFile(const StageContext& ctx, uint64_t group, uint64_t task);
// plan-<id>/cluster/group-<g>.bin.zst: a group's decisions (assemble).
std::string GroupFile(const StageContext& ctx, uint64_t group);

// repeats-<p>: u64 count, then (source u64, document u32, row u32) of the
// records seen before.
struct Repeat {
  uint64_t source = 0;
  uint32_t doc = 0, row = kNoRow;
};
// Errors: Corruption naming the file; those of reading it.
Status ReadRepeats(const std::string& path, std::vector<Repeat>* out);

}  // namespace crawlproof::pipelines
