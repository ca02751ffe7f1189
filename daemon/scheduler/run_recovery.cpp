#include "scheduler/run_recovery.hpp"

#include "scheduler/run_scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace weft::daemon {

namespace {

using nlohmann::json;

void restore_row(TaskState& task, const TaskRecord& t) {
  task.status = t.status;
  task.attempt = t.attempt;
  task.exit_code = t.exit_code;
  task.executor = t.executor;
  task.external_id = t.external_id;
  task.error = t.error;
  task.output_text = t.output_json;
  task.output = t.output_json.empty() ? json() : json::parse(t.output_json, nullptr, false);
  task.ready_at = t.ready_at;
  task.started_at = t.started_at;
  task.attempts_before = t.attempts_before;
  // A row a store of ABI 2.0 wrote has no budget start: its latest attempt's start is the best guess.
  task.budget_started_at = t.budget_started_at != 0 ? t.budget_started_at : t.started_at;
  task.finished_at = t.finished_at;
  if (!t.cache_key.empty() || !t.cached_from.run_id.empty()) {
    task.cache = std::make_unique<TaskCache>();
    task.cache->key = t.cache_key;
    task.cache->from = t.cached_from;
  }
}

}  // namespace

Result<std::unique_ptr<RunState>> restore_run(const RunRecord& record, const std::vector<TaskRecord>& tasks,
                                              const NodeCatalog& catalog) {
  auto parsed = parse_workflow_text(record.document_json, catalog);
  if (!parsed) return parsed.failure();
  auto run = std::make_unique<RunState>(record.id, std::make_shared<const Workflow>(std::move(parsed.value())),
                                        record.version);
  run->status = record.status;
  run->params = json::parse(record.params_json.empty() ? "{}" : record.params_json, nullptr, false);
  run->params_text = record.params_json;
  run->document_text = record.document_json;
  run->idempotency_key = record.idempotency_key;
  run->error = record.error;
  run->parent = {record.parent_run_id, record.parent_node, record.parent_index};
  run->created_at = record.created_at;
  run->started_at = record.started_at;
  run->finished_at = record.finished_at;
  for (const auto& t : tasks) {
    NodeState* node = run->node(t.node);
    if (node == nullptr) continue;
    TaskState* task = &node->row;
    if (t.index >= 0) {
      node->elements.push_back(std::make_unique<TaskState>());
      task = node->elements.back().get();
      task->run = run.get();
      task->node = node;
      task->index = t.index;
    }
    restore_row(*task, t);
  }
  for (auto& node : run->nodes) {
    std::sort(node.elements.begin(), node.elements.end(),
              [](const auto& a, const auto& b) { return a->index < b->index; });
  }
  return run;
}

// ---------------------------------------------------------------------------
// RunScheduler: taking runs back after a restart

void RunScheduler::recover() {
  if (shared_) {
    recover_claimed();
  } else {
    RunFilter filter;
    filter.unfinished_only = true;
    for (const auto& record : store_.list_runs(filter)) take_back(record, store_.list_tasks(record.id), 0);
  }
  recover_schedules();
  recover_queues();
}

void RunScheduler::take_back(const RunRecord& record, const std::vector<TaskRecord>& tasks, int64_t lease_generation) {
  auto restored = restore_run(record, tasks, runtime_);
  if (!restored) return fail_unresumable(record, restored.failure().message, lease_generation);
  RunState& run = *restored.value();
  run.lease_generation = lease_generation;
  runs_.emplace(run.id, std::move(restored.value()));
  spdlog::info("run {} of workflow {} resumed{}", run.id, run.workflow->name,
               lease_generation > 1 ? " (lease generation " + std::to_string(lease_generation) + ")" : "");
  resume(run);
}

// Most likely a plugin it needs is gone: end it, saying why, rather than
// leave it "running" forever.
void RunScheduler::fail_unresumable(const RunRecord& record, const std::string& why, int64_t lease_generation) {
  spdlog::error("run {} cannot be resumed and is marked failed: {}", record.id, why);
  WriteBatch batch;
  if (lease_generation > 0) batch.leases.push_back({record.id, lease_generation});
  batch.runs.push_back(record);
  batch.runs.back().status = RunStatus::failed;
  batch.runs.back().error = "cannot be resumed after a restart: " + why;
  batch.runs.back().finished_at = clock_.now_ms();
  journal_.write(std::move(batch), [id = record.id](const Status& written) {
    if (!written) spdlog::error("run {}: {}", id, written.failure().message);
  });
}

