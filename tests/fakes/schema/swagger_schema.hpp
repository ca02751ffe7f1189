// Checks JSON values against the definitions of an API document, so that a
// fake server refuses every request body a real server's schema would.
//
// Handles the part of JSON Schema that Swagger 2.0 definitions use: $ref
// (to "#/definitions/<name>"), type (one name or a list), properties,
// required, items, additionalProperties (false or a schema), enum, pattern
// (of strings), and the integer formats int32, int64 and uint64. Other keywords (description,
// x-kubernetes-*, discriminators) say nothing about validity and are read
// past.
//
// Stricter than the document in one way, on purpose: an object schema that
// lists properties and says nothing of additionalProperties refuses a key it
// does not list. Swagger allows such keys, but a real server drops or
// refuses them, and a fake that let them through would hide a misspelt
// field in what a plugin sends.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace weft::fakes {

class SwaggerSchema {
 public:
  // document has a "definitions" object (a Swagger 2.0 or JSON Schema document).
  explicit SwaggerSchema(nlohmann::json document);
  // Reads and parses the file; throws std::runtime_error naming it if it cannot.
  static SwaggerSchema load(const std::filesystem::path& file);

  bool has_definition(std::string_view name) const;
  // What is wrong with value as the definition `name`, one problem a line,
  // each with the JSON pointer of the offending part; empty: it conforms.
  // Throws std::invalid_argument for an unknown definition.
  std::vector<std::string> problems(const nlohmann::json& value, std::string_view definition) const;

 private:
  void check(const nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
             std::vector<std::string>& found, int depth) const;
  void check_object(const nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
                    std::vector<std::string>& found, int depth) const;
  const nlohmann::json& resolve(const std::string& ref) const;

  nlohmann::json definitions_;
};

}  // namespace weft::fakes
