#include "workflow/value_path.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace weft::daemon {
namespace {

bool is_plain_name(std::string_view name) {
  const auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  return !name.empty() && std::all_of(name.begin(), name.end(), plain);
}

// A key that is not UTF-8 (a template can spell any byte) is shown with
// U+FFFD in its place: the text goes into an error message, never back into
// a lookup, and dump() would otherwise throw from inside the message.
std::string step_text(const PathStep& step) {
  if (step.numeric) return "[" + step.name + "]";
  if (is_plain_name(step.name)) return "." + step.name;
  return "[" + nlohmann::json(step.name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "]";
}

Failure unresolved(std::string message) { return fail(ErrorCode::invalid_request, std::move(message)); }

Result<const nlohmann::json*> step_into(const nlohmann::json& value, const PathStep& step, const std::string& where) {
  if (value.is_object()) {
    const auto found = value.find(step.name);
    if (found == value.end()) return unresolved("no '" + step.name + "' in " + where);
    return &*found;
  }
  if (!value.is_array()) {
    return unresolved(where + " is " + value.type_name() + ", not an object or array, so it has no '" + step.name +
                      "'");
  }
  if (!step.numeric) return unresolved(where + " is an array; '" + step.name + "' is not an index");
  std::size_t index = 0;
  const auto* end = step.name.data() + step.name.size();
  const auto parsed = std::from_chars(step.name.data(), end, index);
  if (parsed.ec != std::errc() || parsed.ptr != end || index >= value.size()) {
    return unresolved("no [" + step.name + "] in " + where + " (" + std::to_string(value.size()) + " elements)");
  }
  return &value[index];
}

}  // namespace

std::string ValuePath::prefix_text(std::size_t count) const {
  count = std::min(count, steps.size());
  if (count == 0) return "";
  std::string text = steps[0].name;
  for (std::size_t i = 1; i < count; ++i) text += step_text(steps[i]);
  return text;
}

std::string ValuePath::text() const { return prefix_text(steps.size()); }

bool is_path_root(std::string_view name) {
  constexpr std::array<std::string_view, 6> roots = {"params", "nodes", "item", "index", "run", "workflow"};
  return std::find(roots.begin(), roots.end(), name) != roots.end();
}

const nlohmann::json* JsonScope::root(std::string_view name) const {
  if (!context_.is_object()) return nullptr;
  const auto found = context_.find(name);
  return found == context_.end() ? nullptr : &*found;
}

const nlohmann::json* JsonScope::node_field(std::string_view id, const char* field) const {
  const auto* nodes = root("nodes");
  if (nodes == nullptr || !nodes->is_object()) return nullptr;
  const auto node = nodes->find(id);
  if (node == nodes->end() || !node->is_object()) return nullptr;
  const auto value = node->find(field);
  return value == node->end() ? nullptr : &*value;
}

const nlohmann::json* JsonScope::node_output(std::string_view id) const { return node_field(id, "output"); }

const nlohmann::json* JsonScope::node_outputs(std::string_view id) const { return node_field(id, "outputs"); }

const nlohmann::json* JsonScope::node_status(std::string_view id) const { return node_field(id, "status"); }

const nlohmann::json* TaskScope::root(std::string_view name) const {
  if (name == "item") return &item_;
  if (name == "index") return &index_;
  return run_scope_.root(name);
}

Result<const nlohmann::json*> resolve(const ValuePath& path, const Scope& scope) {
  if (path.steps.empty()) return unresolved("empty path");
  const auto& root = path.steps[0].name;
  const nlohmann::json* value = nullptr;
  std::size_t resolved_steps = 1;
  if (root == "nodes") {
    const auto field = path.steps.size() >= 3 ? std::string_view(path.steps[2].name) : std::string_view();
    if (field != "output" && field != "outputs" && field != "status") {
      return unresolved(path.text() + " is not nodes.<id>.output, nodes.<id>.outputs or nodes.<id>.status");
    }
    const auto& id = path.steps[1].name;
    value = field == "output"    ? scope.node_output(id)
            : field == "outputs" ? scope.node_outputs(id)
                                 : scope.node_status(id);
    resolved_steps = 3;
  } else {
    value = scope.root(root);
  }
  if (value == nullptr) return unresolved(path.prefix_text(resolved_steps) + " is not set");
  for (std::size_t i = resolved_steps; i < path.steps.size(); ++i) {
    auto next = step_into(*value, path.steps[i], path.prefix_text(i));
    if (!next) return next;
    value = next.value();
  }
  return value;
}

}  // namespace weft::daemon
