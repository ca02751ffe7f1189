// How tasks fail, what their errors say, and how a failure spreads through a
// run: to the nodes downstream of it, and to no one else.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

class SchedulerFailure : public ::testing::Test {
 protected:
  // Runs the document to its end and returns its tasks by id.
  std::map<std::string, json> finish(const json& document) {
    run_ = weftd_.wait_run(weftd_.start_adhoc(document));
    return weftd_.tasks(run_["id"]);
  }

  WeftdProcess weftd_;
  TempDir dir_;
  json run_;
};

TEST_F(SchedulerFailure, ANonZeroExitFailsTheTaskWithAnErrorSayingTheExitCode) {
  const auto tasks = finish(workflow("exit-3", {sh("bad", "exit 3")}));
  EXPECT_EQ(run_["status"], "failed");
  EXPECT_EQ(tasks.at("bad")["status"], "failed");
  EXPECT_EQ(tasks.at("bad")["exit_code"], 3);
  EXPECT_THAT(tasks.at("bad")["error"].get<std::string>(), HasSubstr("code 3"));
}

TEST_F(SchedulerFailure, TheDependentsOfAFailedTaskAreUpstreamFailedTransitively) {
  const fs::path ran = dir_.path() / "ran";
  const auto tasks = finish(workflow("downstream",
                                     {sh("bad", "exit 1"), sh("child", record_run_in(ran)).after({"bad"}),
                                      sh("grandchild", record_run_in(ran)).after({"child"}),
                                      sh("fan", record_run_in(ran)).after({"child"}).for_each("{{ params.items }}")},
                                     {{"params", {{"items", {1, 2}}}}}));
  EXPECT_EQ(run_["status"], "failed");
  EXPECT_EQ(tasks.at("child")["status"], "upstream_failed");
  EXPECT_EQ(tasks.at("grandchild")["status"], "upstream_failed");
  EXPECT_EQ(tasks.at("fan")["status"], "upstream_failed");
  EXPECT_TRUE(read_lines(ran).empty());
}

TEST_F(SchedulerFailure, IndependentBranchesRunToCompletionAfterAnotherBranchFailed) {
  const fs::path failed_marker = dir_.path() / "failed";
  // The other branch starts its second node only after the failing task has
  // ended, so the failure is already known when it is dispatched.
  const auto tasks = finish(workflow(
      "branches", {sh("bad", "touch " + quoted(failed_marker) + "; exit 1"),
                   sh("slow", wait_for_file(failed_marker) + "; sleep 0.2; echo 1 > \"$WEFT_OUTPUT\""),
                   sh("then", "echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes.slow.output }}"}).after({"slow"})}));
  EXPECT_EQ(run_["status"], "failed");
  EXPECT_EQ(tasks.at("bad")["status"], "failed");
  EXPECT_EQ(tasks.at("slow")["status"], "succeeded");
  EXPECT_EQ(tasks.at("then")["status"], "succeeded");
  EXPECT_EQ(weftd_.results(run_["id"])["outputs"]["then"], 2);
}

TEST_F(SchedulerFailure, InvalidJsonInTheOutputFileFailsTheTaskSayingSo) {
  const auto tasks = finish(workflow("bad-json", {sh("garbled", "echo '{not json' > \"$WEFT_OUTPUT\"")}));
  EXPECT_EQ(tasks.at("garbled")["status"], "failed");
  const std::string error = tasks.at("garbled")["error"];
  EXPECT_THAT(error, HasSubstr("output"));
  EXPECT_THAT(error, HasSubstr("JSON"));
}

TEST_F(SchedulerFailure, ATaskThatWritesNoOutputFileSucceedsWithANullOutput) {
  const auto tasks = finish(workflow("silent", {sh("quiet", "true")}));
  EXPECT_EQ(tasks.at("quiet")["status"], "succeeded");
  EXPECT_EQ(weftd_.results(run_["id"])["outputs"]["quiet"], nullptr);
}

TEST_F(SchedulerFailure, AMissingProgramFailsTheTaskNamingTheProgram) {
  const auto tasks = finish(workflow("no-program", {command("start", {"weft-no-such-program-7f3a", "x"})}));
  EXPECT_EQ(run_["status"], "failed");
  EXPECT_EQ(tasks.at("start")["status"], "failed");
  EXPECT_THAT(tasks.at("start")["error"].get<std::string>(), HasSubstr("weft-no-such-program-7f3a"));
}

TEST_F(SchedulerFailure, ATemplatePathThatDoesNotResolveFailsTheTaskNamingThePath) {
  const auto tasks =
      finish(workflow("unresolved", {sh("up", "echo '{\"x\": 1}' > \"$WEFT_OUTPUT\""),
                                     sh("down", "true", {"{{ nodes.up.output.missing }}"}).after({"up"})}));
  EXPECT_EQ(run_["status"], "failed");
  EXPECT_EQ(tasks.at("down")["status"], "failed");
  const std::string error = tasks.at("down")["error"];
  EXPECT_THAT(error, HasSubstr("missing"));
  EXPECT_THAT(error, HasSubstr("nodes.up.output"));
}

}  // namespace
}  // namespace weft::test
