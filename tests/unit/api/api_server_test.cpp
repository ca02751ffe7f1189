// The HTTP API as its clients see it: a real ApiServer on a real socket, a
// fake scheduler behind Commands and an in-memory storage plugin behind the
// real StoreClient.
//
// Over 400 lines: one fixture serves every endpoint's tests; split it by
// endpoint group when it grows further.
#include "api/api_server.hpp"
#include "auth/admin_token.hpp"
#include "auth/token_secret.hpp"
#include "memory_store.hpp"
#include "scheduler/task_files.hpp"
#include "weft/client/api_client.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>

namespace weft::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Records what the API asked of the scheduler; answers with what the test set.
class RecordingCommands : public Commands {
 public:
  Result<WorkflowApplied> apply_workflow(const json& document,
                                         const std::optional<std::string>& expected_name) override {
    std::lock_guard lock(mutex);
    applied.push_back(document);
    expected_names.push_back(expected_name);
    return apply_answer;
  }
  Status delete_workflow(const std::string& name) override { return record("delete " + name); }
  Result<RunCreated> create_run(const RunRequest& request) override {
    if (throw_on_create) throw std::logic_error("a bug in the scheduler");
    std::lock_guard lock(mutex);
    run_requests.push_back(request);
    return create_answer;
  }
  Status start_run(const std::string& id) override { return record("start " + id); }
  Status cancel_run(const std::string& id) override { return record("cancel " + id); }
  Status retry_run(const std::string& id) override { return record("retry " + id); }
  Result<RunCreated> run_node_again(const NodeRunRequest& request) override {
    auto recorded = record("run again " + request.run_id + " " + request.node);
    if (!recorded) return recorded.failure();
    return create_answer;
  }
  Status pause_run(const std::string& id) override { return record("pause " + id); }
  Status resume_run(const std::string& id) override { return record("resume " + id); }
  Result<ScheduleView> set_schedule_enabled(const std::string& workflow, bool enabled) override {
    auto recorded = record((enabled ? "resume schedule " : "pause schedule ") + workflow);
    if (!recorded) return recorded.failure();
    return schedule_answer;
  }
  Result<SchedulerFigures> figures() override { return SchedulerFigures{}; }
  Status store_token(const sdk::TokenRecord& token) override { return record("store token " + token.id); }
  Result<std::string> enqueue(const std::string& queue, const std::string& body) override {
    auto recorded = record("enqueue " + queue + " " + body);
    if (!recorded) return recorded.failure();
    return std::string("m-1");
  }
  Status redrive(const std::string& queue, const std::vector<sdk::MessageRecord>& dead) override {
    return record("redrive " + queue + " " + std::to_string(dead.size()));
  }
  void record_audit(sdk::AuditRecord) override {}
  std::vector<ScheduleView> schedules() const override { return {schedule_answer}; }

  std::mutex mutex;
  std::vector<json> applied;
  std::vector<std::optional<std::string>> expected_names;
  std::vector<RunRequest> run_requests;
  std::vector<std::string> calls;
  Result<WorkflowApplied> apply_answer = WorkflowApplied{"hello", 1, true};
  Result<RunCreated> create_answer = RunCreated{"run-1", sdk::RunStatus::queued, true};
  Status status_answer = Done{};
  ScheduleView schedule_answer{"nightly", 2, "0 3 * * *", true, false, 1767236400000, 1767150000000, "run-7"};
  bool throw_on_create = false;

 private:
  Status record(const std::string& call) {
    std::lock_guard lock(mutex);
    calls.push_back(call);
    return status_answer;
  }
};

// Knows one node type, "command", whose params need "argv".
class CommandOnlyCatalog : public NodeCatalog {
 public:
  std::optional<std::vector<Problem>> validate_params(std::string_view type, const json& params) const override {
    if (type != "command") return std::nullopt;
    if (params.contains("argv")) return std::vector<Problem>{};
    return std::vector<Problem>{{"/argv", "missing"}};
  }
  bool has_executor(std::string_view executor) const override { return executor == "process"; }
};

struct HttpReply : client::Response {
  nlohmann::json json_body() const { return json(); }
  std::string error_code() const { return json_body()["error"]["code"]; }
};

