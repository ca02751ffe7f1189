// The `cloudrun` executor: runs each task as an execution of a Cloud Run
// Job (one job per image and settings, reused), through the Admin API v2,
// and reads its logs from Cloud Logging when it ends.
//
// All HTTP happens on one worker thread of the executor's own, so weftd's
// event loop never waits on the network: start, cancel and recover only
// queue work for it, and it reports events through the Host (which the ABI
// allows from any thread). It follows the tasks it started with one list of
// executions per job per poll interval (newest first, read only as far as
// the oldest execution it follows), plus one GET for an execution that left
// the list. Requests that fail for a reason that may pass (the network,
// 429, 5xx, a token being renewed) are retried with exponential backoff and
// jitter; a task is never dropped for them. A run whose reply was lost is
// looked for among the job's executions before it is sent again, so a task
// does not run twice.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>
#include <weft/sdk/executor.hpp>

#include "cloudrun_config.hpp"
#include "google_api.hpp"
#include "task_queue.hpp"

namespace weft::cloudrun {

class CloudRunExecutor final : public sdk::Executor {
 public:
  CloudRunExecutor(const sdk::Host& host, const nlohmann::json& config);
  // Stops the worker; executions keep running in Cloud Run for a later recover.
  ~CloudRunExecutor() override;
  CloudRunExecutor(const CloudRunExecutor&) = delete;
  CloudRunExecutor& operator=(const CloudRunExecutor&) = delete;

  // Checks the task and makes its log files (throwing if either fails), then
  // queues its run.
  void start(const sdk::TaskSpec& task) override;
  // Queues a cancel of the task's execution; FINISHED follows when Cloud Run
  // reports it ended.
  bool cancel(std::string_view task_key) override;
  // Follows the execution named external_id, or looks for the task's among
  // its job's executions.
  void recover(const sdk::TaskSpec& task, std::string_view external_id) override;

 private:
  using Clock = std::chrono::steady_clock;
  using Stage = remote::Stage;
  struct Task : remote::RemoteTask {
    std::string job_id;
    nlohmann::json job;     // the Job to create if it is missing
    std::string run_body;   // the RunJobRequest
    std::string execution;  // its full name, once known
    std::string stdout_path;
    std::string stderr_path;
    bool look_first = false;  // a run may have reached Cloud Run: look for its execution before another
    nlohmann::json ended;     // the ended execution, in Stage::finishing
    Clock::time_point logs_deadline{};
  };

  void submit(Task& task);
  bool ensure_job(Task& task);
  void send_cancel(Task& task);
  void poll(const std::vector<std::shared_ptr<Task>>& running);
  void poll_job(const std::string& job_id, const std::vector<std::shared_ptr<Task>>& running);
  void check_missing(Task& task);
  void finish(Task& task);
  void retry_later(Task& task, const std::string& why);
  // Forgets the task and reports it FINISHED with the error.
  void fail(Task& task, const std::string& error);
  // The job's executions, newest first, read until `last` returns true for
  // one or the list ends; nullopt: the job does not exist.
  std::optional<std::vector<nlohmann::json>> list_executions(const std::string& job_id,
                                                             const std::function<bool(const nlohmann::json&)>& last);
  std::string location() const;
  std::string job_url(const std::string& job_id) const;

  CloudRunConfig config_;
  GoogleApi api_;                     // the worker thread's only
  std::set<std::string> jobs_known_;  // jobs that exist, the worker thread's only

  remote::TaskQueue<Task> queue_;
  std::thread worker_;
};

}  // namespace weft::cloudrun
