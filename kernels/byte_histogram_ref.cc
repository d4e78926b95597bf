#include "kernels/byte_histogram.h"

namespace crawlproof::kernels {

ByteHistogram ByteHistogramCpu(const uint8_t* data, size_t size) {
  // Four interleaved tables avoid store-to-load stalls on runs of one byte.
  uint64_t t[4][256] = {};
  size_t i = 0;
  for (; i + 4 <= size; i += 4) {
    ++t[0][data[i]];
    ++t[1][data[i + 1]];
    ++t[2][data[i + 2]];
    ++t[3][data[i + 3]];
  }
  for (; i < size; ++i) ++t[0][data[i]];
  ByteHistogram h{};
  for (int v = 0; v < 256; ++v) h[v] = t[0][v] + t[1][v] + t[2][v] + t[3][v];
  return h;
}

}  // namespace crawlproof::kernels
