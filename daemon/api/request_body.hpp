// Request bodies: JSON objects whose every field is known. Each function
// throws ApiError 400 invalid_request with a message naming what is wrong.
#pragma once

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <string>
#include <string_view>

namespace weft::daemon {

// The body as a JSON object. An empty body is an empty object when allowed.
nlohmann::json parse_object_body(const std::string& body, bool empty_allowed = false);

// Refuses the object if it has a field not in `known`, naming every such field.
void reject_unknown_fields(const nlohmann::json& object, std::initializer_list<std::string_view> known);

// For a request that takes no fields: an empty body or {} is fine, anything
// else refused, so that a field a client thinks does something (a "force")
// is not silently ignored.
void reject_any_field(const std::string& body);

// The field if present; refuses it if it is not of the expected type.
nlohmann::json object_field(const nlohmann::json& object, const std::string& name, nlohmann::json fallback);
bool bool_field(const nlohmann::json& object, const std::string& name, bool fallback);
std::string string_field(const nlohmann::json& object, const std::string& name, std::string fallback);

}  // namespace weft::daemon
