// Development mode through a real weftd over HTTP and the CLI: one node in
// the middle of a diamond runs again, alone, on the outputs its upstream
// stored in the original run, with its params overridden, and the original
// run's results stay as they were.
#include "api_test_helpers.hpp"
#include "child_process.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class DevMode : public ::testing::Test {
 protected:
  // top -> (left, right) -> bottom; left outputs top's output plus $ADD.
  json diamond() const {
    const std::string record = record_run_in(ran_);
    const std::string left_script = record + "; echo $(($1 + ADD)) > \"$WEFT_OUTPUT\"";
    return workflow(
        test_workflow_name(),
        {sh("top", record + "; echo 7 > \"$WEFT_OUTPUT\""),
         Node("left", "command",
              {{"argv", {"sh", "-c", left_script, "sh", "{{ nodes.top.output }}"}}, {"env", {{"ADD", "1"}}}})
             .after({"top"}),
         sh("right", record + "; echo 2 > \"$WEFT_OUTPUT\"").after({"top"}),
         sh("bottom", record + "; echo $(($1 * $2)) > \"$WEFT_OUTPUT\"",
            {"{{ nodes.left.output }}", "{{ nodes.right.output }}"})
             .after({"left", "right"})});
  }
  // A run of the diamond, finished: top 7, left 8, right 2, bottom 16.
  std::string finished_diamond() const {
    weftd.apply(diamond());
    std::string run_id = weftd.start_run(test_workflow_name());
    EXPECT_EQ(weftd.wait_run(run_id)["status"], "succeeded") << weftd.log();
    return run_id;
  }
  HttpResponse execute(const std::string& run_id, const std::string& node, const json& body,
                       const std::string& query = "?wait=1") const {
    return client.post("/api/v1/runs/" + run_id + "/nodes/" + node + "/execute" + query, body);
  }

  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  TempDir dir_;
  std::filesystem::path ran_ = dir_.path() / "ran";
};

TEST_F(DevMode, OneNodeOfADiamondRunsAloneOnItsStoredUpstreamWithItsParamsOverridden) {
  const std::string original = finished_diamond();
  const auto results_before = weftd.results(original);
  ASSERT_EQ(results_before["outputs"]["left"], 8);

  const auto answer = execute(original, "left", {{"params", {{"env", {{"ADD", "100"}}}}}});
  ASSERT_EQ(answer.status, 200) << answer.body;
  const auto body = answer.json();
  EXPECT_EQ(body["status"], "succeeded");
  EXPECT_EQ(body["node"], "left");
  EXPECT_EQ(body["output"], 107) << "top's stored output, 7, plus the overridden ADD";
  EXPECT_EQ(body["error"], nullptr);

  EXPECT_EQ(count_lines(ran_, "top"), 1);
  EXPECT_EQ(count_lines(ran_, "left"), 2);
  EXPECT_EQ(count_lines(ran_, "right"), 1);
  EXPECT_EQ(count_lines(ran_, "bottom"), 1);
  EXPECT_EQ(weftd.results(original), results_before);

  const std::string dev_run = body["id"];
  const auto shown = client.get("/api/v1/runs/" + dev_run).json();
  EXPECT_EQ(shown["parent"], json({{"run_id", original}, {"node", "left"}, {"index", nullptr}}));
  const auto tasks = weftd.tasks(dev_run);
  EXPECT_EQ(tasks.size(), 2u) << "the node and its upstream only";
  EXPECT_EQ(tasks.at("top")["status"], "succeeded");
  EXPECT_EQ(tasks.at("left")["status"], "succeeded");
  EXPECT_EQ(weftd.results(dev_run)["outputs"]["top"], 7);
}

TEST_F(DevMode, WithoutWaitTheAnswerIsAHandleToFollow) {
  const std::string original = finished_diamond();
  const auto answer = execute(original, "bottom", json::object(), "");
  ASSERT_EQ(answer.status, 202) << answer.body;
  const std::string dev_run = answer.json()["id"];
  ASSERT_EQ(weftd.wait_run(dev_run)["status"], "succeeded");
  EXPECT_EQ(weftd.results(dev_run)["outputs"]["bottom"], 16);
  EXPECT_EQ(count_lines(ran_, "bottom"), 2);
  EXPECT_EQ(count_lines(ran_, "left"), 1);
}

TEST_F(DevMode, UnknownRunsAndNodesAre404AndBadOverridesA400NamingTheParam) {
  const std::string original = finished_diamond();
  EXPECT_TRUE(is_api_error(execute(original, "nowhere", json::object()), 404, "not_found"));
  EXPECT_TRUE(is_api_error(execute("0mk3x1a2b00q7z", "left", json::object()), 404, "not_found"));
  const auto bad = execute(original, "left", {{"params", {{"env", "ADD=1"}}}});
  ASSERT_TRUE(is_api_error(bad, 400, "invalid_workflow")) << bad.body;
  EXPECT_THAT(bad.body, HasSubstr("params/env"));
  EXPECT_TRUE(is_api_error(execute(original, "left", {{"params", 3}}), 400, "invalid_request"));
}

TEST_F(DevMode, TheCliRunsTheNodeAndPrintsItsOutput) {
  const std::string original = finished_diamond();
  const auto result = run_weft(weftd, {"dev", original, "left", "-p", R"(env={"ADD": "5"})", "--wait"});
  ASSERT_EQ(result.exit_code, 0) << result.output();
  EXPECT_EQ(result.out, "12\n");
}

}  // namespace
}  // namespace weft::test
