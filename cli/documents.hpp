// JSON documents the user hands to weft by file name.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace weft::cli {

// Throws CommandError naming the file, and for malformed JSON the line and column.
nlohmann::json read_json_file(const std::string& path);

}  // namespace weft::cli
