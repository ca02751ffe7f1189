// The noop node type, loaded from its built plugin file and driven through the
// C vtable as weftd drives it.
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
using ::testing::IsEmpty;
using ::testing::Pair;
using weft::sdk::Plan;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;

const char* const kPluginFile = WEFT_PLUGIN_FILE;

class NoopNodeTest : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> problems_with(const json& params) const {
    return node_.problems_with(params);
  }
  Plan plan(const json& params) { return node_.plan_for(params, ""); }

  FakeHost host_;
  LoadedPlugin plugin_{kPluginFile};
  NodeUnderTest node_{plugin_, "noop", host_};
};

TEST_F(NoopNodeTest, AcceptsNoParams) { EXPECT_THAT(problems_with(json::object()), IsEmpty()); }

TEST_F(NoopNodeTest, AcceptsAnOutputOfAnyJsonType) {
  EXPECT_THAT(problems_with({{"output", {{"files", {1, 2}}}}}), IsEmpty());
  EXPECT_THAT(problems_with({{"output", "{{ nodes.list.output }}"}}), IsEmpty());
}

TEST_F(NoopNodeTest, ReportsUnknownParams) {
  EXPECT_THAT(problems_with({{"outputs", 1}}),
              ElementsAre(Pair("/outputs", "is not a param of noop nodes (they take output)")));
}

TEST_F(NoopNodeTest, ReportsParamsThatAreNotAnObject) {
  EXPECT_THAT(problems_with(json::array()), ElementsAre(Pair("", "must be an object")));
}

TEST_F(NoopNodeTest, PlanSucceedsInlineWithTheGivenOutput) {
  const Plan planned = plan({{"output", {{"files", {1, 2}}}}});

  ASSERT_EQ(planned.kind, WEFT_PLAN_OUTPUT) << planned.error;
  EXPECT_EQ(planned.output, json({{"files", {1, 2}}}));
}

TEST_F(NoopNodeTest, PlanSucceedsInlineWithNullWhenNoOutputIsGiven) {
  const Plan planned = plan(json::object());

  ASSERT_EQ(planned.kind, WEFT_PLAN_OUTPUT) << planned.error;
  EXPECT_EQ(planned.output, json());
}

}  // namespace
