#include "swagger_schema.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <regex>
#include <stdexcept>

namespace weft::fakes {
namespace {

// Deeper than any real document nests; stops a $ref cycle in a broken one.
constexpr int kMaxDepth = 256;

std::string escape_pointer_token(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

bool has_type(const nlohmann::json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "number") return value.is_number();
  if (type == "integer") {
    if (value.is_number_integer()) return true;
    return value.is_number_float() &&
           value.get<double>() == static_cast<double>(static_cast<int64_t>(value.get<double>()));
  }
  if (type == "null") return value.is_null();
  return false;
}

bool in_format_range(const nlohmann::json& value, const std::string& format) {
  if (!value.is_number_integer()) return true;
  if (format == "int32") {
    if (value.is_number_unsigned()) return value.get<uint64_t>() <= std::numeric_limits<int32_t>::max();
    const auto v = value.get<int64_t>();
    return v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max();
  }
  if (format == "int64")
    return !value.is_number_unsigned() || value.get<uint64_t>() <= std::numeric_limits<int64_t>::max();
  if (format == "uint64") return value.is_number_unsigned() || value.get<int64_t>() >= 0;
  return true;
}

}  // namespace

SwaggerSchema::SwaggerSchema(nlohmann::json document) {
  if (!document.is_object() || !document.contains("definitions") || !document["definitions"].is_object()) {
    throw std::invalid_argument("the schema document has no \"definitions\" object");
  }
  definitions_ = std::move(document["definitions"]);
}

SwaggerSchema SwaggerSchema::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read the schema document " + file.string());
  try {
    return SwaggerSchema(nlohmann::json::parse(in));
  } catch (const std::exception& e) {
    throw std::runtime_error("the schema document " + file.string() + " is unusable: " + e.what());
  }
}

bool SwaggerSchema::has_definition(std::string_view name) const { return definitions_.contains(std::string(name)); }

std::vector<std::string> SwaggerSchema::problems(const nlohmann::json& value, std::string_view definition) const {
  if (!has_definition(definition)) throw std::invalid_argument("no definition " + std::string(definition));
  std::vector<std::string> found;
  check(value, definitions_.at(std::string(definition)), "", found, 0);
  return found;
}

const nlohmann::json& SwaggerSchema::resolve(const std::string& ref) const {
  static constexpr std::string_view kPrefix = "#/definitions/";
  if (ref.rfind(kPrefix, 0) != 0) throw std::invalid_argument("unsupported $ref " + ref);
  const std::string name = ref.substr(kPrefix.size());
  if (!definitions_.contains(name)) throw std::invalid_argument("$ref to a missing definition " + ref);
  return definitions_.at(name);
}

void SwaggerSchema::check(const nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
                          std::vector<std::string>& found, int depth) const {
  const std::string where = pointer.empty() ? "/" : pointer;
  if (depth > kMaxDepth) {
    found.push_back(where + ": nested deeper than " + std::to_string(kMaxDepth) + " levels");
    return;
  }
  if (!schema.is_object()) return;
  if (const auto ref = schema.find("$ref"); ref != schema.end()) {
    // In Swagger 2.0 a $ref replaces its siblings (description and the like).
    check(value, resolve(ref->get<std::string>()), pointer, found, depth + 1);
    return;
  }
  if (const auto type = schema.find("type"); type != schema.end()) {
    const std::vector<std::string> types =
        type->is_array() ? type->get<std::vector<std::string>>() : std::vector<std::string>{type->get<std::string>()};
    bool matches = false;
    for (const auto& t : types) matches = matches || has_type(value, t);
    if (!matches) {
      found.push_back(where + ": expected " + type->dump() + ", got " + std::string(value.type_name()));
      return;
    }
  }
  if (const auto format = schema.find("format"); format != schema.end() && format->is_string()) {
    if (!in_format_range(value, format->get<std::string>())) {
      found.push_back(where + ": " + value.dump() + " is out of the range of " + format->get<std::string>());
    }
  }
  if (const auto pattern = schema.find("pattern"); pattern != schema.end() && value.is_string()) {
    if (!std::regex_search(value.get<std::string>(), std::regex(pattern->get<std::string>()))) {
      found.push_back(where + ": " + value.dump() + " does not match " + pattern->get<std::string>());
    }
  }
  if (const auto choices = schema.find("enum"); choices != schema.end() && choices->is_array()) {
    if (std::find(choices->begin(), choices->end(), value) == choices->end()) {
      found.push_back(where + ": " + value.dump() + " is not one of " + choices->dump());
    }
  }
  if (value.is_object()) check_object(value, schema, pointer, found, depth);
  if (value.is_array()) {
    if (const auto items = schema.find("items"); items != schema.end()) {
      for (size_t i = 0; i < value.size(); ++i) {
        check(value[i], *items, pointer + "/" + std::to_string(i), found, depth + 1);
      }
    }
  }
}

void SwaggerSchema::check_object(const nlohmann::json& value, const nlohmann::json& schema, const std::string& pointer,
                                 std::vector<std::string>& found, int depth) const {
  const std::string where = pointer.empty() ? "/" : pointer;
  if (const auto required = schema.find("required"); required != schema.end()) {
    for (const auto& key : *required) {
      if (!value.contains(key.get<std::string>())) {
        found.push_back(where + ": the required property \"" + key.get<std::string>() + "\" is missing");
      }
    }
  }
  const auto properties = schema.find("properties");
  const auto additional = schema.find("additionalProperties");
  for (const auto& [key, member] : value.items()) {
    const std::string member_pointer = pointer + "/" + escape_pointer_token(key);
    if (properties != schema.end() && properties->contains(key)) {
      check(member, properties->at(key), member_pointer, found, depth + 1);
    } else if (additional != schema.end() && additional->is_object()) {
      check(member, *additional, member_pointer, found, depth + 1);
    } else if ((additional != schema.end() && *additional == false) ||
               (additional == schema.end() && properties != schema.end())) {
      found.push_back(member_pointer + ": the property \"" + key + "\" is not in the schema");
    }
  }
}

}  // namespace weft::fakes
