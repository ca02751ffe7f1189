#include "api/endpoints.hpp"

#include "api/api_error.hpp"
#include "api/query.hpp"
#include "api/representation.hpp"
#include "api/request_body.hpp"
#include "api/task_logs.hpp"
#include "api/workflow_check.hpp"
#include "workflow/shell_script_check.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace weft::daemon {

namespace {

constexpr int64_t kDefaultPageSize = 50;
constexpr int64_t kMaxPageSize = 1000;
// GET /runs/{id} shows this many child runs, the newest; GET /runs?parent= lists them all.
constexpr int32_t kChildrenShown = 100;
// How long POST …/execute?wait=1 waits for the node: within api.answer_timeout_s's default of 10 s.
constexpr std::chrono::seconds kNodeRunWait{5};

// Fills what a run request body may say; the workflow comes from elsewhere.
RunRequest run_request(const nlohmann::json& body) {
  RunRequest request;
  request.params = object_field(body, "params", nlohmann::json::object());
  request.start = bool_field(body, "start", true);
  request.idempotency_key = string_field(body, "idempotency_key", "");
  return request;
}

// The workflow a document names, for scope checks ("" if it names none: it
// is refused as invalid later, unless the scope refuses it first).
std::string named_in(const nlohmann::json& document) {
  const auto name = document.find("name");
  return name != document.end() && name->is_string() ? name->get<std::string>() : "";
}

ApiReply accepted(const std::string& run_id) { return json_reply(202, {{"id", run_id}}); }

// The {task} of a path under /runs/{id}/tasks/.
TaskId task_id_of(const ApiRequest& request) {
  const auto& task_text = request.captures.at(1);
  const auto task = parse_task_id(task_text);
  if (!task) {
    raise(ErrorCode::invalid_request, "task '" + task_text + "' is not a task id: use <node> or <node>[<index>]");
  }
  return *task;
}

}  // namespace

Endpoints::Endpoints(EndpointContext context) : context_(std::move(context)), peers_(context_.store, context_.peers) {}

