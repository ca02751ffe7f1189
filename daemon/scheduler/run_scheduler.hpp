// The scheduler: one event loop (the io_context it is given) owns every run
// and task in flight. Executor events and API commands are posted into it.
//
// Work per event is proportional to what changed: a finished task decrements
// the unmet-dependency counters of its node's dependents, a dependent whose
// counter reaches zero is resolved (skipped, expanded or made ready), and the
// Dispatcher takes ready tasks off per-node queues within the daemon's, the
// run's and the node's limits. Nothing walks all tasks of all runs, and
// cascades (a failure that makes a long chain upstream_failed) run in a loop,
// not in recursion.
//
// State changes go to the store through the Journal (group commit); a task is
// handed to its executor, and a client is answered, only once the change that
// led to it is stored. The loop never reads the store: commands read what
// they need on the caller's thread first (recovery reads before the loop runs).
//
// The code is in these files: run_scheduler.cpp (commands, drain),
// run_pause.cpp (pausing and resuming runs), run_recovery.cpp (taking runs
// back after a restart), run_leases.cpp (sharing the store: leases,
// takeover, load sharing), task_progress.cpp (how runs and tasks move on),
// schedule_firing.cpp (cron schedules starting runs, and pausing them),
// queue_consumption.cpp (queue triggers starting runs),
// child_runs.cpp (runs that a subworkflow node's task starts and waits for),
// dev_runs.cpp (development mode: one node of a run run again, alone),
// task_cache.cpp (tasks that take an earlier task's output from the node
// cache), and the parts it uses: Dispatcher, CacheLookups, WorkflowCatalog,
// Schedules, restore_run, build_run_graph (a run handed whole to its
// executor), Journal, and the injected TaskRuntime (node types and
// executors) and Clock.
#pragma once

#include "plugin_host/host_services.hpp"
#include "plugin_host/task_runtime.hpp"
#include "scheduler/audit_journal.hpp"
#include "scheduler/cache_lookups.hpp"
#include "scheduler/clock.hpp"
#include "scheduler/commands.hpp"
#include "scheduler/dispatcher.hpp"
#include "scheduler/journal.hpp"
#include "scheduler/run_ids.hpp"
#include "scheduler/run_state.hpp"
#include "scheduler/schedules.hpp"
#include "scheduler/store_writer.hpp"
#include "scheduler/task_log_limit.hpp"
#include "scheduler/workflow_catalog.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

namespace weft::daemon {

// "child:<task key>": the key of the run a subworkflow task starts; keys of
// that form are the scheduler's alone (child_runs.cpp).
std::string child_run_key(std::string_view task_key);
bool is_child_run_key(std::string_view key);

// The `limits` of docs/configuration.md that the scheduler enforces.
struct SchedulerLimits {
  int max_running_tasks = 256;
  int max_for_each_items = 100000;
  std::size_t max_params_bytes = 1024 * 1024;
  std::size_t max_output_bytes = 1024 * 1024;
  int max_runs_per_workflow = 0;  // 0: no limit
  DocumentLimits documents{};
  TaskLogLimit logs{};
};

// Sharing the store with other instances (when the store can be shared).
struct LeaseSettings {
  std::string instance;  // this instance's id, unique among those sharing the store
  std::string address;   // the URL of its API, where the others send requests on the runs it holds
  std::chrono::milliseconds lease{30000};
};

struct SchedulerSettings {
  std::filesystem::path state_dir;
  SchedulerLimits limits;
  // How long a caller waits for the loop to take a command; past it the
  // command answers 503 (the loop may still carry it out).
  std::chrono::milliseconds command_timeout{10000};
  LeaseSettings leases;
  std::chrono::hours audit_retention{0};  // audit entries older are pruned; 0: kept forever
  // Queue messages done (and enqueued) longer ago are pruned; 0: kept forever.
  std::chrono::hours done_message_retention{0};
};

class RunScheduler final : public Commands {
 public:
  RunScheduler(boost::asio::io_context& io, TaskRuntime& runtime, StoreClient& store, Clock& clock,
               SchedulerSettings settings);
  ~RunScheduler() override;

  // Before the loop runs, once: takes back the unfinished runs in the store
  // and asks executors to recover their tasks, then arms the workflows'
  // schedules (with one catch-up run for a firing missed while weftd was
  // down). Throws StoreError if the store cannot be read.
  void recover();

  // Any thread but the loop's (they wait for it, up to command_timeout).
  Result<WorkflowApplied> apply_workflow(const nlohmann::json& document,
                                         const std::optional<std::string>& expected_name) override;
  Status delete_workflow(const std::string& name) override;
  Result<RunCreated> create_run(const RunRequest& request) override;
  Status start_run(const std::string& run_id) override;
  Status cancel_run(const std::string& run_id) override;
  Status pause_run(const std::string& run_id) override;
  Status resume_run(const std::string& run_id) override;
  Status retry_run(const std::string& run_id) override;
  Result<RunCreated> run_node_again(const NodeRunRequest& request) override;
  Result<ScheduleView> set_schedule_enabled(const std::string& workflow, bool enabled) override;
  Status store_token(const sdk::TokenRecord& token) override;
  void record_audit(sdk::AuditRecord entry) override;
  Result<std::string> enqueue(const std::string& queue, const std::string& body_json) override;
  Status redrive(const std::string& queue, const std::vector<MessageRecord>& dead) override;
  std::vector<ScheduleView> schedules() const override { return schedules_.list(); }
  Result<SchedulerFigures> figures() override;

