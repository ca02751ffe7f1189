// docs/openapi.json against what a real weftd answers: a set of real
// requests, successes and errors of every endpoint, and the events of a real
// run, are checked against the document's schemas by
// scripts/npm/check-openapi.mjs (Ajv for JSON Schema 2020-12, and an
// OpenAPI 3.1 validator for the document itself), from npm (scripts/npm).
#include "api_test_helpers.hpp"
#include "child_process.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace weft::test {
namespace {

using nlohmann::json;

class OpenApiContract : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  json answers = json::array();
  json events = json::array();

  // Sends the request and keeps its answer, described by the operation's path template.
  HttpResponse call(int expected_status, const std::string& method, const std::string& path_template,
                    const std::string& target, const std::string& body = "", const HttpClient* as = nullptr) {
    auto response = (as != nullptr ? *as : client).send(method, target, body);
    EXPECT_EQ(response.status, expected_status) << method << " " << target << ": " << response.body;
    keep(method, path_template, response);
    return response;
  }

  void keep(const std::string& method, const std::string& path_template, const HttpResponse& response) {
    const bool is_json = response.content_type.starts_with("application/json");
    answers.push_back({{"method", method},
                       {"path", path_template},
                       {"status", response.status},
                       {"content_type", response.content_type},
                       {"body", is_json ? json::parse(response.body, nullptr, false) : json()}});
  }

  ProcessResult check() const {
    const TempDir dir;
    const auto file = dir.path() / "answers.json";
    std::ofstream(file) << json{{"answers", answers}, {"events", events}}.dump();
    return run_program("/usr/bin/env", {"node", (source_dir() / "scripts" / "npm" / "check-openapi.mjs").string(),
                                        (source_dir() / "docs" / "openapi.json").string(), file.string()});
  }
};

