// The command node type, loaded from its built plugin file and driven through
// the C vtable as weftd drives it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>
#include <weft/sdk/testing/node_under_test.hpp>

namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using weft::sdk::Plan;
using weft::sdk::TaskResult;
using weft::sdk::TaskSpec;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;

const char* const kPluginFile = WEFT_PLUGIN_FILE;

class CommandNodeTest : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> problems_with(const json& params) const {
    return node_.problems_with(params);
  }
  Plan plan(const json& params) { return node_.plan_for(params, "process"); }
  // How an attempt of `echo` ended, as weftd hands it to finish.
  Plan finish(int exit_code, std::string output_json, std::string error = "") {
    TaskSpec task = weft::sdk::testing::task_for({{"argv", {"echo"}}});
    task.command.emplace().argv = {"echo"};
    return node_.finish(TaskResult{&task, exit_code, std::move(output_json), std::move(error)});
  }

  FakeHost host_;
  LoadedPlugin plugin_{kPluginFile};
  NodeUnderTest node_{plugin_, "command", host_};
};

TEST_F(CommandNodeTest, AcceptsArgvEnvAndCwd) {
  EXPECT_THAT(problems_with({{"argv", {"echo", "hi"}}, {"env", {{"LANG", "C"}}}, {"cwd", "/tmp"}}), IsEmpty());
}

TEST_F(CommandNodeTest, AcceptsParamsThatStillHoldTemplates) {
  EXPECT_THAT(problems_with({{"argv", {"process-group", "{{ item }}"}}, {"cwd", "{{ params.dir }}"}}), IsEmpty());
}

TEST_F(CommandNodeTest, RequiresArgv) {
  EXPECT_THAT(problems_with(json::object()), ElementsAre(Pair("/argv", "is required")));
}

TEST_F(CommandNodeTest, ReportsArgvThatIsNotAnArray) {
  EXPECT_THAT(problems_with({{"argv", "echo hi"}}), ElementsAre(Pair("/argv", "must be a non-empty array of strings")));
}

TEST_F(CommandNodeTest, ReportsAnEmptyArgv) {
  EXPECT_THAT(problems_with({{"argv", json::array()}}), ElementsAre(Pair("/argv", "must not be empty")));
}

TEST_F(CommandNodeTest, ReportsEachArgvElementThatIsNotAString) {
  EXPECT_THAT(problems_with({{"argv", {"echo", 1, "two", json::object()}}}),
              ElementsAre(Pair("/argv/1", "must be a string"), Pair("/argv/3", "must be a string")));
}

TEST_F(CommandNodeTest, ReportsEnvThatIsNotAnObject) {
  EXPECT_THAT(problems_with({{"argv", {"true"}}, {"env", {"A=1"}}}),
              ElementsAre(Pair("/env", "must be an object of strings")));
}

TEST_F(CommandNodeTest, ReportsEnvValuesThatAreNotStringsWithEscapedPointers) {
  EXPECT_THAT(problems_with({{"argv", {"true"}}, {"env", {{"COUNT", 2}, {"a/b", true}}}}),
              ElementsAre(Pair("/env/COUNT", "must be a string"), Pair("/env/a~1b", "must be a string")));
}

TEST_F(CommandNodeTest, ReportsInvalidEnvNames) {
  EXPECT_THAT(problems_with({{"argv", {"true"}}, {"env", {{"A=B", "x"}}}}),
              ElementsAre(Pair("/env/A=B", "is not a valid variable name (empty or containing '=')")));
}

TEST_F(CommandNodeTest, ReportsACwdThatIsNotANonEmptyString) {
  EXPECT_THAT(problems_with({{"argv", {"true"}}, {"cwd", 7}}), ElementsAre(Pair("/cwd", "must be a string")));
  EXPECT_THAT(problems_with({{"argv", {"true"}}, {"cwd", ""}}), ElementsAre(Pair("/cwd", "must not be empty")));
}

TEST_F(CommandNodeTest, ReportsUnknownParams) {
  EXPECT_THAT(
      problems_with({{"argv", {"true"}}, {"shell", true}}),
      ElementsAre(Pair("/shell", "is not a param of command nodes (they take argv, env, cwd and executor_options)")));
}

TEST_F(CommandNodeTest, ReportsParamsThatAreNotAnObject) {
  EXPECT_THAT(problems_with({"echo"}), ElementsAre(Pair("", "must be an object")));
}

