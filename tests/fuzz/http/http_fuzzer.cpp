// Fuzzes the HTTP API's request path without a socket: the input is what a
// client sends on a connection. Its head is found and parsed as the
// connection loop does, then the target is decoded, routed and answered by
// the real endpoints (over an in-memory store holding one run, and commands
// that validate documents as the scheduler does), and the reply put into
// bytes. What the server would answer 500 for escapes as an exception here:
// no input may reach a bug.
//
// Left out: sockets, request threads and timeouts (the API tests cover them),
// and tokens: every route is answered as for an admin.
#include "api/endpoints.hpp"
#include "api/event_hub.hpp"
#include "api/event_loop.hpp"
#include "api/metrics.hpp"
#include "api/reply_bytes.hpp"
#include "api/request_head.hpp"
#include "api/request_pool.hpp"
#include "api/request_target.hpp"
#include "fuzz_support.hpp"
#include "memory_store.hpp"
#include "test_node_catalog.hpp"
#include "workflow/workflow.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace {

using namespace weft::daemon;
using weft::fuzz::require;

// Applies what validates, starts runs of any workflow, and finds every run.
class ValidatingCommands : public Commands {
 public:
  explicit ValidatingCommands(const NodeCatalog& catalog) : catalog_(catalog) {}
  Result<WorkflowApplied> apply_workflow(const nlohmann::json& document,
                                         const std::optional<std::string>& expected_name) override {
    auto workflow = parse_workflow(document, catalog_);
    if (!workflow) return workflow.failure();
    if (expected_name && *expected_name != workflow->name) {
      return fail(ErrorCode::invalid_request, "the name does not match", {{"/name", "mismatch"}});
    }
    return WorkflowApplied{workflow->name, 1, true};
  }
  Status delete_workflow(const std::string&) override { return Done{}; }
  Result<RunCreated> create_run(const RunRequest& request) override {
    if (request.document) {
      auto workflow = parse_workflow(*request.document, catalog_);
      if (!workflow) return workflow.failure();
    }
    return RunCreated{"run-2", weft::sdk::RunStatus::queued, true};
  }
  Status start_run(const std::string&) override { return Done{}; }
  Status cancel_run(const std::string&) override { return Done{}; }
  Status retry_run(const std::string&) override { return Done{}; }
  Result<RunCreated> run_node_again(const NodeRunRequest&) override {
    return RunCreated{"run-3", weft::sdk::RunStatus::queued, true};
  }
  Status pause_run(const std::string&) override { return Done{}; }
  Status resume_run(const std::string&) override { return Done{}; }
  Result<ScheduleView> set_schedule_enabled(const std::string& workflow, bool enabled) override {
    return ScheduleView{workflow, 1, "*/5 * * * *", enabled, !enabled, std::nullopt, std::nullopt, ""};
  }
  Result<SchedulerFigures> figures() override { return SchedulerFigures{}; }
  Status store_token(const weft::sdk::TokenRecord&) override { return Done{}; }
  Result<std::string> enqueue(const std::string&, const std::string&) override { return std::string("m-1"); }
  Status redrive(const std::string&, const std::vector<weft::sdk::MessageRecord>&) override { return Done{}; }
  void record_audit(weft::sdk::AuditRecord) override {}
  std::vector<ScheduleView> schedules() const override {
    return {ScheduleView{"hello", 1, "*/5 * * * *", true, false, 1000, std::nullopt, ""}};
  }

 private:
  const NodeCatalog& catalog_;
};

