#include "scheduler/run_state.hpp"

#include <array>
#include <chrono>

namespace weft::daemon {

namespace {

constexpr std::array<const char*, 10> task_status_names = {"pending",   "ready",          "dispatched", "running",
                                                           "retrying",  "succeeded",      "failed",     "skipped",
                                                           "cancelled", "upstream_failed"};
constexpr std::array<const char*, 6> run_status_names = {"created",   "queued", "running",
                                                         "succeeded", "failed", "cancelled"};

template <class Enum, size_t N>
std::optional<Enum> parse_name(const std::array<const char*, N>& names, std::string_view text) {
  for (size_t i = 0; i < N; ++i) {
    if (text == names[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

const char* to_string(TaskStatus status) { return task_status_names[static_cast<size_t>(status)]; }
const char* to_string(RunStatus status) { return run_status_names[static_cast<size_t>(status)]; }
std::optional<TaskStatus> parse_task_status(std::string_view text) {
  return parse_name<TaskStatus>(task_status_names, text);
}
std::optional<RunStatus> parse_run_status(std::string_view text) {
  return parse_name<RunStatus>(run_status_names, text);
}

bool is_final(TaskStatus status) {
  switch (status) {
    case TaskStatus::succeeded:
    case TaskStatus::failed:
    case TaskStatus::skipped:
    case TaskStatus::cancelled:
    case TaskStatus::upstream_failed: return true;
    default: return false;
  }
}

bool is_final(RunStatus status) {
  return status == RunStatus::succeeded || status == RunStatus::failed || status == RunStatus::cancelled;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string TaskState::key() const {
  return run->id + "/" + node->spec->id + "/" + std::to_string(index) + "/" + std::to_string(attempt);
}

void TaskState::append_to(WriteBatch& batch) const {
  TaskRecord r;
  r.run_id = run->id;
  r.node = node->spec->id;
  r.index = index;
  r.status = to_string(status);
  r.attempt = attempt;
  r.exit_code = exit_code;
  r.executor = executor;
  r.external_id = external_id;
  r.error = error;
  r.output_json = output_text;
  r.ready_at = ready_at;
  r.started_at = started_at;
  r.finished_at = finished_at;
  batch.tasks.push_back(std::move(r));
}

bool NodeState::is_for_each() const { return spec->for_each.has_value(); }

RunState::RunState(std::string run_id, std::shared_ptr<const Workflow> wf, int64_t workflow_version)
    : id(std::move(run_id)), workflow(std::move(wf)), version(workflow_version), nodes(workflow->nodes.size()) {
  run_value_ = {{"id", id}};
  workflow_value_ = {{"name", workflow->name}, {"version", version}};
  for (size_t i = 0; i < nodes.size(); ++i) {
    NodeState& n = nodes[i];
    n.spec = &workflow->nodes[i];
    n.position = i;
    n.row.run = this;
    n.row.node = &n;
    n.unmet = static_cast<int>(n.spec->dependencies.size());
  }
}

NodeState* RunState::node(std::string_view node_id) {
  const auto position = workflow->node_index(node_id);
  return position ? &nodes[*position] : nullptr;
}

void RunState::append_to(WriteBatch& batch) const {
  RunRecord r;
  r.id = id;
  r.workflow = workflow->name;
  r.version = version;
  r.status = to_string(status);
  r.params_json = params_text;
  r.document_json = document_text;
  r.idempotency_key = idempotency_key;
  r.error = error;
  r.created_at = created_at;
  r.started_at = started_at;
  r.finished_at = finished_at;
  batch.runs.push_back(std::move(r));
}

const nlohmann::json* RunState::root(std::string_view name) const {
  if (name == "params") return &params;
  if (name == "run") return &run_value_;
  if (name == "workflow") return &workflow_value_;
  return nullptr;
}

// A skipped node has output null, so that templates of nodes that depend on it
// and on others still render.
const nlohmann::json* RunState::node_output(std::string_view node_id) const {
  static const nlohmann::json null_output;
  const auto position = workflow->node_index(node_id);
  if (!position) return nullptr;
  const NodeState& n = nodes[*position];
  if (n.row.status == TaskStatus::skipped) return &null_output;
  return n.row.status == TaskStatus::succeeded ? &n.row.output : nullptr;
}

const nlohmann::json* RunState::node_outputs(std::string_view node_id) const {
  static const nlohmann::json no_outputs = nlohmann::json::array();
  const auto position = workflow->node_index(node_id);
  if (!position) return nullptr;
  const NodeState& n = nodes[*position];
  if (n.row.status == TaskStatus::skipped) return &no_outputs;
  return n.row.status == TaskStatus::succeeded ? &n.outputs : nullptr;
}

}  // namespace weft::daemon
