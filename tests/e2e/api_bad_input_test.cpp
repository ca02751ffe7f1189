// Bad input to the API: each kind is answered with the right status and the
// error body of docs/api.md pointing at the problem, and leaves nothing behind.
#include "api_test_helpers.hpp"

#include <gtest/gtest.h>

namespace weft::test {
namespace {

using nlohmann::json;

class BadInput : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  const std::string name = test_workflow_name();

  HttpResponse post_workflow_text(const std::string& text) const {
    return client.send("POST", "/api/v1/workflows", text);
  }
  HttpResponse post_workflow(const json& document) const { return client.post("/api/v1/workflows", document); }

  // Neither the workflow nor any version of it is there, nor in the list.
  void expect_not_stored() const {
    EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
    EXPECT_EQ(client.get("/api/v1/workflows/" + name + "?version=1").status, 404);
    const auto list = client.get("/api/v1/workflows").json();
    for (const auto& item : list.at("items")) EXPECT_NE(item.at("name"), name);
  }

  json node(const std::string& id, const json& depends_on = json::array()) const {
    return {{"id", id}, {"type", "noop"}, {"depends_on", depends_on}};
  }
};

TEST_F(BadInput, MalformedJsonIsRejectedSayingWhereItBreaks) {
  const auto response = post_workflow_text(R"({"name": ")" + name + R"(", "nodes": [)");
  EXPECT_TRUE(is_api_error(response, 400, "invalid_request", ""));
  EXPECT_NE(response.json()["error"]["message"].get<std::string>().find("line 1, column"), std::string::npos)
      << response.body;
  expect_not_stored();
}

TEST_F(BadInput, ABodyThatIsNotAnObjectIsRejected) {
  EXPECT_TRUE(is_api_error(post_workflow(json::array({name})), 400, "invalid_request", ""));
  EXPECT_TRUE(is_api_error(post_workflow("just a string"), 400, "invalid_request", ""));
  expect_not_stored();
}

TEST_F(BadInput, ACycleIsRejectedNamingEveryNodeInIt) {
  const json document = {{"name", name},
                         {"nodes", {node("fetch", {"store"}), node("parse", {"fetch"}), node("store", {"parse"})}}};
  const auto response = post_workflow(document);
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/depends_on/0"));
  const auto message = detail_message(response, "/nodes/0/depends_on/0");
  for (const char* part : {"cycle", "fetch", "parse", "store"}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " is not in: " << message;
  }
  expect_not_stored();
}

TEST_F(BadInput, AnUnknownDependencyIsRejectedAtItsPointer) {
  const auto response = post_workflow({{"name", name}, {"nodes", {node("list"), node("sum", {"lst"})}}});
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/1/depends_on/0"));
  EXPECT_NE(detail_message(response, "/nodes/1/depends_on/0").find("'lst'"), std::string::npos) << response.body;
  expect_not_stored();
}

TEST_F(BadInput, AnUnknownNodeTypeIsRejected) {
  const auto response = post_workflow({{"name", name}, {"nodes", {{{"id", "beam"}, {"type", "teleport"}}}}});
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/type"));
  EXPECT_NE(detail_message(response, "/nodes/0/type").find("teleport"), std::string::npos) << response.body;
  expect_not_stored();
}

TEST_F(BadInput, ATemplateReadingANodeThatIsNotUpstreamIsRejected) {
  const json reader = {
      {"id", "report"}, {"type", "command"}, {"params", {{"argv", {"echo", "{{ nodes.count.output }}"}}}}};
  const auto response = post_workflow({{"name", name}, {"nodes", {node("count"), reader}}});
  ASSERT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/1/params/argv/1"));
  EXPECT_NE(detail_message(response, "/nodes/1/params/argv/1").find("nodes.count.output"), std::string::npos)
      << response.body;
  expect_not_stored();
}

TEST_F(BadInput, UnknownTopLevelKeysAreRejected) {
  const auto response = post_workflow({{"name", name}, {"nodes", {node("a")}}, {"shedule", {{"cron", "* * * * *"}}}});
  EXPECT_TRUE(is_api_error(response, 400, "invalid_workflow", "/shedule"));
  expect_not_stored();
}

TEST_F(BadInput, EveryProblemOfADocumentIsListed) {
  const auto response = post_workflow(
      {{"name", name}, {"colour", "red"}, {"nodes", {node("a", {"ghost"}), {{"id", "b"}, {"type", "x"}}}}});
  EXPECT_TRUE(is_api_error(response, 400, "invalid_workflow", "/colour"));
  EXPECT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/depends_on/0"));
  EXPECT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/1/type"));
  expect_not_stored();
}

TEST_F(BadInput, ABodyOverTheConfiguredLimitIsRejectedWith413) {
  const json document = {{"name", name}, {"description", std::string(kSharedBodyLimit, 'x')}, {"nodes", {node("a")}}};
  EXPECT_TRUE(is_api_error(post_workflow(document), 413, "payload_too_large"));
  expect_not_stored();
}

TEST_F(BadInput, ValidatingReportsTheProblemsAndStoresNothing) {
  const auto response =
      client.post("/api/v1/workflows/validate", {{"name", name}, {"nodes", {node("a"), node("b", {"lst"})}}});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.json()["valid"], false);
  EXPECT_EQ(response.json()["errors"][0]["path"], "/nodes/1/depends_on/0") << response.body;
  expect_not_stored();
}

