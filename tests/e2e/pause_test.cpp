// Pause and resume, and attempt records, with real weftd processes: a paused
// run survives a kill -9, starts nothing until resumed and then finishes;
// every attempt of a task is listed with log files of its own, through the
// API and the CLI.
#include "child_process.hpp"
#include "recovery_fixture.hpp"

#include <gmock/gmock.h>

#include <chrono>
#include <thread>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class Pause : public RecoveryFixture {
 protected:
  ProcessResult weft(const std::vector<std::string>& args) const { return run_weft(weftd_, args); }
  std::string run_status(const std::string& run_id) const {
    return weftd_.client().get("/api/v1/runs/" + run_id).json()["status"];
  }
  json attempts(const std::string& run_id, const std::string& task) const {
    const auto response = weftd_.client().get("/api/v1/runs/" + run_id + "/tasks/" + task + "/attempts");
    EXPECT_EQ(response.status, 200) << response.body;
    return response.json()["items"];
  }
};

// held runs when the run is paused; weftd is killed, so held's attempt is
// lost and, the run being paused, not started again until it is resumed.
TEST_F(Pause, APausedRunSurvivesAKillStartsNothingAndFinishesOnceResumed) {
  const std::string run_id = weftd_.start_adhoc(chain());
  ASSERT_TRUE(tasks_reach(run_id, {{"held", "running"}})) << weftd_.log();
  const auto paused = weft({"pause", run_id});
  ASSERT_EQ(paused.exit_code, 0) << paused.output();
  EXPECT_EQ(paused.out, "run " + run_id + ": paused\n");
  EXPECT_EQ(run_status(run_id), "paused");

  crash_and_restart();
  release();
  ASSERT_TRUE(tasks_reach(run_id, {{"held", "ready"}})) << weftd_.log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // time in which a start would have shown
  EXPECT_EQ(run_status(run_id), "paused");
  EXPECT_EQ(count_lines(ran_, "held"), 1);

  const auto resumed = weft({"resume", run_id});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output();
  expect_chain_finished(run_id, 2);

  const auto held = attempts(run_id, "held");
  ASSERT_EQ(held.size(), 2u) << held.dump(1);
  EXPECT_EQ(held[0]["attempt"], 1);
  EXPECT_EQ(held[0]["status"], "failed");
  EXPECT_THAT(held[0]["error"].get<std::string>(), StartsWith("lost:"));
  EXPECT_EQ(held[1]["attempt"], 2);
  EXPECT_EQ(held[1]["status"], "succeeded");
  EXPECT_EQ(held[1]["exit_code"], 0);
  EXPECT_TRUE(held[1]["finished_at"].is_string());
  EXPECT_EQ(attempts(run_id, "first").size(), 1u);

  const auto again = weft({"resume", run_id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("succeeded"));
}

TEST_F(Pause, EachAttemptsLogIsKeptAndPrintedByNumber) {
  const std::string marker = quoted(dir_.path() / "tried");
  const std::string script =
      "if [ -e " + marker + " ]; then echo second try; else touch " + marker + "; echo first try; exit 3; fi";
  const std::string run_id = weftd_.start_adhoc(workflow("flaky", {sh("main", script).retry(2, 0)}));
  ASSERT_EQ(weftd_.wait_run(run_id)["status"], "succeeded");

  EXPECT_EQ(weft({"logs", run_id, "main", "--attempt", "1"}).out, "first try\n");
  EXPECT_EQ(weft({"logs", run_id, "main", "--attempt", "2"}).out, "second try\n");
  EXPECT_EQ(weft({"logs", run_id, "main"}).out, "second try\n");
  const auto past = weft({"logs", run_id, "main", "--attempt", "3"});
  EXPECT_EQ(past.exit_code, 1);
  EXPECT_THAT(past.err, HasSubstr("no attempt 3"));

  const auto listed = attempts(run_id, "main");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0]["exit_code"], 3);
  EXPECT_EQ(listed[0]["executor"], "process");
  EXPECT_TRUE(listed[0]["external_id"].is_string());
  EXPECT_EQ(weftd_.client().get("/api/v1/runs/" + run_id + "/tasks/nosuch/attempts").status, 404);
}

}  // namespace
}  // namespace weft::test
