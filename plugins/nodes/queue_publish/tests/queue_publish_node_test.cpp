// The queue_publish node type, loaded from its built plugin file and driven
// through the C vtable as weftd drives it, with the SDK's FakeHost as the
// host that keeps the queues.
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

class QueuePublishNodeTest : public ::testing::Test {
 protected:
  FakeHost host_;
  LoadedPlugin plugin_{WEFT_PLUGIN_FILE};
  NodeUnderTest node_{plugin_, "queue_publish", host_};
};

TEST_F(QueuePublishNodeTest, ValidationNamesTheFieldAndAcceptsATemplatedQueue) {
  EXPECT_THAT(node_.problems_with({{"queue", "{{ params.queue }}"}, {"message", "{{ nodes.a.output }}"}}), IsEmpty());
  EXPECT_THAT(node_.problems_with({{"queue", "a/b"}, {"message", 1}}),
              ElementsAre(Pair("/queue", HasSubstr("[A-Za-z0-9._-]{1,128}"))));
  EXPECT_THAT(node_.problems_with({{"message", 1}}), ElementsAre(Pair("/queue", HasSubstr("is required"))));
}

TEST_F(QueuePublishNodeTest, PlanEnqueuesTheMessageKeyedByTheTaskAndOutputsItsId) {
  const Plan planned = node_.plan_for({{"queue", "files"}, {"message", {{"file", "/data/a.csv"}}}}, "");
  ASSERT_EQ(planned.kind, WEFT_PLAN_OUTPUT) << planned.error;
  const auto enqueued = host_.enqueued();
  ASSERT_EQ(enqueued.size(), 1u);
  EXPECT_EQ(enqueued[0].queue, "files");
  EXPECT_EQ(json::parse(enqueued[0].body_json), (json{{"file", "/data/a.csv"}}));
  EXPECT_EQ(planned.output, (json{{"queue", "files"}, {"id", enqueued[0].id}}));
}

TEST_F(QueuePublishNodeTest, PlanningTheSameTaskAgainEnqueuesNothingTwice) {
  const json params{{"queue", "files"}, {"message", 1}};
  ASSERT_EQ(node_.plan_for(params, "").kind, WEFT_PLAN_OUTPUT);
  ASSERT_EQ(node_.plan_for(params, "").kind, WEFT_PLAN_OUTPUT);
  EXPECT_EQ(host_.enqueued().size(), 1u) << "a re-planned task keys its message as before";
}

TEST_F(QueuePublishNodeTest, AQueueNameRenderedBadFailsTheTaskSayingWhy) {
  const Plan planned = node_.plan_for({{"queue", "not a name"}, {"message", 1}}, "");
  EXPECT_EQ(planned.kind, WEFT_PLAN_FAILED);
  EXPECT_THAT(planned.error, HasSubstr("queue"));
  EXPECT_TRUE(host_.enqueued().empty());
}

}  // namespace
