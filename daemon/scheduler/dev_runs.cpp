// Development mode: one node of a stored run run again, alone, on the
// upstream outputs that run stored. RunScheduler's part (see
// run_scheduler.hpp).
//
// The node runs in a run of its own, a development run, so that logs,
// events, cancel and the results work as for any run, and the original run
// is not touched. Its document is the original's cut down to the node and
// the nodes it depends on (directly or not); their task rows are copies of
// the original's, final already, so the scheduler takes the new run up as
// it takes up a run after a restart (restore_run, resume) and the node is
// the one thing left to run. The run's parent link names the original run
// and the node.
#include "core/json_text.hpp"
#include "scheduler/in_loop.hpp"
#include "scheduler/run_recovery.hpp"
#include "scheduler/run_scheduler.hpp"
#include "scheduler/store_reads.hpp"

#include <spdlog/spdlog.h>

#include <set>

namespace weft::daemon {

using nlohmann::json;

namespace {

// The node and every node it depends on, directly or not, in document order.
std::set<std::size_t> node_and_upstream(const Workflow& workflow, std::size_t node) {
  std::set<std::size_t> wanted{node};
  std::vector<std::size_t> pending{node};
  while (!pending.empty()) {
    const std::size_t next = pending.back();
    pending.pop_back();
    for (const std::size_t d : workflow.nodes[next].dependencies) {
      if (wanted.insert(d).second) pending.push_back(d);
    }
  }
  return wanted;
}

// The original's document with only `keep` (positions in its `nodes`) and no
// exit handlers; the node itself runs whatever its upstream ended as, with
// its params overridden.
json development_document(json document, const std::set<std::size_t>& keep, std::size_t node, const json& overrides) {
  json nodes = json::array();
  const json& all = document.at("nodes");
  for (const std::size_t i : keep) {
    json copy = all.at(i);
    if (i == node) {
      copy.erase("when");
      copy["trigger_rule"] = "all_done";
      if (!copy.contains("params") || !copy["params"].is_object()) copy["params"] = json::object();
      for (const auto& [name, value] : overrides.items()) copy["params"][name] = value;
    }
    nodes.push_back(std::move(copy));
  }
  document["nodes"] = std::move(nodes);
  document.erase("on_exit");
  return document;
}

}  // namespace

// Reads the original on the caller's thread; the new run is made in the loop.
Result<RunCreated> RunScheduler::run_node_again(const NodeRunRequest& request) {
  if (!request.params.is_object()) {
    return fail(ErrorCode::invalid_request, "params must be an object: overrides of the node's params",
                {{"/params", "must be an object"}});
  }
  auto original = read_store([&] { return store_.get_run(request.run_id); });
  if (!original) return original.failure();
  if (!*original) return fail(ErrorCode::not_found, "no run '" + request.run_id + "'");
  auto tasks = read_store([&] { return store_.list_tasks(request.run_id); });
  if (!tasks) return tasks.failure();
  auto parsed = parse_workflow_text((*original)->document_json, runtime_);
  if (!parsed)
    return fail(ErrorCode::conflict, "run " + request.run_id +
                                         "'s workflow cannot run with the plugins "
                                         "loaded now: " +
                                         parsed.failure().message);
  const Workflow& workflow = parsed.value();
  const auto position = workflow.node_index(request.node);
  if (!position) return fail(ErrorCode::not_found, "run " + request.run_id + " has no node '" + request.node + "'");
  if (workflow.nodes[*position].on_exit) {
    return fail(ErrorCode::conflict, "node '" + request.node +
                                         "' is an exit handler (on_exit), which reads how its run ended; development "
                                         "mode runs the nodes of a run's body");
  }
  const auto keep = node_and_upstream(workflow, *position);
  std::vector<TaskRecord> copied;
  for (const std::size_t i : keep) {
    if (i == *position) continue;
    const std::string& id = workflow.nodes[i].id;
    bool ended = false;
    for (const auto& task : *tasks) {
      if (task.node != id) continue;
      if (task.index < 0) ended = is_final(task.status);
      copied.push_back(task);
    }
    if (!ended) {
      return fail(ErrorCode::conflict, "node '" + id + "', upstream of '" + request.node +
                                           "', has not finished in run " + request.run_id +
                                           "; development mode needs the outputs it stores");
    }
  }
  auto document = development_document(json::parse((*original)->document_json), keep, *position, request.params);
  auto checked = parse_workflow(document, runtime_, limits().documents);
  if (!checked) return checked.failure();
  RunRecord record = **original;
  record.document_json = document.dump();
  record.status = RunStatus::queued;
  record.idempotency_key.clear();
  record.error.clear();
  record.started_at = 0;
  record.finished_at = 0;
  record.parent_run_id = request.run_id;
  record.parent_node = request.node;
  record.parent_index = -1;
  return in_loop<RunCreated>([this, record = std::move(record), copied = std::move(copied)](auto reply) mutable {
    if (draining_) return reply(fail(ErrorCode::unavailable, "weftd is shutting down"));
    if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
    record.id = run_ids_.next(clock_.now_ms());
    record.created_at = clock_.now_ms();
    for (auto& task : copied) task.run_id = record.id;
    auto restored = restore_run(record, copied, runtime_);
    if (!restored) return reply(restored.failure());
    RunState& run = *restored.value();
    if (shared_) run.lease_generation = 1;  // the store has it held by this instance from its insert on
    runs_.emplace(run.id, std::move(restored.value()));
    journal_.mark(run);
    for (auto& node : run.nodes) {
      journal_.mark(node.row);
      for (auto& element : node.elements) journal_.mark(*element);
    }
    journal_.after_durable([this, id = run.id, reply] {
      const auto it = runs_.find(id);
      reply(RunCreated{id, it != runs_.end() ? it->second->status : RunStatus::queued, true});
    });
    spdlog::info("run {}: development run of run {} node {}", run.id, run.parent.run_id, run.parent.node);
    resume(run);
  });
}

}  // namespace weft::daemon
