// JSON documents the user hands to weft by file name.
#pragma once

#include <istream>
#include <string>

#include <nlohmann/json.hpp>

namespace weft::cli {

// Throws CommandError naming the file, and for malformed JSON the line and column.
nlohmann::json read_json_file(const std::string& path);
// JSON given on the command line: "@FILE" reads a file, "-" standard input,
// anything else is the JSON text itself.
nlohmann::json read_json_argument(const std::string& argument, std::istream& standard_input);

}  // namespace weft::cli
