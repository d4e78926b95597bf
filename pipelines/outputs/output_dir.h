// The output folder is crawlproof's own (docs/pipeline.md, "The output
// folder"): a marker file written when a run creates it names the store whose
// run writes it; a run refuses a non-empty folder without the marker (unless
// an earlier version's outputs are recognised: the store's committed manifest
// equals shards/manifest.json), a folder another store writes, symbolic links
// where it would write or delete, and a folder another run holds. A run holds
// an exclusive lock on the marker while it writes.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "pipelines/pipeline.h"

namespace crawlproof::pipelines {

// The marker's name in the output folder.
inline constexpr const char* kOutputMarker = ".crawlproof-output";

class OutputLock {
 public:
  explicit OutputLock(int fd) : fd_(fd) {}
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

 private:
  int fd_;
};

// Checks every refusal a run would make about `config.output`. With
// `claim`, also creates the folder and its marker when absent (or adopts an
// earlier version's outputs) and returns the lock in *lock, held until it is
// destroyed. Without, creates nothing (`run --check`).
// Errors: InvalidArgument naming the folder and the reason; Unavailable when
// another run holds the folder.
Status CheckOutputFolder(const PipelineConfig& config, bool claim, std::unique_ptr<OutputLock>* lock = nullptr);

// The work folder's marker (docs/pipeline.md, "The work folder").
inline constexpr const char* kWorkMarker = ".crawlproof-work";

// Checks every refusal a run would make about its work folder `work` (the
// local executor's <output>/work, or [slurm] workdir): a symbolic link; a
// folder others may write to (mode o+w: anyone could plant a plan folder or
// swap a job script); a non-empty folder without the marker (crawlproof
// works only in a folder it created or found empty; <output>/work of an
// output folder that CheckOutputFolder accepted is adopted, as an earlier
// version left it); a symbolic link anywhere inside it. With `claim`,
// creates the folder (0755 less the umask) and the marker. Without, creates
// nothing. REQUIRES: CheckOutputFolder passed for `config`.
// Errors: InvalidArgument naming the folder and the reason; IoError.
Status CheckWorkFolder(const PipelineConfig& config, const std::string& work, bool claim);

// Whether `name` (relative to <output>/shards) is one crawlproof writes and so
// may delete when no committed manifest lists it: shard-N / valid-N files of
// either format (and their .tmp) and documents/group-N.jsonl.zst.
bool IsOwnShardsName(const std::string& name);

}  // namespace crawlproof::pipelines
