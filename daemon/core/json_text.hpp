// Parsing JSON that comes from outside the daemon (API bodies, task outputs,
// configuration files, plugins' answers).
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <string_view>

namespace weft::daemon {

// nlohmann parses iteratively, but copies, dumps and compares recursively: a
// value nested a few hundred thousand levels deep would overflow the stack
// later. So untrusted text is refused beyond this depth, which no real
// document needs.
inline constexpr int max_json_depth = 64;

// The value, or a failure (invalid_request) whose message completes "the X
// is ...": "not valid JSON (line 3, column 7: ...)" or "nested deeper than 64 levels".
Result<nlohmann::json> parse_json(std::string_view text, int max_depth = max_json_depth);

}  // namespace weft::daemon
