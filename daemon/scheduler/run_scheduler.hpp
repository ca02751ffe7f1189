// The scheduler: one event loop (the io_context it is given) owns every run
// and task in flight. Executor events and API commands are posted into it.
//
// Work per event is proportional to what changed: a finished task decrements
// the unmet-dependency counters of its node's dependents, a dependent whose
// counter reaches zero is resolved (skipped, expanded or made ready), and the
// dispatcher takes ready tasks off per-node queues within the daemon's, the
// run's and the node's limits. Nothing walks all tasks of all runs.
//
// State changes go to the store through the Journal (group commit); a task is
// handed to its executor, and a client is answered, only once the change that
// led to it is stored.
#pragma once

#include "plugin_host/plugin_host.hpp"
#include "scheduler/commands.hpp"
#include "scheduler/journal.hpp"
#include "scheduler/run_ids.hpp"
#include "scheduler/run_state.hpp"
#include "scheduler/store_writer.hpp"

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <map>
#include <unordered_map>

namespace weft::daemon {

struct SchedulerSettings {
  std::filesystem::path state_dir;
  int max_running_tasks = 256;
};

class RunScheduler final : public Commands {
 public:
  RunScheduler(boost::asio::io_context& io, PluginHost& plugins, StoreClient& store, SchedulerSettings settings);
  ~RunScheduler() override;

  // Loop thread, once, before commands arrive: takes back the unfinished runs
  // in the store and asks executors to recover their tasks.
  void recover();

  // Any thread but the loop's (they wait for it).
  Result<WorkflowApplied> apply_workflow(const nlohmann::json& document,
                                         const std::optional<std::string>& expected_name) override;
  Status delete_workflow(const std::string& name) override;
  Result<RunCreated> create_run(const RunRequest& request) override;
  Status start_run(const std::string& run_id) override;
  Status cancel_run(const std::string& run_id) override;
  Status retry_run(const std::string& run_id) override;

  // Any thread: posts the event into the loop.
  void post_task_event(TaskEvent event);

  // Loop thread. Stops starting tasks; done() once no task runs any more or
  // when the grace period is over, with every change stored.
  void drain(std::chrono::milliseconds grace, std::function<void()> done);
  bool store_healthy() const { return journal_.healthy(); }

 private:
  struct PreparedRun;
  template <class T, class Body>
  Result<T> in_loop(Body&& body);

  // Commands, on the loop.
  Status run_command(const std::string& run_id, Status (RunScheduler::*command)(const std::string&));
  void create_prepared(const std::shared_ptr<PreparedRun>& prepared,
                       const std::function<void(Result<RunCreated>)>& reply);
  Status start_created(const std::string& run_id);
  Status cancel(const std::string& run_id);
  void retry(const std::string& run_id, const std::function<void(Status)>& reply);

  // Building runs from stored records (recovery and retry).
  Result<std::unique_ptr<RunState>> restore(const RunRecord& record, const std::vector<TaskRecord>& tasks);
  void resume(RunState& run);
  void restore_items(NodeState& node);
  std::optional<RunCreated> find_by_idempotency_key(const std::string& key) const;

  // Progress.
  void start(RunState& run);
  void resolve(NodeState& node);
  void expand(NodeState& node);
  void make_ready(TaskState& task);
  void schedule_pump();
  void pump();
  void dispatch(TaskState& task);
  Result<sdk::Plan> plan_attempt(TaskState& task);
  void launch(TaskState& task);
  void recover_task(TaskState& task);
  void on_task_event(const TaskEvent& event);
  void on_finished(TaskState& task, const TaskEvent& event);
  void succeed(TaskState& task, nlohmann::json output);
  void fail_attempt(TaskState& task, std::string error);
  void lose(TaskState& task, const std::string& error);
  void settle(TaskState& task, TaskStatus status);
  void settle_node(NodeState& node, TaskStatus status, std::string error = {});
  void finish_run(RunState& run);
  void arm_timeout(TaskState& task);
  void stop_task(TaskState& task);
  void take_slot(TaskState& task);
  void release_slot(TaskState& task);
  void check_drained();

  boost::asio::io_context& io_;
  PluginHost& plugins_;
  StoreClient& store_;
  SchedulerSettings settings_;
  StoreWriter writer_;
  Journal journal_;
  RunIdGenerator run_ids_;
  std::unordered_map<std::string, std::unique_ptr<RunState>> runs_;
  std::unordered_map<std::string, TaskState*> active_;  // by key: tasks an executor or node type holds
  std::deque<RunState*> runs_with_ready_;
  std::map<std::string, WorkflowRecord, std::less<>> latest_workflows_;  // written through this loop
  std::map<std::string, std::string, std::less<>> idempotency_in_flight_;
  int running_ = 0;
  bool pump_scheduled_ = false;
  bool draining_ = false;
  std::function<void()> drained_;
};

}  // namespace weft::daemon