  // Before the loop runs: who is told of stored changes and refused tasks.
  void set_observer(SchedulerObserver* observer);

  // Any thread: posts the event into the loop.
  void post_task_event(TaskEvent event);

  // Loop thread (a node type's plan or finish, through HostServices): the
  // message goes with the next batch, with the task's outcome. Returns why
  // it was refused; empty when taken.
  std::string enqueue_from_task(const std::string& queue, std::string id, std::string body_json);
  // Any thread (a node type's weft_host_api.start_child_run): starts a run
  // as the child of the running task request.task_key, or gives it the
  // child its lost attempt started; on_end is called once, on the loop.
  void start_child_run(ChildRunRequest request, ChildRunEnded on_end);

  // Loop thread (HostServices posts it there): the store says runs may wait
  // in it unheld; this instance claims them one by one while it has room.
  void work_available();

  // Loop thread. Stops starting tasks; done() once no task runs any more or
  // when the grace period is over, with every change stored.
  void drain(std::chrono::milliseconds grace, std::function<void()> done);
  bool store_healthy() const { return journal_.healthy(); }

  // Any thread (a reload): the new limits apply to what comes next; runs and
  // tasks under way keep what they were admitted with.
  void set_limits(const SchedulerLimits& updated);

 private:
  // A run request checked on the caller's thread, ready for the loop.
  struct PreparedRun {
    std::shared_ptr<const Workflow> workflow;
    int64_t version = 0;
    nlohmann::json params;
    std::string idempotency_key;
    bool start = true;
  };
  // What a command on one run found: nullopt when the run is not in memory
  // (finished, or unknown), for the caller to tell which from the store.
  using RunCommandResult = std::optional<Status>;
  template <class T, class Body>
  Result<T> in_loop(Body&& body);

  SchedulerLimits limits() const;

  // Commands, on the loop (run_scheduler.cpp).
  Status store_is_writable() const;
  Status store_keeps_run_control(std::string_view what) const;
  Status run_command(const std::string& run_id, RunCommandResult (RunScheduler::*command)(const std::string&),
                     const std::function<Status(const RunRecord&)>& when_not_running);
  Result<std::shared_ptr<PreparedRun>> prepare_run(const RunRequest& request);
  void create_prepared(const std::shared_ptr<PreparedRun>& prepared,
                       const std::function<void(Result<RunCreated>)>& reply);
  std::unique_ptr<RunState> new_run(const std::shared_ptr<const Workflow>& workflow, int64_t version,
                                    nlohmann::json params, std::string idempotency_key, bool start);
  RunCommandResult start_created(const std::string& run_id);
  RunCommandResult cancel(const std::string& run_id);
  RunCommandResult pause(const std::string& run_id);
  RunCommandResult unpause(const std::string& run_id);
  void retry(std::unique_ptr<RunState> run, const std::function<void(Status)>& reply);
  void drive_retried(std::unique_ptr<RunState> run, const std::function<void(Status)>& reply);
  void resume(RunState& run);
  void recover_stop_flags(RunState& run);
  void restore_items(NodeState& node);
  void fail_unresumable(const RunRecord& record, const std::string& why, int64_t lease_generation = 0);
  void take_back(const RunRecord& record, const std::vector<TaskRecord>& tasks, int64_t lease_generation);
  void store_unheld(std::unique_ptr<RunState> run, const std::function<void(Result<RunCreated>)>& reply);

  // Sharing the store (run_leases.cpp).
  void recover_claimed();
  void arm_lease_timer();
  void renew_and_claim();
  void lease_lost(const std::shared_ptr<const WriteBatch>& refused);
  void abandon(const std::string& run_id);
  void adopt(const RunRecord& record, const std::vector<TaskRecord>& tasks, int64_t generation);
  bool has_room() const;
  void claim_if_room();

  // Child runs (child_runs.cpp): a subworkflow node's.
  struct ChildWatch {
    std::string parent_run_id;
    std::string task_key;  // the parent's task, in its attempt that asked
    ChildRunEnded on_end;
  };
  TaskState* child_parent(const std::string& task_key);
  void begin_child(const ChildRunRequest& request, ChildRunEnded on_end);
  void create_child(const std::shared_ptr<PreparedRun>& prepared, const std::string& task_key, ChildRunEnded on_end);
  void adopt_child(const std::string& child_id, TaskState& task, ChildRunEnded on_end);
  void end_child(const RunState& child);
  void report_child_end(const std::string& child_id, ChildRunEnded on_end);
  void stop_child_of(const TaskState& task);
  std::vector<std::string> children_of(const std::string& run_id) const;

