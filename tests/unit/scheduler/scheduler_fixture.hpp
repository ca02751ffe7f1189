// The scheduler in process, for its unit tests: a store in memory, node
// types and an executor of the test's own (fake_runtime.hpp), and virtual
// time (virtual_clock.hpp), so that backoffs, timeouts, limits and schedules
// are checked without sleeping and without processes.
#pragma once

#include "fake_runtime.hpp"
#include "memory_store.hpp"
#include "scheduler/run_scheduler.hpp"
#include "virtual_clock.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>

#include <memory>
#include <optional>

#include <filesystem>
#include <future>
#include <thread>

namespace weft::test {

using daemon::ErrorCode;
using daemon::RunRequest;
using nlohmann::json;
using sdk::RunStatus;
using sdk::TaskStatus;
using namespace std::chrono_literals;

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { start_scheduler(); }
  void TearDown() override { stop_scheduler(); }

  // Each life of the scheduler gets a loop of its own: what a stopped one
  // left queued (a store write's completion, a due timer) goes with its loop,
  // as it would with a killed process, instead of reaching the next one.
  void start_scheduler() {
    work_.reset();
    io_ = std::make_unique<boost::asio::io_context>();
    work_.emplace(boost::asio::make_work_guard(*io_));
    clock_.post_to(*io_);
    daemon::SchedulerSettings settings{state_dir_, limits_, 10s, leases_};
    settings.audit_retention = audit_retention_;
    settings.done_message_retention = done_message_retention_;
    scheduler_ = std::make_unique<daemon::RunScheduler>(*io_, runtime_, *client_, clock_, std::move(settings));
    scheduler_->recover();
    loop_ = std::thread([this] { io_->run(); });
  }
  // As a kill would: the loop stops where it is; what was stored stays.
  void stop_scheduler() {
    io_->stop();
    if (loop_.joinable()) loop_.join();
    scheduler_.reset();
  }

  std::string apply(const json& workflow) {
    auto applied = scheduler_->apply_workflow(workflow, std::nullopt);
    EXPECT_TRUE(applied) << applied.failure().message;
    return applied ? applied->name : "";
  }
  daemon::Result<daemon::RunCreated> create(const std::string& workflow, json params = json::object()) {
    RunRequest request;
    request.workflow = workflow;
    request.params = std::move(params);
    return scheduler_->create_run(request);
  }
  std::string run(const json& workflow, json params = json::object()) {
    auto created = create(apply(workflow), std::move(params));
    EXPECT_TRUE(created) << created.failure().message;
    return created ? created->id : "";
  }

  // Waits until every handler posted so far (and those they posted) ran.
  void settle_loop() {
    for (int round = 0; round < 3; ++round) {
      std::promise<void> done;
      boost::asio::post(*io_, [&done] { done.set_value(); });
      done.get_future().wait();
    }
  }
  // A bound on waiting for the store's writer thread, not a timing check;
  // rounds of at least 2 ms each.
  bool eventually(const std::function<bool()>& condition, int rounds = 5000) {
    for (int i = 0; i < rounds; ++i) {
      settle_loop();
      if (condition()) return true;
      std::this_thread::sleep_for(2ms);
    }
    return condition();
  }

  std::optional<sdk::RunRecord> stored_run(const std::string& id) { return client_->get_run(id); }
  std::optional<sdk::TaskRecord> stored_task(const std::string& run_id, const std::string& node, int64_t index = -1) {
    for (auto& t : client_->list_tasks(run_id)) {
      if (t.node == node && t.index == index) return t;
    }
    return std::nullopt;
  }
  bool run_is(const std::string& id, RunStatus status) {
    const auto r = stored_run(id);
    return r && r->status == status;
  }
  bool task_is(const std::string& run_id, const std::string& node, TaskStatus status) {
    const auto t = stored_task(run_id, node);
    return t && t->status == status;
  }

  void finish(const sdk::TaskSpec& task, int exit_code, std::string output_json = "") {
    scheduler_->post_task_event({WEFT_EVENT_FINISHED, task.task_key, "", exit_code, std::move(output_json), ""});
  }
  void restart_with(const daemon::SchedulerLimits& limits) {
    stop_scheduler();
    limits_ = limits;
    start_scheduler();
  }
  size_t started() const { return runtime_.started().size(); }

  static json workflow(json nodes, const json& extra = json::object()) {
    json doc = {{"name", "wf"}, {"defaults", {{"executor", "fake"}}}, {"nodes", std::move(nodes)}};
    doc.update(extra);
    return doc;
  }

  std::filesystem::path state_dir_ = std::filesystem::temp_directory_path() / "weft-scheduler-test";
  std::unique_ptr<boost::asio::io_context> io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  VirtualClock clock_;
  daemon::SchedulerLimits limits_;
  FakeRuntime runtime_;
  OpenedMemoryStore store_ = open_memory_store();
  daemon::StoreClient* client_ = store_.client.get();  // the store the scheduler uses
  daemon::LeaseSettings leases_;                       // when that store is shared
  std::chrono::hours audit_retention_{0};
  std::chrono::hours done_message_retention_{0};
  std::unique_ptr<daemon::RunScheduler> scheduler_;
  std::thread loop_;
};

}  // namespace weft::test
