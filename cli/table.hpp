// Aligned plain-text tables for human output.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace weft::cli {

class Table {
 public:
  // No headers: a borderless key/value or option list.
  explicit Table(std::vector<std::string> headers = {});

  void add_row(std::vector<std::string> cells);

  // Columns are separated by two spaces and padded to their widest cell (in
  // UTF-8 characters); the last column is not padded, so no line ends in blanks.
  void print(std::ostream& out, std::string_view indent = "") const;

 private:
  std::vector<std::vector<std::string>> rows_;
  bool has_headers_;
};

// How one JSON value reads in a cell: strings bare, null and absent as "-",
// arrays of scalars comma-separated, anything else as compact JSON.
std::string cell(const nlohmann::json& value);

// cell() of object[key], "-" when the key is absent or object is not an object.
std::string cell(const nlohmann::json& object, const char* key);

}  // namespace weft::cli