  // Schedules (schedule_firing.cpp).
  void recover_schedules();
  void fire(const std::shared_ptr<const Workflow>& workflow, int64_t version, int64_t firing_ms);

  // Queue triggers (queue_consumption.cpp).
  struct QueueConsumer {
    std::shared_ptr<const Workflow> workflow;  // its latest version
    int64_t version = 0;
    bool claiming = false;  // a claim is under way
    bool again = false;     // woken meanwhile: claim once more after it
  };
  void recover_queues();
  void consume(const std::shared_ptr<const Workflow>& workflow, int64_t version);
  void stop_consuming(std::string_view workflow);
  void claim_every_queue();
  void claim_messages_of(const std::string& queue);

  // Progress, on the loop (task_progress.cpp).
  void start(RunState& run);
  bool submit_whole(RunState& run);
  void resolve(NodeState& node);
  void resolve_ready_dependents();
  void expand(NodeState& node);
  void make_ready(TaskState& task);
  void dispatch(TaskState& task);
  void look_up_cache(TaskState& task, std::string key);
  void on_cache_answer(const sdk::TaskRef& task_ref, uint64_t serial, std::optional<TaskRecord> found);
  void take_from_cache(TaskState& task);
  Result<sdk::Plan> plan_attempt(TaskState& task);
  void launch(TaskState& task);
  void recover_task(TaskState& task);
  void on_task_event(const TaskEvent& event);
  void on_finished(TaskState& task, const TaskEvent& event);
  void succeed(TaskState& task, nlohmann::json output);
  void fail_attempt(TaskState& task, std::string error);
  void lose(TaskState& task, const std::string& error);
  void end_attempt(TaskState& task, TaskStatus outcome, std::string_view error);
  void release_attempt(TaskState& task);
  void settle(TaskState& task, TaskStatus status);
  void settle_node(NodeState& node, TaskStatus status, std::string error = {});
  void open_exit_handlers(RunState& run);
  void stop_at_first_failure(const TaskState& failed);
  void stop_nodes(RunState& run, bool exit_handlers);
  void stop_whole(const RunState& run);
  static RunStatus outcome_of(const RunState& run, size_t count);
  void finish_run(RunState& run);
  void arm_timeout(TaskState& task);
  void arm_run_timeout(RunState& run, int64_t since_ms);
  void stop_task(TaskState& task);
  void stop_attempt(TaskState& task);
  void check_drained();

  boost::asio::io_context& io_;
  TaskRuntime& runtime_;
  StoreClient& store_;
  Clock& clock_;
  SchedulerSettings settings_;  // its limits under limits_mutex_: commands read them on their callers' threads
  mutable std::mutex limits_mutex_;
  StoreWriter writer_;
  Journal journal_;
  AuditJournal audit_;  // loop thread
  Dispatcher dispatcher_;
  WorkflowCatalog workflows_;
  Schedules schedules_;
  RunIdGenerator run_ids_;
  RunIdGenerator message_ids_;                                   // ids of the messages enqueued through the API
  std::map<std::string, QueueConsumer, std::less<>> consumers_;  // by queue
  std::unordered_map<std::string, std::unique_ptr<RunState>> runs_;
  std::unordered_map<std::string, TaskState*> active_;  // by key: tasks an executor or node type holds
  // Runs created by this loop with an idempotency key, until they leave
  // memory: a second request with the key finds the first run here even
  // before the store has it.
  std::map<std::string, std::string, std::less<>> idempotency_keys_;
  // Runs whose lease this loop is taking to retry them (a shared store).
  std::set<std::string, std::less<>> claiming_to_retry_;
  std::deque<NodeState*> resolvable_;  // dependencies all final, to resolve in resolve_ready_dependents
  bool resolving_ = false;
  bool draining_ = false;
  std::function<void()> drained_;
  std::unique_ptr<Timer> grace_timer_;
  const bool shared_;  // the store is shared: runs are held through leases
  std::unique_ptr<Timer> lease_timer_;
  // Load sharing (run_leases.cpp): runs may wait in the store unheld, and
  // how many times the store said so; whether a claim for room is under way.
  bool unheld_may_wait_ = false;
  uint64_t work_notices_ = 0;
  bool claiming_for_room_ = false;
  SchedulerObserver* observer_ = nullptr;
  // Child runs under way here, by id, and who waits for each (child_runs.cpp).
  std::unordered_map<std::string, ChildWatch> child_watches_;
  CacheLookups cache_lookups_;  // on store_reads_
  uint64_t cache_lookup_serial_ = 0;
  // Reads the store off the loop (the loop never reads it): child runs'
  // records and the node cache. Last, so that it is joined first when the
  // scheduler goes.
  boost::asio::thread_pool store_reads_{1};
};

}  // namespace weft::daemon
