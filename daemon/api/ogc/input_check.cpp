#include "api/ogc/input_check.hpp"

#include <regex>

namespace weft::daemon {
namespace {

using nlohmann::json;
using Violation = std::optional<std::string>;

std::string type_of(const json& value) {
  if (value.is_number_integer()) return "an integer";
  if (value.is_number()) return "a number";
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return "null";
}

bool has_type(const json& value, const std::string& type) {
  if (type == "integer")
    return value.is_number_integer() || (value.is_number() && value == std::floor(value.get<double>()));
  if (type == "number") return value.is_number();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "array") return value.is_array();
  if (type == "object") return value.is_object();
  return true;  // an unknown type name: the description is what is wrong, not the value
}

std::string at(const std::string& where, const std::string& what) { return where.empty() ? what : where + " " + what; }

Violation check(const json& value, const json& schema, const std::string& where);

Violation check_number(const json& value, const json& schema, const std::string& where) {
  const double number = value.get<double>();
  if (const auto minimum = schema.find("minimum"); minimum != schema.end() && minimum->is_number()) {
    const bool exclusive = schema.value("exclusiveMinimum", false);
    if (number < minimum->get<double>() || (exclusive && number == minimum->get<double>())) {
      return at(where, "is " + value.dump() + ", below the minimum " + minimum->dump());
    }
  }
  if (const auto maximum = schema.find("maximum"); maximum != schema.end() && maximum->is_number()) {
    const bool exclusive = schema.value("exclusiveMaximum", false);
    if (number > maximum->get<double>() || (exclusive && number == maximum->get<double>())) {
      return at(where, "is " + value.dump() + ", above the maximum " + maximum->dump());
    }
  }
  return std::nullopt;
}

Violation check_string(const std::string& text, const json& schema, const std::string& where) {
  const auto length = static_cast<int64_t>(text.size());
  if (schema.contains("minLength") && length < schema.value("minLength", int64_t{0})) {
    return at(where, "is shorter than " + schema["minLength"].dump() + " characters");
  }
  if (schema.contains("maxLength") && length > schema.value("maxLength", int64_t{0})) {
    return at(where, "is longer than " + schema["maxLength"].dump() + " characters");
  }
  if (const auto pattern = schema.find("pattern"); pattern != schema.end() && pattern->is_string()) {
    try {
      if (!std::regex_search(text, std::regex(pattern->get<std::string>(), std::regex::ECMAScript))) {
        return at(where, "does not match the pattern " + pattern->dump());
      }
    } catch (const std::regex_error&) {
      return std::nullopt;  // a pattern std::regex cannot read is not held against the value
    }
  }
  return std::nullopt;
}

Violation check_array(const json& value, const json& schema, const std::string& where) {
  const auto size = static_cast<int64_t>(value.size());
  if (schema.contains("minItems") && size < schema.value("minItems", int64_t{0})) {
    return at(where, "has " + std::to_string(size) + " items, fewer than " + schema["minItems"].dump());
  }
  if (schema.contains("maxItems") && size > schema.value("maxItems", int64_t{0})) {
    return at(where, "has " + std::to_string(size) + " items, more than " + schema["maxItems"].dump());
  }
  if (const auto items = schema.find("items"); items != schema.end() && items->is_object()) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (auto wrong = check(value[i], *items, where + "/" + std::to_string(i))) return wrong;
    }
  }
  return std::nullopt;
}

Violation check_object(const json& value, const json& schema, const std::string& where) {
  for (const auto& name : schema.value("required", json::array())) {
    if (name.is_string() && !value.contains(name.get<std::string>())) {
      return at(where, "has no '" + name.get<std::string>() + "', which is required");
    }
  }
  const auto properties = schema.value("properties", json::object());
  const auto additional = schema.value("additionalProperties", json(true));
  for (const auto& [name, member] : value.items()) {
    const auto property = properties.find(name);
    if (property != properties.end()) {
      if (auto wrong = check(member, *property, where + "/" + name)) return wrong;
    } else if (additional == false) {
      return at(where, "has '" + name + "', which is not allowed");
    } else if (additional.is_object()) {
      if (auto wrong = check(member, additional, where + "/" + name)) return wrong;
    }
  }
  return std::nullopt;
}

Violation check_combinations(const json& value, const json& schema, const std::string& where) {
  for (const auto& part : schema.value("allOf", json::array())) {
    if (auto wrong = check(value, part, where)) return wrong;
  }
  if (const auto one_of = schema.find("oneOf"); one_of != schema.end() && one_of->is_array()) {
    const auto matching =
        std::count_if(one_of->begin(), one_of->end(), [&](const json& part) { return !check(value, part, where); });
    if (matching != 1) {
      return at(where, matching == 0 ? "matches none of the alternatives (oneOf)"
                                     : "matches more than one of the alternatives (oneOf)");
    }
  }
  if (const auto any_of = schema.find("anyOf"); any_of != schema.end() && any_of->is_array()) {
    if (std::all_of(any_of->begin(), any_of->end(), [&](const json& part) { return check(value, part, where); })) {
      return at(where, "matches none of the alternatives (anyOf)");
    }
  }
  if (const auto negated = schema.find("not"); negated != schema.end() && negated->is_object()) {
    if (!check(value, *negated, where)) return at(where, "matches a schema it must not (not)");
  }
  return std::nullopt;
}

Violation check(const json& value, const json& schema, const std::string& where) {
  if (!schema.is_object()) return std::nullopt;
  if (value.is_null() && schema.value("nullable", false)) return std::nullopt;
  if (const auto type = schema.find("type"); type != schema.end() && type->is_string()) {
    if (!has_type(value, type->get<std::string>())) {
      const auto name = type->get<std::string>();
      const bool vowel = name.front() == 'a' || name.front() == 'i' || name.front() == 'o';
      return at(where, "is " + type_of(value) + ", not " + (vowel ? "an " : "a ") + name);
    }
  }
  if (const auto choices = schema.find("enum"); choices != schema.end() && choices->is_array()) {
    if (std::find(choices->begin(), choices->end(), value) == choices->end()) {
      return at(where, "is not one of " + choices->dump());
    }
  }
  Violation wrong;
  if (value.is_number()) wrong = check_number(value, schema, where);
  if (value.is_string()) wrong = check_string(value.get<std::string>(), schema, where);
  if (value.is_array()) wrong = check_array(value, schema, where);
  if (value.is_object()) wrong = check_object(value, schema, where);
  return wrong ? wrong : check_combinations(value, schema, where);
}

}  // namespace

std::optional<std::string> schema_violation(const json& value, const json& schema) { return check(value, schema, ""); }

}  // namespace weft::daemon
