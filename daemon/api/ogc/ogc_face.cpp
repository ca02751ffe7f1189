#include "api/ogc/ogc_face.hpp"

#include "api/api_error.hpp"
#include "api/embedded.hpp"
#include "api/ogc/input_check.hpp"
#include "api/ogc/ogc_documents.hpp"
#include "api/query.hpp"
#include "api/representation.hpp"
#include "api/request_body.hpp"
#include "auth/token_scope.hpp"

#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <algorithm>

namespace weft::daemon {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultLimit = 10;
constexpr int64_t kMostLimit = 10000;
constexpr int kScannedPerRead = 200;  // runs read at once while a filtered job list fills its page
constexpr std::string_view kConformancePrefix = "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/";

bool in_callers_scope(const ApiRequest& request, const std::string& workflow) {
  return !request.caller || request.caller->workflows.empty() || in_scope(request.caller->workflows, workflow);
}

// RFC 7240: preferences separated by commas, each with optional parameters after ';'.
bool prefers_async(const std::string& prefer) {
  const Poco::StringTokenizer preferences(prefer, ",", Poco::StringTokenizer::TOK_TRIM);
  return std::any_of(preferences.begin(), preferences.end(), [](const std::string& preference) {
    return Poco::icompare(Poco::trim(preference.substr(0, preference.find(';'))), "respond-async") == 0;
  });
}

ApiError invalid_input(const std::string& input, const std::string& message) {
  return ApiError(400, "invalid_parameter_value", message, {{"/inputs/" + input, message}});
}

// An input's value as given inline: a bare value, or a qualified one
// ({"value": …}) unless the input itself is an object.
json input_value(const std::string& id, const json& given, const json& schema) {
  if (!given.is_object() || schema.value("type", "") == "object") return given;
  if (given.contains("href")) {
    throw invalid_input(id, "input '" + id + "' is given by reference (href); weft takes inputs by value only");
  }
  return given.contains("value") ? given["value"] : given;
}

// The run params of an execute request, each input checked against its schema.
json run_params(const WorkflowRecord& workflow, const json& document, const json& body) {
  const auto given = body.value("inputs", json::object());
  if (!given.is_object()) throw invalid_input("", "'inputs' must be an object of input ids and values");
  const auto inputs = process_inputs(document);
  json params = json::object();
  for (const auto& entry : given.items()) {
    const std::string& id = entry.key();
    const json& value = entry.value();
    const auto input =
        std::find_if(inputs.begin(), inputs.end(), [&](const ProcessInput& known) { return known.id == id; });
    if (input == inputs.end()) {
      throw invalid_input(id, "'" + id + "' is not an input of process '" + workflow.name + "'");
    }
    auto inline_value = input_value(id, value, input->schema);
    if (auto wrong = schema_violation(inline_value, input->schema)) {
      throw invalid_input(id, "input '" + id + "' " + *wrong);
    }
    params[id] = std::move(inline_value);
  }
  for (const auto& input : inputs) {
    if (input.required && !params.contains(input.id)) {
      throw invalid_input(input.id, "input '" + input.id + "' is required");
    }
  }
  return params;
}

// The outputs an execute request asks for (empty: all), each of them known
// and asked for by value.
std::vector<std::string> wanted_outputs(const WorkflowRecord& workflow, const json& document, const json& body) {
  const auto asked = body.value("outputs", json::object());
  if (!asked.is_object()) throw ApiError(400, "invalid_request", "'outputs' must be an object of output ids");
  const auto outputs = process_outputs(document);
  std::vector<std::string> wanted;
  for (const auto& entry : asked.items()) {
    const std::string& id = entry.key();
    const json& how = entry.value();
    if (std::none_of(outputs.begin(), outputs.end(), [&](const ProcessOutput& known) { return known.id == id; })) {
      throw ApiError(400, "invalid_request", "'" + id + "' is not an output of process '" + workflow.name + "'");
    }
    if (how.is_object() && how.value("transmissionMode", "value") != "value") {
      throw ApiError(400, "invalid_request",
                     "output '" + id + "': weft sends outputs by value only (transmissionMode 'value')");
    }
    wanted.push_back(id);
  }
  return wanted;
}

std::optional<int> progress_of(const std::vector<TaskRecord>& tasks) {
  if (tasks.empty()) return std::nullopt;
  const auto final =
      std::count_if(tasks.begin(), tasks.end(), [](const TaskRecord& t) { return sdk::is_final(t.status); });
  return static_cast<int>(final * 100 / static_cast<int64_t>(tasks.size()));
}

// A failed run says why only when the run itself failed (a timeout); when
// its nodes failed, they say.
RunRecord with_failure(RunRecord run, const std::vector<TaskRecord>& tasks) {
  if (run.status != sdk::RunStatus::failed || !run.error.empty()) return run;
  for (const auto& task : tasks) {
    if (task.status != sdk::TaskStatus::failed) continue;
    run.error += (run.error.empty() ? "" : "; ") + ("node '" + format_task_id(task) + "' failed: " + task.error);
  }
  return run;
}

std::string query_suffix(const std::map<std::string, std::string>& parameters) {
  std::string suffix;
  for (const auto& [name, value] : parameters) {
    if (!value.empty()) suffix += (suffix.empty() ? "?" : "&") + name + "=" + value;
  }
  return suffix;
}

json page_links(const std::string& self, std::map<std::string, std::string> parameters,
                const std::optional<std::string>& next_cursor) {
  json links = json::array();
  links.push_back({{"href", self + query_suffix(parameters)}, {"rel", "self"}, {"type", "application/json"}});
  if (next_cursor) {
    parameters["cursor"] = *next_cursor;
    links.push_back({{"href", self + query_suffix(parameters)}, {"rel", "next"}, {"type", "application/json"}});
  }
  return links;
}

}  // namespace

