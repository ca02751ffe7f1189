// The condition node type, loaded from its built plugin file and driven
// through the C vtable as weftd drives it.
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
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;

class ConditionNodeTest : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> problems_with(const json& params) const {
    return node_.problems_with(params);
  }
  Plan plan(const json& params) { return node_.plan_for(params, ""); }

  FakeHost host_;
  LoadedPlugin plugin_{WEFT_PLUGIN_FILE};
  NodeUnderTest node_{plugin_, "condition", host_};
};

TEST_F(ConditionNodeTest, AcceptsAWholeTemplateOrABoolean) {
  EXPECT_THAT(problems_with({{"expr", "{{ nodes.count.output.n > 10 && params.mode == 'full' }}"}}), IsEmpty());
  EXPECT_THAT(problems_with({{"expr", false}}), IsEmpty());
}

TEST_F(ConditionNodeTest, RefusesAnExpressionWithoutBracesWhichWouldAlwaysBeANonEmptyString) {
  EXPECT_THAT(problems_with({{"expr", "nodes.count.output.n > 10"}}),
              ElementsAre(Pair("/expr", HasSubstr("written as one whole template"))));
  EXPECT_THAT(problems_with({{"expr", "n is {{ params.n }}"}}), ElementsAre(Pair("/expr", HasSubstr("it is string"))));
}

TEST_F(ConditionNodeTest, RequiresExprAndNothingElse) {
  EXPECT_THAT(problems_with(json::object()), ElementsAre(Pair("/expr", HasSubstr("is required"))));
  EXPECT_THAT(problems_with({{"expr", true}, {"value", true}}),
              ElementsAre(Pair("/value", "is not a param of condition nodes (they take expr)")));
}

TEST_F(ConditionNodeTest, PlanGivesTheRenderedBooleanAsValue) {
  for (const bool value : {true, false}) {
    const Plan planned = plan({{"expr", value}});
    ASSERT_EQ(planned.kind, WEFT_PLAN_OUTPUT) << planned.error;
    EXPECT_EQ(planned.output, json({{"value", value}}));
  }
}

TEST_F(ConditionNodeTest, PlanFailsWhenTheTemplateRenderedToNoBoolean) {
  const Plan planned = plan({{"expr", json::array({1, 2})}});
  ASSERT_EQ(planned.kind, WEFT_PLAN_FAILED);
  EXPECT_THAT(planned.error, HasSubstr("/expr must be a boolean"));
  EXPECT_THAT(planned.error, HasSubstr("it rendered to array [1,2]"));
}

}  // namespace
