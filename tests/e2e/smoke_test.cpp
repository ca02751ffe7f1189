// The example workflow through a real weftd: the first thing a user does.
#include "weftd_process.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

TEST(Smoke, TheFanoutExampleSucceedsWithItsOutputs) {
  WeftdProcess weftd;
  weftd.apply(example_workflow("fanout"));
  const auto run = weftd.wait_run(weftd.start_run("fanout"));
  EXPECT_EQ(run["status"], "succeeded");
  const auto results = weftd.results(run["id"]);
  EXPECT_EQ(results["outputs"]["shout"], nlohmann::json({"WARP", "WEFT", "SHUTTLE", "LOOM"}));
  EXPECT_EQ(results["outputs"]["done"], "all words shouted");
}

}  // namespace
}  // namespace weft::test
