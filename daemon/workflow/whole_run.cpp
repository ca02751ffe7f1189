#include "workflow/whole_run.hpp"

#include <weft/abi/weft_abi.h>

#include <algorithm>

namespace weft::daemon {
namespace {

constexpr const char* kUntranslated = " cannot be submitted as part of a whole run: ";

// What a template may read when the node is submitted whole: whatever renders
// before submission (params, run, workflow), and, as a placeholder of its
// own, an upstream node's whole output or (under for_each) the element.
class TemplateCheck {
 public:
  TemplateCheck(const Workflow& workflow, const NodeSpec& node) : workflow_(workflow), node_(node) {}

  // Why the template cannot be submitted; empty when it can.
  std::string problem(const StringTemplate& text, bool in_for_each) const {
    const auto late = [](const ValuePath& path) {
      const auto& root = path.steps.front().name;
      return root == "nodes" || root == "item" || root == "index";
    };
    const auto all = text.references();
    const auto bare = text.bare_paths();
    const auto late_count = std::count_if(all.begin(), all.end(), late);
    if (late_count != std::count_if(bare.begin(), bare.end(), late)) {
      return "an expression over another node's output or the element is not translated; use the value as a "
             "placeholder of its own";
    }
    for (const auto& path : bare) {
      if (!late(path)) continue;
      if (auto why = late_path_problem(path, in_for_each); !why.empty()) return why;
    }
    return {};
  }

 private:
  std::string late_path_problem(const ValuePath& path, bool in_for_each) const {
    const auto& root = path.steps.front().name;
    if (root == "index") return "'index' is not translated";
    if (root == "item") {
      if (in_for_each) return "the for_each source cannot read the element";
      if (path.steps.size() != 1) return "'" + path.text() + "' is not translated; only the whole 'item' is";
      if (!node_.for_each) return "'item' is read by a node without for_each";
      return {};
    }
    if (path.steps.size() != 3 || path.steps[2].name != "output") {
      return "'" + path.text() + "' is not translated; only a dependency's whole output (nodes.<id>.output) is";
    }
    const auto& id = path.steps[1].name;
    const auto index = workflow_.node_index(id);
    if (!index || std::find(node_.dependencies.begin(), node_.dependencies.end(), *index) == node_.dependencies.end()) {
      return "'" + path.text() + "' reads node '" + id + "', which is not in depends_on";
    }
    if (workflow_.nodes[*index].for_each)
      return "'" + path.text() + "': the outputs of a for_each node are not translated";
    return {};
  }

  const Workflow& workflow_;
  const NodeSpec& node_;
};

}  // namespace

bool asks_for_whole_run(const NodeSpec& node) {
  const auto options = node.params.find("executor_options");
  if (options == node.params.end() || !options->is_object()) return false;
  const auto submit = options->find("submit");
  return submit != options->end() && *submit == "dag";
}

std::optional<std::string> whole_run_executor(const Workflow& workflow, const NodeCatalog& catalog) {
  if (workflow.nodes.empty() || !std::all_of(workflow.nodes.begin(), workflow.nodes.end(), asks_for_whole_run)) {
    return std::nullopt;
  }
  const std::string& executor = workflow.nodes.front().executor;
  const bool same = std::all_of(workflow.nodes.begin(), workflow.nodes.end(),
                                [&](const NodeSpec& n) { return n.executor == executor; });
  if (!same || (catalog.executor_capabilities(executor) & WEFT_EXECUTOR_CAP_WHOLE_RUN) == 0) return std::nullopt;
  return executor;
}

std::vector<Problem> whole_run_problems(const Workflow& workflow, const NodeCatalog& catalog) {
  std::vector<Problem> problems;
  const auto asking = std::find_if(workflow.nodes.begin(), workflow.nodes.end(), asks_for_whole_run);
  if (asking == workflow.nodes.end()) return problems;
  const std::string& executor = asking->executor;
  if ((catalog.executor_capabilities(executor) & WEFT_EXECUTOR_CAP_WHOLE_RUN) == 0) {
    const auto& at = asking->pointer;
    problems.push_back({at + "/params/executor_options/submit",
                        "executor '" + executor + "' does not take whole runs (submit: \"dag\")"});
    return problems;
  }
  if (workflow.max_parallel) {
    problems.push_back(
        {"/max_parallel", "the workflow" + std::string(kUntranslated) + "max_parallel is not translated"});
  }
  if (workflow.fail_fast) {
    problems.push_back({"/fail_fast", "the workflow" + std::string(kUntranslated) + "fail_fast is not translated"});
  }
  if (workflow.body_size < workflow.nodes.size()) {
    problems.push_back({"/on_exit", "the workflow" + std::string(kUntranslated) + "on_exit is not translated"});
  }
  for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
    const NodeSpec& node = workflow.nodes[i];
    const auto& at = node.pointer;
    const std::string subject = "node '" + node.id + "'" + kUntranslated;
    if (!asks_for_whole_run(node) || node.executor != executor) {
      problems.push_back({at, subject + "every node of the workflow must run on executor '" + executor +
                                  "' and ask for it (executor_options.submit: \"dag\"), as node '" + asking->id +
                                  "' does"});
      continue;
    }
    if (node.when) problems.push_back({at + "/when", subject + "'when' is not translated"});
    if (node.trigger_rule != TriggerRule::all_success) {
      problems.push_back({at + "/trigger_rule", subject + "trigger_rule is not translated"});
    }
    if (node.retry.max_attempts > 1) problems.push_back({at + "/retry", subject + "retries are not translated"});
    if (node.max_parallel) problems.push_back({at + "/max_parallel", subject + "max_parallel is not translated"});
    const TemplateCheck check(workflow, node);
    if (node.for_each) {
      if (auto why = check.problem(*node.for_each, true); !why.empty()) {
        problems.push_back({at + "/for_each", subject + why});
      }
    }
    if (!node.params_template) continue;
    for (const auto& slot : node.params_template->slots()) {
      if (auto why = check.problem(slot.text, false); !why.empty()) {
        problems.push_back({at + "/params" + slot.pointer, subject + why});
      }
    }
  }
  return problems;
}

}  // namespace weft::daemon
