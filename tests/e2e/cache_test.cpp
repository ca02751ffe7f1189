// The node cache through a real weftd: the example workflow run twice over
// overlapping files, the second run converting only what the first did not,
// and saying where each cached output came from.
#include "api_test_helpers.hpp"
#include "child_process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

namespace weft::test {
namespace {

using nlohmann::json;

class NodeCache : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shared_weftd().apply(example_workflow("cache")); }

  // The files each task converted, one line per run of the command, sorted:
  // a for_each's elements run at once, in no set order.
  std::vector<std::string> converted() const {
    std::ifstream in(journal_);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  }
  json run_over(const std::vector<std::string>& files) const {
    auto run = weftd.wait_run(weftd.start_run("cache", {{"files", files}, {"journal", journal_.string()}}));
    EXPECT_EQ(run["status"], "succeeded") << run;
    return run;
  }
  // Files of this test alone: the cache is the workflow's, and other tests share the weftd.
  std::string file(const std::string& name) const { return test_workflow_name() + "/" + name; }

  const WeftdProcess& weftd = shared_weftd();
  TempDir scratch_;
  std::filesystem::path journal_ = scratch_.path() / "converted.log";
};

TEST_F(NodeCache, ASecondRunConvertsOnlyTheNewFileAndTakesTheRestFromTheCache) {
  const auto first = run_over({file("a.tif"), file("b.tif")});
  EXPECT_EQ(converted(), (std::vector<std::string>{file("a.tif"), file("b.tif")}));

  const auto second = run_over({file("b.tif"), file("c.tif")});
  EXPECT_EQ(converted(), (std::vector<std::string>{file("a.tif"), file("b.tif"), file("c.tif")}))
      << "b.tif was converted again although the cache had its output";

  const auto tasks = weftd.tasks(second["id"]);
  const auto& hit = tasks.at("convert[0]");
  EXPECT_EQ(hit["status"], "succeeded");
  EXPECT_EQ(hit["cache_key"], "convert-v1:" + file("b.tif"));
  EXPECT_EQ(hit["cached_from"], json({{"run_id", first["id"]}, {"node", "convert"}, {"index", 1}}));
  EXPECT_EQ(hit["executor"], nullptr);
  const auto& miss = tasks.at("convert[1]");
  EXPECT_EQ(miss["cached_from"], nullptr);
  EXPECT_EQ(miss["executor"], "process");

  const auto outputs = weftd.results(second["id"])["outputs"];
  EXPECT_EQ(outputs["convert"][0], json({{"file", file("b.tif")}, {"converted_by", first["id"]}}))
      << "the cached output is the first run's";
  EXPECT_EQ(outputs["convert"][1], json({{"file", file("c.tif")}, {"converted_by", second["id"]}}));
  EXPECT_EQ(outputs["report"], outputs["convert"]) << "downstream nodes read cached outputs as any other";
}

TEST_F(NodeCache, TheCliShowsWhereACachedOutputCameFrom) {
  const auto first = run_over({file("a.tif")});
  const auto second = run_over({file("a.tif")});
  const auto shown = run_weft(weftd, {"status", second["id"].get<std::string>()});
  EXPECT_EQ(shown.exit_code, 0) << shown.output();
  EXPECT_NE(shown.out.find("cached from " + first["id"].get<std::string>() + " convert[0]"), std::string::npos)
      << shown.out;
}

}  // namespace
}  // namespace weft::test
