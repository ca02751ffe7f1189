// POST /runs/{id}/cancel: a running run ends cancelled with its processes,
// and their children, stopped; a finished or unknown run cannot be cancelled.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SchedulerCancel : public ::testing::Test {
 protected:
  WeftdProcess weftd_;
  TempDir dir_;
};

TEST_F(SchedulerCancel, CancellingARunStopsItsTasksTheirProcessesAndTheirChildren) {
  // Each task starts a child of its own, notes both pids, and waits.
  const std::string script = "sleep 60 & echo $! > " + quoted(dir_.path()) + "/child.$WEFT_INDEX; echo $$ > " +
                             quoted(dir_.path()) + "/task.$WEFT_INDEX; wait";
  const auto document = workflow(
      "cancel-me", {sh("sleepers", script).for_each("{{ params.items }}"), sh("after", "true").after({"sleepers"})},
      {{"params", {{"items", {0, 1}}}}});
  const std::string run_id = weftd_.start_adhoc(document);
  std::vector<fs::path> pid_files;
  for (const char* name : {"task.0", "task.1", "child.0", "child.1"}) pid_files.push_back(dir_.path() / name);
  ASSERT_TRUE(eventually([&] {
    return std::all_of(pid_files.begin(), pid_files.end(), [](const fs::path& f) { return read_pid(f) > 0; });
  })) << weftd_.log();

  const auto response = weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
  EXPECT_EQ(response.status, 202) << response.body;

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "cancelled");
  for (const auto& [id, task] : weftd_.tasks(run_id)) EXPECT_EQ(task["status"], "cancelled") << id;
  for (const auto& file : pid_files) {
    EXPECT_TRUE(eventually([&] { return !process_alive(read_pid(file)); })) << file << " is still running";
  }
}

TEST_F(SchedulerCancel, CancellingACreatedRunEndsItCancelledWithoutRunningAnything) {
  const fs::path ran = dir_.path() / "ran";
  weftd_.apply(workflow("never", {sh("first", record_run_in(ran)), sh("second", record_run_in(ran)).after({"first"})}));
  const auto created = weftd_.client().post("/api/v1/workflows/never/runs", {{"start", false}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string run_id = created.json()["id"];

  const auto response = weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
  EXPECT_EQ(response.status, 202) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "cancelled");
  for (const auto& [id, task] : weftd_.tasks(run_id)) EXPECT_EQ(task["status"], "cancelled") << id;
  EXPECT_TRUE(read_lines(ran).empty());
}

TEST_F(SchedulerCancel, CancellingAFinishedRunIsAConflict) {
  const std::string run_id = weftd_.start_adhoc(workflow("done", {sh("quick", "true")}));
  ASSERT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  const auto response = weftd_.client().post("/api/v1/runs/" + run_id + "/cancel", json::object());
  EXPECT_EQ(response.status, 409) << response.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
}

TEST_F(SchedulerCancel, CancellingAnUnknownRunIsNotFound) {
  const auto response = weftd_.client().post("/api/v1/runs/no-such-run/cancel", json::object());
  EXPECT_EQ(response.status, 404) << response.body;
}

}  // namespace
}  // namespace weft::test
