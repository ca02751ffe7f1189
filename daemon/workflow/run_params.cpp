#include "workflow/workflow.hpp"

#include "workflow/json_pointer_text.hpp"

namespace weft::daemon {
namespace {

bool accepts_param(const Workflow& workflow, const std::string& name) {
  return workflow.params.contains(name) || (workflow.trigger_queue && name == "message");
}

std::string declared_params(const Workflow& workflow) {
  std::string names;
  for (const auto& [name, value] : workflow.params.items()) names += (names.empty() ? "" : ", ") + name;
  return names.empty() ? "it declares none" : "it declares " + names;
}

}  // namespace

std::vector<Problem> validate_run_params(const Workflow& workflow, const nlohmann::json& params) {
  if (!params.is_object()) return {{"/params", std::string("must be an object, not ") + params.type_name()}};
  std::vector<Problem> problems;
  for (const auto& [name, value] : params.items()) {
    if (accepts_param(workflow, name)) continue;
    problems.push_back({child_pointer("/params", name), "workflow '" + workflow.name + "' has no parameter '" + name +
                                                            "'; " + declared_params(workflow)});
  }
  return problems;
}

nlohmann::json effective_run_params(const Workflow& workflow, const nlohmann::json& overrides) {
  auto params = workflow.params;
  if (overrides.is_object()) params.update(overrides);
  return params;
}

}  // namespace weft::daemon
