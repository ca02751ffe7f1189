// Runs through the API: listing and paging, one run's counts, tasks, results
// and logs, following a log, ad-hoc runs, and what is not there.
#include "api_test_helpers.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <future>
#include <thread>

namespace weft::test {
namespace {

using nlohmann::json;

class Runs : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  const std::string name = test_workflow_name();

  // A run of `workflow` left in `created`.
  std::string create_run(const std::string& workflow) const {
    const auto response = client.post("/api/v1/workflows/" + workflow + "/runs", {{"start", false}});
    EXPECT_EQ(response.status, 201) << response.body;
    return response.json().value("id", "");
  }

  std::vector<std::string> listed_ids(const std::string& query) const {
    const auto response = client.get("/api/v1/runs" + query);
    EXPECT_EQ(response.status, 200) << response.body;
    std::vector<std::string> ids;
    const auto page = response.json();
    for (const auto& run : page.at("items")) ids.push_back(run.at("id"));
    return ids;
  }

  HttpResponse logs(const std::string& run_id, const std::string& task, const std::string& query = "") const {
    return client.get("/api/v1/runs/" + run_id + "/tasks/" + task + "/logs" + query);
  }
};

// "items" makes [1, 2, 3]; "each" doubles one of them per task. A for_each
// node also has a task row of its own (docs/api.md): 5 tasks in all.
json fan_out_workflow(const std::string& name) {
  return {{"name", name},
          {"nodes",
           {{{"id", "items"}, {"type", "noop"}, {"params", {{"output", {1, 2, 3}}}}},
            {{"id", "each"},
             {"type", "command"},
             {"depends_on", {"items"}},
             {"for_each", "{{ nodes.items.output }}"},
             {"params", {{"argv", {"sh", "-c", "echo $(($1 * 2)) > \"$WEFT_OUTPUT\"", "each", "{{ item }}"}}}}}}}};
}

TEST_F(Runs, AreListedNewestFirstInPagesFollowingTheCursor) {
  weftd.apply(shell_workflow(name, "true"));
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) created.push_back(create_run(name));

  std::vector<std::string> listed;
  std::string query = "?workflow=" + name + "&limit=2";
  int pages = 0;
  for (json cursor = nullptr;; ++pages) {
    const auto page =
        client.get("/api/v1/runs" + query + (cursor.is_null() ? "" : "&cursor=" + cursor.get<std::string>()));
    ASSERT_EQ(page.status, 200) << page.body;
    const auto body = page.json();
    for (const auto& run : body.at("items")) listed.push_back(run.at("id"));
    cursor = body.at("next_cursor");
    if (cursor.is_null() || pages > 5) break;
  }
  EXPECT_EQ(pages + 1, 3);
  std::reverse(created.begin(), created.end());
  EXPECT_EQ(listed, created);
}

TEST_F(Runs, AreFilteredByWorkflowAndStatus) {
  auto document = shell_workflow(name, "exit \"$0\"", {{"code", 0}});
  document["nodes"][0]["params"]["argv"].push_back("{{ params.code }}");
  weftd.apply(document);
  weftd.apply(shell_workflow(name + "-other", "true"));
  const auto succeeded = weftd.start_run(name, {{"code", 0}});
  const auto failed = weftd.start_run(name, {{"code", 3}});
  const auto created = create_run(name);
  const auto other = create_run(name + "-other");
  EXPECT_EQ(weftd.wait_run(succeeded)["status"], "succeeded");
  EXPECT_EQ(weftd.wait_run(failed)["status"], "failed");

  EXPECT_EQ(listed_ids("?workflow=" + name), std::vector<std::string>({created, failed, succeeded}));
  EXPECT_EQ(listed_ids("?workflow=" + name + "&status=failed"), std::vector<std::string>({failed}));
  EXPECT_EQ(listed_ids("?workflow=" + name + "&status=created"), std::vector<std::string>({created}));
  EXPECT_EQ(listed_ids("?workflow=" + name + "-other"), std::vector<std::string>({other}));
  EXPECT_TRUE(is_api_error(client.get("/api/v1/runs?status=finished"), 400, "invalid_request"));
  EXPECT_TRUE(is_api_error(client.get("/api/v1/runs?limit=0"), 400, "invalid_request"));
}

TEST_F(Runs, ARunShowsItsParamsTimesAndTaskCounts) {
  weftd.apply(fan_out_workflow(name));
  const auto run = weftd.wait_run(weftd.start_run(name));
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(run["workflow"], name);
  EXPECT_EQ(run["version"], 1);
  EXPECT_EQ(run["params"], json::object());
  EXPECT_EQ(run["tasks"], json({{"succeeded", 5}}));
  for (const char* time : {"created_at", "started_at", "finished_at"}) {
    ASSERT_TRUE(run[time].is_string()) << run.dump();
    EXPECT_TRUE(run[time].get<std::string>().ends_with("Z")) << run.dump();
  }
}