void OgcFace::add_to(Router& router) {
  const auto add = [&](const char* method, const char* pattern, std::optional<Role> role,
                       ApiReply (OgcFace::*endpoint)(const ApiRequest&) const, Waits waits = Waits::store,
                       const char* action = "") {
    router.add(
        method, pattern, role, [this, endpoint](const ApiRequest& request) { return (this->*endpoint)(request); },
        waits, action);
  };
  // What describes the API is public, as /api/v1/openapi.json is.
  add("GET", "/ogc", std::nullopt, &OgcFace::landing_page);
  add("GET", "/ogc/conformance", std::nullopt, &OgcFace::conformance);
  add("GET", "/ogc/api", std::nullopt, &OgcFace::api_description);
  add("GET", "/ogc/processes", Role::viewer, &OgcFace::list_processes);
  add("GET", "/ogc/processes/{processID}", Role::viewer, &OgcFace::describe_process);
  add("POST", "/ogc/processes/{processID}/execution", Role::operator_, &OgcFace::execute, Waits::scheduler,
      "run.create");
  add("GET", "/ogc/jobs", Role::viewer, &OgcFace::list_jobs);
  add("GET", "/ogc/jobs/{jobID}", Role::viewer, &OgcFace::get_job);
  add("DELETE", "/ogc/jobs/{jobID}", Role::operator_, &OgcFace::dismiss_job, Waits::scheduler, "run.cancel");
  add("GET", "/ogc/jobs/{jobID}/results", Role::viewer, &OgcFace::job_results);
}

ApiReply OgcFace::landing_page(const ApiRequest& request) const {
  const std::string ogc = request.base_url + "/ogc";
  const auto link = [](const std::string& href, const char* rel, const char* type, const char* title) {
    return json{{"href", href}, {"rel", rel}, {"type", type}, {"title", title}};
  };
  return json_reply(
      200,
      {{"title", "weft"},
       {"description", "weft's workflows as OGC API – Processes: each workflow a process, each run a job"},
       {"links",
        {link(ogc, "self", "application/json", "this page"),
         link(ogc + "/api", "service-desc", "application/vnd.oai.openapi+json;version=3.0",
              "the API's OpenAPI description"),
         link(ogc + "/conformance", "http://www.opengis.net/def/rel/ogc/1.0/conformance", "application/json",
              "the conformance classes met"),
         link(ogc + "/processes", "http://www.opengis.net/def/rel/ogc/1.0/processes", "application/json",
              "the processes"),
         link(ogc + "/jobs", "http://www.opengis.net/def/rel/ogc/1.0/job-list", "application/json", "the jobs")}}});
}

ApiReply OgcFace::conformance(const ApiRequest&) const {
  json classes = json::array();
  for (const char* name : {"core", "ogc-process-description", "json", "oas30", "job-list", "dismiss"}) {
    classes.push_back(std::string(kConformancePrefix) + name);
  }
  return json_reply(200, {{"conformsTo", std::move(classes)}});
}