class BadRunRequest : public BadInput {
 protected:
  void SetUp() override { weftd.apply(shell_workflow(name, "true", {{"date", "2026-01-01"}})); }

  HttpResponse start(const std::string& body) const {
    return client.send("POST", "/api/v1/workflows/" + name + "/runs", body);
  }
};

TEST_F(BadRunRequest, UnknownParamsAreRejectedAndNoRunIsCreated) {
  const size_t runs_before = run_count(client);
  const auto response = start(R"({"params": {"date": "2026-02-02", "dat": "2026-02-02"}})");
  ASSERT_TRUE(is_api_error(response, 400, "invalid_request", "/params/dat"));
  EXPECT_NE(detail_message(response, "/params/dat").find("date"), std::string::npos)
      << "the message should list the declared params: " << response.body;
  EXPECT_EQ(run_count(client), runs_before);
}

TEST_F(BadRunRequest, ParamsOfTheWrongTypeAreRejectedAndNoRunIsCreated) {
  const size_t runs_before = run_count(client);
  EXPECT_TRUE(is_api_error(start(R"({"params": ["date=2026-02-02"]})"), 400, "invalid_request", "/params"));
  EXPECT_TRUE(is_api_error(start(R"({"start": "yes"})"), 400, "invalid_request", "/start"));
  EXPECT_EQ(run_count(client), runs_before);
}

TEST_F(BadRunRequest, UnknownFieldsOfARunRequestAreRejectedAndNoRunIsCreated) {
  const size_t runs_before = run_count(client);
  EXPECT_TRUE(is_api_error(start(R"({"parms": {"date": "2026-02-02"}})"), 400, "invalid_request", "/parms"));
  EXPECT_EQ(run_count(client), runs_before);
}

TEST_F(BadRunRequest, MalformedJsonCreatesNoRun) {
  const size_t runs_before = run_count(client);
  EXPECT_TRUE(is_api_error(start(R"({"params": )"), 400, "invalid_request"));
  EXPECT_EQ(run_count(client), runs_before);
}

TEST_F(BadRunRequest, AnInvalidAdHocDocumentCreatesNoRun) {
  const size_t runs_before = run_count(client);
  const json cyclic = {{"name", name + "-adhoc"}, {"nodes", {node("a", {"b"}), node("b", {"a"})}}};
  const auto response = client.post("/api/v1/runs", {{"workflow", cyclic}});
  EXPECT_TRUE(is_api_error(response, 400, "invalid_workflow", "/nodes/0/depends_on/0"));
  EXPECT_EQ(run_count(client), runs_before);
}

TEST_F(BadRunRequest, AnUnknownWorkflowIsNotFound) {
  const size_t runs_before = run_count(client);
  EXPECT_TRUE(is_api_error(client.post("/api/v1/workflows/" + name + "-nope/runs", json::object()), 404, "not_found"));
  EXPECT_EQ(run_count(client), runs_before);
}

// A program that does not exist is only found out when the task starts: the
// request is fine, the task fails and says why.
TEST_F(BadInput, AMissingProgramFailsTheTaskRatherThanTheRequest) {
  const std::string program = "/nonexistent/weft-test-no-such-program";
  json document = shell_workflow(name, "");
  document["nodes"][0]["params"]["argv"] = {program, "--help"};
  weftd.apply(document);
  const auto run = weftd.wait_run(weftd.start_run(name));
  EXPECT_EQ(run["status"], "failed");
  const auto task = weftd.tasks(run["id"]).at("main");
  EXPECT_EQ(task["status"], "failed");
  ASSERT_TRUE(task["error"].is_string()) << task.dump();
  EXPECT_NE(task["error"].get<std::string>().find(program), std::string::npos) << task.dump();
}

}  // namespace
}  // namespace weft::test
