// The `subworkflow` node type: a task that runs another stored workflow as
// a child run and waits for it. See README.md and
// docs/node-types.md#subworkflow.
//
// params: {"workflow": name, "version": N (optional; the latest), "params": {...}}
// plan:   Plan::pending() after asking weftd for the child run
//         (weft_host_api.start_child_run); the task's FINISHED carries
//         {"run_id", "status", "outputs"} (the child's results) once the
//         child succeeded, or fails naming the child run and why.
//
// weftd links the child to its parent task, cancels it with that task, and
// pauses and resumes it with the parent run; this node type only asks and
// reports.
#include <set>
#include <stdexcept>
#include <string>
#include <vector>
#include <weft/sdk/node_type.hpp>
#include <weft/sdk/params.hpp>

namespace weft::nodes {

namespace {

using nlohmann::json;
using weft::sdk::Plan;
using weft::sdk::Problem;

const char* const kParamsSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "subworkflow node params",
  "type": "object",
  "properties": {
    "workflow": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,62}$",
                 "description": "the stored workflow the child run runs"},
    "version": {"type": "integer", "minimum": 1, "description": "its version; the latest when left out"},
    "params": {"type": "object", "description": "the child run's params"}
  },
  "required": ["workflow"],
  "additionalProperties": false
})";

constexpr std::size_t kLongestName = 63;

// As weftd names workflows: [a-z0-9][a-z0-9._-]{0,62}.
bool is_workflow_name(const std::string& name) {
  const auto lower_or_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (name.empty() || name.size() > kLongestName || !lower_or_digit(name[0])) return false;
  for (const char c : name) {
    if (!lower_or_digit(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

std::string rendered_note(bool rendered, const json& value) {
  return rendered ? "; it rendered to " + weft::sdk::type_name_of(value) + " " + value.dump() : "";
}

std::vector<Problem> check_params(const json& params, bool rendered) {
  if (!params.is_object()) return {{"", "must be an object"}};
  std::vector<Problem> problems;
  // Before rendering, a whole template stands for a value of any type.
  const auto open = [&](const json& value) { return !rendered && weft::sdk::is_whole_template(value); };
  for (const auto& [name, value] : params.items()) {
    if (name == "workflow") {
      if (open(value)) continue;
      if (!value.is_string() || !is_workflow_name(value.get<std::string>())) {
        problems.push_back({"/workflow", "must name a stored workflow ([a-z0-9][a-z0-9._-]{0,62})" +
                                             (value.is_string() ? ", not '" + value.get<std::string>() + "'"
                                                                : rendered_note(true, value))});
      }
    } else if (name == "version") {
      if (!open(value) && !(value.is_number_integer() && value.get<int64_t>() >= 1)) {
        problems.push_back(
            {"/version", "must be a version number (an integer from 1)" + rendered_note(rendered, value)});
      }
    } else if (name == "params") {
      if (!open(value) && !value.is_object()) {
        problems.push_back({"/params", "must be an object: the child run's params" + rendered_note(rendered, value)});
      }
    } else {
      problems.push_back({weft::sdk::param_pointer(name),
                          "is not a param of subworkflow nodes (they take workflow, version, params)"});
    }
  }
  if (!params.contains("workflow")) problems.push_back({"/workflow", "is required: the stored workflow to run"});
  return problems;
}

}  // namespace

class SubworkflowNode final : public weft::sdk::NodeType {
 public:
  SubworkflowNode(const weft::sdk::Host& host, const json& config) : host_(host) {
    if (!config.is_object() || !config.empty()) {
      throw std::invalid_argument("the subworkflow node type takes no configuration");
    }
  }

  std::vector<Problem> validate(const json& params) const override { return check_params(params, false); }

  Plan plan(const weft::sdk::TaskSpec& task) override {
    const auto problems = check_params(task.params, true);
    if (!problems.empty()) return Plan::failure(weft::sdk::describe_rendered_problems(problems));
    if (!host_.starts_child_runs()) {
      return Plan::failure("this weftd cannot start child runs: it is older than the subworkflow node type");
    }
    const json child_params = task.params.value("params", json::object());
    host_.start_child_run<SubworkflowNode, &SubworkflowNode::child_ended>(
        task.task_key, task.params.at("workflow").get<std::string>(), task.params.value("version", int64_t{0}),
        child_params.dump(), this);
    waiting_.insert(task.task_key);
    return Plan::pending();
  }

  // weftd cancels the child with its parent task; the task ends now.
  void cancel(std::string_view task_key) override {
    if (waiting_.erase(std::string(task_key)) == 0) return;
    host_.task_finished(task_key, 1, {}, "cancelled; its child run is cancelled with it");
  }

  const weft::sdk::Host& host() const { return host_; }

 private:
  void child_ended(const weft::sdk::Host::ChildRunEnd& end) {
    if (waiting_.erase(end.task_key) == 0) return;  // cancelled, and reported then
    if (end.run_id.empty()) {
      return host_.task_finished(end.task_key, 1, {}, "the child run did not start: " + end.error);
    }
    const std::string status(end.status ? weft::sdk::to_string(*end.status) : "unknown");
    if (end.status != weft::sdk::RunStatus::succeeded) {
      return host_.task_finished(
          end.task_key, 1, {}, "child run " + end.run_id + " " + status + (end.error.empty() ? "" : ": " + end.error));
    }
    const json results = json::parse(end.results_json, nullptr, false);
    json output = {{"run_id", end.run_id},
                   {"status", status},
                   {"outputs", results.is_object() ? results.value("outputs", json::object()) : json::object()}};
    host_.task_finished(end.task_key, 0, output.dump());
  }

  weft::sdk::Host host_;
  std::set<std::string, std::less<>> waiting_;  // task keys whose child has not ended; event loop thread only
};

}  // namespace weft::nodes

WEFT_PLUGIN("subworkflow", "0.1.0",
            weft::sdk::node_type<weft::nodes::SubworkflowNode>("subworkflow", weft::nodes::kParamsSchema))
