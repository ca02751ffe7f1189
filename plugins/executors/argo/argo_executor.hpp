// The `argo` executor: runs each task as an Argo Workflow of one container
// template, through argo-server's REST API; or, in whole-run mode
// (start_run), a whole run as one Workflow with a DAG template, whose tasks
// then follow their nodes in it (dag_manifest.hpp).
//
// All HTTP happens on one worker thread of the executor's own, so weftd's
// event loop never waits on the network: start, cancel, recover and the
// whole-run calls only queue work for it, and it reports events through the
// Host (which the ABI allows from any thread). It follows every task it started with one
// labelled list call per poll interval, plus one GET for each task that
// left that list (it completed, or vanished). Requests that fail for a
// reason that may pass (the network, 429, 5xx, a token being rotated) are
// retried with exponential backoff; a task is never dropped for them.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <weft/sdk/executor.hpp>

#include "argo_config.hpp"
#include "argo_http.hpp"
#include "log_streams.hpp"
#include "task_queue.hpp"
#include "workflow_manifest.hpp"

namespace weft::argo {

class ArgoExecutor final : public sdk::Executor {
 public:
  static constexpr uint64_t capabilities = WEFT_EXECUTOR_CAP_WHOLE_RUN;

  ArgoExecutor(const sdk::Host& host, const nlohmann::json& config);
  // Stops the worker; workflows keep running in Argo for a later recover.
  ~ArgoExecutor() override;
  ArgoExecutor(const ArgoExecutor&) = delete;
  ArgoExecutor& operator=(const ArgoExecutor&) = delete;

  // Makes the run's DAG workflow request (throwing if a node cannot run in
  // Argo) and queues its creation.
  void start_run(const sdk::RunGraph& run) override;
  // Checks the task and makes its log files (throwing if either fails), then
  // queues its workflow's creation, or, for a task of a run submitted whole,
  // follows its node in the run's workflow.
  void start(const sdk::TaskSpec& task) override;
  // Queues a terminate (or stop) of the task's workflow (of a run submitted
  // whole: the run's); FINISHED follows when Argo reports it ended.
  bool cancel(std::string_view task_key) override;
  // Queues a terminate (or stop) of the run's DAG workflow, after its
  // creation if that is still queued.
  void cancel_run(std::string_view run_id) override;
  // Follows the workflow named external_id, or the one the task's key names.
  void recover(const sdk::TaskSpec& task, std::string_view external_id) override;

 private:
  using Stage = remote::Stage;
  using Clock = remote::RemoteTask::Clock;
  struct Task : remote::RemoteTask {
    std::string name;      // the workflow's
    std::string dag_node;  // of a run submitted whole: the task's node; empty: the workflow is the task's own
    int64_t index = -1;
    bool started_reported = false;
    std::string stdout_path;
    std::string stderr_path;
    std::string request;             // the create request's body
    std::optional<Outcome> outcome;  // how it ended, in Stage::finishing
    std::string pod;                 // of a run submitted whole: the node's pod, whose log is the task's
  };

  // A run's DAG workflow waiting to be created, or to be stopped (key: the
  // workflow's name).
  struct Submission : remote::RemoteTask {
    std::string request;
  };
  using Submissions = std::map<std::string, std::shared_ptr<Submission>>;

  // Creates the DAG workflows of runs submitted whole, then stops those of
  // runs cancelled whole; returns when the next retry is due.
  Clock::time_point submit_runs();
  void submit(Task& task);
  void send_cancel(Task& task);
  // The terminate (or stop) request of a workflow, as the config says; throws TransientError.
  HttpReply stop_workflow(const std::string& name);
  std::string stop_verb() const;
  void poll(const std::vector<std::shared_ptr<Task>>& running);
  // Reads a workflow that left the list of unfinished ones, once a poll
  // (fetched keeps the replies: a run's tasks share one).
  void check_missing(Task& task, std::map<std::string, HttpReply>& fetched);
  // Whether the workflow says the task has ended, and if so, how.
  void follow(Task& task, const nlohmann::json& workflow);
  void finish(Task& task);
  void retry_later(Task& task, const std::string& why);
  // Forgets the task and ends its log stream; the event that ends it is reported after.
  void forget(const Task& task);
  std::string workflow_path(const std::string& name) const;
  // The log endpoint's path of the task's pod (without follow).
  std::string log_path(const Task& task) const;

  ArgoConfig config_;
  ArgoHttp http_;  // the worker thread's only
  LogStreams logs_;

  remote::TaskQueue<Task> queue_;
  std::mutex submissions_mutex_;
  Submissions submissions_;                          // to create
  Submissions stops_;                                // to stop, each once its creation is done
  std::map<std::string, std::string> refused_runs_;  // the worker's: workflow name -> why argo-server refused it
  std::thread worker_;
};

}  // namespace weft::argo
