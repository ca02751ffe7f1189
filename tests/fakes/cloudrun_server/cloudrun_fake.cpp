// One file: the fake's HTTP routes and the executions they start share the
// job and execution tables and their lock, and read best side by side.
#include "cloudrun_fake.hpp"

#include <algorithm>
#include <cstring>
#include <regex>

#include "fake_text.hpp"
#include "local_container.hpp"
#include "proto_schema.hpp"

namespace weft::fakes {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kRunTypes = "type.googleapis.com/google.cloud.run.v2.";

// Google's error body (google.rpc.Status in an "error" object), with the
// canonical code name of its HTTP status.
FakeReply google_error(int status, const std::string& message) {
  const char* code = status == 400   ? "INVALID_ARGUMENT"
                     : status == 401 ? "UNAUTHENTICATED"
                     : status == 403 ? "PERMISSION_DENIED"
                     : status == 404 ? "NOT_FOUND"
                     : status == 409 ? "ALREADY_EXISTS"
                     : status == 429 ? "RESOURCE_EXHAUSTED"
                     : status == 501 ? "UNIMPLEMENTED"
                     : status == 503 ? "UNAVAILABLE"
                                     : "INTERNAL";
  return {status, "application/json",
          json{{"error", {{"code", status}, {"message", message}, {"status", code}}}}.dump()};
}

FakeReply ok(const json& body) { return {200, "application/json", body.dump()}; }

json with_type(json message, const std::string& type) {
  message["@type"] = kRunTypes + type;
  return message;
}

// "12s", "0.5s": the JSON form of google.protobuf.Duration.
std::optional<std::chrono::milliseconds> duration(const json& value) {
  if (!value.is_string()) return std::nullopt;
  const std::string text = value.get<std::string>();
  return std::chrono::milliseconds(static_cast<int64_t>(std::stod(text.substr(0, text.size() - 1)) * 1000));
}

// A Logging query of comparisons joined by AND: path = "value", where a
// path is dotted fields, quoted where a key holds dots
// (labels."run.googleapis.com/execution_name"). nullopt: not understood.
std::optional<std::vector<std::pair<std::vector<std::string>, std::string>>> parse_filter(const std::string& filter) {
  static const std::regex term(
      R"re(\s*((?:[A-Za-z_][A-Za-z0-9_]*|"[^"]*")(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|"[^"]*"))*)\s*=\s*"([^"]*)"\s*)re");
  std::vector<std::pair<std::vector<std::string>, std::string>> terms;
  size_t start = 0;
  while (start <= filter.size()) {
    const auto and_at = filter.find(" AND ", start);
    const std::string text = filter.substr(start, and_at == std::string::npos ? std::string::npos : and_at - start);
    std::smatch m;
    if (!std::regex_match(text, m, term)) return std::nullopt;
    std::vector<std::string> path;
    static const std::regex segment(R"re("([^"]*)"|([A-Za-z_][A-Za-z0-9_]*))re");
    const std::string p = m[1].str();
    for (auto it = std::sregex_iterator(p.begin(), p.end(), segment); it != std::sregex_iterator(); ++it) {
      path.push_back((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
    }
    terms.emplace_back(path, m[2].str());
    if (and_at == std::string::npos) break;
    start = and_at + 5;
  }
  return terms;
}

bool matches(const json& entry, const std::vector<std::pair<std::vector<std::string>, std::string>>& terms) {
  return std::all_of(terms.begin(), terms.end(), [&](const auto& t) {
    const json* at = &entry;
    for (const auto& key : t.first) {
      if (!at->is_object() || !at->contains(key)) return false;
      at = &at->at(key);
    }
    return at->is_string() && at->get<std::string>() == t.second;
  });
}

}  // namespace

struct CloudRunFake::Execution {
  json execution;
  std::string operation;
  std::filesystem::path out;
  std::filesystem::path err;
  std::optional<Clock::time_point> deadline;
  bool cancelled = false;
  bool vanished = false;
  bool ended = false;
  uint64_t seq = 0;  // the order of creation
};

CloudRunFake::CloudRunFake(Options options)
    : options_(std::move(options)), schema_(proto_definitions_in(WEFT_CLOUDRUN_PROTOS)) {
  server_ = std::make_unique<FakeHttpsServer>(
      options_.dir, [this](const FakeRequest& r) { return handle(r); }, google_error);
  auth_ = std::make_unique<GoogleAuthFake>(options_.dir, server_->url(), options_.project);
}

CloudRunFake::~CloudRunFake() {
  server_.reset();
  std::vector<std::thread> runners;
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
    runners.swap(runners_);
  }
  for (auto& runner : runners) runner.join();
}

std::vector<std::string> CloudRunFake::violations() const {
  const std::lock_guard lock(mutex_);
  return violations_;
}

int CloudRunFake::calls(const std::string& what) const {
  const std::lock_guard lock(mutex_);
  const auto it = calls_.find(what);
  return it == calls_.end() ? 0 : it->second;
}

std::optional<json> CloudRunFake::execution(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  const auto it = executions_.find(name);
  if (it == executions_.end()) return std::nullopt;
  return it->second->execution;
}

void CloudRunFake::vanish(const std::string& execution_name) {
  const std::lock_guard lock(mutex_);
  const auto it = executions_.find(execution_name);
  if (it == executions_.end()) return;
  it->second->vanished = true;
  executions_.erase(it);
}

void CloudRunFake::note(const std::string& what) {
  const std::lock_guard lock(mutex_);
  ++calls_[what];
}

FakeReply CloudRunFake::handle(const FakeRequest& request) {
  if (auto token = auth_->handle(request)) return *token;
  if (!auth_->authorized(request)) {
    note("401");
    return google_error(401,
                        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
                        "cookie or other valid authentication credential.");
  }
  if (request.path == "/v2/entries:list" && request.method == "POST") return list_entries(request);
  static constexpr std::string_view kPrefix = "/v2/";
  auto parts = request.path.rfind(kPrefix, 0) == 0 ? split(request.path.substr(kPrefix.size()), '/')
                                                   : std::vector<std::string>{};
  if (parts.size() >= 5 && parts[0] == "projects" && parts[2] == "locations") {
    if (parts[1] == kForbiddenProject) {
      return google_error(403, "Permission denied on resource project " + parts[1] + " (or it may not exist).");
    }
    if (parts[1] != options_.project) return google_error(404, "Project '" + parts[1] + "' not found.");
    if (auto reply = route(request, parts)) return *reply;
  }
  const std::lock_guard lock(mutex_);
  violations_.push_back(request.method + " " + request.path + ": not a route of the Cloud Run or Logging protos");
  return google_error(404, "The requested URL " + request.path + " was not found on this server.");
}

// Routes under /v2/projects/<p>/locations/<l>/; nullopt: no such route.
std::optional<FakeReply> CloudRunFake::route(const FakeRequest& request, const std::vector<std::string>& parts) {
  const std::string location = "projects/" + parts[1] + "/locations/" + parts[3];
  const std::string& m = request.method;
  const auto verb = [&](const std::string& segment, const std::string& suffix) {
    return segment.size() > suffix.size() &&
           segment.compare(segment.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const auto before_colon = [](const std::string& s) { return s.substr(0, s.find(':')); };
  if (parts[4] == "operations" && parts.size() == 6 && m == "GET")
    return get_operation(location + "/operations/" + parts[5]);
  if (parts[4] != "jobs") return std::nullopt;
  if (parts.size() == 5 && m == "POST") return create_job(location, request);
  if (parts.size() == 6 && m == "POST" && verb(parts[5], ":run")) {
    return run_job(location + "/jobs/" + before_colon(parts[5]), request);
  }
  const std::string job = parts.size() >= 6 ? location + "/jobs/" + parts[5] : "";
  if (parts.size() == 6 && m == "GET") return get_job(job);
  if (parts.size() == 7 && parts[6] == "executions" && m == "GET") return list_executions(job, request);
  if (parts.size() == 8 && parts[6] == "executions" && m == "GET")
    return get_execution(job + "/executions/" + parts[7]);
  if (parts.size() == 8 && parts[6] == "executions" && m == "POST" && verb(parts[7], ":cancel")) {
    return cancel_execution(job + "/executions/" + before_colon(parts[7]), request);
  }
  return std::nullopt;
}

std::optional<FakeReply> CloudRunFake::refuse_body(const FakeRequest& request, const std::string& message, json& body,
                                                   const json& from_path) {
  body = json::parse(request.body.empty() ? "{}" : request.body, nullptr, false);
  std::vector<std::string> problems;
  if (body.is_discarded() || !body.is_object()) {
    problems.push_back("the body is not a JSON object");
  } else {
    // gRPC transcoding fills the fields the path binds before the message is read.
    json checked = body;
    checked.update(from_path);
    problems = schema_.problems(checked, message);
  }
  if (problems.empty()) return std::nullopt;
  std::string text;
  for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
  const std::lock_guard lock(mutex_);
  violations_.push_back(request.method + " " + request.path + ": not a " + message + ": " + text);
  return google_error(400, "Invalid JSON payload received. " + text);
}

FakeReply CloudRunFake::create_job(const std::string& parent, const FakeRequest& request) {
  note("POST jobs");
  json job;
  if (auto refused = refuse_body(request, "google.cloud.run.v2.Job", job)) return *refused;
  const std::string id = request.query_value("jobId");
  static const std::regex valid_id("[a-z]([-a-z0-9]{0,61}[a-z0-9])?");
  if (!std::regex_match(id, valid_id)) {
    return google_error(400, "Invalid value for field 'job_id': '" + id +
                                 "'. Must match regular expression '^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$'.");
  }
  const json containers = job["template"]["template"].value("containers", json::array());
  if (containers.empty()) return google_error(400, "template.template.containers: at least one container is required");
  const std::lock_guard lock(mutex_);
  const std::string name = parent + "/jobs/" + id;
  if (jobs_.count(name) != 0) return google_error(409, "Resource '" + id + "' already exists.");
  job["name"] = name;
  job["uid"] = "fake-job-uid-" + std::to_string(next_id_++);
  job["generation"] = "1";
  job["observedGeneration"] = "1";
  job["createTime"] = job["updateTime"] = now_rfc3339();
  job["etag"] = "\"fake-etag-1\"";
  jobs_[name] = job;
  return ok({{"name", parent + "/operations/" + job["uid"].get<std::string>()},
             {"metadata", with_type(job, "Job")},
             {"done", true},
             {"response", with_type(job, "Job")}});
}

FakeReply CloudRunFake::get_job(const std::string& name) {
  note("GET job");
  const std::lock_guard lock(mutex_);
  const auto it = jobs_.find(name);
  if (it == jobs_.end()) return google_error(404, "Resource '" + name + "' was not found");
  return ok(it->second);
}

FakeReply CloudRunFake::run_job(const std::string& job_name, const FakeRequest& request) {
  note("POST run");
  json body;
  if (auto refused = refuse_body(request, "google.cloud.run.v2.RunJobRequest", body, {{"name", job_name}})) {
    return *refused;
  }
  const json overrides = body.value("overrides", json::object());
  if (overrides.value("taskCount", 1) != 1) return google_error(400, "the fake plays executions of one task only");
  const std::lock_guard lock(mutex_);
  const auto job = jobs_.find(job_name);
  if (job == jobs_.end()) return google_error(404, "Resource '" + job_name + "' was not found");
  json task_template = job->second["template"]["template"];
  for (const auto& o : overrides.value("containerOverrides", json::array())) {
    auto& containers = task_template["containers"];
    const auto c = std::find_if(containers.begin(), containers.end(),
                                [&](const json& each) { return each.value("name", "") == o.value("name", ""); });
    if (c == containers.end()) {
      return google_error(400, "containerOverrides: no container named '" + o.value("name", "") + "' in the job");
    }
    if (!o.value("args", json::array()).empty() || o.value("clearArgs", false))
      (*c)["args"] = o.value("args", json::array());
    for (const auto& var : o.value("env", json::array())) {
      auto& env = (*c)["env"];
      if (!env.is_array()) env = json::array();
      const auto same = std::find_if(env.begin(), env.end(), [&](const json& e) { return e["name"] == var["name"]; });
      if (same != env.end()) env.erase(same);
      env.push_back(var);
    }
  }
  if (overrides.contains("timeout")) task_template["timeout"] = overrides["timeout"];
  const std::string id = job_name.substr(job_name.rfind('/') + 1) + "-x" + std::to_string(next_id_++);
  const std::string location = job_name.substr(0, job_name.find("/jobs/"));
  auto e = std::make_shared<Execution>();
  e->seq = next_id_;
  e->execution = {
      {"name", job_name + "/executions/" + id},
      {"uid", "fake-execution-uid-" + id},
      {"generation", "1"},
      {"labels", {{"run.googleapis.com/job", job_name.substr(job_name.rfind('/') + 1)}}},
      {"createTime", now_rfc3339()},
      {"startTime", now_rfc3339()},
      {"job", job_name.substr(job_name.rfind('/') + 1)},
      {"parallelism", 1},
      {"taskCount", 1},
      {"template", task_template},
      {"reconciling", true},
      {"runningCount", 1},
      {"logUri", "https://console.cloud.google.com/logs/viewer?execution=" + id},
      {"conditions",
       json::array({{{"type", "Completed"}, {"state", "CONDITION_PENDING"}, {"lastTransitionTime", now_rfc3339()}}})},
      {"etag", "\"fake-etag-1\""}};
  e->operation = location + "/operations/" + id;
  e->out = options_.dir / (id + ".out");
  e->err = options_.dir / (id + ".err");
  if (const auto timeout = duration(task_template.value("timeout", json()))) e->deadline = Clock::now() + *timeout;
  if (body.value("validateOnly", false)) return ok(operation_of(*e));
  executions_[e->execution["name"]] = e;
  operations_[e->operation] = e->execution["name"];
  runners_.emplace_back([this, e] { run(e); });
  return ok(operation_of(*e));
}

json CloudRunFake::operation_of(const Execution& e) const {
  json op = {{"name", e.operation}, {"metadata", with_type(e.execution, "Execution")}, {"done", e.ended}};
  if (!e.ended) return op;
  if (e.execution.value("succeededCount", 0) == 1) {
    op["response"] = with_type(e.execution, "Execution");
  } else {
    op["error"] = {{"code", 9}, {"message", e.execution["conditions"][0].value("message", "")}};
  }
  return op;
}

FakeReply CloudRunFake::get_operation(const std::string& name) {
  note("GET operation");
  const std::lock_guard lock(mutex_);
  const auto it = operations_.find(name);
  const auto e = it == operations_.end() ? executions_.end() : executions_.find(it->second);
  if (e == executions_.end()) return google_error(404, "Operation '" + name + "' was not found");
  return ok(operation_of(*e->second));
}

FakeReply CloudRunFake::list_executions(const std::string& job_name, const FakeRequest& request) {
  note("GET executions");
  const int page_size = std::clamp(std::atoi(request.query_value("pageSize").c_str()), 0, 1000);
  const size_t offset = std::strtoul(request.query_value("pageToken").c_str(), nullptr, 10);
  const std::lock_guard lock(mutex_);
  if (jobs_.count(job_name) == 0) return google_error(404, "Resource '" + job_name + "' was not found");
  // Newest first, as Cloud Run lists them.
  std::vector<const Execution*> of_job;
  for (const auto& [name, e] : executions_) {
    if (name.rfind(job_name + "/executions/", 0) == 0) of_job.push_back(e.get());
  }
  std::sort(of_job.begin(), of_job.end(), [](const Execution* a, const Execution* b) { return a->seq > b->seq; });
  const size_t limit = page_size == 0 ? 100 : static_cast<size_t>(page_size);
  json page = json::array();
  for (size_t i = offset; i < of_job.size() && page.size() < limit; ++i) page.push_back(of_job[i]->execution);
  json reply = {{"executions", page}};
  if (offset + page.size() < of_job.size()) reply["nextPageToken"] = std::to_string(offset + page.size());
  return ok(reply);
}

FakeReply CloudRunFake::get_execution(const std::string& name) {
  note("GET execution");
  const std::lock_guard lock(mutex_);
  const auto it = executions_.find(name);
  if (it == executions_.end()) return google_error(404, "Resource '" + name + "' was not found");
  return ok(it->second->execution);
}

FakeReply CloudRunFake::cancel_execution(const std::string& name, const FakeRequest& request) {
  note("POST cancel");
  json body;
  if (auto refused = refuse_body(request, "google.cloud.run.v2.CancelExecutionRequest", body, {{"name", name}})) {
    return *refused;
  }
  const std::lock_guard lock(mutex_);
  const auto it = executions_.find(name);
  if (it == executions_.end()) return google_error(404, "Resource '" + name + "' was not found");
  if (it->second->ended) return google_error(400, "Execution " + name + " has already completed.");
  it->second->cancelled = true;
  return ok(operation_of(*it->second));
}

FakeReply CloudRunFake::list_entries(const FakeRequest& request) {
  note("POST entries:list");
  json body;
  if (auto refused = refuse_body(request, "google.logging.v2.ListLogEntriesRequest", body)) return *refused;
  for (const auto& resource : body["resourceNames"]) {
    if (resource != "projects/" + options_.project) {
      return google_error(403, "The caller does not have permission on " + resource.get<std::string>());
    }
  }
  const auto terms = parse_filter(body.value("filter", ""));
  if (!terms) return google_error(400, "Unparseable filter: " + body.value("filter", ""));
  const std::string order = body.value("orderBy", "timestamp asc");
  if (order != "timestamp asc" && order != "timestamp desc") return google_error(400, "Invalid orderBy: " + order);
  const int page_size = std::clamp(body.value("pageSize", 50), 1, 1000);
  const size_t offset = std::strtoul(body.value("pageToken", "0").c_str(), nullptr, 10);
  const std::lock_guard lock(mutex_);
  std::vector<const json*> found;
  for (const auto& entry : entries_) {
    if (matches(entry, *terms)) found.push_back(&entry);
  }
  if (order == "timestamp desc") std::reverse(found.begin(), found.end());
  json page = json::array();
  for (size_t i = offset; i < found.size() && page.size() < static_cast<size_t>(page_size); ++i)
    page.push_back(*found[i]);
  json reply = {{"entries", page}};
  if (offset + page.size() < found.size()) reply["nextPageToken"] = std::to_string(offset + page.size());
  return ok(reply);
}

void CloudRunFake::run(const std::shared_ptr<Execution>& e) {
  ContainerSpec spec;
  {
    const std::lock_guard lock(mutex_);
    const json& c = e->execution["template"]["containers"][0];
    for (const auto& a : c.value("command", json::array())) spec.argv.push_back(a.get<std::string>());
    for (const auto& a : c.value("args", json::array())) spec.argv.push_back(a.get<std::string>());
    for (const auto& var : c.value("env", json::array())) spec.env[var.value("name", "")] = var.value("value", "");
    spec.working_dir = c.value("workingDir", "");
    spec.stdout_file = e->out;
    spec.stderr_file = e->err;
  }
  const pid_t pid = spec.argv.empty() ? -ENOENT : start_container(spec);
  std::unique_lock lock(mutex_);
  if (pid < 0) {
    std::ofstream(e->err, std::ios::app) << "exec: \"" << (spec.argv.empty() ? "" : spec.argv[0])
                                         << "\": " << std::strerror(-pid) << "\n";
    finish(*e, 127, "");
    return;
  }
  const auto stop_reason = [&]() -> std::string {
    if (e->cancelled) return "cancelled";
    if (e->deadline && Clock::now() >= *e->deadline) return "timeout";
    if (closing_ || e->vanished) return "deleted";
    return "";
  };
  const ContainerEnd end = wait_container(pid, lock, stop_reason, options_.kill_grace);
  finish(*e, end.exit_code, end.stop_reason);
}

void CloudRunFake::finish(Execution& e, int exit_code, const std::string& stop_reason) {
  json& x = e.execution;
  const std::string name = x["name"];
  const std::string job = x["job"];
  const std::string id = name.substr(name.rfind('/') + 1);
  // Cloud Run's logging agent: one entry a line, stdout and stderr in logs of their own.
  for (const auto& [file, stream] : {std::pair{e.out, "stdout"}, std::pair{e.err, "stderr"}}) {
    for (const auto& line : split(read_file(file).value_or(""), '\n')) {
      entries_.push_back(
          {{"logName", "projects/" + options_.project + "/logs/run.googleapis.com%2F" + stream},
           {"resource",
            {{"type", "cloud_run_job"},
             {"labels", {{"job_name", job}, {"location", split(name, '/')[3]}, {"project_id", options_.project}}}}},
           {"textPayload", line},
           {"timestamp", now_rfc3339()},
           {"receiveTimestamp", now_rfc3339()},
           {"severity", std::string(stream) == "stderr" ? "ERROR" : "DEFAULT"},
           {"insertId", "fake" + std::to_string(next_id_++)},
           {"labels",
            {{"run.googleapis.com/execution_name", id},
             {"run.googleapis.com/task_index", "0"},
             {"run.googleapis.com/task_attempt", "0"}}}});
    }
  }
  std::filesystem::remove(e.out);
  std::filesystem::remove(e.err);
  json condition = {{"type", "Completed"}, {"lastTransitionTime", now_rfc3339()}};
  x["runningCount"] = 0;
  if (stop_reason == "cancelled") {
    x["cancelledCount"] = 1;
    condition["state"] = "CONDITION_FAILED";
    condition["executionReason"] = "CANCELLED";
    condition["message"] = "The execution was cancelled.";
  } else if (stop_reason == "timeout") {
    x["failedCount"] = 1;
    condition["state"] = "CONDITION_FAILED";
    condition["message"] = "Task " + id + "-task0 failed: the task exceeded its timeout of " +
                           x["template"].value("timeout", std::string("?")) + ".";
  } else if (exit_code != 0) {
    x["failedCount"] = 1;
    condition["state"] = "CONDITION_FAILED";
    condition["executionReason"] = "NON_ZERO_EXIT_CODE";
    condition["message"] =
        "Task " + id + "-task0 failed: the container exited with exit code " + std::to_string(exit_code) + ".";
  } else {
    x["succeededCount"] = 1;
    condition["state"] = "CONDITION_SUCCEEDED";
    condition["message"] = "Execution " + id + " has completed successfully.";
  }
  x["conditions"] = json::array({condition});
  x["completionTime"] = now_rfc3339();
  x["reconciling"] = false;
  e.ended = true;
}

}  // namespace weft::fakes
