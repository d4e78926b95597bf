// The audit page's files (serve/assets/), compiled into the binary by
// serve/embed_assets.cmake: nothing is read from disk to serve them.
#pragma once

#include <string_view>

namespace crawlproof::serve {

struct Asset {
  std::string_view name;  // "app.js"
  std::string_view content_type;
  std::string_view data;
};

// The asset with exactly this file name, or null.
const Asset* FindAsset(std::string_view name);

}  // namespace crawlproof::serve