void Endpoints::add_to(Router& router) {
  const auto add = [&](const char* method, const char* pattern, std::optional<Role> role,
                       ApiReply (Endpoints::*endpoint)(const ApiRequest&), Waits waits = Waits::store,
                       const char* action = "") {
    router.add(
        method, pattern, role, [this, endpoint](const ApiRequest& request) { return (this->*endpoint)(request); },
        waits, action);
  };
  const Waits scheduler = Waits::scheduler;
  add("GET", "/healthz", std::nullopt, &Endpoints::healthz, Waits::nothing);
  add("GET", "/readyz", std::nullopt, &Endpoints::readyz, Waits::nothing);
  add("GET", "/api/v1/plugins", Role::viewer, &Endpoints::list_plugins);
  // Loads code from the plugin directories, as starting weftd does.
  add("POST", "/api/v1/plugins/reload", Role::admin, &Endpoints::reload_plugins, scheduler, "plugins.reload");
  add("POST", "/api/v1/workflows", Role::admin, &Endpoints::post_workflow, scheduler, "workflow.apply");
  add("GET", "/api/v1/workflows", Role::viewer, &Endpoints::list_workflows);
  add("POST", "/api/v1/workflows/validate", Role::viewer, &Endpoints::validate_workflow);
  add("PUT", "/api/v1/workflows/{name}", Role::admin, &Endpoints::put_workflow, scheduler, "workflow.apply");
  add("GET", "/api/v1/workflows/{name}", Role::viewer, &Endpoints::get_workflow);
  add("DELETE", "/api/v1/workflows/{name}", Role::admin, &Endpoints::delete_workflow, scheduler, "workflow.delete");
  add("POST", "/api/v1/workflows/{name}/runs", Role::operator_, &Endpoints::create_run, scheduler, "run.create");
  // An ad-hoc document runs commands of its author's choosing, as applying a workflow does.
  add("POST", "/api/v1/runs", Role::admin, &Endpoints::create_adhoc_run, scheduler, "run.create");
  add("GET", "/api/v1/runs", Role::viewer, &Endpoints::list_runs);
  add("GET", "/api/v1/runs/{id}", Role::viewer, &Endpoints::get_run);
  add("POST", "/api/v1/runs/{id}/start", Role::operator_, &Endpoints::start_run, scheduler, "run.start");
  add("POST", "/api/v1/runs/{id}/cancel", Role::operator_, &Endpoints::cancel_run, scheduler, "run.cancel");
  add("POST", "/api/v1/runs/{id}/retry", Role::operator_, &Endpoints::retry_run, scheduler, "run.retry");
  add("POST", "/api/v1/runs/{id}/pause", Role::operator_, &Endpoints::pause_run, scheduler, "run.pause");
  add("POST", "/api/v1/runs/{id}/resume", Role::operator_, &Endpoints::resume_run, scheduler, "run.resume");
  add("POST", "/api/v1/runs/{id}/nodes/{node}/execute", Role::operator_, &Endpoints::run_node_again, scheduler,
      "run.create");
  add("GET", "/api/v1/schedules", Role::viewer, &Endpoints::list_schedules);
  add("POST", "/api/v1/schedules/{workflow}/pause", Role::operator_, &Endpoints::pause_schedule, scheduler,
      "schedule.pause");
  add("POST", "/api/v1/schedules/{workflow}/resume", Role::operator_, &Endpoints::resume_schedule, scheduler,
      "schedule.resume");
  add("GET", "/api/v1/queues", Role::viewer, &Endpoints::list_queues);
  add("GET", "/api/v1/queues/{name}", Role::viewer, &Endpoints::get_queue);
  add("GET", "/api/v1/queues/{name}/dead", Role::viewer, &Endpoints::list_dead_messages);
  // A message starts a run of the queue's consumer, as starting a run does.
  add("POST", "/api/v1/queues/{name}/messages", Role::operator_, &Endpoints::push_message, scheduler, "queue.push");
  add("POST", "/api/v1/queues/{name}/dead/redrive", Role::operator_, &Endpoints::redrive, scheduler, "queue.redrive");
  add("GET", "/api/v1/runs/{id}/tasks", Role::viewer, &Endpoints::list_tasks);
  add("GET", "/api/v1/runs/{id}/results", Role::viewer, &Endpoints::get_results);
  add("GET", "/api/v1/runs/{id}/tasks/{task}/logs", Role::viewer, &Endpoints::get_logs);
  add("GET", "/api/v1/runs/{id}/tasks/{task}/attempts", Role::viewer, &Endpoints::list_attempts);
  add("GET", "/api/v1/instances", Role::viewer, &Endpoints::list_instances);
  add("GET", "/api/v1/runs/{id}/events", Role::viewer, &Endpoints::run_events);
  add("GET", "/api/v1/events", Role::viewer, &Endpoints::events);
  add("GET", "/metrics", Role::viewer, &Endpoints::metrics, scheduler);
  add("POST", "/api/v1/tokens", Role::admin, &Endpoints::create_token, scheduler, "token.create");
  add("GET", "/api/v1/tokens", Role::admin, &Endpoints::list_tokens);
  add("DELETE", "/api/v1/tokens/{id}", Role::admin, &Endpoints::revoke_token, scheduler, "token.revoke");
  add("GET", "/api/v1/audit", Role::admin, &Endpoints::list_audit);
  // The API's description is public, as the routes it describes are.
  add("GET", "/api/v1/openapi.json", std::nullopt, &Endpoints::openapi, Waits::nothing);
  add("GET", "/api/docs", std::nullopt, &Endpoints::docs_page, Waits::nothing);
  add("GET", "/api/docs/{file}", std::nullopt, &Endpoints::docs_asset, Waits::nothing);
  // The web page's files hold no data: what it shows, it asks with the caller's token.
  add("GET", "/", std::nullopt, &Endpoints::web_page, Waits::nothing);
  add("GET", "/web/{version}/{file}", std::nullopt, &Endpoints::web_page_asset, Waits::nothing);
  // Not Waits::nothing: that is answered at once, before any token is checked.
  add("GET", "/api/v1/whoami", Role::viewer, &Endpoints::whoami);
  // What the page needs before it has a token: how to get one. Nothing in it is secret.
  add("GET", "/api/v1/sign-in", std::nullopt, &Endpoints::sign_in, Waits::nothing);
}

ApiReply Endpoints::healthz(const ApiRequest&) { return json_reply(200, {{"status", "ok"}}); }

ApiReply Endpoints::readyz(const ApiRequest&) {
  if (!context_.is_ready())
    raise(ErrorCode::unavailable, "weftd is not ready: the store or the plugins are not up yet");
  return json_reply(200, {{"status", "ready"}});
}