const json kValidWorkflow = {
    {"name", "hello"}, {"nodes", {{{"id", "greet"}, {"type", "command"}, {"params", {{"argv", {"echo", "hi"}}}}}}}};

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_dir_ = fs::path(::testing::TempDir()) /
                 ("weft-api-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(state_dir_);
    fs::create_directories(state_dir_);
    ensure_admin_token(*store_.client, state_dir_);
    std::ifstream(state_dir_ / "admin.token") >> admin_token_;
    start_server(true);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(state_dir_);
  }

  void start_server(bool auth_enabled) {
    server_.reset();
    ApiSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.max_body_bytes = 1024;
    settings.auth_enabled = auth_enabled;
    settings.state_dir = state_dir_;
    settings.threads = 4;
    server_ = std::make_unique<ApiServer>(
        commands_, *store_.client, catalog_, [this] { return plugins_; }, [this] { return ready_.load(); }, settings);
    server_->start();
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = "",
                 const std::optional<std::string>& token = std::nullopt) {
    return {client::ApiClient(server_->port(), token.value_or(admin_token_)).send(method, target, body)};
  }

  HttpReply get(const std::string& target) { return call("GET", target); }
  HttpReply post(const std::string& target, const json& body) { return call("POST", target, body.dump()); }

  // The answer to a request sent on `session` by hand, for what ApiClient does not send.
  static HttpReply receive(Poco::Net::HTTPClientSession& session) {
    Poco::Net::HTTPResponse head;
    HttpReply reply;
    auto& in = session.receiveResponse(head);
    reply.status = head.getStatus();
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  }

  void store_runs(const std::vector<RunRecord>& runs) {
    WriteBatch batch;
    batch.runs = runs;
    store_.client->write(batch);
  }
  void store_tasks(const std::vector<TaskRecord>& tasks) {
    WriteBatch batch;
    batch.tasks = tasks;
    store_.client->write(batch);
  }
  static RunRecord run(const std::string& id, int64_t created_at, const std::string& workflow = "hello",
                       const std::string& status = "running") {
    RunRecord r;
    r.id = id;
    r.workflow = workflow;
    r.version = 1;
    r.status = sdk::parse_run_status(status).value();
    r.params_json = R"({"date":"2026-01-01"})";
    r.document_json = kValidWorkflow.dump();
    r.created_at = created_at;
    return r;
  }
  static TaskRecord task(const std::string& run_id, const std::string& node, int64_t index, const std::string& status,
                         const std::string& output_json = "") {
    TaskRecord t;
    t.run_id = run_id;
    t.node = node;
    t.index = index;
    t.status = sdk::parse_task_status(status).value();
    t.attempt = 1;
    t.output_json = output_json;
    return t;
  }
  void write_log(const std::string& run_id, const std::string& node, int64_t index, int attempt,
                 const std::string& text, bool stderr_stream = false) {
    const auto files = task_files(state_dir_, run_id, node, index, attempt);
    const auto& path = stderr_stream ? files.stderr_path : files.stdout_path;
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::app) << text;
  }

  fs::path state_dir_;
  test::OpenedMemoryStore store_ = test::open_memory_store();
  RecordingCommands commands_;
  CommandOnlyCatalog catalog_;
  std::vector<PluginInfo> plugins_;
  std::atomic<bool> ready_{true};
  std::string admin_token_;
  std::unique_ptr<ApiServer> server_;
};

// ---- errors ----------------------------------------------------------------

TEST_F(ApiServerTest, MalformedJsonIsRefusedNamingLineAndColumn) {
  const auto reply = call("POST", "/api/v1/workflows", "{\n  \"name\": }");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.error_code(), "invalid_request");
  EXPECT_NE(reply.json_body()["error"]["message"].get<std::string>().find("line 2, column"), std::string::npos);
  EXPECT_TRUE(reply.json_body()["error"]["details"].is_array());
}

TEST_F(ApiServerTest, BodyThatIsNotAnObjectIsRefused) {
  const auto reply = call("POST", "/api/v1/workflows", "[1, 2]");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.error_code(), "invalid_request");
  EXPECT_TRUE(commands_.applied.empty());
}

