// The human side of a run's output: <output>/report.html (one self-contained
// page, inline SVG, no external assets) and <output>/README.md (a dataset
// card), both built from the store (every run so far) and the manifest.
#pragma once

#include "common/status.h"
#include "pipelines/pipeline.h"

namespace crawlproof::store {
class ProvenanceStore;
}

namespace crawlproof::pipelines {

Status WriteReport(const PipelineConfig& config, const store::ProvenanceStore& store);

}  // namespace crawlproof::pipelines