TEST_F(Runs, TasksAndResultsOfAFanOut) {
  weftd.apply(fan_out_workflow(name));
  const auto run_id = weftd.start_run(name);
  weftd.wait_run(run_id);

  const auto tasks = weftd.tasks(run_id);
  ASSERT_EQ(tasks.size(), 5u);
  EXPECT_EQ(tasks.at("items")["index"], nullptr);
  EXPECT_EQ(tasks.at("each")["index"], nullptr);
  EXPECT_EQ(tasks.at("each")["status"], "succeeded");
  const auto& second = tasks.at("each[1]");
  EXPECT_EQ(second["node"], "each");
  EXPECT_EQ(second["index"], 1);
  EXPECT_EQ(second["status"], "succeeded");
  EXPECT_EQ(second["attempt"], 1);
  EXPECT_EQ(second["exit_code"], 0);
  EXPECT_EQ(second["executor"], "process");
  EXPECT_EQ(second["error"], nullptr);

  EXPECT_EQ(weftd.results(run_id),
            json({{"status", "succeeded"}, {"outputs", {{"items", {1, 2, 3}}, {"each", {2, 4, 6}}}}}));
}

TEST_F(Runs, ATasksStandardOutputAndErrorAreItsLogs) {
  weftd.apply(shell_workflow(name, "echo to-stdout; echo to-stderr >&2"));
  const auto run_id = weftd.start_run(name);
  weftd.wait_run(run_id);

  const auto out = logs(run_id, "main");
  ASSERT_EQ(out.status, 200) << out.body;
  EXPECT_EQ(out.content_type.substr(0, 10), "text/plain");
  EXPECT_EQ(out.body, "to-stdout\n");
  EXPECT_EQ(logs(run_id, "main", "?stream=stdout").body, "to-stdout\n");
  EXPECT_EQ(logs(run_id, "main", "?stream=stderr").body, "to-stderr\n");
  EXPECT_TRUE(is_api_error(logs(run_id, "main", "?stream=both"), 400, "invalid_request"));
}

// The follow request starts while the task is between its two lines (the
// second waits for a file made once the request is under way); it can only
// have the second line by following.
TEST_F(Runs, FollowingALogStreamsUntilTheTaskEnds) {
  const TempDir dir;
  const auto gate = dir.path() / "second";
  weftd.apply(shell_workflow(name, "echo first; " + wait_for_file(gate) + "; echo second"));
  const auto run_id = weftd.start_run(name);
  ASSERT_TRUE(eventually([&] { return logs(run_id, "main").body == "first\n"; }));

  auto opener = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    std::ofstream(gate).put('\n');
  });
  const auto followed = logs(run_id, "main", "?follow=1");
  opener.get();
  ASSERT_EQ(followed.status, 200) << followed.body;
  EXPECT_EQ(followed.body, "first\nsecond\n");
  EXPECT_EQ(weftd.wait_run(run_id)["status"], "succeeded");
}

TEST_F(Runs, AnAdHocRunRunsTheDocumentWithoutStoringIt) {
  auto document = shell_workflow(name, "echo \"\\\"$0\\\"\" > \"$WEFT_OUTPUT\"", {{"word", "loom"}});
  document["nodes"][0]["params"]["argv"].push_back("{{ params.word }}");
  const auto created = client.post("/api/v1/runs", {{"workflow", document}, {"params", {{"word", "shuttle"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const auto run_id = created.json().at("id").get<std::string>();

  const auto run = weftd.wait_run(run_id);
  EXPECT_EQ(run["status"], "succeeded");
  EXPECT_EQ(run["params"], json({{"word", "shuttle"}}));
  EXPECT_EQ(weftd.results(run_id)["outputs"]["main"], "shuttle");
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
}

TEST_F(Runs, ACreatedRunStartsWhenAsked) {
  weftd.apply(shell_workflow(name, "true"));
  const auto run_id = create_run(name);
  EXPECT_EQ(client.get("/api/v1/runs/" + run_id).json()["status"], "created");
  EXPECT_EQ(client.post("/api/v1/runs/" + run_id + "/start", json::object()).status, 202);
  EXPECT_EQ(weftd.wait_run(run_id)["status"], "succeeded");
  EXPECT_TRUE(is_api_error(client.post("/api/v1/runs/" + run_id + "/cancel", json::object()), 409, "conflict"));
}

TEST_F(Runs, AnUnknownRunOrTaskIsNotFound) {
  const std::string unknown = "/api/v1/runs/no-such-run";
  for (const char* below : {"", "/tasks", "/results", "/tasks/main/logs"}) {
    EXPECT_TRUE(is_api_error(client.get(unknown + below), 404, "not_found")) << below;
  }
  EXPECT_TRUE(is_api_error(client.post(unknown + "/cancel", json::object()), 404, "not_found"));

  weftd.apply(shell_workflow(name, "true"));
  const auto run_id = weftd.start_run(name);
  weftd.wait_run(run_id);
  EXPECT_TRUE(is_api_error(logs(run_id, "nosuchtask"), 404, "not_found"));
  EXPECT_TRUE(is_api_error(logs(run_id, "main[3]"), 404, "not_found"));
}

}  // namespace
}  // namespace weft::test