TEST_F(ApiServerTest, UnknownFieldsAreRefusedByName) {
  const auto reply = post("/api/v1/workflows/hello/runs", {{"params", json::object()}, {"colour", "red"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.error_code(), "invalid_request");
  EXPECT_EQ(reply.json_body()["error"]["details"][0]["path"], "/colour");
  EXPECT_TRUE(commands_.run_requests.empty());
}

TEST_F(ApiServerTest, ExecuteAsksForADevelopmentRunOfTheNodeAndAnswersItsHandle) {
  const auto reply = post("/api/v1/runs/r1/nodes/b/execute", {{"params", {{"x", 1}}}});
  EXPECT_EQ(reply.status, 202) << reply.body;
  EXPECT_EQ(reply.json_body(), json({{"id", "run-1"}, {"status", "queued"}, {"node", "b"}}));
  EXPECT_EQ(post("/api/v1/runs/r1/nodes/b/execute", {{"param", {{"x", 1}}}}).status, 400);
  const std::lock_guard lock(commands_.mutex);
  EXPECT_EQ(commands_.calls, std::vector<std::string>{"run again r1 b"});
}

TEST_F(ApiServerTest, ACommandThatTakesNoFieldsRefusesAnyAndDoesNothing) {
  EXPECT_EQ(call("POST", "/api/v1/runs/r1/cancel", "{}").status, 202);
  const auto reply = post("/api/v1/runs/r1/cancel", {{"force", true}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.json_body()["error"]["details"][0]["path"], "/force");
  EXPECT_EQ(call("POST", "/api/v1/schedules/nightly/pause", "not json").status, 400);
  const std::lock_guard lock(commands_.mutex);
  EXPECT_EQ(commands_.calls, std::vector<std::string>{"cancel r1"});
}

TEST_F(ApiServerTest, FieldOfTheWrongTypeIsRefusedAtItsPath) {
  const auto reply = post("/api/v1/workflows/hello/runs", {{"start", "yes"}});
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.json_body()["error"]["details"][0]["path"], "/start");
}

TEST_F(ApiServerTest, DeclaredBodyOverTheLimitIsRefusedBeforeItIsSent) {
  Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
  Poco::Net::HTTPRequest request("POST", "/api/v1/workflows", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + admin_token_);
  request.setContentLength64(10'000'000);
  session.sendRequest(request);  // the body never follows
  const auto reply = receive(session);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.error_code(), "payload_too_large");
}

TEST_F(ApiServerTest, ChunkedBodyOverTheLimitIsRefused) {
  Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
  Poco::Net::HTTPRequest request("POST", "/api/v1/workflows", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + admin_token_);
  request.setChunkedTransferEncoding(true);
  session.sendRequest(request) << "{\"name\": \"" << std::string(4096, 'x') << "\"}";
  const auto reply = receive(session);
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.error_code(), "payload_too_large");
  EXPECT_TRUE(commands_.applied.empty());
}

TEST_F(ApiServerTest, UnknownPathIsNotFound) {
  const auto reply = get("/api/v1/nothing-here");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.error_code(), "not_found");
}

TEST_F(ApiServerTest, WrongMethodIsNotAllowedAndSaysWhichAre) {
  const auto reply = call("DELETE", "/api/v1/runs");
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.error_code(), "method_not_allowed");
  EXPECT_EQ(reply.header("Allow"), "POST, GET");
}

TEST_F(ApiServerTest, NonNumericQueryValuesAreRefused) {
  EXPECT_EQ(get("/api/v1/runs?limit=ten").status, 400);
  EXPECT_EQ(get("/api/v1/runs?limit=0").status, 400);
  EXPECT_EQ(get("/api/v1/workflows/hello?version=latest").status, 400);
  EXPECT_EQ(get("/api/v1/runs?status=sleeping").error_code(), "invalid_request");
}

TEST_F(ApiServerTest, CommandFailureIsAnsweredWithItsCodeAndMessage) {
  commands_.status_answer = fail(ErrorCode::conflict, "run 'run-1' has finished already");
  const auto reply = call("POST", "/api/v1/runs/run-1/cancel");
  EXPECT_EQ(reply.status, 409);
  EXPECT_EQ(reply.error_code(), "conflict");
  EXPECT_EQ(reply.json_body()["error"]["message"], "run 'run-1' has finished already");
}

TEST_F(ApiServerTest, StoreThatDoesNotAnswerIsUnavailable) {
  store_.store->failing = true;
  const auto reply = get("/api/v1/runs/run-1");
  store_.store->failing = false;
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.error_code(), "unavailable");
}

TEST_F(ApiServerTest, UnexpectedExceptionIsAnInternalErrorAndTheServerGoesOn) {
  commands_.throw_on_create = true;
  const auto reply = post("/api/v1/workflows/hello/runs", json::object());
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.error_code(), "internal");
  EXPECT_EQ(get("/healthz").status, 200);
}

