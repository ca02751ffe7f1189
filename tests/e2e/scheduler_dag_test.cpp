// The scheduler runs graphs of every shape, and outputs flow along their edges
// through templates: real weftd, real `sh` tasks, real HTTP.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

using nlohmann::json;

TEST(SchedulerDag, ADiamondJoinsTheOutputsOfBothParents) {
  WeftdProcess weftd;
  const auto document = workflow(
      "diamond",
      {sh("top", "echo '{\"x\": 2}' > \"$WEFT_OUTPUT\""),
       sh("left", "echo $(($1 * 10)) > \"$WEFT_OUTPUT\"", {"{{ nodes.top.output.x }}"}).after({"top"}),
       sh("right", "echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes.top.output.x }}"}).after({"top"}),
       sh("bottom", kOutputFirstArg, {"{\"left\": {{ nodes.left.output }}, \"right\": {{ nodes.right.output }}}"})
           .after({"left", "right"})});
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["bottom"], json({{"left", 20}, {"right", 3}}));
}

TEST(SchedulerDag, AWideFanOutGivesItsOutputsInIndexOrder) {
  WeftdProcess weftd;
  json items = json::array();
  for (int i = 0; i < 200; ++i) items.push_back(i * 3);
  const auto document =
      workflow("wide",
               {sh("each", "echo \"{\\\"item\\\": $1, \\\"index\\\": $WEFT_INDEX}\" > \"$WEFT_OUTPUT\"", {"{{ item }}"})
                    .for_each("{{ params.items }}")},
               {{"params", {{"items", json::array()}}}});
  const auto run = weftd.wait_run(weftd.start_adhoc(document, {{"items", items}}));
  EXPECT_EQ(run["status"], "succeeded");
  json expected = json::array();
  for (int i = 0; i < 200; ++i) expected.push_back({{"item", i * 3}, {"index", i}});
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["each"], expected);
}

TEST(SchedulerDag, AChainOfThirtyNodesRunsInOrderPassingItsOutputAlong) {
  WeftdProcess weftd;
  std::vector<Node> nodes = {sh("n0", "echo 0 > \"$WEFT_OUTPUT\"")};
  for (int i = 1; i < 30; ++i) {
    const std::string previous = "n" + std::to_string(i - 1);
    nodes.push_back(
        sh("n" + std::to_string(i), "echo $(($1 + 1)) > \"$WEFT_OUTPUT\"", {"{{ nodes." + previous + ".output }}"})
            .after({previous}));
  }
  const auto run = weftd.wait_run(weftd.start_adhoc(workflow("chain", nodes)));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["n29"], 29);
}

TEST(SchedulerDag, AForEachOverAnEmptyArraySucceedsWithNoTasksAndItsDependentsRun) {
  WeftdProcess weftd;
  const auto document =
      workflow("empty-fan",
               {sh("each", "echo 1 > \"$WEFT_OUTPUT\"").for_each("{{ params.items }}"),
                sh("after", kOutputFirstArg, {"{\"seen\": {{ nodes.each.outputs }}}"}).after({"each"})},
               {{"params", {{"items", json::array()}}}});
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  const auto tasks = weftd.tasks(run["id"]);
  EXPECT_EQ(tasks.at("each")["status"], "succeeded");
  EXPECT_EQ(tasks.count("each[0]"), 0u);
  const auto results = weftd.results(run["id"]);
  EXPECT_EQ(results["outputs"]["each"], json::array());
  EXPECT_EQ(results["outputs"]["after"], json({{"seen", json::array()}}));
}

TEST(SchedulerDag, ANodeAfterAForEachNodeSeesItsOutputsAsAnArray) {
  WeftdProcess weftd;
  const auto document =
      workflow("gather",
               {sh("square", "echo $(($1 * $1)) > \"$WEFT_OUTPUT\"", {"{{ item }}"}).for_each("{{ params.items }}"),
                sh("sum", kOutputFirstArg, {"{\"squares\": {{ nodes.square.outputs }}}"}).after({"square"})},
               {{"params", {{"items", {1, 2, 3, 4}}}}});
  const auto run = weftd.wait_run(weftd.start_adhoc(document));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(weftd.results(run["id"])["outputs"]["sum"], json({{"squares", {1, 4, 9, 16}}}));
}

}  // namespace
}  // namespace weft::test
