// The slurm executor's submission limits on the real Slurm of the fixture
// slurm_cluster: the cap on jobs in flight, the submit rate, and a cancel of
// a task that is still waiting for its submission. Driven with the SDK's
// FakeHost as the daemon's event loop.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>

#include "../slurm_executor.hpp"
#include "slurm_cluster.hpp"

namespace weft::slurm {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::RecordedEvent;

class SlurmLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::assert_slurm_is_up());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  sdk::TaskSpec task(const std::string& node, const std::string& script) const {
    sdk::TaskSpec t;
    t.run_id = "limits-" + std::to_string(::getpid());
    t.task_key = t.run_id + "/" + node + "/-1/1";
    t.node = node;
    t.stdout_path = (dir_ / (node + ".stdout")).string();
    t.stderr_path = (dir_ / (node + ".stderr")).string();
    t.output_path = (dir_ / (node + ".output.json")).string();
    t.command = sdk::Command{{"/bin/sh", "-c", script}, {}, "", "", nlohmann::json::object()};
    return t;
  }

  size_t count(weft_task_event_kind kind) const {
    const auto events = host_.events();
    return static_cast<size_t>(
        std::count_if(events.begin(), events.end(), [&](const RecordedEvent& e) { return e.kind == kind; }));
  }

  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("weft-slurm-limits-" + std::to_string(::getpid()));
  FakeHost host_;
};

TEST_F(SlurmLimits, NoMoreJobsInFlightThanTheCapAndNoFasterThanTheRate) {
  constexpr double kRate = 4;
  SlurmExecutor executor(host_.host(), {{"slurm_conf", WEFT_SLURM_CONF},
                                        {"poll_interval_s", 0.2},
                                        {"submit_rate_per_s", kRate},
                                        {"max_jobs_in_flight", 2}});
  constexpr size_t kTasks = 5;
  const auto began = std::chrono::steady_clock::now();
  for (size_t i = 0; i < kTasks; ++i) executor.start(task("t" + std::to_string(i), "sleep 0.5"));

  size_t most_in_flight = 0;
  ASSERT_TRUE(host_.run_until(
      [&] {
        most_in_flight = std::max(most_in_flight, count(WEFT_EVENT_STARTED) - count(WEFT_EVENT_FINISHED));
        return count(WEFT_EVENT_FINISHED) == kTasks;
      },
      std::chrono::seconds(60)))
      << count(WEFT_EVENT_FINISHED) << " of " << kTasks << " finished";
  const auto took = std::chrono::steady_clock::now() - began;

  EXPECT_EQ(most_in_flight, 2u) << "max_jobs_in_flight is 2";
  for (const auto& e : host_.events()) {
    if (e.kind == WEFT_EVENT_FINISHED) {
      EXPECT_EQ(e.exit_code, 0) << e.task_key << ": " << e.error;
    }
  }
  // A lower bound only: 5 submissions at 4 a second take at least a second.
  EXPECT_GE(took, std::chrono::duration<double>((kTasks - 1) / kRate));
}

TEST_F(SlurmLimits, ACancelledTaskThatWasNotSubmittedYetEndsAtOnceWithoutAJob) {
  SlurmExecutor executor(host_.host(),
                         {{"slurm_conf", WEFT_SLURM_CONF}, {"poll_interval_s", 0.2}, {"max_jobs_in_flight", 1}});
  const auto running = task("running", "sleep 1");
  const auto waiting = task("waiting", "touch ran");
  executor.start(running);
  executor.start(waiting);
  ASSERT_TRUE(executor.cancel(waiting.task_key));
  const auto end = host_.find(waiting.task_key, WEFT_EVENT_FINISHED);
  ASSERT_TRUE(end) << "the cancel of a queued task is reported at once";
  EXPECT_EQ(end->error, "cancelled");
  EXPECT_FALSE(host_.find(waiting.task_key, WEFT_EVENT_STARTED)) << "it was submitted";
  ASSERT_TRUE(host_.run_until([&] { return host_.find(running.task_key, WEFT_EVENT_FINISHED).has_value(); },
                              std::chrono::seconds(60)));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "ran"));
  EXPECT_FALSE(executor.cancel(waiting.task_key)) << "it is forgotten";
}

}  // namespace
}  // namespace weft::slurm