// ---- auth ------------------------------------------------------------------

TEST_F(ApiServerTest, RequestWithoutTokenIsUnauthorized) {
  const auto reply = call("GET", "/api/v1/runs", "", "");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.error_code(), "unauthorized");
  EXPECT_EQ(reply.header("WWW-Authenticate"), "Bearer");
}

TEST_F(ApiServerTest, RequestWithUnknownTokenIsUnauthorized) {
  const auto reply = call("GET", "/api/v1/runs", "", new_token_secret());
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.header("WWW-Authenticate"), "Bearer");
}

TEST_F(ApiServerTest, RequestWithTheAdminTokenIsServed) { EXPECT_EQ(get("/api/v1/runs").status, 200); }

TEST_F(ApiServerTest, HealthAndReadinessNeedNoToken) {
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
  EXPECT_EQ(call("GET", "/readyz", "", "").status, 200);
}

TEST_F(ApiServerTest, ViewerTokenMayReadButNotCancel) {
  const std::string viewer = new_token_secret();
  WriteBatch batch;
  batch.tokens.push_back({"viewer-1", token_hash(viewer), "viewer", "read only", 1, false});
  store_.client->write(batch);
  EXPECT_EQ(call("GET", "/api/v1/runs", "", viewer).status, 200);
  const auto reply = call("POST", "/api/v1/runs/run-1/cancel", "", viewer);
  EXPECT_EQ(reply.status, 403);
  EXPECT_EQ(reply.error_code(), "forbidden");
  EXPECT_TRUE(commands_.calls.empty());
}

TEST_F(ApiServerTest, WithAuthDisabledNoTokenIsAskedFor) {
  start_server(false);
  EXPECT_EQ(call("GET", "/api/v1/runs", "", "").status, 200);
}

// ---- endpoints -------------------------------------------------------------

TEST_F(ApiServerTest, HealthzSaysOk) { EXPECT_EQ(get("/healthz").json_body(), json({{"status", "ok"}})); }

TEST_F(ApiServerTest, ReadyzIsUnavailableUntilTheDaemonIsReady) {
  ready_ = false;
  const auto reply = get("/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.error_code(), "unavailable");
}

TEST_F(ApiServerTest, PluginsAreListedWithTheirStatus) {
  plugins_ = {{"command", "node", "1.0.0", "2.0", "/p/libweft-node-command.so.2", true, "", {"node/command"}, {}},
              {"old", "", "", "0.9", "/p/libweft-node-old.so.0", false, "ABI 0.9, host 1.0", {}, {}}};
  const auto items = get("/api/v1/plugins").json_body()["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], json({{"name", "command"},
                            {"kind", "node"},
                            {"version", "1.0.0"},
                            {"abi", "2.0"},
                            {"path", "/p/libweft-node-command.so.2"},
                            {"status", "loaded"},
                            {"provides", {"node/command"}}}));
  EXPECT_EQ(items[1]["status"], "rejected");
  EXPECT_EQ(items[1]["error"], "ABI 0.9, host 1.0");
}

TEST_F(ApiServerTest, ApplyingANewWorkflowCreatesAVersion) {
  const auto reply = post("/api/v1/workflows", kValidWorkflow);
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.json_body(), json({{"name", "hello"}, {"version", 1}, {"warnings", json::array()}}));
  EXPECT_EQ(commands_.applied.at(0), kValidWorkflow);
  EXPECT_EQ(commands_.expected_names.at(0), std::nullopt);
}

TEST_F(ApiServerTest, ApplyingAnIdenticalWorkflowAnswersOkWithTheExistingVersion) {
  commands_.apply_answer = WorkflowApplied{"hello", 3, false};
  const auto reply = call("PUT", "/api/v1/workflows/hello", kValidWorkflow.dump());
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json_body()["version"], 3);
  EXPECT_EQ(commands_.expected_names.at(0), "hello");
}

TEST_F(ApiServerTest, InvalidWorkflowIsRefusedWithEveryProblem) {
  commands_.apply_answer =
      fail(ErrorCode::invalid_workflow, "the workflow is not valid", {{"/nodes/0/depends_on/0", "unknown node 'lst'"}});
  const auto reply = post("/api/v1/workflows", kValidWorkflow);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.json_body(), json::parse(R"({"error":{"code":"invalid_workflow","message":"the workflow is not valid",
      "details":[{"path":"/nodes/0/depends_on/0","message":"unknown node 'lst'"}]}})"));
}

