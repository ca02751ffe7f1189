// Helpers for node types that check typed params twice: when the workflow is
// validated (params may still hold templates) and when a task is planned
// (params are rendered).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>
#include <weft/sdk/node_type.hpp>

namespace weft::sdk {

// A string that is one whole placeholder, "{{ ... }}", renders to its value
// with that value's JSON type, so at validation it may stand for a param of
// any type; its type is known only when the task is planned. (The daemon
// parses the template itself; this only tells a whole placeholder from text.)
inline bool is_whole_template(const nlohmann::json& value) {
  if (!value.is_string()) return false;
  const auto& text = value.get_ref<const std::string&>();
  return text.size() >= 4 && text.starts_with("{{") && text.ends_with("}}") && text.find("{{", 2) == std::string::npos;
}

// For a param that must be a string: a whole placeholder renders to its
// value's own type ("{{ nodes.x.output }}" is the upstream's output itself),
// and a value that is not a string then means its compact JSON text (3, true,
// {"a":1}, null), as users passing a whole value along expect.
inline void text_of_whole_value(nlohmann::json& value) {
  if (!value.is_string()) value = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// "/name" for the param name, escaped as a JSON pointer.
inline std::string param_pointer(std::string_view name) {
  return (nlohmann::json::json_pointer() / std::string(name)).to_string();
}

// The JSON type of a value, as messages name it.
inline std::string type_name_of(const nlohmann::json& value) {
  if (value.is_number()) return "number";
  return value.type_name();
}

// One line naming every problem of rendered params, for Plan::failure.
inline std::string describe_rendered_problems(const std::vector<Problem>& problems) {
  std::string text = "invalid params after rendering templates:";
  for (const auto& p : problems) text += " " + (p.path.empty() ? "params" : p.path) + " " + p.message + ";";
  text.pop_back();
  return text;
}

}  // namespace weft::sdk
