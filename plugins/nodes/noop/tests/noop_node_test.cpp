// The noop node type, loaded from its built plugin file and driven through the
// C vtable as weftd drives it.
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
using ::testing::IsEmpty;
using ::testing::Pair;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;

const char* const kPluginFile = WEFT_BUILD_DIR "/lib/weft/plugins/libweft-node-noop.so.1";

class NoopNodeTest : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> problems_with(const json& params) const {
    return node_.problems_with(params);
  }
  json plan(const json& params) { return node_.plan_for(params, ""); }

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
  EXPECT_EQ(plan({{"output", {{"files", {1, 2}}}}}), json({{"output", {{"files", {1, 2}}}}}));
}

TEST_F(NoopNodeTest, PlanSucceedsInlineWithNullWhenNoOutputIsGiven) {
  EXPECT_EQ(plan(json::object()), json({{"output", nullptr}}));
}

}  // namespace