ApiReply Endpoints::list_plugins(const ApiRequest&) {
  auto items = nlohmann::json::array();
  for (const auto& plugin : context_.list_plugins()) items.push_back(plugin_json(plugin));
  return json_reply(200, {{"items", std::move(items)}});
}

ApiReply Endpoints::reload_plugins(const ApiRequest& request) {
  reject_any_field(request.body);
  require_unscoped(request, "reload plugins");
  const Reloader reload = context_.reloader();
  if (!reload) raise(ErrorCode::unavailable, "this weftd cannot reload; restart it instead");
  return json_reply(200, value_or_raise(reload()));
}

// A store that is not shared has one weftd, this one, and no heartbeats.
ApiReply Endpoints::list_instances(const ApiRequest&) {
  const bool shared = context_.store.shared();
  auto items = nlohmann::json::array();
  if (shared) {
    for (const auto& instance : context_.store.list_instances()) items.push_back(instance_json(instance));
  }
  return json_reply(200, {{"shared", shared}, {"items", std::move(items)}});
}

ApiReply Endpoints::post_workflow(const ApiRequest& request) { return apply(request, std::nullopt); }

ApiReply Endpoints::put_workflow(const ApiRequest& request) { return apply(request, request.captures.at(0)); }

ApiReply Endpoints::apply(const ApiRequest& request, const std::optional<std::string>& expected_name) {
  const auto document = parse_object_body(request.body);
  require_scope(request, expected_name.value_or(named_in(document)));
  const auto applied = value_or_raise(context_.commands.apply_workflow(document, expected_name));
  const auto warnings = shell_script_warnings(document);
  for (const auto& warning : warnings) {
    spdlog::warn("workflow '{}' version {}: {}: {}", applied.name, applied.version, warning.path, warning.message);
  }
  return json_reply(applied.created ? 201 : 200,
                    {{"name", applied.name}, {"version", applied.version}, {"warnings", problems_json(warnings)}});
}

ApiReply Endpoints::validate_workflow(const ApiRequest& request) {
  const auto document = parse_object_body(request.body);
  const auto problems = workflow_problems(document, context_.catalog, context_.document_limits());
  return json_reply(200, {{"valid", problems.empty()},
                          {"errors", problems_json(problems)},
                          {"warnings", problems_json(shell_script_warnings(document))}});
}

ApiReply Endpoints::list_workflows(const ApiRequest&) {
  auto items = nlohmann::json::array();
  for (const auto& workflow : context_.store.list_workflows()) items.push_back(workflow_summary_json(workflow));
  return json_reply(200, {{"items", std::move(items)}});
}

ApiReply Endpoints::get_workflow(const ApiRequest& request) {
  const auto& name = request.captures.at(0);
  const int64_t version = integer_parameter(request.query, "version", 0, 1, INT64_MAX);
  const auto workflow = context_.store.get_workflow(name, version);
  if (!workflow && version > 0) {
    raise(ErrorCode::not_found, "workflow '" + name + "' has no version " + std::to_string(version));
  }
  if (!workflow || (version == 0 && workflow->deleted))
    raise(ErrorCode::not_found, "workflow '" + name + "' not found");
  return json_reply(200, workflow_json(*workflow));
}

ApiReply Endpoints::delete_workflow(const ApiRequest& request) {
  const auto& name = request.captures.at(0);
  require_scope(request, name);
  value_or_raise(context_.commands.delete_workflow(name));
  return json_reply(200, {{"name", name}, {"deleted", true}});
}

ApiReply Endpoints::create_run(const ApiRequest& request) {
  const auto body = parse_object_body(request.body, true);
  reject_unknown_fields(body, {"params", "start", "idempotency_key"});
  auto run = run_request(body);
  run.workflow = request.captures.at(0);
  require_scope(request, run.workflow);
  return run_created(run);
}

ApiReply Endpoints::create_adhoc_run(const ApiRequest& request) {
  const auto body = parse_object_body(request.body);
  reject_unknown_fields(body, {"workflow", "params", "start", "idempotency_key"});
  if (!body.contains("workflow")) {
    raise(ErrorCode::invalid_request, "an ad-hoc run needs its workflow document in 'workflow'",
          {{"/workflow", "missing"}});
  }
  auto run = run_request(body);
  run.document = object_field(body, "workflow", nullptr);
  require_scope(request, named_in(*run.document));
  return run_created(run);
}

