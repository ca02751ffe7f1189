// Node types and one executor that live in the test, so that the scheduler
// is driven without plugins or processes:
//   inline   plans its output at once: {"echo": params}
//   failing  plans a failure
//   task     plans a command for its executor (argv from params.argv)
//   executor "fake" records every start and cancel; the test ends tasks by
//   posting their events to the scheduler, as an executor would.
//   executor "whole" does the same, and takes whole runs (start_run), which
//   it records, or refuses once told to, and records their cancels (cancel_run).
#pragma once

#include "plugin_host/task_runtime.hpp"

#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace weft::test {

class FakeRuntime final : public daemon::TaskRuntime {
 public:
  std::optional<std::vector<daemon::Problem>> validate_params(std::string_view type,
                                                              const nlohmann::json& /*params*/) const override {
    if (kTypes.count(std::string(type)) == 0) return std::nullopt;
    return std::vector<daemon::Problem>{};
  }
  bool has_executor(std::string_view executor) const override { return executor == "fake" || executor == "whole"; }
  uint64_t executor_capabilities(std::string_view executor) const override {
    if (executor == "whole") return WEFT_EXECUTOR_CAP_WHOLE_RUN;
    return throttles_for_each_ ? WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH : 0;
  }

  daemon::Result<sdk::Plan> plan(std::string_view type, const sdk::TaskSpec& task) override {
    if (type == "inline") return sdk::Plan::output_of({{"echo", task.params}});
    if (type == "failing") return sdk::Plan::failure("planned to fail");
    sdk::Command command;
    command.argv = task.params.value("argv", std::vector<std::string>{"true"});
    return sdk::Plan::run(std::move(command));
  }
  daemon::Result<sdk::Plan> finish(std::string_view /*type*/, const sdk::TaskResult& result) override {
    return sdk::default_finish(result);
  }
  daemon::Status cancel_pending(std::string_view /*type*/, std::string_view /*key*/) override { return daemon::Done{}; }
  daemon::Status start(std::string_view /*executor*/, const sdk::TaskSpec& task) override {
    std::lock_guard lock(mutex_);
    started_.push_back(task);
    return daemon::Done{};
  }
  daemon::Status cancel(std::string_view /*executor*/, std::string_view key) override {
    std::lock_guard lock(mutex_);
    cancelled_.emplace_back(key);
    return daemon::Done{};
  }
  daemon::Status recover(std::string_view /*executor*/, const sdk::TaskSpec& task,
                         std::string_view /*external_id*/) override {
    std::lock_guard lock(mutex_);
    recovered_.push_back(task);
    return daemon::Done{};
  }

  void set_throttles_for_each(bool throttles) { throttles_for_each_ = throttles; }
  daemon::Status start_run(std::string_view /*executor*/, const sdk::RunGraph& run) override {
    std::lock_guard lock(mutex_);
    if (!refusal_.empty()) return daemon::fail(daemon::ErrorCode::unavailable, refusal_);
    runs_.push_back(run);
    return daemon::Done{};
  }
  daemon::Status cancel_run(std::string_view /*executor*/, std::string_view run_id) override {
    std::lock_guard lock(mutex_);
    cancelled_runs_.emplace_back(run_id);
    return daemon::Done{};
  }
  std::vector<std::string> cancelled_runs() const {
    std::lock_guard lock(mutex_);
    return cancelled_runs_;
  }
  void refuse_runs(std::string why) {
    std::lock_guard lock(mutex_);
    refusal_ = std::move(why);
  }
  std::vector<sdk::RunGraph> whole_runs() const {
    std::lock_guard lock(mutex_);
    return runs_;
  }

  std::vector<sdk::TaskSpec> started() const {
    std::lock_guard lock(mutex_);
    return started_;
  }
  std::vector<std::string> cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }
  std::vector<sdk::TaskSpec> recovered() const {
    std::lock_guard lock(mutex_);
    return recovered_;
  }

 private:
  inline static const std::set<std::string> kTypes = {"inline", "failing", "task"};
  mutable std::mutex mutex_;
  std::vector<sdk::TaskSpec> started_;
  std::vector<std::string> cancelled_;
  std::vector<sdk::TaskSpec> recovered_;
  bool throttles_for_each_ = false;
  std::vector<sdk::RunGraph> runs_;
  std::vector<std::string> cancelled_runs_;
  std::string refusal_;
};

}  // namespace weft::test
