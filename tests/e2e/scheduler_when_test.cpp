// `when` decides whether a node runs; skipping flows to nodes that depend only
// on skipped nodes, and a skipped node does not stop a run from succeeding.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class SchedulerWhen : public ::testing::Test {
 protected:
  // A task that leaves a trace of having run.
  Node traced(const std::string& id) const { return sh(id, record_run_in(ran_)); }
  int times_ran(const std::string& id) const { return count_lines(ran_, id); }

  WeftdProcess weftd_;
  TempDir dir_;
  fs::path ran_ = dir_.path() / "ran";
};

TEST_F(SchedulerWhen, AFalseConditionSkipsTheNodeAndTheRunSucceeds) {
  const auto run = weftd_.wait_run(weftd_.start_adhoc(workflow("skip", {traced("maybe").when("false")})));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(weftd_.tasks(run["id"]).at("maybe")["status"], "skipped");
  EXPECT_EQ(times_ran("maybe"), 0);
}

TEST_F(SchedulerWhen, ANodeThatDependsOnlyOnSkippedNodesIsSkipped) {
  const auto document = workflow("skip-chain", {traced("a").when("false"), traced("b").when("1 > 2"),
                                                traced("after").after({"a", "b"}), traced("last").after({"after"})});
  const auto run = weftd_.wait_run(weftd_.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  const auto tasks = weftd_.tasks(run["id"]);
  EXPECT_EQ(tasks.at("after")["status"], "skipped");
  EXPECT_EQ(tasks.at("last")["status"], "skipped");
  EXPECT_EQ(times_ran("after") + times_ran("last"), 0);
}

TEST_F(SchedulerWhen, ANodeThatDependsOnASkippedAndASucceededNodeRuns) {
  const auto document = workflow(
      "half-skipped", {traced("skipped").when("false"), traced("ran"), traced("join").after({"skipped", "ran"})});
  const auto run = weftd_.wait_run(weftd_.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(weftd_.tasks(run["id"]).at("join")["status"], "succeeded");
  EXPECT_EQ(times_ran("join"), 1);
}

TEST_F(SchedulerWhen, AConditionCanTestAnUpstreamOutput) {
  const auto document =
      workflow("upstream-test", {sh("measure", "echo '{\"count\": 5}' > \"$WEFT_OUTPUT\""),
                                 traced("enough").after({"measure"}).when("nodes.measure.output.count >= 3"),
                                 traced("plenty").after({"measure"}).when("nodes.measure.output.count > 10")});
  const auto run = weftd_.wait_run(weftd_.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  const auto tasks = weftd_.tasks(run["id"]);
  EXPECT_EQ(tasks.at("enough")["status"], "succeeded");
  EXPECT_EQ(tasks.at("plenty")["status"], "skipped");
  EXPECT_EQ(times_ran("enough"), 1);
  EXPECT_EQ(times_ran("plenty"), 0);
}

}  // namespace
}  // namespace weft::test
