// One file: the fake's HTTP routes and the pods they start share the
// workflow table and its lock, and read best side by side.
#include "argo_fake.hpp"

#include <regex>

#include "fake_text.hpp"
#include "local_container.hpp"
#include "pod_process.hpp"

namespace weft::fakes {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// grpc-gateway's error body, with the gRPC code its HTTP status maps from.
FakeReply argo_error(int status, const std::string& message) {
  const int code = status == 400   ? 3
                   : status == 401 ? 16
                   : status == 403 ? 7
                   : status == 404 ? 5
                   : status == 409 ? 6
                   : status == 429 ? 8
                   : status == 501 ? 12
                   : status == 503 ? 14
                                   : 13;
  return {status, "application/json", json{{"code", code}, {"message", message}, {"details", json::array()}}.dump()};
}

FakeReply ok(const json& body) { return {200, "application/json", body.dump()}; }

// Kubernetes' rules for names (DNS-1123 subdomain) and label values.
bool valid_name(const std::string& name) {
  static const std::regex pattern("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  return name.size() <= 253 && std::regex_match(name, pattern);
}
bool valid_label_value(const std::string& value) {
  static const std::regex pattern("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");
  return value.size() <= 63 && std::regex_match(value, pattern);
}

// A label selector of equality terms: k=v, k==v, k!=v, k, !k.
bool selects(const std::string& selector, const json& labels) {
  for (const auto& term : split(selector, ',')) {
    if (term.empty()) continue;
    const auto label = [&](const std::string& key) -> std::optional<std::string> {
      if (!labels.is_object() || !labels.contains(key)) return std::nullopt;
      return labels.at(key).get<std::string>();
    };
    if (const auto ne = term.find("!="); ne != std::string::npos) {
      if (label(term.substr(0, ne)) == term.substr(ne + 2)) return false;
    } else if (const auto eq = term.find('='); eq != std::string::npos) {
      const auto value_at = term.compare(eq, 2, "==") == 0 ? eq + 2 : eq + 1;
      if (label(term.substr(0, eq)) != term.substr(value_at)) return false;
    } else if (term[0] == '!') {
      if (label(term.substr(1))) return false;
    } else if (!label(term)) {
      return false;
    }
  }
  return true;
}

}  // namespace

ArgoFake::ArgoFake(Options options) : options_(std::move(options)), schema_(SwaggerSchema::load(WEFT_ARGO_SWAGGER)) {
  server_ = std::make_unique<FakeHttpsServer>(
      options_.dir, [this](const FakeRequest& r) { return handle(r); }, argo_error);
  server_->require_token(options_.token);
}

ArgoFake::~ArgoFake() {
  stopping_streams_ = true;
  server_.reset();
  std::vector<std::thread> runners;
  {
    const std::lock_guard lock(mutex_);
    closing_ = true;
    runners.swap(runners_);
  }
  changed_.notify_all();
  for (auto& runner : runners) runner.join();
}

std::vector<std::string> ArgoFake::violations() const {
  const std::lock_guard lock(mutex_);
  return violations_;
}

int ArgoFake::calls(const std::string& what) const {
  const std::lock_guard lock(mutex_);
  const auto it = calls_.find(what);
  return it == calls_.end() ? 0 : it->second;
}

std::optional<json> ArgoFake::workflow(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  const auto it = pods_.find(name);
  if (it == pods_.end()) return std::nullopt;
  return it->second->workflow;
}

void ArgoFake::vanish(const std::string& name) {
  {
    const std::lock_guard lock(mutex_);
    const auto it = pods_.find(name);
    if (it == pods_.end()) return;
    it->second->vanished = true;
    pods_.erase(it);
  }
  changed_.notify_all();
}

void ArgoFake::note(const std::string& what) {
  const std::lock_guard lock(mutex_);
  ++calls_[what];
}

FakeReply ArgoFake::handle(const FakeRequest& request) {
  static constexpr std::string_view kPrefix = "/api/v1/workflows/";
  const auto unknown = [&] {
    const std::lock_guard lock(mutex_);
    violations_.push_back(request.method + " " + request.path + ": not a route of the swagger document");
    return argo_error(404, "Not Found");
  };
  if (request.path.rfind(kPrefix, 0) != 0) return unknown();
  const auto parts = split(request.path.substr(kPrefix.size()), '/');
  const std::string& m = request.method;
  if (parts.size() == 1 && m == "GET") return list(parts[0], request);
  if (parts.size() == 1 && m == "POST") return create(parts[0], request);
  if (parts.size() == 2 && m == "GET") return get(parts[0], parts[1]);
  if (parts.size() == 2 && m == "DELETE") return remove(parts[0], parts[1]);
  if (parts.size() == 3 && m == "PUT" && (parts[2] == "stop" || parts[2] == "terminate")) {
    return stop(parts[0], parts[1], request, parts[2] == "terminate");
  }
  if (parts.size() == 3 && m == "GET" && parts[2] == "log") return log(parts[0], parts[1], request);
  return unknown();
}

std::optional<FakeReply> ArgoFake::refuse_body(const FakeRequest& request, const std::string& definition, json& body) {
  body = json::parse(request.body, nullptr, false);
  std::vector<std::string> problems;
  if (body.is_discarded()) {
    problems.push_back("the body is not JSON");
  } else {
    problems = schema_.problems(body, definition);
  }
  if (problems.empty()) return std::nullopt;
  std::string text;
  for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
  const std::lock_guard lock(mutex_);
  violations_.push_back(request.method + " " + request.path + ": not a " + definition + ": " + text);
  return argo_error(400, "the body is not a " + definition + ": " + text);
}

FakeReply ArgoFake::create(const std::string& ns, const FakeRequest& request) {
  note("POST create");
  json body;
  if (auto refused = refuse_body(request, "io.argoproj.workflow.v1alpha1.WorkflowCreateRequest", body)) {
    return *refused;
  }
  if (!body.contains("workflow")) return argo_error(400, "workflow is required");
  json wf = body["workflow"];
  if (body.value("namespace", ns) != ns) return argo_error(400, "the body's namespace differs from the path's");
  if (!valid_name(ns) || ns.find('.') != std::string::npos) {
    return argo_error(400, "namespace: Invalid value: \"" + ns +
                               "\": a lowercase RFC 1123 label must consist of "
                               "lower case alphanumeric characters or '-'");
  }
  auto& meta = wf["metadata"];
  const json labels = meta.value("labels", json::object());
  for (const auto& [key, value] : labels.items()) {
    if (!valid_label_value(value.get<std::string>())) {
      return argo_error(400, "metadata.labels: Invalid value: \"" + value.get<std::string>() + "\" for " + key);
    }
  }
  const auto& spec = wf["spec"];
  const auto templates = spec.value("templates", json::array());
  const auto entry = std::find_if(templates.begin(), templates.end(),
                                  [&](const json& t) { return t.value("name", "") == spec.value("entrypoint", ""); });
  const bool dag = entry != templates.end() && entry->contains("dag");
  if (dag) {
    if (auto refused = dag_problem(spec)) return argo_error(400, *refused);
  } else if (templates.size() != 1 || !templates[0].contains("container") ||
             templates[0].value("name", "") != spec.value("entrypoint", "")) {
    return argo_error(400,
                      "the fake plays workflows of one container template, or of a DAG of them, named by the "
                      "entrypoint");
  }
  const std::lock_guard lock(mutex_);
  std::string name = meta.value("name", "");
  if (name.empty()) name = meta.value("generateName", "") + std::to_string(next_uid_);
  if (!valid_name(name)) return argo_error(400, "metadata.name: Invalid value: \"" + name + "\"");
  if (pods_.count(name) != 0) {
    return argo_error(409, "workflows.argoproj.io \"" + name + "\" already exists");
  }
  meta["name"] = name;
  meta["namespace"] = ns;
  meta["uid"] = "fake-uid-" + std::to_string(next_uid_++);
  meta["creationTimestamp"] = now_rfc3339();
  meta["resourceVersion"] = std::to_string(++resource_version_);
  wf["status"] = {{"phase", "Pending"}, {"startedAt", now_rfc3339()}, {"progress", "0/1"}, {"nodes", json::object()}};
  if (body.value("serverDryRun", false)) return ok(wf);
  auto pod = std::make_shared<Pod>();
  pod->workflow = wf;
  pod->log = options_.dir / (name + ".log");
  if (const auto deadline = templates[0].find("activeDeadlineSeconds"); deadline != templates[0].end()) {
    const double seconds = deadline->is_string() ? std::stod(deadline->get<std::string>()) : deadline->get<double>();
    pod->deadline = Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  }
  pods_[name] = pod;
  runners_.emplace_back([this, name, dag] { dag ? run_dag(name) : run_pod(name); });
  return ok(wf);
}

FakeReply ArgoFake::list(const std::string& ns, const FakeRequest& request) {
  note("GET list");
  const std::string selector = request.query_value("listOptions.labelSelector");
  const std::lock_guard lock(mutex_);
  json items = json::array();
  for (const auto& [name, pod] : pods_) {
    const auto& meta = pod->workflow["metadata"];
    if (meta.value("namespace", "") == ns && selects(selector, meta.value("labels", json::object()))) {
      items.push_back(pod->workflow);
    }
  }
  return ok({{"metadata", {{"resourceVersion", std::to_string(resource_version_)}}}, {"items", items}});
}

FakeReply ArgoFake::get(const std::string& ns, const std::string& name) {
  note("GET workflow");
  const std::lock_guard lock(mutex_);
  const auto it = pods_.find(name);
  if (it == pods_.end() || it->second->workflow["metadata"].value("namespace", "") != ns) {
    return argo_error(404, "workflows.argoproj.io \"" + name + "\" not found");
  }
  return ok(it->second->workflow);
}

FakeReply ArgoFake::stop(const std::string& ns, const std::string& name, const FakeRequest& request, bool terminate) {
  note(terminate ? "PUT terminate" : "PUT stop");
  json body;
  const std::string definition = terminate ? "io.argoproj.workflow.v1alpha1.WorkflowTerminateRequest"
                                           : "io.argoproj.workflow.v1alpha1.WorkflowStopRequest";
  if (auto refused = refuse_body(request, definition, body)) return *refused;
  {
    const std::lock_guard lock(mutex_);
    const auto it = pods_.find(name);
    if (it == pods_.end() || it->second->workflow["metadata"].value("namespace", "") != ns) {
      return argo_error(404, "workflows.argoproj.io \"" + name + "\" not found");
    }
    if (it->second->ended) return argo_error(400, "cannot shutdown a completed workflow");
    it->second->stop_strategy = terminate ? "Terminate" : "Stop";
  }
  changed_.notify_all();
  return get(ns, name);
}

FakeReply ArgoFake::remove(const std::string& ns, const std::string& name) {
  note("DELETE workflow");
  {
    const std::lock_guard lock(mutex_);
    const auto it = pods_.find(name);
    if (it == pods_.end() || it->second->workflow["metadata"].value("namespace", "") != ns) {
      return argo_error(404, "workflows.argoproj.io \"" + name + "\" not found");
    }
    it->second->vanished = true;
    pods_.erase(it);
  }
  changed_.notify_all();
  return ok(json::object());
}

FakeReply ArgoFake::log(const std::string& ns, const std::string& name, const FakeRequest& request) {
  note("GET log");
  std::filesystem::path file;
  const std::string pod_name = request.query_value("podName");
  {
    const std::lock_guard lock(mutex_);
    const auto it = pods_.find(name);
    if (it == pods_.end() || it->second->workflow["metadata"].value("namespace", "") != ns) {
      return argo_error(404, "workflows.argoproj.io \"" + name + "\" not found");
    }
    file = it->second->log;
    if (!pod_name.empty()) {
      if (!it->second->workflow["status"]["nodes"].contains(pod_name)) {
        return argo_error(404, "pods \"" + pod_name + "\" not found");
      }
      file = options_.dir / (pod_name + ".log");
    }
  }
  // grpc-gateway streams one {"result": ...} object a line.
  const auto entries = [pod_name = pod_name.empty() ? name : pod_name](const std::string& text) {
    std::string body;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      body += json{{"result", {{"content", line}, {"podName", pod_name}}}}.dump() + "\n";
    }
    return body;
  };
  if (request.query_value("logOptions.follow") != "true")
    return {200, "application/json", entries(read_file(file).value_or(""))};
  // Follow: each whole line as the pod writes it, until the pod has ended and all of it is sent.
  auto sent = std::make_shared<std::size_t>(0);
  FakeReply reply{200, "application/json", "", {}};
  reply.next_chunk = [this, name, pod_name, file, sent, entries](std::string& chunk) {
    while (!stopping_streams_) {
      bool ended = true;
      {
        const std::lock_guard lock(mutex_);
        const auto it = pods_.find(name);
        if (it != pods_.end()) {
          const json& wf = it->second->workflow;
          ended = pod_name.empty() ? it->second->ended
                                   : wf["status"]["nodes"].value(pod_name, json::object()).contains("finishedAt");
        }
      }
      const std::string text = read_file(file).value_or("");
      const auto end = text.rfind('\n');
      if (end != std::string::npos && end + 1 > *sent) {
        chunk = entries(text.substr(*sent, end + 1 - *sent));
        *sent = end + 1;
        return true;
      }
      if (ended) {
        if (text.size() > *sent) chunk = entries(text.substr(*sent));
        *sent = text.size();
        return !chunk.empty();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  };
  return reply;
}

void ArgoFake::run_pod(const std::string& name) {
  std::shared_ptr<Pod> pod;
  json container;
  {
    const std::lock_guard lock(mutex_);
    const auto it = pods_.find(name);
    if (it == pods_.end()) return;  // deleted before its pod was scheduled
    pod = it->second;
    container = pod->workflow["spec"]["templates"][0]["container"];
  }
  std::string spawn_error;
  const pid_t pid = spawn_container(container, pod->log, spawn_error);
  std::unique_lock lock(mutex_);
  if (pid < 0) {
    finish(*pod, "Error", spawn_error, std::nullopt);
    return;
  }
  pod->workflow["status"]["phase"] = "Running";
  pod->workflow["status"]["nodes"] = {{name,
                                       {{"id", name},
                                        {"name", name},
                                        {"displayName", name},
                                        {"type", "Pod"},
                                        {"templateName", "main"},
                                        {"phase", "Running"},
                                        {"startedAt", now_rfc3339()}}}};
  pod->workflow["metadata"]["resourceVersion"] = std::to_string(++resource_version_);

  const auto stop_reason = [&]() -> std::string {
    if (pod->deadline && Clock::now() >= *pod->deadline) {
      return "Pod was active on the node longer than the specified deadline";
    }
    if (!pod->stop_strategy.empty()) return "Stopped with strategy '" + pod->stop_strategy + "'";
    if (closing_ || pod->vanished) return "pod deleted";
    return "";
  };
  const ContainerEnd end = wait_container(pid, lock, stop_reason, options_.kill_grace);
  if (!end.stop_reason.empty()) {
    finish(*pod, "Failed", end.stop_reason, end.exit_code);
  } else if (end.exit_code != 0) {
    finish(*pod, "Failed", "Error (exit code " + std::to_string(end.exit_code) + ")", end.exit_code);
  } else {
    finish(*pod, "Succeeded", "", end.exit_code);
  }
}

void ArgoFake::finish(Pod& pod, const std::string& phase, const std::string& message, std::optional<int> exit_code) {
  std::string node_phase = phase;
  std::string node_message = message;
  json outputs = json::object();
  std::string missing;
  const json parameters = output_parameters(pod.workflow["spec"]["templates"][0], exit_code.has_value(), missing);
  if (!missing.empty()) {
    node_phase = "Error";
    node_message = missing;
  }
  if (!parameters.empty()) outputs["parameters"] = parameters;
  if (exit_code) outputs["exitCode"] = std::to_string(*exit_code);
  const std::string workflow_phase = node_phase == "Error" ? "Error" : phase;
  auto& status = pod.workflow["status"];
  const std::string name = pod.workflow["metadata"]["name"];
  auto& node = status["nodes"][name];
  node["id"] = name;
  node["name"] = name;
  node["type"] = "Pod";
  node["phase"] = node_phase;
  node["finishedAt"] = now_rfc3339();
  if (!node_message.empty()) node["message"] = node_message;
  if (!outputs.empty()) node["outputs"] = outputs;
  status["phase"] = workflow_phase;
  status["finishedAt"] = now_rfc3339();
  status["progress"] = workflow_phase == "Succeeded" ? "1/1" : "0/1";
  if (!node_message.empty()) status["message"] = node_message;
  pod.workflow["metadata"]["labels"]["workflows.argoproj.io/completed"] = "true";
  pod.workflow["metadata"]["labels"]["workflows.argoproj.io/phase"] = workflow_phase;
  pod.workflow["metadata"]["resourceVersion"] = std::to_string(++resource_version_);
  pod.ended = true;
}

}  // namespace weft::fakes
