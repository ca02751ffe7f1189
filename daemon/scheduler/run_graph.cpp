#include "scheduler/run_graph.hpp"

#include <map>

namespace weft::daemon {
namespace {

using nlohmann::json;

// The run's values, but the element and every node's output are the text
// that stands for them in a weft_run_graph.
class SubmissionScope final : public Scope {
 public:
  explicit SubmissionScope(const RunState& run) : run_(run), item_(sdk::kItemReference) {}
  const json* root(std::string_view name) const override { return name == "item" ? &item_ : run_.root(name); }
  const json* node_output(std::string_view id) const override {
    const auto [it, added] = outputs_.try_emplace(std::string(id));
    if (added) it->second = sdk::output_reference(it->first);
    return &it->second;
  }
  const json* node_outputs(std::string_view /*id*/) const override { return nullptr; }
  const json* node_status(std::string_view /*id*/) const override { return nullptr; }

 private:
  const RunState& run_;
  const json item_;
  mutable std::map<std::string, json, std::less<>> outputs_;  // node ids stay put as it grows
};

// The nodes, each after its dependencies (validation refused cycles).
std::vector<const NodeSpec*> dependency_order(const Workflow& workflow) {
  std::vector<const NodeSpec*> order;
  std::vector<int> unmet(workflow.nodes.size());
  for (std::size_t i = 0; i < workflow.nodes.size(); ++i) {
    unmet[i] = static_cast<int>(workflow.nodes[i].dependencies.size());
    if (unmet[i] == 0) order.push_back(&workflow.nodes[i]);
  }
  for (std::size_t next = 0; next < order.size(); ++next) {
    for (const std::size_t d : order[next]->dependents) {
      if (--unmet[d] == 0) order.push_back(&workflow.nodes[d]);
    }
  }
  return order;
}

Result<std::string> for_each_source(const NodeSpec& node, const Scope& scope) {
  if (!node.for_each) return std::string();
  auto items = node.for_each->render(scope, "/for_each");
  if (!items) return items.failure();
  if (items->is_string()) return items->get<std::string>();  // an upstream's output, filled in as the graph runs
  if (!items->is_array()) {
    return fail(ErrorCode::invalid_request,
                "for_each: '" + node.for_each->source() + "' gave " + items->type_name() + ", not an array");
  }
  return items->dump();
}

}  // namespace

Result<sdk::RunGraph> build_run_graph(const RunState& run, TaskRuntime& runtime) {
  const SubmissionScope scope(run);
  sdk::RunGraph graph{run.id, run.workflow->name, {}};
  for (const NodeSpec* node : dependency_order(*run.workflow)) {
    const auto failed = [&](const std::string& why) {
      return fail(ErrorCode::invalid_request, "node '" + node->id + "': " + why);
    };
    auto params = node->params_template->render(scope);
    if (!params) return failed(params.failure().message);
    auto for_each = for_each_source(*node, scope);
    if (!for_each) return failed(for_each.failure().message);
    sdk::RunNode graph_node;
    sdk::TaskSpec& task = graph_node.task;
    task.task_key = run.id + "/" + node->id;
    task.run_id = run.id;
    task.workflow = run.workflow->name;
    task.node = node->id;
    task.executor = node->executor;
    task.params = std::move(params.value());
    task.resources = resource_hints(node->resources);
    task.timeout_s = node->timeout_s.value_or(0);
    auto planned = runtime.plan(node->type, task);
    if (!planned) return failed(planned.failure().message);
    if (planned->kind != WEFT_PLAN_COMMAND) return failed("its node type planned no command to submit");
    task.command = std::move(planned->command);
    for (const std::size_t d : node->dependencies) graph_node.dependencies.push_back(run.workflow->nodes[d].id);
    graph_node.for_each = std::move(for_each.value());
    graph.nodes.push_back(std::move(graph_node));
  }
  return graph;
}

}  // namespace weft::daemon
