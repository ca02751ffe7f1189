// Storing workflows: versions, listing, reading old versions, deleting.
#include "api_test_helpers.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

using nlohmann::json;

class Workflows : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  const std::string name = test_workflow_name();
  const json first = shell_workflow(name, "echo first");
  const json second = shell_workflow(name, "echo second");

  HttpResponse post(const json& document) const { return client.post("/api/v1/workflows", document); }
  json get(const std::string& query = "") const {
    const auto response = client.get("/api/v1/workflows/" + name + query);
    EXPECT_EQ(response.status, 200) << response.body;
    return response.json();
  }
  // The entries of the list with this test's name.
  json listed() const {
    json mine = json::array();
    const auto list = client.get("/api/v1/workflows").json();
    for (const auto& item : list.at("items")) {
      if (item.at("name") == name) mine.push_back(item);
    }
    return mine;
  }
};

TEST_F(Workflows, ANewWorkflowIsStoredAsVersion1) {
  const auto response = post(first);
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.json(), json({{"name", name}, {"version", 1}, {"warnings", json::array()}}));
  EXPECT_EQ(get()["document"], first);
}

TEST_F(Workflows, TheIdenticalDocumentKeepsItsVersion) {
  ASSERT_EQ(post(first).status, 201);
  const auto again = post(first);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json(), json({{"name", name}, {"version", 1}, {"warnings", json::array()}}));
  EXPECT_EQ(listed().size(), 1u);
}

TEST_F(Workflows, AChangedDocumentIsANewVersionAndTheOldOneStaysReadable) {
  ASSERT_EQ(post(first).status, 201);
  const auto changed = post(second);
  ASSERT_EQ(changed.status, 201) << changed.body;
  EXPECT_EQ(changed.json()["version"], 2);
  EXPECT_EQ(get()["version"], 2);
  EXPECT_EQ(get()["document"], second);
  EXPECT_EQ(get("?version=1")["document"], first);
  EXPECT_EQ(get("?version=1")["version"], 1);
  EXPECT_TRUE(is_api_error(client.get("/api/v1/workflows/" + name + "?version=3"), 404, "not_found"));
}

TEST_F(Workflows, TheListShowsTheLatestVersionOfEachWorkflowOnce) {
  ASSERT_EQ(post(first).status, 201);
  ASSERT_EQ(post(second).status, 201);
  const auto mine = listed();
  ASSERT_EQ(mine.size(), 1u) << mine.dump();
  EXPECT_EQ(mine[0]["version"], 2);
}

TEST_F(Workflows, PutStoresTheDocumentUnderTheNameInThePath) {
  const auto response = client.put("/api/v1/workflows/" + name, first);
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(get()["document"], first);
}

TEST_F(Workflows, PutWithADifferentNameInTheDocumentIsRejected) {
  const auto response = client.put("/api/v1/workflows/" + name, shell_workflow(name + "-other", "true"));
  EXPECT_TRUE(is_api_error(response, 400, "invalid_request", "/name"));
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
  EXPECT_EQ(client.get("/api/v1/workflows/" + name + "-other").status, 404);
}

TEST_F(Workflows, ADeletedWorkflowIsGoneButItsRunsStayReadable) {
  weftd.apply(first);
  const auto run_id = weftd.start_run(name);
  weftd.wait_run(run_id);
  ASSERT_EQ(client.del("/api/v1/workflows/" + name).status, 200);

  EXPECT_TRUE(is_api_error(client.get("/api/v1/workflows/" + name), 404, "not_found"));
  EXPECT_TRUE(listed().empty());
  const auto run = client.get("/api/v1/runs/" + run_id);
  ASSERT_EQ(run.status, 200) << run.body;
  EXPECT_EQ(run.json()["status"], "succeeded");
  EXPECT_EQ(client.get("/api/v1/runs/" + run_id + "/tasks/main/logs").body, "first\n");
}

TEST_F(Workflows, DeletingAnUnknownWorkflowIsNotFound) {
  EXPECT_TRUE(is_api_error(client.del("/api/v1/workflows/" + name), 404, "not_found"));
}

}  // namespace
}  // namespace weft::test
