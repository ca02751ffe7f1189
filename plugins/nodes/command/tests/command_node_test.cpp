// The command node type, loaded from its built plugin file and driven through
// the C vtable as weftd drives it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>

namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;

const char* const kPluginFile = WEFT_BUILD_DIR "/lib/weft/plugins/libweft-node-command.so.1";

class CommandNodeTest : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> problems_with(const json& params) const {
    return node_.problems_with(params);
  }
  json plan(const json& params) { return node_.plan_for(params, "process"); }
  json finish(const json& result) { return json::parse(node_.finish(result.dump())); }

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
  EXPECT_THAT(problems_with({{"argv", {"true"}}, {"shell", true}}),
              ElementsAre(Pair("/shell", "is not a param of command nodes (they take argv, env and cwd)")));
}

TEST_F(CommandNodeTest, ReportsParamsThatAreNotAnObject) {
  EXPECT_THAT(problems_with({"echo"}), ElementsAre(Pair("", "must be an object")));
}

TEST_F(CommandNodeTest, PlanHandsArgvEnvAndCwdToTheExecutor) {
  EXPECT_EQ(plan({{"argv", {"echo", "hi"}}, {"env", {{"LANG", "C"}}}, {"cwd", "/tmp"}}),
            json({{"task", {{"argv", {"echo", "hi"}}, {"env", {{"LANG", "C"}}}, {"cwd", "/tmp"}}}}));
}

TEST_F(CommandNodeTest, PlanGivesAnEmptyEnvAndNoCwdWhenNoneAreSet) {
  EXPECT_EQ(plan({{"argv", {"true"}}}), json({{"task", {{"argv", {"true"}}, {"env", json::object()}}}}));
}

TEST_F(CommandNodeTest, PlanTurnsRenderedNumbersAndBooleansIntoText) {
  EXPECT_EQ(plan({{"argv", {"sleep", 3}}, {"env", {{"VERBOSE", true}}}})["task"],
            json({{"argv", {"sleep", "3"}}, {"env", {{"VERBOSE", "true"}}}}));
}

TEST_F(CommandNodeTest, PlanFailsWhenRenderedParamsAreInvalid) {
  const json planned = plan({{"argv", {"echo", {{"a", 1}}}}});

  ASSERT_TRUE(planned.contains("error"));
  EXPECT_THAT(planned["error"].get<std::string>(), HasSubstr("/argv/1 must be a string"));
}

TEST_F(CommandNodeTest, FinishSucceedsWithTheTaskOutputOnExitZero) {
  EXPECT_EQ(finish({{"params", json::object()}, {"exit_code", 0}, {"output", {{"n", 1}}}, {"error", ""}}),
            json({{"output", {{"n", 1}}}}));
}

TEST_F(CommandNodeTest, FinishFailsNamingTheExitCodeOrSignal) {
  EXPECT_EQ(finish({{"params", json::object()}, {"exit_code", 3}, {"output", nullptr}}),
            json({{"error", "exited with code 3"}}));
  EXPECT_EQ(finish({{"params", json::object()}, {"exit_code", 137}, {"output", nullptr}}),
            json({{"error", "killed by signal 9"}}));
}

TEST_F(CommandNodeTest, FinishPrefersTheExecutorsError) {
  EXPECT_EQ(finish({{"params", json::object()}, {"exit_code", 143}, {"output", nullptr}, {"error", "cancelled"}}),
            json({{"error", "cancelled"}}));
}

}  // namespace