TEST_F(ApiServerTest, ValidateReportsProblemsWithoutStoring) {
  auto document = kValidWorkflow;
  document["nodes"][0]["type"] = "teleport";
  const auto reply = post("/api/v1/workflows/validate", document);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json_body()["valid"], false);
  EXPECT_EQ(reply.json_body()["errors"][0]["path"], "/nodes/0/type");
  EXPECT_TRUE(commands_.applied.empty());
}

TEST_F(ApiServerTest, ValidateAcceptsAValidWorkflow) {
  const auto reply = post("/api/v1/workflows/validate", kValidWorkflow);
  EXPECT_EQ(reply.json_body(), json({{"valid", true}, {"errors", json::array()}, {"warnings", json::array()}}));
}

class StoredWorkflowsTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    WriteBatch batch;
    auto second = kValidWorkflow;
    second["description"] = "says hi";
    batch.workflows = {{"hello", 1, kValidWorkflow.dump(), "d1", 1767225600000, false},
                       {"hello", 2, second.dump(), "d2", 1767225600123, false},
                       {"gone", 1, kValidWorkflow.dump(), "d3", 1767225600000, true}};
    store_.client->write(batch);
  }
};

TEST_F(StoredWorkflowsTest, ListShowsTheLatestVersionOfEachWorkflow) {
  EXPECT_EQ(get("/api/v1/workflows").json_body(),
            json::parse(R"({"items":[{"name":"hello","version":2,"description":"says hi",
                                      "created_at":"2026-01-01T00:00:00.123Z"}]})"));
}

TEST_F(StoredWorkflowsTest, GetReturnsTheDocumentWithItsMetadata) {
  const auto body = get("/api/v1/workflows/hello").json_body();
  EXPECT_EQ(body["version"], 2);
  EXPECT_EQ(body["digest"], "d2");
  EXPECT_EQ(body["document"]["description"], "says hi");
}

TEST_F(StoredWorkflowsTest, GetWithAVersionReturnsThatVersion) {
  EXPECT_EQ(get("/api/v1/workflows/hello?version=1").json_body()["document"], kValidWorkflow);
  EXPECT_EQ(get("/api/v1/workflows/hello?version=7").status, 404);
}

TEST_F(StoredWorkflowsTest, DeletedWorkflowIsNotFound) { EXPECT_EQ(get("/api/v1/workflows/gone").status, 404); }

TEST_F(ApiServerTest, DeleteAsksTheScheduler) {
  const auto reply = call("DELETE", "/api/v1/workflows/hello");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(commands_.calls, std::vector<std::string>{"delete hello"});
}

TEST_F(ApiServerTest, CreatingARunPassesParamsStartAndIdempotencyKey) {
  const auto reply = post("/api/v1/workflows/hello/runs",
                          {{"params", {{"date", "2026-02-02"}}}, {"start", false}, {"idempotency_key", "k1"}});
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(reply.json_body(), json({{"id", "run-1"}, {"status", "queued"}}));
  const auto& request = commands_.run_requests.at(0);
  EXPECT_EQ(request.workflow, "hello");
  EXPECT_EQ(request.params, json({{"date", "2026-02-02"}}));
  EXPECT_FALSE(request.start);
  EXPECT_EQ(request.idempotency_key, "k1");
}

TEST_F(ApiServerTest, CreatingARunWithoutABodyUsesTheDefaults) {
  EXPECT_EQ(call("POST", "/api/v1/workflows/hello/runs").status, 201);
  EXPECT_TRUE(commands_.run_requests.at(0).start);
}

