#include "api/request_body.hpp"

#include "api/api_error.hpp"
#include "core/json_text.hpp"

#include <algorithm>

namespace weft::daemon {

namespace {

const nlohmann::json& typed_field(const nlohmann::json& object, const std::string& name, nlohmann::json::value_t type,
                                  const char* type_name) {
  const auto& value = object.at(name);
  if (value.type() != type) {
    raise(ErrorCode::invalid_request, "field '" + name + "' must be " + type_name,
          {{"/" + name, std::string("expected ") + type_name + ", got " + value.type_name()}});
  }
  return value;
}

}  // namespace

nlohmann::json parse_object_body(const std::string& body, bool empty_allowed) {
  if (body.empty() && empty_allowed) return nlohmann::json::object();
  auto parsed = parse_json(body);
  if (!parsed)
    raise(ErrorCode::invalid_request, "the request body is " + parsed.failure().message,
          {{"", parsed.failure().message}});
  nlohmann::json value = std::move(*parsed);
  if (!value.is_object()) {
    raise(ErrorCode::invalid_request, std::string("the request body must be a JSON object, not ") + value.type_name(),
          {{"", "expected an object"}});
  }
  return value;
}

void reject_unknown_fields(const nlohmann::json& object, std::initializer_list<std::string_view> known) {
  std::vector<Problem> unknown;
  for (const auto& [name, value] : object.items()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      unknown.push_back({"/" + name, "unknown field '" + name + "'"});
    }
  }
  if (unknown.empty()) return;
  std::string names;
  for (const auto& problem : unknown) names += (names.empty() ? "'" : ", '") + problem.path.substr(1) + "'";
  raise(ErrorCode::invalid_request, "the request body has unknown fields: " + names, std::move(unknown));
}

nlohmann::json object_field(const nlohmann::json& object, const std::string& name, nlohmann::json fallback) {
  if (!object.contains(name)) return fallback;
  return typed_field(object, name, nlohmann::json::value_t::object, "an object");
}

bool bool_field(const nlohmann::json& object, const std::string& name, bool fallback) {
  if (!object.contains(name)) return fallback;
  return typed_field(object, name, nlohmann::json::value_t::boolean, "true or false").get<bool>();
}

std::string string_field(const nlohmann::json& object, const std::string& name, std::string fallback) {
  if (!object.contains(name)) return fallback;
  return typed_field(object, name, nlohmann::json::value_t::string, "a string").get<std::string>();
}

void reject_any_field(const std::string& body) { reject_unknown_fields(parse_object_body(body, true), {}); }

}  // namespace weft::daemon