ApiReply Endpoints::run_created(const RunRequest& run_request) {
  const auto created = value_or_raise(context_.commands.create_run(run_request));
  return json_reply(created.created ? 201 : 200, {{"id", created.id}, {"status", sdk::to_string(created.status)}});
}

// Only one instance drives a run, and it alone can carry out a command on
// it; a request that was forwarded already is not forwarded again.
ApiReply Endpoints::run_command(const ApiRequest& request, const char* action,
                                Status (Commands::*command)(const std::string& run_id)) {
  reject_any_field(request.body);
  require_run_in_scope(request);
  const std::string& id = request.captures.at(0);
  const Status done = (context_.commands.*command)(id);
  if (!done && done.failure().code == ErrorCode::held_elsewhere && request.forwarded_by.empty()) {
    return peers_.forward(request, run_path(id) + "/" + action);
  }
  value_or_raise(done);
  return accepted(id);
}

ApiReply Endpoints::start_run(const ApiRequest& request) { return run_command(request, "start", &Commands::start_run); }

ApiReply Endpoints::cancel_run(const ApiRequest& request) {
  return run_command(request, "cancel", &Commands::cancel_run);
}

ApiReply Endpoints::pause_run(const ApiRequest& request) { return run_command(request, "pause", &Commands::pause_run); }

ApiReply Endpoints::resume_run(const ApiRequest& request) {
  return run_command(request, "resume", &Commands::resume_run);
}

ApiReply Endpoints::retry_run(const ApiRequest& request) { return run_command(request, "retry", &Commands::retry_run); }

// Development mode. With ?wait=1 the answer waits for the node, up to
// kNodeRunWait (within the default api.answer_timeout_s), polling the store.
ApiReply Endpoints::run_node_again(const ApiRequest& request) {
  const auto body = parse_object_body(request.body, true);
  reject_unknown_fields(body, {"params"});
  require_run_in_scope(request);
  NodeRunRequest node_run{request.captures.at(0), request.captures.at(1),
                          object_field(body, "params", nlohmann::json::object())};
  const auto created = value_or_raise(context_.commands.run_node_again(node_run));
  nlohmann::json handle = {{"id", created.id}, {"status", sdk::to_string(created.status)}, {"node", node_run.node}};
  if (!flag_parameter(request.query, "wait")) return json_reply(202, handle);
  const auto deadline = std::chrono::steady_clock::now() + kNodeRunWait;
  for (auto pause = std::chrono::milliseconds(20); std::chrono::steady_clock::now() < deadline;
       pause = std::min(pause * 2, std::chrono::milliseconds(250))) {
    const auto run = context_.store.get_run(created.id);
    if (run && sdk::is_final(run->status)) {
      const auto tasks = context_.store.list_tasks(run->id);
      handle["status"] = sdk::to_string(run->status);
      handle["output"] = results_json(*run, tasks)["outputs"][node_run.node];
      handle["error"] = nullptr;
      for (const auto& task : tasks) {
        if (task.node == node_run.node && task.index < 0 && !task.error.empty()) handle["error"] = task.error;
      }
      return json_reply(200, handle);
    }
    std::this_thread::sleep_for(pause);
  }
  return json_reply(202, handle);
}

ApiReply Endpoints::list_schedules(const ApiRequest&) {
  auto items = nlohmann::json::array();
  for (const auto& schedule : context_.commands.schedules()) items.push_back(schedule_json(schedule));
  return json_reply(200, {{"items", std::move(items)}});
}

ApiReply Endpoints::pause_schedule(const ApiRequest& request) {
  reject_any_field(request.body);
  require_scope(request, request.captures.at(0));
  return json_reply(
      200, schedule_json(value_or_raise(context_.commands.set_schedule_enabled(request.captures.at(0), false))));
}

ApiReply Endpoints::resume_schedule(const ApiRequest& request) {
  reject_any_field(request.body);
  require_scope(request, request.captures.at(0));
  return json_reply(
      200, schedule_json(value_or_raise(context_.commands.set_schedule_enabled(request.captures.at(0), true))));
}

