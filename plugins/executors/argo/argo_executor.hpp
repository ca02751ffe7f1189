// The `argo` executor: runs each task as an Argo Workflow of one container
// template, through argo-server's REST API.
//
// All HTTP happens on one worker thread of the executor's own, so weftd's
// event loop never waits on the network: start, cancel and recover only
// queue work for it, and it reports events through the Host (which the ABI
// allows from any thread). It follows every task it started with one
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
#include "task_queue.hpp"

namespace weft::argo {

class ArgoExecutor final : public sdk::Executor {
 public:
  ArgoExecutor(const sdk::Host& host, const nlohmann::json& config);
  // Stops the worker; workflows keep running in Argo for a later recover.
  ~ArgoExecutor() override;
  ArgoExecutor(const ArgoExecutor&) = delete;
  ArgoExecutor& operator=(const ArgoExecutor&) = delete;

  // Checks the task and makes its log files (throwing if either fails), then
  // queues its workflow's creation.
  void start(const sdk::TaskSpec& task) override;
  // Queues a terminate (or stop) of the task's workflow; FINISHED follows
  // when Argo reports it ended.
  bool cancel(std::string_view task_key) override;
  // Follows the workflow named external_id, or the one the task's key names.
  void recover(const sdk::TaskSpec& task, std::string_view external_id) override;

 private:
  using Stage = remote::Stage;
  struct Task : remote::RemoteTask {
    std::string name;
    std::string stdout_path;
    std::string stderr_path;
    std::string request;      // the create request's body
    nlohmann::json workflow;  // the ended workflow, in Stage::finishing
  };

  void submit(Task& task);
  void send_cancel(Task& task);
  void poll(const std::vector<std::shared_ptr<Task>>& running);
  void check_missing(Task& task);
  void finish(Task& task);
  void retry_later(Task& task, const std::string& why);
  std::string workflow_path(const std::string& name) const;

  ArgoConfig config_;
  ArgoHttp http_;  // the worker thread's only

  remote::TaskQueue<Task> queue_;
  std::thread worker_;
};

}  // namespace weft::argo