// The scheduler's own check of the key is tested on it; here, how the API
// answers a run that was found rather than created.
TEST_F(ApiServerTest, ARunFoundByItsIdempotencyKeyIsAnswered200WithThatRun) {
  commands_.create_answer = RunCreated{"run-1", sdk::RunStatus::running, false};
  const auto reply = post("/api/v1/workflows/hello/runs", {{"idempotency_key", "k1"}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json_body()["id"], "run-1");
  EXPECT_EQ(reply.json_body()["status"], "running");
  EXPECT_EQ(commands_.run_requests.at(0).idempotency_key, "k1");
}

TEST_F(ApiServerTest, AdHocRunPassesTheDocument) {
  const auto reply = post("/api/v1/runs", {{"workflow", kValidWorkflow}, {"params", {{"x", 1}}}});
  EXPECT_EQ(reply.status, 201);
  EXPECT_EQ(commands_.run_requests.at(0).document, kValidWorkflow);
  EXPECT_EQ(commands_.run_requests.at(0).params, json({{"x", 1}}));
}

TEST_F(ApiServerTest, StartCancelRetryPauseAndResumeAreAccepted) {
  EXPECT_EQ(call("POST", "/api/v1/runs/run-1/start").status, 202);
  EXPECT_EQ(call("POST", "/api/v1/runs/run-1/cancel").status, 202);
  EXPECT_EQ(call("POST", "/api/v1/runs/run-1/retry").status, 202);
  EXPECT_EQ(call("POST", "/api/v1/runs/run-1/pause").status, 202);
  EXPECT_EQ(call("POST", "/api/v1/runs/run-1/resume").status, 202);
  EXPECT_EQ(commands_.calls,
            (std::vector<std::string>{"start run-1", "cancel run-1", "retry run-1", "pause run-1", "resume run-1"}));
}

TEST_F(ApiServerTest, SchedulesAreListedWithTheirNextFiringAndLastRun) {
  const auto items = get("/api/v1/schedules").json_body()["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0], json::parse(R"({"workflow": "nightly", "version": 2, "cron": "0 3 * * *", "enabled": true,
      "paused": false, "next_firing": "2026-01-01T03:00:00.000Z",
      "last_run": {"id": "run-7", "firing": "2025-12-31T03:00:00.000Z"}})"));
}

TEST_F(ApiServerTest, SchedulesArePausedAndResumedByWorkflowName) {
  EXPECT_EQ(call("POST", "/api/v1/schedules/nightly/pause").status, 200);
  EXPECT_EQ(call("POST", "/api/v1/schedules/nightly/resume").json_body()["workflow"], "nightly");
  EXPECT_EQ(commands_.calls, (std::vector<std::string>{"pause schedule nightly", "resume schedule nightly"}));
  commands_.status_answer = fail(ErrorCode::conflict, "workflow 'nightly' has no schedule");
  const auto refused = call("POST", "/api/v1/schedules/nightly/pause");
  EXPECT_EQ(refused.status, 409);
  EXPECT_EQ(refused.json_body()["error"]["message"], "workflow 'nightly' has no schedule");
}

TEST_F(ApiServerTest, RunsAreListedNewestFirstInPagesChainedByCursor) {
  store_runs({run("r1", 1000), run("r2", 2000), run("r3", 3000), run("r4", 4000), run("r5", 5000)});
  std::vector<std::string> seen;
  std::string target = "/api/v1/runs?limit=2";
  for (int page = 0; page < 5; ++page) {
    const auto body = get(target).json_body();
    for (const auto& item : body["items"]) seen.push_back(item["id"]);
    if (body["next_cursor"].is_null()) break;
    target = "/api/v1/runs?limit=2&cursor=" + body["next_cursor"].get<std::string>();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"r5", "r4", "r3", "r2", "r1"}));
}

// As the store conformance suite pins it; the in-memory store answered 503 (found by fuzzing).
TEST_F(ApiServerTest, ACursorNamingNoRunGivesAnEmptyPage) {
  store_runs({run("r1", 1000)});
  const auto reply = get("/api/v1/runs?cursor=no-such-run");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.json_body()["items"], json::array());
}

