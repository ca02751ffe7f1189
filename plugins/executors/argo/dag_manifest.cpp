#include "dag_manifest.hpp"

#include <cctype>
#include <map>
#include <set>
#include <stdexcept>

namespace weft::argo {
namespace {

using nlohmann::json;

constexpr const char* kDagTemplate = "weft-dag";
constexpr const char* kItemInput = "weft-item";

std::string upstream_input(const std::string& task_name) { return "weft-up-" + task_name; }

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// The run graph's references in every string of the container template
// become its input parameters, which the DAG task's arguments fill in.
class References {
 public:
  References(const sdk::RunNode& node, const std::map<std::string, std::string>& task_names)
      : node_(node), task_names_(task_names) {}

  void translate(json& value) {
    if (value.is_string()) {
      std::string text = value.get<std::string>();
      if (text.find(sdk::kItemReference) != std::string::npos) {
        if (node_.for_each.empty()) throw std::invalid_argument("reads {{item}} without for_each");
        text = replace_all(text, sdk::kItemReference, "{{inputs.parameters." + std::string(kItemInput) + "}}");
        inputs_[kItemInput] = "{{item}}";
      }
      for (const auto& id : node_.dependencies) {
        const std::string reference = sdk::output_reference(id);
        if (text.find(reference) == std::string::npos) continue;
        const std::string& task = task_names_.at(id);
        text = replace_all(text, reference, "{{inputs.parameters." + upstream_input(task) + "}}");
        inputs_[upstream_input(task)] = output_of(task);
      }
      if (text.find("{{nodes.") != std::string::npos || text.find("{{item") != std::string::npos) {
        throw std::invalid_argument("'" + text + "' reads what the graph does not give it");
      }
      value = text;
    } else if (value.is_structured()) {
      for (auto& member : value) translate(member);
    }
  }
  // The for_each source as withParam.
  std::string with_param() const {
    for (const auto& id : node_.dependencies) {
      if (node_.for_each == sdk::output_reference(id)) return output_of(task_names_.at(id));
    }
    if (node_.for_each.find("{{") != std::string::npos) {
      throw std::invalid_argument("its for_each reads what the graph does not give it: " + node_.for_each);
    }
    return node_.for_each;
  }
  const std::map<std::string, std::string>& inputs() const { return inputs_; }

 private:
  static std::string output_of(const std::string& task) {
    return "{{tasks." + task + ".outputs.parameters." + kOutputParameter + "}}";
  }
  const sdk::RunNode& node_;
  const std::map<std::string, std::string>& task_names_;
  std::map<std::string, std::string> inputs_;  // input name -> what the task's argument gives it
};

json dag_task(const sdk::RunNode& node, const std::string& name, const std::map<std::string, std::string>& task_names,
              json& tmpl) {
  References references(node, task_names);
  references.translate(tmpl["container"]);
  json task = {{"name", name}, {"template", name}};
  if (!node.dependencies.empty()) {
    json dependencies = json::array();
    for (const auto& id : node.dependencies) dependencies.push_back(task_names.at(id));
    task["dependencies"] = dependencies;
  }
  if (!node.for_each.empty()) task["withParam"] = references.with_param();
  if (!references.inputs().empty()) {
    json inputs = json::array();
    json arguments = json::array();
    for (const auto& [input, value] : references.inputs()) {
      inputs.push_back({{"name", input}});
      arguments.push_back({{"name", input}, {"value", value}});
    }
    tmpl["inputs"] = {{"parameters", inputs}};
    task["arguments"] = {{"parameters", arguments}};
  }
  return task;
}

}  // namespace

bool asks_for_dag(const sdk::Command& command) {
  const auto& options = command.executor_options;
  return options.is_object() && options.value("submit", "") == "dag";
}

std::string dag_workflow_name(const std::string& run_id) { return workflow_name("run:" + run_id); }

std::string dag_task_name(const std::string& node_id) {
  std::string name;
  for (const char c : node_id) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name.front()))) name.insert(0, "n");
  return name;
}

json dag_create_request(const sdk::RunGraph& run, const ArgoConfig& config) {
  const std::string name = dag_workflow_name(run.run_id);
  std::map<std::string, std::string> task_names;
  std::set<std::string> taken = {kDagTemplate};
  for (const auto& node : run.nodes) {
    const std::string task = dag_task_name(node.task.node);
    if (!taken.insert(task).second) {
      throw std::invalid_argument("node '" + node.task.node + "': its Argo task name '" + task +
                                  "' is another node's too; rename one of them");
    }
    task_names[node.task.node] = task;
  }
  json templates = json::array({{{"name", kDagTemplate}, {"dag", {{"tasks", json::array()}}}}});
  for (const auto& node : run.nodes) {
    const std::string& task = task_names.at(node.task.node);
    try {
      if (!node.task.command) throw std::invalid_argument("it has no command");
      // Each pod writes its output file apart: {{pod.name}} is Argo's own.
      json tmpl = container_template(task, node.task, config, name + "-{{pod.name}}", [&](const std::string& output) {
        return remote::env_over(node.task.command->env, {{"WEFT_OUTPUT", output},
                                                         {"WEFT_RUN_ID", run.run_id},
                                                         {"WEFT_NODE", node.task.node},
                                                         {"WEFT_ATTEMPT", "1"}});
      });
      templates[0]["dag"]["tasks"].push_back(dag_task(node, task, task_names, tmpl));
      templates.push_back(std::move(tmpl));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("node '" + node.task.node + "' cannot run in Argo: " + e.what());
    }
  }
  json metadata = {{"name", name},
                   {"labels", {{"weft.io/run-id", label_value(run.run_id)}, {"weft.io/submit", "dag"}}},
                   {"annotations", {{"weft.io/run-id", run.run_id}, {"weft.io/workflow", run.workflow}}}};
  return workflow_create_request(config, std::move(metadata), {{"entrypoint", kDagTemplate}, {"templates", templates}});
}

DagTaskState dag_task_state(const json& workflow, const std::string& node_id, int64_t index) {
  const json status = workflow.value("status", json::object());
  const std::string wf = workflow.value("metadata", json::object()).value("name", "");
  // Argo names a task's node "<workflow>.<task>", and the n-th of withParam "<workflow>.<task>(n:<item>)".
  const std::string task_node = wf + "." + dag_task_name(node_id);
  const std::string wanted = index < 0 ? task_node : task_node + "(" + std::to_string(index) + ":";
  DagTaskState state;
  const json nodes = status.value("nodes", json::object());
  for (const auto& [id, node] : nodes.items()) {
    const std::string name = node.value("name", "");
    const bool match = index < 0 ? name == wanted : name.rfind(wanted, 0) == 0;
    if (!match || node.value("type", "") != "Pod") continue;
    state.pod = node.value("id", id);
    const std::string phase = node.value("phase", "");
    state.started = phase != "Pending" && !phase.empty();
    if (is_terminal_phase(phase)) {
      state.ended = outcome_of_pod("argo task " + node.value("displayName", name), phase, pod_outputs(node), "");
    }
    return state;
  }
  const std::string phase = status.value("phase", "");
  if (is_terminal_phase(phase)) {
    Outcome never;
    never.exit_code = 1;
    const std::string message = status.value("message", "");
    never.error =
        "argo workflow " + wf + " " + phase + " without running this task" + (message.empty() ? "" : ": " + message);
    state.ended = never;
  }
  return state;
}

}  // namespace weft::argo
