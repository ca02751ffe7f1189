// The scheduler's in-memory picture of the runs it drives. Owned by the event
// loop; nothing here is touched from another thread.
//
// Every node has one row (index -1). A node without for_each is one task: its
// row. A for_each node's row tracks the node as a whole and it has one more
// row per element (index 0..n-1), created when the node is expanded.
#pragma once

#include "scheduler/clock.hpp"
#include "scheduler/journal.hpp"
#include "workflow/value_path.hpp"
#include "workflow/workflow.hpp"

#include <weft/sdk/status.hpp>
#include <weft/sdk/task.hpp>

#include <nlohmann/json.hpp>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace weft::daemon {

using sdk::is_final;
using sdk::RunStatus;
using sdk::TaskStatus;
using sdk::to_string;

// A final status that counts as a failure for the nodes that depend on it,
// and that a retry of the run runs again.
inline bool failed_status(TaskStatus s) {
  return s == TaskStatus::failed || s == TaskStatus::cancelled || s == TaskStatus::upstream_failed;
}

// The workflow's resource hints (validated when it was stored), typed.
inline sdk::Resources resource_hints(const nlohmann::json& resources) {
  return {resources.value("cpus", 0.0), resources.value("memory_mb", int64_t{0}), resources.value("gpus", 0)};
}

struct RunState;
struct NodeState;

// The task's latest attempt as its attempt record keeps it. Set when the
// attempt starts (or is taken back after a restart), closed when it ends;
// written with the task while it runs, and once more when it ends.
struct AttemptTrace {
  int32_t number = 0;  // 0: no attempt in this life of weftd
  TaskStatus status = TaskStatus::running;
  std::optional<int32_t> exit_code;
  std::string error;
  std::string stdout_path;
  std::string stderr_path;
  int64_t started_at = 0;
  int64_t finished_at = 0;
};

// A task of a node with `cache` (workflow.hpp's NodeCache). Each attempt is
// looked up first; a hit takes the output of the task it found.
struct TaskCache {
  enum class Lookup { due, under_way, done };
  std::string key;    // rendered for the latest lookup; stored
  sdk::TaskRef from;  // a hit: the task whose output it took (empty run_id: it ran); stored
  Lookup lookup = Lookup::due;
  uint64_t serial = 0;                      // of the lookup under way: an answer to an earlier one is ignored
  std::optional<std::string> found_output;  // done and found: what the attempt takes
};

struct TaskState final : Journaled {
  RunState* run = nullptr;
  NodeState* node = nullptr;
  int64_t index = -1;
  TaskStatus status = TaskStatus::pending;
  int32_t attempt = 0;
  // Attempts the retry policy does not count: those made before the run was
  // last retried, and those lost to a weftd restart or an executor. Stored.
  int32_t attempts_before = 0;
  int32_t lost_count = 0;  // attempts lost to a weftd restart or an executor
  std::optional<int32_t> exit_code;
  std::string executor;
  std::string external_id;
  std::string error;
  nlohmann::json output;    // valid once succeeded
  std::string output_text;  // output as stored
  int64_t ready_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  // When the first attempt the retry policy counts started: retry.max_duration_s
  // counts from here. Stored; 0 until that attempt starts.
  int64_t budget_started_at = 0;
  AttemptTrace trace;
  std::unique_ptr<TaskCache> cache;     // its node has a cache (only those pay for it)
  nlohmann::json item;                  // the for_each element
  std::unique_ptr<sdk::TaskSpec> spec;  // the current attempt as planned, while it is under way
  bool holds_slot = false;              // counted against the node's, run's and daemon's limits
  bool timed_out = false;
  bool cancel_requested = false;
  // The child run (a subworkflow's) of an attempt lost to a weftd restart:
  // the next attempt is given it instead of starting another.
  std::string resume_child;
  // The executor has the attempt (start returned), though it may not have
  // said STARTED yet: a task of a run submitted whole says so only once its
  // node runs in what was submitted.
  bool start_sent = false;
  std::unique_ptr<Timer> timer;  // backoff or timeout; destroying it cancels it

