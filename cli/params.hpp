// Run parameters given as -p key=value.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace weft::cli {

// {"key": value, ...}: a value that parses as JSON (42, true, null, [1,2],
// {"a":1}, "quoted") is taken as that JSON, anything else as a plain string.
// A later -p for the same key wins. Throws UsageError for a word without "=" or
// with an empty key.
nlohmann::json parse_params(const std::vector<std::string>& assignments);

}  // namespace weft::cli
