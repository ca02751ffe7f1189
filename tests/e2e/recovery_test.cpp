// Durability: weftd killed with SIGKILL in the middle of a run, then started
// again on the same state directory, finishes the run. What had succeeded
// keeps its output and does not run again; what was running runs again.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Recovery : public ::testing::Test {
 protected:
  // first -> second -> held -> last, each adding one to its parent's output;
  // `held` appends its pid to `held_pids_` and waits for `release_`.
  json chain() const {
    const std::string add_one = "echo $(($1 + 1)) > \"$WEFT_OUTPUT\"";
    return workflow("recovered-chain",
                    {sh("first", record_run_in(ran_) + "; echo 1 > \"$WEFT_OUTPUT\""),
                     sh("second", record_run_in(ran_) + "; " + add_one, {"{{ nodes.first.output }}"}).after({"first"}),
                     sh("held",
                        record_run_in(ran_) + "; echo $$ >> " + quoted(held_pids_) + "; " + wait_for_file(release_) +
                            "; " + add_one,
                        {"{{ nodes.second.output }}"})
                         .after({"second"}),
                     sh("last", record_run_in(ran_) + "; " + add_one, {"{{ nodes.held.output }}"}).after({"held"})});
  }

  // Waits until every named task has the given status in the store.
  bool tasks_reach(const std::string& run_id, const std::map<std::string, std::string>& expected) const {
    return eventually([&] {
      const auto tasks = weftd_.tasks(run_id);
      return std::all_of(expected.begin(), expected.end(), [&](const auto& e) {
        const auto task = tasks.find(e.first);
        return task != tasks.end() && task->second["status"] == e.second;
      });
    });
  }

  void crash_and_restart() {
    weftd_.kill_hard();
    weftd_.start();
  }

  void release() const { std::ofstream(release_).put('\n'); }

  WeftdProcess weftd_;
  TempDir dir_;
  fs::path ran_ = dir_.path() / "ran";
  fs::path release_ = dir_.path() / "release";
  fs::path held_pids_ = dir_.path() / "held.pids";
};

TEST_F(Recovery, AKilledRunFinishesAfterARestartWithoutRunningSucceededTasksAgain) {
  const std::string run_id = weftd_.start_adhoc(chain());
  ASSERT_TRUE(tasks_reach(run_id, {{"first", "succeeded"}, {"second", "succeeded"}, {"held", "running"}}))
      << weftd_.log();

  crash_and_restart();
  release();

  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
  EXPECT_EQ(count_lines(ran_, "first"), 1);
  EXPECT_EQ(count_lines(ran_, "second"), 1);
  EXPECT_EQ(count_lines(ran_, "held"), 2);
  EXPECT_EQ(count_lines(ran_, "last"), 1);
  const auto outputs = weftd_.results(run_id)["outputs"];
  EXPECT_EQ(outputs["first"], 1);
  EXPECT_EQ(outputs["second"], 2);
  EXPECT_EQ(outputs["last"], 4);
}

TEST_F(Recovery, ATaskRunningWhenWeftdWasKilledIsStoppedOnRestartAndRunsAgain) {
  const std::string run_id = weftd_.start_adhoc(chain());
  ASSERT_TRUE(tasks_reach(run_id, {{"held", "running"}})) << weftd_.log();
  const pid_t orphan = read_pid(held_pids_);
  ASSERT_GT(orphan, 0);

  crash_and_restart();

  EXPECT_TRUE(eventually([&] { return !process_alive(orphan); })) << "the first attempt of held still runs";
  EXPECT_TRUE(eventually([&] { return read_lines(held_pids_).size() == 2; })) << weftd_.log();
  release();
  EXPECT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");
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