TEST_F(ApiServerTest, RunsCanBeFilteredByWorkflowAndStatus) {
  store_runs({run("r1", 1000, "hello", "failed"), run("r2", 2000, "hello"), run("r3", 3000, "other", "failed")});
  const auto items = get("/api/v1/runs?workflow=hello&status=failed").json_body()["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], "r1");
}

TEST_F(ApiServerTest, RunShowsItsFieldsAndCountsTasksByStatus) {
  auto r = run("r1", 1767225600000);
  r.started_at = 1767225601500;
  store_runs({r});
  store_tasks({task("r1", "a", -1, "succeeded"), task("r1", "b", -1, "running"), task("r1", "c", -1, "running")});
  EXPECT_EQ(get("/api/v1/runs/r1").json_body(), json::parse(R"({
      "id":"r1","workflow":"hello","version":1,"status":"running","params":{"date":"2026-01-01"},
      "idempotency_key":null,"error":null,
      "created_at":"2026-01-01T00:00:00.000Z","started_at":"2026-01-01T00:00:01.500Z","finished_at":null,
      "parent":null,"tasks":{"succeeded":1,"running":2},"children":[]})"));
}

// A subworkflow node's child run names the task that started it, and the
// parent lists its children.
TEST_F(ApiServerTest, AChildRunShowsItsParentTaskAndTheParentItsChildren) {
  auto child = run("r2", 2000, "other", "succeeded");
  child.parent_run_id = "r1";
  child.parent_node = "sub";
  child.parent_index = 3;
  store_runs({run("r1", 1000), child, run("r3", 3000)});
  EXPECT_EQ(get("/api/v1/runs/r2").json_body()["parent"], json({{"run_id", "r1"}, {"node", "sub"}, {"index", 3}}));
  EXPECT_EQ(get("/api/v1/runs/r1").json_body()["children"],
            json::parse(R"([{"id":"r2","workflow":"other","status":"succeeded","node":"sub","index":3}])"));
  const auto listed = get("/api/v1/runs?parent=r1").json_body()["items"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["id"], "r2");
}

// A store may hand back a run without its document (a column left empty by
// a third-party store, a damaged row): its results are then the status and
// no outputs, not a 500.
TEST_F(ApiServerTest, ResultsOfARunWhoseStoredDocumentIsUnreadableAreItsStatusAlone) {
  auto r = run("r1", 1000, "hello", "failed");
  r.document_json = "";
  store_runs({r});
  store_tasks({task("r1", "a", -1, "succeeded", "1")});
  const auto reply = get("/api/v1/runs/r1/results");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json_body(), json::parse(R"({"status":"failed","outputs":{}})"));
}

TEST_F(ApiServerTest, UnknownRunIsNotFound) {
  const auto reply = get("/api/v1/runs/nope");
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.json_body()["error"]["message"], "run 'nope' not found");
}

TEST_F(ApiServerTest, TasksAreListedWithTheIdsOfForEachElements) {
  store_runs({run("r1", 1000)});
  auto element = task("r1", "process", 1, "failed");
  element.exit_code = 3;
  element.executor = "process";
  element.external_id = "4242";
  element.error = "exit status 3";
  element.started_at = 1767225600000;
  store_tasks({task("r1", "process", -1, "running"), element});
  const auto items = get("/api/v1/runs/r1/tasks").json_body()["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["id"], "process");
  EXPECT_EQ(items[0]["index"], nullptr);
  EXPECT_EQ(items[1], json::parse(R"({"id":"process[1]","node":"process","index":1,"status":"failed","attempt":1,
      "exit_code":3,"executor":"process","external_id":"4242","started_at":"2026-01-01T00:00:00.000Z",
      "finished_at":null,"error":"exit status 3","cache_key":null,"cached_from":null})"));
}

TEST_F(ApiServerTest, ACacheHitNamesTheTaskItsOutputCameFrom) {
  store_runs({run("r1", 1000), run("r2", 2000)});
  auto hit = task("r2", "convert", 0, "succeeded");
  hit.cache_key = "convert-v1:b.tif";
  hit.cached_from = {"r1", "convert", 1};
  store_tasks({hit});
  const auto item = get("/api/v1/runs/r2/tasks").json_body()["items"].at(0);
  EXPECT_EQ(item["cache_key"], "convert-v1:b.tif");
  EXPECT_EQ(item["cached_from"], json::parse(R"({"run_id":"r1","node":"convert","index":1})"));
}

TEST_F(ApiServerTest, ResultsGatherForEachOutputsInIndexOrder) {
  auto r = run("r1", 1000, "hello", "succeeded");
  r.document_json = R"({"name":"hello","nodes":[{"id":"list","type":"command"},
      {"id":"process","type":"command","for_each":"{{ nodes.list.output }}"},
      {"id":"none","type":"command","for_each":"[]"}]})";
  store_runs({r});
  store_tasks({task("r1", "list", -1, "succeeded", R"({"files":["a","b","c"]})"),
               task("r1", "process", -1, "succeeded"), task("r1", "process", 10, "succeeded", "\"c\""),
               task("r1", "process", 2, "succeeded", "\"b\""), task("r1", "process", 0, "succeeded", "\"a\"")});
  EXPECT_EQ(get("/api/v1/runs/r1/results").json_body(), json::parse(R"({"status":"succeeded","outputs":{
      "list":{"files":["a","b","c"]},"process":["a","b","c"],"none":[]}})"));
}

