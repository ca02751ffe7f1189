// The partition node type, loaded from its built plugin file and driven
// through the C vtable as weftd drives it: every strategy and its edges.
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
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::StartsWith;
using weft::sdk::Plan;
using weft::sdk::testing::FakeHost;
using weft::sdk::testing::LoadedPlugin;
using weft::sdk::testing::NodeUnderTest;

class PartitionNodeTest : public ::testing::Test {
 protected:
  std::vector<std::pair<std::string, std::string>> problems_with(const json& params) const {
    return node_.problems_with(params);
  }
  // The output of a plan that must succeed.
  json output_of(const json& params) {
    const Plan planned = node_.plan_for(params, "");
    EXPECT_EQ(planned.kind, WEFT_PLAN_OUTPUT) << planned.error;
    return planned.output;
  }
  // The error of a plan that must fail.
  std::string failure_of(const json& params) {
    const Plan planned = node_.plan_for(params, "");
    EXPECT_EQ(planned.kind, WEFT_PLAN_FAILED) << planned.output;
    return planned.error;
  }
  // {"partitions": [{"items": group}, ...]}
  static json groups(const std::vector<json>& each) {
    json partitions = json::array();
    for (const auto& items : each) partitions.push_back({{"items", items}});
    return {{"partitions", partitions}};
  }

  FakeHost host_;
  LoadedPlugin plugin_{WEFT_PLUGIN_FILE};
  NodeUnderTest node_{plugin_, "partition", host_};
};

// ---- chunk ------------------------------------------------------------------

TEST_F(PartitionNodeTest, ChunkCutsConsecutiveGroupsOfSizeWithASmallerLastOne) {
  EXPECT_EQ(output_of({{"strategy", "chunk"}, {"size", 2}, {"items", {1, 2, 3, 4, 5}}}), groups({{1, 2}, {3, 4}, {5}}));
}

TEST_F(PartitionNodeTest, ChunkLargerThanTheInputGivesOneGroup) {
  EXPECT_EQ(output_of({{"strategy", "chunk"}, {"size", 10}, {"items", {"a", "b"}}}), groups({{"a", "b"}}));
}

// ---- count ------------------------------------------------------------------

TEST_F(PartitionNodeTest, CountSpreadsItemsAsEvenlyAsPossibleKeepingOrder) {
  EXPECT_EQ(output_of({{"strategy", "count"}, {"count", 3}, {"items", {1, 2, 3, 4, 5, 6, 7}}}),
            groups({{1, 2, 3}, {4, 5}, {6, 7}}));
  EXPECT_EQ(output_of({{"strategy", "count"}, {"count", 2}, {"items", {1, 2, 3, 4}}}), groups({{1, 2}, {3, 4}}));
}

TEST_F(PartitionNodeTest, CountLargerThanTheInputGivesOneGroupPerItemAndNoEmptyGroups) {
  EXPECT_EQ(output_of({{"strategy", "count"}, {"count", 5}, {"items", {"a", "b"}}}), groups({{"a"}, {"b"}}));
}

// ---- by_key -----------------------------------------------------------------

TEST_F(PartitionNodeTest, ByKeyGroupsObjectsByTheFieldInOrderOfFirstAppearance) {
  const json a = {{"lang", "fr"}, {"n", 1}};
  const json b = {{"lang", "en"}, {"n", 2}};
  const json c = {{"lang", "fr"}, {"n", 3}};
  const json d = {{"lang", nullptr}, {"n", 4}};
  EXPECT_EQ(output_of({{"strategy", "by_key"}, {"key", "lang"}, {"items", {a, b, c, d}}}),
            json({{"partitions",
                   {{{"key", "fr"}, {"items", {a, c}}},
                    {{"key", "en"}, {"items", json::array({b})}},
                    {{"key", nullptr}, {"items", json::array({d})}}}}}));
}

TEST_F(PartitionNodeTest, ByKeyTellsKeysOfDifferentTypesApart) {
  const json one = {{"k", 1}};
  const json text = {{"k", "1"}};
  const auto out = output_of({{"strategy", "by_key"}, {"key", "k"}, {"items", {one, text, one}}});
  EXPECT_EQ(out["partitions"].size(), 2U) << out;
}

TEST_F(PartitionNodeTest, ByKeyFailsNamingAnItemWithoutTheField) {
  const auto error =
      failure_of({{"strategy", "by_key"}, {"key", "lang"}, {"items", {{{"lang", "fr"}}, {{"language", "en"}}}}});
  EXPECT_THAT(error, HasSubstr("items[1] has no field 'lang'"));
}

TEST_F(PartitionNodeTest, ByKeyFailsNamingAnItemThatIsNoObject) {
  EXPECT_THAT(failure_of({{"strategy", "by_key"}, {"key", "lang"}, {"items", {{{"lang", "fr"}}, "en"}}}),
              HasSubstr("items[1] is string, not an object"));
}

// ---- by_glob ----------------------------------------------------------------

