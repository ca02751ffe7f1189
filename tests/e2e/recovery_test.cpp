// Durability: weftd killed with SIGKILL in the middle of a run, then started
// again on the same state directory, finishes the run. What had succeeded
// keeps its output and does not run again; what was running runs again.
#include "recovery_fixture.hpp"

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using Recovery = RecoveryFixture;

TEST_F(Recovery, AKilledRunFinishesAfterARestartWithoutRunningSucceededTasksAgain) {
  expect_killed_chain_finishes_without_rerunning_succeeded_tasks();
}

TEST_F(Recovery, ATaskRunningWhenWeftdWasKilledIsStoppedOnRestartAndRunsAgain) {
  const std::string run_id = weftd_.start_adhoc(chain());
  ASSERT_TRUE(tasks_reach(run_id, {{"held", "running"}})) << weftd_.log();
  // Running is stored as the process starts; its shell writes the pid a moment later.
  ASSERT_TRUE(eventually([&] { return read_pid(held_pids_) > 0; })) << weftd_.log();
  const pid_t orphan = read_pid(held_pids_);

  crash_and_restart();

  EXPECT_TRUE(eventually([&] { return !process_alive(orphan); })) << "the first attempt of held still runs";
  EXPECT_TRUE(eventually([&] { return read_lines(held_pids_).size() == 2; })) << weftd_.log();
  release();
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
}

TEST_F(Recovery, AnExitHandlerRunningWhenWeftdWasKilledRunsAgainAndTheRunStillFails) {
  json document = workflow("recovered-exit", {sh("bad", record_run_in(ran_) + "; exit 1")});
  const std::string report =
      record_run_in(ran_) + "; " + wait_for_file(release_) + R"(; printf '"%s"' "$1" > "$WEFT_OUTPUT")";
  document["on_exit"] = json::array({sh("report", report, {"{{ run.status }}"}).json()});
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(tasks_reach(run_id, {{"bad", "failed"}, {"report", "running"}})) << weftd_.log();

  crash_and_restart();
  release();

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "failed") << weftd_.log();
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["report"], "failed");
  EXPECT_EQ(count_lines(ran_, "bad"), 1);
  EXPECT_EQ(count_lines(ran_, "report"), 2);
}

TEST_F(Recovery, AKilledFanOutFinishesWithEveryElementsOutputRunningOnlyUnfinishedElementsAgain) {
  // Elements 0 and 1 finish at once; 2 and 3 wait for the release.
  const auto document = workflow("recovered-fan",
                                 {sh("first", record_run_in(ran_) + "; echo 1 > \"$WEFT_OUTPUT\""),
                                  sh("fan",
                                     record_run_in(ran_) + "; [ \"$WEFT_INDEX\" -lt 2 ] || { " +
                                         wait_for_file(release_) + "; }; echo $(($1 * 10)) > \"$WEFT_OUTPUT\"",
                                     {"{{ item }}"})
                                      .after({"first"})
                                      .for_each("{{ params.items }}"),
                                  sh("gather", kOutputFirstArg, {"{\"all\": {{ nodes.fan.outputs }}}"}).after({"fan"})},
                                 {{"params", {{"items", {0, 1, 2, 3}}}}});
  const std::string run_id = weftd_.start_adhoc(document);
  ASSERT_TRUE(tasks_reach(
      run_id, {{"fan[0]", "succeeded"}, {"fan[1]", "succeeded"}, {"fan[2]", "running"}, {"fan[3]", "running"}}))
      << weftd_.log();

  crash_and_restart();
  release();

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded") << json(weftd_.tasks(run_id)).dump(1);
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["gather"], json({{"all", {0, 10, 20, 30}}}));
  EXPECT_EQ(count_lines(ran_, "first"), 1);
  EXPECT_EQ(count_lines(ran_, "fan[0]"), 1);
  EXPECT_EQ(count_lines(ran_, "fan[1]"), 1);
  EXPECT_EQ(count_lines(ran_, "fan[2]"), 2);
  EXPECT_EQ(count_lines(ran_, "fan[3]"), 2);
}

TEST_F(Recovery, ARunCreatedButNotStartedSurvivesARestart) {
  weftd_.apply(chain());
  const auto created = weftd_.client().post("/api/v1/workflows/recovered-chain/runs", {{"start", false}});
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string run_id = created.json()["id"];

  crash_and_restart();

  EXPECT_EQ(weftd_.client().get("/api/v1/runs/" + run_id).json()["status"], "created");
  release();
  const auto started = weftd_.client().post("/api/v1/runs/" + run_id + "/start", json::object());
  EXPECT_EQ(started.status, 202) << started.body;
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  EXPECT_EQ(weftd_.results(run_id)["outputs"]["last"], 4);
}

TEST_F(Recovery, AFinishedRunsResultsAreReadableAfterARestart) {
  release();
  const std::string run_id = weftd_.start_adhoc(chain());
  ASSERT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  const auto results = weftd_.results(run_id);
  const auto tasks = weftd_.tasks(run_id);

  crash_and_restart();

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  EXPECT_EQ(weftd_.results(run_id), results);
  EXPECT_EQ(weftd_.tasks(run_id), tasks);
  EXPECT_EQ(read_lines(ran_).size(), 4u);
}

}  // namespace
}  // namespace weft::test