TEST_F(OpenApiContract, RealAnswersAndEventsMatchTheDocument) {
  const json scheduled = {{"name", "contract-scheduled"},
                          {"schedule", {{"cron", "0 3 * * *"}}},
                          {"nodes", {{{"id", "main"}, {"type", "noop"}}}}};
  const json workflow = shell_workflow("contract", "echo hello");
  const std::string wf = "/api/v1/workflows/{name}";
  call(200, "GET", "/healthz", "/healthz");
  call(200, "GET", "/readyz", "/readyz");
  call(200, "GET", "/api/v1/plugins", "/api/v1/plugins");
  call(200, "POST", "/api/v1/plugins/reload", "/api/v1/plugins/reload");  // its file unchanged: nothing applied
  call(201, "POST", "/api/v1/workflows", "/api/v1/workflows", workflow.dump());
  call(200, "POST", "/api/v1/workflows", "/api/v1/workflows", workflow.dump());
  call(400, "POST", "/api/v1/workflows", "/api/v1/workflows", R"({"name": "x", "nodes": 3})");
  call(400, "POST", "/api/v1/workflows", "/api/v1/workflows", "[1]");
  call(413, "POST", "/api/v1/workflows", "/api/v1/workflows", std::string(kSharedBodyLimit + 1, ' '));
  call(201, "PUT", wf, "/api/v1/workflows/contract-scheduled", scheduled.dump());
  call(400, "PUT", wf, "/api/v1/workflows/other", workflow.dump());
  call(200, "POST", "/api/v1/workflows/validate", "/api/v1/workflows/validate", R"({"name": "x"})");
  call(200, "GET", "/api/v1/workflows", "/api/v1/workflows");
  call(200, "GET", wf, "/api/v1/workflows/contract");
  call(404, "GET", wf, "/api/v1/workflows/nothing");
  call(400, "GET", wf, "/api/v1/workflows/contract?version=zero");
  const HttpClient anonymous = client.without_token();
  call(401, "GET", wf, "/api/v1/workflows/contract", "", &anonymous);

  const auto created = call(201, "POST", wf + "/runs", "/api/v1/workflows/contract/runs");
  const std::string run_id = created.json().at("id");
  call(404, "POST", wf + "/runs", "/api/v1/workflows/nothing/runs");
  call(400, "POST", wf + "/runs", "/api/v1/workflows/contract/runs", R"({"params": {"nope": 1}})");
  const auto held = call(201, "POST", wf + "/runs", "/api/v1/workflows/contract/runs", R"({"start": false})");
  const std::string held_id = held.json().at("id");
  call(201, "POST", "/api/v1/runs", "/api/v1/runs", json{{"workflow", workflow}}.dump());
  call(400, "POST", "/api/v1/runs", "/api/v1/runs", "{}");
  weftd.wait_run(run_id);

  const std::string run = "/api/v1/runs/{id}";
  call(200, "GET", "/api/v1/runs", "/api/v1/runs?limit=2");
  call(400, "GET", "/api/v1/runs", "/api/v1/runs?status=asleep");
  call(200, "GET", run, "/api/v1/runs/" + run_id);
  call(404, "GET", run, "/api/v1/runs/nothing");
  call(200, "GET", run + "/tasks", "/api/v1/runs/" + run_id + "/tasks");
  call(200, "GET", run + "/results", "/api/v1/runs/" + run_id + "/results");
  call(200, "GET", run + "/tasks/{task}/logs", "/api/v1/runs/" + run_id + "/tasks/main/logs");
  call(400, "GET", run + "/tasks/{task}/logs", "/api/v1/runs/" + run_id + "/tasks/main%5Bx/logs");
  call(202, "POST", run + "/start", "/api/v1/runs/" + held_id + "/start");
  call(409, "POST", run + "/start", "/api/v1/runs/" + run_id + "/start");
  call(409, "POST", run + "/cancel", "/api/v1/runs/" + run_id + "/cancel");
  call(409, "POST", run + "/retry", "/api/v1/runs/" + run_id + "/retry");
  call(404, "POST", run + "/cancel", "/api/v1/runs/nothing/cancel");
  weftd.wait_run(held_id);

  call(200, "GET", "/api/v1/schedules", "/api/v1/schedules");
  call(200, "POST", "/api/v1/schedules/{workflow}/pause", "/api/v1/schedules/contract-scheduled/pause");
  call(200, "POST", "/api/v1/schedules/{workflow}/resume", "/api/v1/schedules/contract-scheduled/resume");
  call(409, "POST", "/api/v1/schedules/{workflow}/pause", "/api/v1/schedules/contract/pause");
  call(404, "POST", "/api/v1/schedules/{workflow}/resume", "/api/v1/schedules/nothing/resume");

  // A consumer whose runs fail, so that a dead letter is there to describe.
  const json failing_consumer = {{"name", "contract-consumer"},
                                 {"trigger", {{"queue", "contract-queue"}}},
                                 {"nodes", {{{"id", "fail"}, {"type", "command"}, {"params", {{"argv", {"false"}}}}}}}};
  call(201, "PUT", wf, "/api/v1/workflows/contract-consumer", failing_consumer.dump());
  const std::string queue = "/api/v1/queues/{name}";
  call(201, "POST", queue + "/messages", "/api/v1/queues/contract-queue/messages", R"({"n": 1})");
  call(400, "POST", queue + "/messages", "/api/v1/queues/contract-queue/messages", "{");
  call(400, "POST", queue + "/messages", "/api/v1/queues/bad%20name/messages", "1");
  ASSERT_TRUE(eventually([&] { return client.get("/api/v1/queues/contract-queue").json().value("dead", 0) == 1; }))
      << weftd.log();
  call(200, "GET", "/api/v1/queues", "/api/v1/queues");
  call(200, "GET", queue, "/api/v1/queues/contract-queue");
  call(404, "GET", queue, "/api/v1/queues/nothing");
  call(200, "GET", queue + "/dead", "/api/v1/queues/contract-queue/dead?limit=1");
  call(404, "GET", queue + "/dead", "/api/v1/queues/nothing/dead");
  call(200, "DELETE", wf, "/api/v1/workflows/contract-consumer");
  call(200, "POST", queue + "/dead/redrive", "/api/v1/queues/contract-queue/dead/redrive", R"({})");
  call(404, "POST", queue + "/dead/redrive", "/api/v1/queues/contract-queue/dead/redrive", R"({"ids": ["nothing"]})");

  const std::string tokens = "/api/v1/tokens";
  const auto issued =
      call(201, "POST", tokens, tokens, R"({"role": "viewer", "expires_in_s": 3600, "workflows": "contract*"})");
  call(400, "POST", tokens, tokens, R"({"role": "root"})");
  call(200, "GET", tokens, tokens);
  call(200, "DELETE", tokens + "/{id}", tokens + "/" + issued.json().at("id").get<std::string>());
  call(404, "DELETE", tokens + "/{id}", tokens + "/nothing");
  call(200, "GET", "/api/v1/audit", "/api/v1/audit?limit=3");
  call(400, "GET", "/api/v1/audit", "/api/v1/audit?limit=0");

  call(200, "GET", "/metrics", "/metrics");
  call(200, "GET", "/api/v1/openapi.json", "/api/v1/openapi.json");
  call(200, "GET", "/api/docs", "/api/docs");
  call(200, "GET", "/api/docs/{file}", "/api/docs/swagger-ui.css");
  call(200, "GET", "/api/docs/{file}", "/api/docs/swagger-ui-bundle.js");
  call(404, "GET", "/api/docs/{file}", "/api/docs/nothing.js");
  call(200, "GET", "/", "/");
  call(404, "GET", "/web/{version}/{file}", "/web/0000000000000000/app.js");
  call(200, "GET", "/api/v1/whoami", "/api/v1/whoami");
  call(401, "GET", "/api/v1/whoami", "/api/v1/whoami", "", &anonymous);
  call(200, "GET", "/api/v1/sign-in", "/api/v1/sign-in", "", &anonymous);
  call(200, "GET", run + "/events", "/api/v1/runs/" + run_id + "/events");
  call(404, "GET", run + "/events", "/api/v1/runs/nothing/events");
  call(200, "DELETE", wf, "/api/v1/workflows/contract-scheduled");
  call(404, "DELETE", wf, "/api/v1/workflows/contract-scheduled");

  const auto keep = [&](const client::ServerEvent& event) {
    events.push_back({{"type", event.type}, {"data", json::parse(event.data)}});
    return event.type != "reset";  // the global stream: its reset is all this test waits for
  };
  client.events("/api/v1/runs/" + run_id + "/events", "", keep);  // the finished run: its task, then itself
  client.events("/api/v1/events", "1.1", keep);                   // an id of another weftd: a reset
  ASSERT_EQ(events.size(), 3U);

  const auto checked = check();
  EXPECT_EQ(checked.exit_code, 0) << checked.output()
                                  << "(this check needs node and the packages of scripts/npm: scripts/install-deps.sh "
                                     "installs them)";
}

// The answers that need a weftd of their own: a reload of a configuration
// file that is not valid, and a token over its request rate.
TEST_F(OpenApiContract, ReloadRefusalAndRequestRateAnswersMatchTheDocument) {
  WeftdOptions options;
  options.config = {{"limits", {{"max_requests_per_token_per_s", 2}}}};
  const WeftdProcess own(options);
  const HttpClient own_client = own.client();
  std::ofstream(own.config_path()) << R"({"listen": 3})";
  call(400, "POST", "/api/v1/plugins/reload", "/api/v1/plugins/reload", "", &own_client);

  HttpResponse limited;
  for (int i = 0; i < 40 && limited.status != 429; ++i) limited = own_client.get("/api/v1/runs");
  ASSERT_EQ(limited.status, 429) << "40 requests in a row passed a limit of 2 a second";
  keep("GET", "/api/v1/runs", limited);

  const auto checked = check();
  EXPECT_EQ(checked.exit_code, 0) << checked.output();
}

}  // namespace
}  // namespace weft::test