// Newest first. One run more than the page is asked for, to know whether
// another page follows; next_cursor is then the id of the page's last run.
ApiReply Endpoints::list_runs(const ApiRequest& request) {
  RunFilter filter;
  const auto limit = integer_parameter(request.query, "limit", kDefaultPageSize, 1, kMaxPageSize);
  filter.limit = static_cast<int32_t>(limit + 1);
  filter.workflow = text_parameter(request.query, "workflow");
  const std::string status = choice_parameter(
      request.query, "status", "", {"created", "queued", "running", "succeeded", "failed", "cancelled", "paused"});
  if (!status.empty()) filter.status = sdk::parse_run_status(status);
  filter.before_id = text_parameter(request.query, "cursor");
  filter.parent_run_id = text_parameter(request.query, "parent");
  auto runs = context_.store.list_runs(filter);
  const bool more = runs.size() > static_cast<size_t>(limit);
  if (more) runs.resize(static_cast<size_t>(limit));
  auto items = nlohmann::json::array();
  for (const auto& run : runs) items.push_back(run_json(run));
  const auto next_cursor = more ? nlohmann::json(runs.back().id) : nlohmann::json(nullptr);
  return json_reply(200, {{"items", std::move(items)}, {"next_cursor", next_cursor}});
}

RunRecord Endpoints::existing_run(const std::string& id) const {
  auto run = context_.store.get_run(id);
  if (!run) raise(ErrorCode::not_found, "run '" + id + "' not found");
  return std::move(*run);
}

ApiReply Endpoints::get_run(const ApiRequest& request) {
  const auto run = existing_run(request.captures.at(0));
  RunFilter children;
  children.parent_run_id = run.id;
  children.limit = kChildrenShown;
  return json_reply(200, run_detail_json(run, context_.store.list_tasks(run.id), context_.store.list_runs(children)));
}

ApiReply Endpoints::list_tasks(const ApiRequest& request) {
  const auto run = existing_run(request.captures.at(0));
  auto items = nlohmann::json::array();
  for (const auto& task : context_.store.list_tasks(run.id)) items.push_back(task_json(task));
  return json_reply(200, {{"items", std::move(items)}});
}

ApiReply Endpoints::get_results(const ApiRequest& request) {
  const auto run = existing_run(request.captures.at(0));
  return json_reply(200, results_json(run, context_.store.list_tasks(run.id)));
}

// Oldest first. A task with no attempt yet (or one of a run older than the
// store's attempt records) has none.
ApiReply Endpoints::list_attempts(const ApiRequest& request) {
  const auto task = task_id_of(request);
  const auto run = existing_run(request.captures.at(0));
  if (!context_.store.keeps_2_1_records()) {
    raise(ErrorCode::conflict,
          "the storage plugin is of ABI 2.0 and keeps no attempt records; they need a store of ABI 2.1 or later");
  }
  const auto tasks = context_.store.list_tasks(run.id);
  if (std::none_of(tasks.begin(), tasks.end(),
                   [&](const TaskRecord& t) { return t.node == task.node && t.index == task.index; })) {
    raise(ErrorCode::not_found, "run '" + run.id + "' has no task '" + format_task_id(task) + "'");
  }
  auto items = nlohmann::json::array();
  for (const auto& attempt : context_.store.list_attempts(run.id)) {
    if (attempt.node == task.node && attempt.index == task.index) items.push_back(attempt_json(attempt));
  }
  return json_reply(200, {{"items", std::move(items)}});
}

ApiReply Endpoints::get_logs(const ApiRequest& request) {
  LogRequest log;
  log.run_id = request.captures.at(0);
  log.task = task_id_of(request);
  log.attempt = static_cast<int>(integer_parameter(request.query, "attempt", 0, 1, INT32_MAX));
  log.stderr_stream = choice_parameter(request.query, "stream", "stdout", {"stdout", "stderr"}) == "stderr";
  log.follow = flag_parameter(request.query, "follow");
  log.only_here = context_.store.shared();
  try {
    return task_log_reply(context_.store, context_.logs, log);
  } catch (const ApiError& e) {
    if (e.code != to_string(ErrorCode::held_elsewhere) || !request.forwarded_by.empty()) throw;
  }
  // The task ran on another instance: its log is read there as it is now
  // (a followed log is not streamed across instances). When no instance
  // has it (the task has not opened it yet, or the instance that ran it is
  // gone), it is served from here as on one instance.
  std::string target =
      run_path(log.run_id, format_task_id(log.task)) + "/logs?stream=" + (log.stderr_stream ? "stderr" : "stdout");
  if (log.attempt > 0) target += "&attempt=" + std::to_string(log.attempt);
  std::string silent;
  if (auto reply = peers_.ask(request, target, silent)) return std::move(*reply);
  log.only_here = false;
  return task_log_reply(context_.store, context_.logs, log);
}

}  // namespace weft::daemon