TEST_F(CommandNodeTest, PlanHandsArgvEnvAndCwdToTheExecutor) {
  const Plan planned = plan({{"argv", {"echo", "hi"}}, {"env", {{"LANG", "C"}}}, {"cwd", "/tmp"}});

  ASSERT_EQ(planned.kind, WEFT_PLAN_COMMAND) << planned.error;
  EXPECT_THAT(planned.command.argv, ElementsAre("echo", "hi"));
  EXPECT_THAT(planned.command.env, ElementsAre(Pair("LANG", "C")));
  EXPECT_EQ(planned.command.cwd, "/tmp");
  EXPECT_EQ(planned.command.image, "");
  EXPECT_EQ(planned.command.executor_options, json::object());
}

TEST_F(CommandNodeTest, PlanHandsExecutorOptionsToTheExecutorAndRefusesANonObject) {
  const json options = {{"partition", "gpu"}, {"extra_args", {"--exclusive"}}};
  const Plan planned = plan({{"argv", {"true"}}, {"executor_options", options}});
  ASSERT_EQ(planned.kind, WEFT_PLAN_COMMAND) << planned.error;
  EXPECT_EQ(planned.command.executor_options, options);
  EXPECT_THAT(problems_with({{"argv", {"true"}}, {"executor_options", "gpu"}}),
              ElementsAre(Pair("/executor_options", "must be an object")));
}

TEST_F(CommandNodeTest, PlanGivesAnEmptyEnvAndNoCwdWhenNoneAreSet) {
  const Plan planned = plan({{"argv", {"true"}}});

  ASSERT_EQ(planned.kind, WEFT_PLAN_COMMAND) << planned.error;
  EXPECT_THAT(planned.command.argv, ElementsAre("true"));
  EXPECT_THAT(planned.command.env, IsEmpty());
  EXPECT_EQ(planned.command.cwd, "");
}

TEST_F(CommandNodeTest, PlanTurnsRenderedNumbersAndBooleansIntoText) {
  const Plan planned = plan({{"argv", {"sleep", 3}}, {"env", {{"VERBOSE", true}}}});

  ASSERT_EQ(planned.kind, WEFT_PLAN_COMMAND) << planned.error;
  EXPECT_THAT(planned.command.argv, ElementsAre("sleep", "3"));
  EXPECT_THAT(planned.command.env, ElementsAre(Pair("VERBOSE", "true")));
}

TEST_F(CommandNodeTest, PlanTurnsRenderedObjectsArraysAndNullIntoTheirJsonText) {
  const Plan planned = plan(
      {{"argv", {"echo", {{"a", {1, "x"}}}, json()}}, {"env", {{"LIST", {"a", "b"}}}}, {"cwd", json::array({"/tmp"})}});

  ASSERT_EQ(planned.kind, WEFT_PLAN_COMMAND) << planned.error;
  EXPECT_THAT(planned.command.argv, ElementsAre("echo", R"({"a":[1,"x"]})", "null"));
  EXPECT_THAT(planned.command.env, ElementsAre(Pair("LIST", R"(["a","b"])")));
  EXPECT_EQ(planned.command.cwd, R"(["/tmp"])");
}

TEST_F(CommandNodeTest, PlanFailsWhenRenderedParamsAreInvalid) {
  const Plan planned = plan({{"argv", json::array()}, {"shell", "sh"}});

  ASSERT_EQ(planned.kind, WEFT_PLAN_FAILED);
  EXPECT_THAT(planned.error, HasSubstr("/argv must not be empty"));
  EXPECT_THAT(planned.error, HasSubstr("/shell is not a param of command nodes"));
}

TEST_F(CommandNodeTest, FinishSucceedsWithTheTaskOutputOnExitZero) {
  const Plan finished = finish(0, R"({"n": 1})");

  ASSERT_EQ(finished.kind, WEFT_PLAN_OUTPUT) << finished.error;
  EXPECT_EQ(finished.output, json({{"n", 1}}));
}

TEST_F(CommandNodeTest, FinishSucceedsWithNullWhenTheTaskWroteNoOutput) {
  const Plan finished = finish(0, "");

  ASSERT_EQ(finished.kind, WEFT_PLAN_OUTPUT) << finished.error;
  EXPECT_EQ(finished.output, json());
}

TEST_F(CommandNodeTest, FinishFailsNamingTheExitCodeOrSignal) {
  const Plan exited = finish(3, "");
  EXPECT_EQ(exited.kind, WEFT_PLAN_FAILED);
  EXPECT_EQ(exited.error, "exited with code 3");

  const Plan killed = finish(137, "");
  EXPECT_EQ(killed.kind, WEFT_PLAN_FAILED);
  EXPECT_EQ(killed.error, "killed by signal 9");
}

TEST_F(CommandNodeTest, FinishPrefersTheExecutorsError) {
  const Plan cancelled = finish(143, "", "cancelled");

  EXPECT_EQ(cancelled.kind, WEFT_PLAN_FAILED);
  EXPECT_EQ(cancelled.error, "cancelled");
}

}  // namespace
