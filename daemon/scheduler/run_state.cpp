#include "scheduler/run_state.hpp"

#include "scheduler/queue_delivery.hpp"

#include <chrono>
#include <map>

namespace weft::daemon {

std::string TaskState::key() const {
  return run->id + "/" + node->spec->id + "/" + std::to_string(index) + "/" + std::to_string(attempt);
}

namespace {

void append_lease(const RunState& run, WriteBatch& batch) {
  if (run.lease_generation > 0) batch.leases.push_back({run.id, run.lease_generation});
}

}  // namespace

void TaskState::append_to(WriteBatch& batch) const {
  if (run->abandoned) return;
  append_lease(*run, batch);
  TaskRecord r;
  r.run_id = run->id;
  r.node = node->spec->id;
  r.index = index;
  r.status = status;
  r.attempt = attempt;
  r.exit_code = exit_code;
  r.executor = executor;
  r.external_id = external_id;
  r.error = error;
  r.output_json = output_text;
  r.ready_at = ready_at;
  r.started_at = started_at;
  r.finished_at = finished_at;
  r.budget_started_at = budget_started_at;
  r.attempts_before = attempts_before;
  if (cache) {
    r.cache_key = cache->key;
    r.cached_from = cache->from;
  }
  batch.tasks.push_back(std::move(r));
  if (trace.number != 0 && trace.number == attempt && trace.status == TaskStatus::running) {
    batch.attempts.push_back(attempt_record());
  }
}

sdk::AttemptRecord TaskState::attempt_record() const {
  sdk::AttemptRecord a;
  a.run_id = run->id;
  a.node = node->spec->id;
  a.index = index;
  a.attempt = trace.number;
  a.status = trace.status;
  a.exit_code = trace.exit_code;
  a.executor = executor;
  a.external_id = external_id;
  a.error = trace.error;
  a.stdout_path = trace.stdout_path;
  a.stderr_path = trace.stderr_path;
  a.started_at = trace.started_at;
  a.finished_at = trace.finished_at;
  return a;
}

void TaskState::mark_ended_attempt(Journal& journal) const {
  if (run->abandoned) return;
  journal.mark_final([lease = RunLease{run->id, run->lease_generation}, record = attempt_record()](WriteBatch& batch) {
    if (lease.generation > 0) batch.leases.push_back(lease);
    batch.attempts.push_back(record);
  });
}

std::string describe(const sdk::TaskRef& task) {
  return "run " + task.run_id + " task " + task.node + (task.index >= 0 ? "[" + std::to_string(task.index) + "]" : "");
}

std::string describe(const TaskState& task) { return describe({task.run->id, task.node->spec->id, task.index}); }

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
    n.unmet = static_cast<int>(n.spec->dependencies.size()) + (n.spec->on_exit ? 1 : 0);
  }
}

NodeState* RunState::node(std::string_view node_id) {
  const auto position = workflow->node_index(node_id);
  return position ? &nodes[*position] : nullptr;
}

void RunState::append_to(WriteBatch& batch) const {
  if (abandoned) return;
  append_lease(*this, batch);
  RunRecord r;
  r.id = id;
  r.workflow = workflow->name;
  r.version = version;
  r.status = status;
  r.params_json = params_text;
  r.document_json = document_text;
  r.idempotency_key = idempotency_key;
  r.error = error;
  r.parent_run_id = parent.run_id;
  r.parent_node = parent.node;
  r.parent_index = parent.index;
  r.created_at = created_at;
  r.started_at = started_at;
  r.finished_at = finished_at;
  batch.runs.push_back(std::move(r));
  // Acknowledged or dead-lettered in the transaction that stores the run final.
  if (auto end = delivery_end(*this)) batch.messages.push_back(std::move(*end));
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

const nlohmann::json* RunState::node_status(std::string_view node_id) const {
  static const auto texts = [] {
    std::map<TaskStatus, nlohmann::json> all;
    for (const auto s : {TaskStatus::pending, TaskStatus::ready, TaskStatus::dispatched, TaskStatus::running,
                         TaskStatus::retrying, TaskStatus::succeeded, TaskStatus::failed, TaskStatus::skipped,
                         TaskStatus::cancelled, TaskStatus::upstream_failed}) {
      all.emplace(s, std::string(to_string(s)));
    }
    return all;
  }();
  const auto position = workflow->node_index(node_id);
  if (!position) return nullptr;
  const auto text = texts.find(nodes[*position].row.status);
  return text == texts.end() ? nullptr : &text->second;
}

void RunState::set_body_outcome(RunStatus outcome) {
  auto failed = nlohmann::json::array();
  for (size_t i = 0; i < workflow->body_size; ++i) {
    if (nodes[i].row.status == TaskStatus::failed) failed.push_back(nodes[i].spec->id);
  }
  run_value_["status"] = std::string(to_string(outcome));
  run_value_["failed_nodes"] = std::move(failed);
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