ApiReply OgcFace::api_description(const ApiRequest&) const {
  ApiReply reply;
  reply.content_type = "application/vnd.oai.openapi+json;version=3.0";
  reply.body = std::string(ogc_openapi_document());
  return reply;
}

// By name; a page ends before the first name after `cursor`'s.
ApiReply OgcFace::list_processes(const ApiRequest& request) const {
  const auto limit = integer_parameter(request.query, "limit", kDefaultLimit, 1, kMostLimit);
  const auto cursor = text_parameter(request.query, "cursor");
  auto workflows = context_.store.list_workflows();
  std::sort(workflows.begin(), workflows.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  OrderedJson processes = OrderedJson::array();
  std::optional<std::string> next;
  for (const auto& workflow : workflows) {
    if (workflow.deleted || workflow.name <= cursor || !in_callers_scope(request, workflow.name)) continue;
    if (static_cast<int64_t>(processes.size()) == limit) {
      next = processes.back()["id"].get<std::string>();
      break;
    }
    processes.push_back(process_summary(workflow, stored_json(workflow.document_json), request.base_url));
  }
  OrderedJson body = {{"processes", std::move(processes)}};
  body["links"] =
      page_links(request.base_url + "/ogc/processes", {{"limit", std::to_string(limit)}, {"cursor", cursor}}, next);
  return ordered_reply(200, body);
}

// A process outside a scoped token's workflows is not shown to it (the rest
// of the API shows every workflow to every reader: see docs/ogc.md).
WorkflowRecord OgcFace::existing_process(const ApiRequest& request, const std::string& id) const {
  auto workflow = context_.store.get_workflow(id, 0);
  if (!workflow || workflow->deleted || !in_callers_scope(request, id)) {
    throw ogc_error(404, kNoSuchProcess, "there is no process '" + id + "'");
  }
  return std::move(*workflow);
}

ApiReply OgcFace::describe_process(const ApiRequest& request) const {
  const auto workflow = existing_process(request, request.captures.at(0));
  return ordered_reply(200, process_description(workflow, stored_json(workflow.document_json), request.base_url));
}

ApiReply OgcFace::execute(const ApiRequest& request) const {
  const auto workflow = existing_process(request, request.captures.at(0));
  const auto document = stored_json(workflow.document_json);
  const auto body = parse_object_body(request.body, true);
  const auto response = body.value("response", json("raw"));
  if (response != "raw" && response != "document") {
    throw ApiError(400, "invalid_request", "'response' must be 'raw' or 'document'");
  }
  const auto wanted = wanted_outputs(workflow, document, body);
  RunRequest run_request;
  run_request.workflow = workflow.name;
  run_request.params = run_params(workflow, document, body);
  const auto created = value_or_raise(context_.commands.create_run(run_request));
  if (prefers_async(request.prefer)) return job_created(request, created.id, true);

  RunEnds::Watch watch(context_.run_ends, created.id);
  const auto deadline = std::chrono::steady_clock::now() + context_.sync_wait;
  auto run = context_.store.get_run(created.id);
  if (run && !sdk::is_final(run->status)) {
    watch.wait_until(deadline);
    run = context_.store.get_run(created.id);
  }
  // Not over in time (or driven by another weftd, whose end this one does
  // not hear of): the client follows it as an asynchronous job.
  if (!run || !sdk::is_final(run->status)) return job_created(request, created.id, false);
  const auto tasks = context_.store.list_tasks(run->id);
  if (run->status != sdk::RunStatus::succeeded) {
    throw ApiError(500, "job_failed",
                   "job '" + run->id + "' " + job_status(run->status) + ": " + with_failure(*run, tasks).error);
  }
  const auto values = output_values(*run, tasks, wanted);
  if (response == "document") return document_results(values);
  const auto outputs = wanted.empty() ? process_outputs(document).size() : wanted.size();
  return raw_results(values, outputs == 1);
}

ApiReply OgcFace::job_created(const ApiRequest& request, const std::string& run_id, bool preference_applied) const {
  const auto run = context_.store.get_run(run_id);
  if (!run) throw ogc_error(404, kNoSuchJob, "job '" + run_id + "' is gone");
  auto reply = ordered_reply(201, status_info(*run, request.base_url));
  reply.headers.emplace_back("Location", request.base_url + "/ogc/jobs/" + run_id);
  if (preference_applied) reply.headers.emplace_back("Preference-Applied", "respond-async");
  return reply;
}

// Newest first, filtered by processID, status and the token's scope; a page
// ends before the first job older than `cursor` that passes the filters.
ApiReply OgcFace::list_jobs(const ApiRequest& request) const {
  const auto limit = integer_parameter(request.query, "limit", kDefaultLimit, 1, kMostLimit);
  const auto status =
      choice_parameter(request.query, "status", "", {"accepted", "running", "successful", "failed", "dismissed"});
  choice_parameter(request.query, "type", "process", {"process"});  // jobs are all of processes
  RunFilter filter;
  filter.workflow = text_parameter(request.query, "processID");
  filter.before_id = text_parameter(request.query, "cursor");
  const std::string first_cursor = filter.before_id;
  filter.limit = kScannedPerRead;
  std::vector<RunRecord> page;
  for (bool exhausted = false; !exhausted && static_cast<int64_t>(page.size()) <= limit;) {
    const auto runs = context_.store.list_runs(filter);
    exhausted = runs.size() < static_cast<size_t>(filter.limit);
    for (const auto& run : runs) {
      filter.before_id = run.id;
      if (!in_callers_scope(request, run.workflow) || (!status.empty() && job_status(run.status) != status)) continue;
      page.push_back(run);
      if (static_cast<int64_t>(page.size()) > limit) break;
    }
  }
  std::optional<std::string> next;
  if (static_cast<int64_t>(page.size()) > limit) {
    page.resize(static_cast<size_t>(limit));
    next = page.back().id;
  }
  OrderedJson jobs = OrderedJson::array();
  for (const auto& run : page) jobs.push_back(status_info(run, request.base_url));
  OrderedJson body = {{"jobs", std::move(jobs)}};
  body["links"] = page_links(request.base_url + "/ogc/jobs",
                             {{"limit", std::to_string(limit)},
                              {"processID", text_parameter(request.query, "processID")},
                              {"status", status},
                              {"cursor", first_cursor}},
                             next);
  return ordered_reply(200, body);
}

// A job of a workflow outside a scoped token's workflows is not shown to it.
RunRecord OgcFace::existing_job(const ApiRequest& request) const {
  const auto& id = request.captures.at(0);
  auto run = context_.store.get_run(id);
  if (!run || !in_callers_scope(request, run->workflow))
    throw ogc_error(404, kNoSuchJob, "there is no job '" + id + "'");
  return std::move(*run);
}

ApiReply OgcFace::get_job(const ApiRequest& request) const {
  const auto run = existing_job(request);
  const auto tasks = context_.store.list_tasks(run.id);
  return ordered_reply(200, status_info(with_failure(run, tasks), request.base_url, progress_of(tasks)));
}

ApiReply OgcFace::job_results(const ApiRequest& request) const {
  const auto run = existing_job(request);
  const auto tasks = context_.store.list_tasks(run.id);
  switch (run.status) {
    case sdk::RunStatus::succeeded: return document_results(output_values(run, tasks, {}));
    case sdk::RunStatus::failed:
      throw ApiError(500, "job_failed", "job '" + run.id + "' failed: " + with_failure(run, tasks).error);
    case sdk::RunStatus::cancelled: throw ogc_error(404, kNoSuchJob, "job '" + run.id + "' was dismissed");
    default: throw ogc_error(404, kResultNotReady, "job '" + run.id + "' is " + job_status(run.status));
  }
}

// Dismissing cancels the run; weft keeps finished runs, so a job that ended
// otherwise cannot be dismissed.
ApiReply OgcFace::dismiss_job(const ApiRequest& request) const {
  auto run = existing_job(request);
  if (run.status != sdk::RunStatus::cancelled) {
    if (sdk::is_final(run.status)) {
      throw ApiError(
          409, "conflict",
          "job '" + run.id + "' is " + job_status(run.status) + "; weft keeps finished jobs with their results");
    }
    value_or_raise(context_.commands.cancel_run(run.id));
  }
  run.status = sdk::RunStatus::cancelled;  // the cancel is under way; its run's tasks stop shortly
  return ordered_reply(200, status_info(run, request.base_url));
}

}  // namespace weft::daemon