// Rebuilds the counters from the restored rows, then sets going whatever was
// under way: tasks executors may still know are recovered through them, the
// rest are made ready again.
void RunScheduler::resume(RunState& run) {
  run.body_final = static_cast<size_t>(
      std::count_if(run.nodes.begin(), run.nodes.begin() + static_cast<std::ptrdiff_t>(run.workflow->body_size),
                    [](const NodeState& n) { return is_final(n.row.status); }));
  recover_stop_flags(run);
  for (auto& node : run.nodes) {
    node.unmet = node.spec->on_exit && !run.body_done() ? 1 : 0;
    node.deps_succeeded = 0;
    node.deps_failed = 0;
    for (const size_t d : node.spec->dependencies) {
      const TaskStatus s = run.nodes[d].row.status;
      if (!is_final(s)) ++node.unmet;
      if (s == TaskStatus::succeeded) ++node.deps_succeeded;
      if (failed_status(s)) ++node.deps_failed;
    }
    if (is_final(node.row.status)) ++run.nodes_final;
    if (node.is_for_each() && !node.elements.empty()) {
      if (node.row.status == TaskStatus::pending) node.row.status = TaskStatus::running;  // a retried node
      restore_items(node);
    }
    if (node.row.status == TaskStatus::succeeded && node.is_for_each()) {
      node.outputs = json::array();
      for (const auto& e : node.elements) node.outputs.push_back(e->output);
    }
  }
  if (run.status == RunStatus::created) return;
  if (run.status == RunStatus::queued) return start(run);
  if (!run.deadline) arm_run_timeout(run, run.started_at);  // a retry armed it already
  for (auto& node : run.nodes) {
    std::vector<TaskState*> tasks;
    if (node.is_for_each()) {
      for (auto& e : node.elements) tasks.push_back(e.get());
      node.elements_final = static_cast<size_t>(
          std::count_if(tasks.begin(), tasks.end(), [](const TaskState* t) { return is_final(t->status); }));
    } else {
      tasks.push_back(&node.row);
    }
    for (TaskState* task : tasks) {
      switch (task->status) {
        case TaskStatus::ready:
        case TaskStatus::retrying: make_ready(*task); break;
        case TaskStatus::dispatched:
        case TaskStatus::running: recover_task(*task); break;
        default: break;
      }
    }
    if (node.is_for_each() && node.expanded() && !is_final(node.row.status) &&
        node.elements_final == node.elements.size()) {
      settle_node(node, TaskStatus::succeeded);  // settle_node looks at the elements
    }
  }
  if (run.failing_fast && !run.body_done()) stop_nodes(run, false);
  for (auto& node : run.nodes) {
    if (node.row.status == TaskStatus::pending && node.unmet == 0 && !node.expanded()) resolvable_.push_back(&node);
  }
  resolve_ready_dependents();
  if (run.nodes_final == run.nodes.size()) finish_run(run);
}

// What the store does not keep of a run stopping, told from its tasks: a
// failed task under fail_fast stops the body; a body ended with cancelled
// nodes and no failure to explain them was cancelled. Then what the exit
// handlers read, once the body is final.
void RunScheduler::recover_stop_flags(RunState& run) {
  const auto body_end = run.nodes.begin() + static_cast<std::ptrdiff_t>(run.workflow->body_size);
  const auto has = [&](TaskStatus status) {
    return std::any_of(run.nodes.begin(), body_end, [&](const NodeState& n) {
      return n.row.status == status ||
             std::any_of(n.elements.begin(), n.elements.end(), [&](const auto& e) { return e->status == status; });
    });
  };
  run.failing_fast = run.workflow->fail_fast && has(TaskStatus::failed);
  if (!run.body_done()) return;
  if (!run.failing_fast && has(TaskStatus::cancelled)) run.cancelling = true;
  run.set_body_outcome(outcome_of(run, run.workflow->body_size));
}

// Elements keep only their index in the store; their items come from
// rendering for_each again, over the same stored upstream outputs and params.
void RunScheduler::restore_items(NodeState& node) {
  auto items = node.spec->for_each->render(*node.row.run, "/for_each");
  const bool usable = items && items->is_array() && items->size() == node.elements.size();
  for (auto& element : node.elements) {
    if (usable) {
      element->item = (*items)[static_cast<size_t>(element->index)];
    } else if (!is_final(element->status)) {
      element->status = TaskStatus::failed;
      element->error = "for_each no longer yields the items this task was made from";
      journal_.mark(*element);
    }
  }
}

}  // namespace weft::daemon
