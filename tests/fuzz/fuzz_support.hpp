// What the fuzz targets share: how a target reports a broken promise of the
// code under test, and the bugs known to be fixed elsewhere that it steps
// around until then.
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace weft::fuzz {

inline std::string_view text_of(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts when `holds` is false, which libFuzzer (or the corpus replay)
// reports as a crash on this input.
inline void require(bool holds, const char* promise) {
  if (holds) return;
  std::fprintf(stderr, "fuzz target: broken promise: %s\n", promise);
  std::abort();
}

// A refusal must say what is wrong and where.
inline void require_explained(const daemon::Failure& failure) {
  require(!failure.message.empty(), "a failure has a message");
  require(!failure.details.empty(), "a refused input names at least one problem");
}

}  // namespace weft::fuzz