TEST_F(ApiServerTest, LogsServeTheLatestAttemptsFile) {
  store_runs({run("r1", 1000)});
  auto retried = task("r1", "greet", 3, "succeeded");
  retried.attempt = 2;
  store_tasks({retried});
  write_log("r1", "greet", 3, 1, "first attempt\n");
  write_log("r1", "greet", 3, 2, "second attempt\n");
  write_log("r1", "greet", 3, 2, "oops\n", true);
  const auto reply = get("/api/v1/runs/r1/tasks/greet[3]/logs");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(reply.body, "second attempt\n");
  EXPECT_EQ(get("/api/v1/runs/r1/tasks/greet[3]/logs?stream=stderr").body, "oops\n");
}

TEST_F(ApiServerTest, LogOfATaskWithoutAFileIsEmpty) {
  store_runs({run("r1", 1000)});
  store_tasks({task("r1", "greet", -1, "pending")});
  const auto reply = get("/api/v1/runs/r1/tasks/greet/logs");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
}

// A task that put a link in place of its log must not get weftd to serve the
// file it points to; nor may a FIFO stall the API.
TEST_F(ApiServerTest, LogsFollowNoLinkAndReadNoFifo) {
  store_runs({run("r1", 1000), run("r2", 1000)});
  store_tasks({task("r1", "greet", -1, "succeeded"), task("r2", "greet", -1, "succeeded")});
  const auto r1 = task_files(state_dir_, "r1", "greet", -1, 1);
  fs::create_directories(r1.stdout_path.parent_path());
  fs::create_symlink(state_dir_ / "admin.token", r1.stdout_path);
  ASSERT_EQ(::mkfifo(r1.stderr_path.c_str(), 0600), 0);
  const auto r2 = task_files(state_dir_, "r2", "greet", -1, 1);
  fs::create_directories(state_dir_ / "elsewhere");
  std::ofstream(state_dir_ / "elsewhere" / r2.stdout_path.filename()) << admin_token_;
  fs::create_directory_symlink(state_dir_ / "elsewhere", r2.stdout_path.parent_path());

  for (const std::string run_id : {"r1", "r2"}) {
    const auto reply = get("/api/v1/runs/" + run_id + "/tasks/greet/logs");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body.find(admin_token_), std::string::npos) << run_id;
  }
  const auto fifo = get("/api/v1/runs/r1/tasks/greet/logs?stream=stderr");
  EXPECT_EQ(fifo.status, 200);
  EXPECT_EQ(fifo.body, "");
}

TEST_F(ApiServerTest, LogsOfAnUnknownTaskOrABadTaskIdAreRefused) {
  store_runs({run("r1", 1000)});
  EXPECT_EQ(get("/api/v1/runs/r1/tasks/ghost/logs").status, 404);
  EXPECT_EQ(get("/api/v1/runs/r1/tasks/greet%5Bx%5D/logs").status, 400);
  EXPECT_EQ(get("/api/v1/runs/r1/tasks/greet/logs?stream=both").status, 400);
}

TEST_F(ApiServerTest, FollowingALogStreamsUntilTheTaskEnds) {
  store_runs({run("r1", 1000)});
  store_tasks({task("r1", "greet", -1, "running")});
  write_log("r1", "greet", -1, 1, "one\n");

  Poco::Net::HTTPClientSession session("127.0.0.1", server_->port());
  Poco::Net::HTTPRequest request("GET", "/api/v1/runs/r1/tasks/greet/logs?follow=1", Poco::Net::HTTPMessage::HTTP_1_1);
  request.set("Authorization", "Bearer " + admin_token_);
  session.sendRequest(request);
  Poco::Net::HTTPResponse head;
  auto& in = session.receiveResponse(head);
  std::string first(4, '\0');
  in.read(first.data(), 4);  // arrives while the task still runs
  EXPECT_EQ(first, "one\n");

  write_log("r1", "greet", -1, 1, "two\n");
  store_tasks({task("r1", "greet", -1, "succeeded")});
  std::string rest;
  Poco::StreamCopier::copyToString(in, rest);  // returns only once the stream ends
  EXPECT_EQ(rest, "two\n");
}

}  // namespace
}  // namespace weft::daemon