  // "<run>/<node>/<index>/<attempt>": names this attempt to plugins, so a late
  // event of an earlier attempt cannot be taken for the current one.
  std::string key() const;
  // Writes the task, and its attempt's record while the attempt runs.
  void append_to(WriteBatch& batch) const override;
  // The attempt's record once it ended, written as it is now: by the next
  // batch the task may be on its next attempt, whose trace replaces this one.
  void mark_ended_attempt(Journal& journal) const;
  sdk::AttemptRecord attempt_record() const;
};

struct NodeState {
  const NodeSpec* spec = nullptr;
  size_t position = 0;                               // in the workflow's nodes
  TaskState row;                                     // the node's own row (index -1)
  std::vector<std::unique_ptr<TaskState>> elements;  // for_each only
  // Dependencies not final yet; for an exit handler, plus one while the
  // run's body is not final.
  int unmet = 0;
  int deps_succeeded = 0;  // dependencies that succeeded
  int deps_failed = 0;     // dependencies failed, cancelled or upstream_failed
  int running = 0;         // tasks dispatched or running
  size_t elements_final = 0;
  std::deque<TaskState*> ready;
  bool queued = false;     // in its run's nodes_with_ready
  nlohmann::json outputs;  // for_each: the elements' outputs, built when the node succeeds

  bool is_for_each() const;
  bool expanded() const { return !elements.empty() || (is_for_each() && row.status != TaskStatus::pending); }
};

// "run R task node[i]" (no "[i]" for a node's own row), for the log.
std::string describe(const sdk::TaskRef& task);
std::string describe(const TaskState& task);

// The task whose child run this is (a subworkflow node's); empty run_id: none.
struct ParentLink {
  std::string run_id;
  std::string node;
  int64_t index = -1;
};

struct RunState final : Journaled, Scope {
  std::string id;
  std::shared_ptr<const Workflow> workflow;
  int64_t version = 0;
  RunStatus status = RunStatus::created;
  nlohmann::json params;
  std::string params_text;
  std::string document_text;
  std::string idempotency_key;
  std::string error;
  ParentLink parent;
  int64_t created_at = 0;
  int64_t started_at = 0;
  int64_t finished_at = 0;
  std::vector<NodeState> nodes;
  size_t nodes_final = 0;
  size_t body_final = 0;  // of them, nodes of the body (not on_exit)
  int running = 0;        // tasks dispatched or running
  std::deque<NodeState*> nodes_with_ready;
  bool queued = false;  // in the scheduler's runs_with_ready
  bool cancelling = false;
  bool handlers_cancelled = false;  // cancelled once only the exit handlers were left: they stop too
  bool failing_fast = false;        // a node failed under fail_fast: the body's other nodes stop
  // Sharing the store: the lease generation this instance holds the run at
  // (0: not fenced), and whether another instance took it over (nothing of
  // it is written any more).
  int64_t lease_generation = 0;
  bool abandoned = false;
  std::unique_ptr<Timer> deadline;  // the workflow's timeout_s; destroying it cancels it

  RunState(std::string run_id, std::shared_ptr<const Workflow> wf, int64_t workflow_version);
  NodeState* node(std::string_view id);
  bool body_done() const { return body_final == workflow->body_size; }
  // The node is not to run any more: cancelled, or stopped by fail_fast.
  bool stops(const NodeSpec& node) const { return node.on_exit ? handlers_cancelled : cancelling || failing_fast; }
  // The body is final, with `outcome`: run.status and run.failed_nodes (its
  // nodes that failed) become readable.
  void set_body_outcome(RunStatus outcome);

  void append_to(WriteBatch& batch) const override;
  const nlohmann::json* root(std::string_view name) const override;
  const nlohmann::json* node_output(std::string_view id) const override;
  const nlohmann::json* node_outputs(std::string_view id) const override;
  const nlohmann::json* node_status(std::string_view id) const override;

 private:
  nlohmann::json run_value_;
  nlohmann::json workflow_value_;
};

}  // namespace weft::daemon