// One workflow, one run of it with a plain and a for_each task, all finished.
void fill(StoreClient& store) {
  const std::string document =
      R"({"name":"hello","nodes":[{"id":"greet","type":"command","params":{"argv":["echo"]}}]})";
  WriteBatch batch;
  batch.workflows.push_back({"hello", 1, document, "digest", 1000, false});
  RunRecord run;
  run.id = "run-1";
  run.workflow = "hello";
  run.version = 1;
  run.status = weft::sdk::RunStatus::succeeded;
  run.params_json = R"({"who":"world"})";
  run.document_json = document;
  batch.runs.push_back(run);
  TaskRecord task;
  task.run_id = "run-1";
  task.node = "greet";
  task.status = weft::sdk::TaskStatus::succeeded;
  task.attempt = 1;
  task.exit_code = 0;
  task.output_json = R"({"greeting":"hi"})";
  batch.tasks.push_back(task);
  task.index = 0;
  batch.tasks.push_back(task);
  store.write(batch);
}

// The API's parts the endpoints need, built once for every input.
struct Api {
  Api() {
    spdlog::set_level(spdlog::level::off);
    fill(*store.client);
    // A loop that has run: what is posted to it from now on is dropped,
    // since no connection exists to stream a log to.
    loop.stop();
    loop.run();
    endpoints.add_to(router);
  }

  TestCatalog catalog;
  ValidatingCommands commands{catalog};
  weft::test::OpenedMemoryStore store = weft::test::open_memory_store();
  EventLoop loop;
  RequestPool pool{1};
  LogWatch logs{loop, *store.client, pool, std::filesystem::temp_directory_path() / "weft-fuzz-http"};
  EventHub events{loop, 16};
  Metrics metrics;
  Endpoints endpoints{EndpointContext{commands, *store.client, catalog, [] { return std::vector<PluginInfo>{}; },
                                      [] { return true; }, logs, [] { return DocumentLimits{}; },
                                      [] { return Reloader{}; }, events, metrics, PeerSettings{},
                                      [] { return int64_t{1767225600000}; }, [] {},
                                      [] {
                                        return WebSignInSettings{"weft-web", "IdP", "https://idp.example/auth",
                                                                 "https://idp.example:8443/token", "openid"};
                                      }}};
  Router router;
};

ApiReply answer(const Api& api, const RequestHead& head, std::string body) {
  try {
    auto target = RequestTarget::parse(head.target);
    auto match = api.router.find(head.method, target.segments);
    return match.route->endpoint(
        ApiRequest{head.method, std::move(match.captures), std::move(target.query), std::move(body), ""});
  } catch (const ApiError& e) {
    return error_reply(e);
  }
}

// The pages weftd serves (the web page at /, the API's at /api/docs) and
// their files: the only answers that are not JSON.
bool is_page_file(const ApiReply& reply) {
  return reply.status == 200 &&
         (reply.content_type.starts_with("text/html;") || reply.content_type.starts_with("text/javascript;") ||
          reply.content_type.starts_with("text/css;") || reply.content_type.starts_with("text/plain;"));
}

void check(const ApiReply& reply) {
  require(reply.status >= 200 && reply.status < 600, "a reply has a status of HTTP");
  if (reply.stream || is_page_file(reply)) return;
  require(reply.content_type == "application/json", "a reply without a stream is JSON, unless it is a page");
  const auto body = nlohmann::json::parse(reply.body, nullptr, false);
  require(body.is_object(), "a reply's body is a JSON object");
  if (reply.status >= 400) require(body.contains("error"), "an error reply says what the error is");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Api api;
  const std::string_view bytes = weft::fuzz::text_of(data, size);
  const size_t head_end = head_size(bytes);
  if (head_end == 0) return 0;  // the loop waits for the rest of the head
  std::string error;
  const auto head = parse_head(bytes, head_end, &error);
  if (!head) {
    require(!error.empty(), "a refused head says why");
    return 0;
  }
  std::string body(bytes.substr(head_end));
  if (head->content_length && *head->content_length < body.size()) body.resize(*head->content_length);
  const ApiReply reply = answer(api, *head, std::move(body));
  check(reply);
  const std::string sent = reply_bytes(reply, head->version, head->keep_alive);
  require(sent.starts_with("HTTP/1."), "a reply starts with its status line");
  return 0;
}