TEST_F(PartitionNodeTest, ByGlobPutsEachPathUnderTheFirstPatternItMatchesAndKeepsTheRestApart) {
  const json paths = {"data/a.csv", "img/b.png", "c.csv", "notes.txt", "img/d.jpg", "img/e.csv"};
  EXPECT_EQ(output_of({{"strategy", "by_glob"}, {"patterns", {"*.csv", "img/*", "*.md"}}, {"items", paths}}),
            json({{"partitions",
                   {{{"pattern", "*.csv"}, {"items", {"data/a.csv", "c.csv", "img/e.csv"}}},
                    {{"pattern", "img/*"}, {"items", {"img/b.png", "img/d.jpg"}}}}},
                  {"unmatched", {"notes.txt"}}}));
}

TEST_F(PartitionNodeTest, ByGlobFailsNamingAnItemThatIsNoPath) {
  EXPECT_THAT(failure_of({{"strategy", "by_glob"}, {"patterns", {"*"}}, {"items", {"a", 7}}}),
              HasSubstr("items[1] is number, not a path string"));
}

// ---- every strategy ---------------------------------------------------------

TEST_F(PartitionNodeTest, EmptyInputGivesNoPartitionsWhateverTheStrategy) {
  const json empty = json::array();
  EXPECT_EQ(output_of({{"strategy", "chunk"}, {"size", 3}, {"items", empty}}), groups({}));
  EXPECT_EQ(output_of({{"strategy", "count"}, {"count", 3}, {"items", empty}}), groups({}));
  EXPECT_EQ(output_of({{"strategy", "by_key"}, {"key", "k"}, {"items", empty}}), groups({}));
  EXPECT_EQ(output_of({{"strategy", "by_glob"}, {"patterns", {"*"}}, {"items", empty}}),
            json({{"partitions", json::array()}, {"unmatched", json::array()}}));
}

TEST_F(PartitionNodeTest, ItemsThatRenderedToNoArrayFailTheTaskSayingWhat) {
  const auto error = failure_of({{"strategy", "chunk"}, {"size", 3}, {"items", {{"files", {1}}}}});
  EXPECT_THAT(error, StartsWith("invalid params after rendering templates"));
  EXPECT_THAT(error, HasSubstr("/items must be an array, not object"));
  EXPECT_THAT(failure_of({{"strategy", "count"}, {"count", "{{ params.n }}"}, {"items", {1}}}),
              HasSubstr("/count must be a positive integer"));
}

// ---- validation ---------------------------------------------------------------

TEST_F(PartitionNodeTest, AcceptsWholeTemplatesWhereTheirValueIsKnownOnlyWhenPlanned) {
  EXPECT_THAT(problems_with({{"strategy", "chunk"}, {"size", "{{ params.size }}"}, {"items", "{{ nodes.l.output }}"}}),
              IsEmpty());
  EXPECT_THAT(problems_with({{"strategy", "by_glob"}, {"patterns", {"*.csv", "{{ params.p }}"}}, {"items", {"a"}}}),
              IsEmpty());
}

TEST_F(PartitionNodeTest, RefusesTextAroundATemplateWhereAnArrayIsNeeded) {
  EXPECT_THAT(problems_with({{"strategy", "chunk"}, {"size", 2}, {"items", "files: {{ nodes.l.output }}"}}),
              ElementsAre(Pair("/items", "must be an array, not string")));
}

TEST_F(PartitionNodeTest, RequiresAKnownStrategyAndItsParam) {
  EXPECT_THAT(problems_with({{"items", {1}}}), ElementsAre(Pair("/strategy", HasSubstr("is required"))));
  EXPECT_THAT(problems_with({{"strategy", "shuffle"}, {"items", {1}}}),
              ElementsAre(Pair("/strategy", HasSubstr("must be chunk, count, by_key or by_glob"))));
  EXPECT_THAT(problems_with({{"strategy", "by_key"}, {"items", {1}}}),
              ElementsAre(Pair("/key", "is required by the by_key strategy")));
  EXPECT_THAT(problems_with({{"strategy", "chunk"}, {"size", 1}}), ElementsAre(Pair("/items", HasSubstr("required"))));
}

TEST_F(PartitionNodeTest, RefusesBadSizesKeysAndPatterns) {
  for (const json& size : {json(0), json(-2), json(1.5), json("3")}) {
    EXPECT_THAT(problems_with({{"strategy", "chunk"}, {"size", size}, {"items", {1}}}),
                ElementsAre(Pair("/size", "must be a positive integer")))
        << size;
  }
  EXPECT_THAT(problems_with({{"strategy", "by_key"}, {"key", ""}, {"items", {1}}}),
              ElementsAre(Pair("/key", HasSubstr("non-empty string"))));
  EXPECT_THAT(problems_with({{"strategy", "by_glob"}, {"patterns", json::array()}, {"items", {1}}}),
              ElementsAre(Pair("/patterns", HasSubstr("non-empty array"))));
  EXPECT_THAT(problems_with({{"strategy", "by_glob"}, {"patterns", {"*", 3}}, {"items", {1}}}),
              ElementsAre(Pair("/patterns/1", "must be a non-empty string")));
}

TEST_F(PartitionNodeTest, RefusesParamsOfAnotherStrategyAndUnknownParams) {
  const auto problems = problems_with({{"strategy", "chunk"}, {"size", 2}, {"count", 3}, {"sizes", 1}, {"items", {1}}});
  EXPECT_THAT(problems, Contains(Pair("/count", "belongs to the count strategy, not chunk")));
  EXPECT_THAT(problems, Contains(Pair("/sizes", HasSubstr("is not a param of partition nodes"))));
}

}  // namespace
