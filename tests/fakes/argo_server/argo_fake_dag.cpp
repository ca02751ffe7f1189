// The fake argo-server's DAG workflows: a DAG template's tasks run as their
// dependencies succeed, each as one pod, or one per element of its withParam
// list; the workflow fails once a pod fails and nothing runs any more, as
// Argo's DAGs do without continueOn. Status nodes as Argo writes them: the
// DAG's own node named after the workflow, "<workflow>.<task>" for a task
// (a TaskGroup over withParam), "<workflow>.<task>(<n>:<item>)" for its
// elements.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <thread>

#include "argo_fake.hpp"
#include "fake_text.hpp"
#include "pod_process.hpp"

namespace weft::fakes {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const json* find_template(const json& spec, const std::string& name) {
  const auto templates = spec.find("templates");
  if (templates == spec.end() || !templates->is_array()) return nullptr;
  for (const auto& t : *templates) {
    if (t.value("name", "") == name) return &t;
  }
  return nullptr;
}

// {{item}} as Argo renders it: a string as itself, anything else as JSON.
std::string item_text(const json& item) { return item.is_string() ? item.get<std::string>() : item.dump(); }

struct RunningPod {
  pid_t pid = -1;
  std::string node_id;
  std::string task;
  json tmpl;  // with its inputs and pod name filled in
};

}  // namespace

std::optional<std::string> ArgoFake::dag_problem(const json& spec) {
  const json* entry = find_template(spec, spec.value("entrypoint", ""));
  std::set<std::string> names;
  for (const auto& task : entry->at("dag").value("tasks", json::array())) {
    const std::string name = task.value("name", "");
    if (!names.insert(name).second) return "templates.weft-dag.tasks." + name + " is not unique";
    const json* tmpl = find_template(spec, task.value("template", ""));
    if (tmpl == nullptr || !tmpl->contains("container")) {
      return "templates." + entry->value("name", "") + ".tasks." + name +
             ": the fake plays DAG tasks of container templates only";
    }
    for (const auto& dependency : task.value("dependencies", json::array())) {
      if (names.count(dependency.get<std::string>()) == 0) {
        return "templates." + entry->value("name", "") + ".tasks." + name + " dependency \"" +
               dependency.get<std::string>() + "\" not defined (before it)";
      }
    }
  }
  return std::nullopt;
}

void ArgoFake::run_dag(const std::string& name) {
  std::unique_lock lock(mutex_);
  const auto found = pods_.find(name);
  if (found == pods_.end()) return;
  const std::shared_ptr<Pod> wf = found->second;
  const json spec = wf->workflow["spec"];
  const json tasks = find_template(spec, spec["entrypoint"])->at("dag")["tasks"];
  auto& status = wf->workflow["status"];
  status["phase"] = "Running";
  status["nodes"][name] = {{"id", name},    {"name", name},       {"displayName", name},
                           {"type", "DAG"}, {"phase", "Running"}, {"startedAt", now_rfc3339()}};
  std::map<std::string, std::string> task_phase;  // by task: Running, Succeeded, Failed; absent: not started
  const auto succeeded = [&](const std::string& task) {
    const auto it = task_phase.find(task);
    return it != task_phase.end() && it->second == "Succeeded";
  };
  std::map<std::string, int> pods_left;        // by task: its pods still running
  std::map<std::string, std::string> outputs;  // "tasks.<task>.outputs.parameters.<p>" -> value
  std::vector<RunningPod> running;
  std::string failure;
  int next_pod = 0;

  const auto touch = [&] { wf->workflow["metadata"]["resourceVersion"] = std::to_string(++resource_version_); };
  // Starts one pod of the task; its node is added under `parent`.
  const auto start_pod = [&](const json& task, const std::string& node_name, const std::string& display,
                             const std::map<std::string, std::string>& inputs, const std::string& parent) {
    const std::string node_id = name + "-" + std::to_string(++next_pod);
    std::map<std::string, std::string> variables = {{"pod.name", node_id}};
    for (const auto& [input, value] : inputs) variables["inputs.parameters." + input] = value;
    RunningPod pod{-1, node_id, task.value("name", ""),
                   substitute(*find_template(spec, task.value("template", "")), variables)};
    json node = {{"id", node_id},        {"name", node_name},         {"displayName", display},
                 {"type", "Pod"},        {"phase", "Running"},        {"templateName", task.value("template", "")},
                 {"boundaryID", parent}, {"startedAt", now_rfc3339()}};
    std::string error;
    pod.pid = spawn_container(pod.tmpl["container"], options_.dir / (node_id + ".log"), error);
    if (pod.pid < 0) {
      node["phase"] = "Error";
      node["message"] = error;
      node["finishedAt"] = now_rfc3339();
      failure = error;
      task_phase[pod.task] = "Failed";
    } else {
      running.push_back(pod);
      ++pods_left[pod.task];
    }
    status["nodes"][node_id] = node;
    status["nodes"][parent]["children"].push_back(node_id);
  };
  // The task's arguments, with what its dependencies output and its item filled in.
  const auto arguments = [&](const json& task, const std::optional<json>& item) {
    std::map<std::string, std::string> variables = outputs;
    if (item) variables["item"] = item_text(*item);
    std::map<std::string, std::string> inputs;
    for (const auto& p : task.value("arguments", json::object()).value("parameters", json::array())) {
      inputs[p.value("name", "")] = substitute(p.value("value", ""), variables).get<std::string>();
    }
    return inputs;
  };
  const auto start_task = [&](const json& task) {
    const std::string task_name = task.value("name", "");
    const std::string node_name = name + "." + task_name;
    task_phase[task_name] = "Running";
    if (!task.contains("withParam")) return start_pod(task, node_name, task_name, arguments(task, std::nullopt), name);
    const json items = json::parse(substitute(task["withParam"], outputs).get<std::string>(), nullptr, false);
    const std::string group_id = name + "-" + std::to_string(++next_pod);
    status["nodes"][group_id] = {
        {"id", group_id},     {"name", node_name},  {"displayName", task_name},  {"type", "TaskGroup"},
        {"phase", "Running"}, {"boundaryID", name}, {"startedAt", now_rfc3339()}};
    if (!items.is_array()) {
      failure = "withParam value could not be parsed as a JSON list: " + task["withParam"].get<std::string>();
      status["nodes"][group_id]["phase"] = "Error";
      task_phase[task_name] = "Failed";
      return;
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string suffix = "(" + std::to_string(i) + ":" + item_text(items[i]) + ")";
      start_pod(task, node_name + suffix, task_name + suffix, arguments(task, items[i]), group_id);
    }
    if (items.empty()) task_phase[task_name] = "Succeeded";
  };
  const auto reap = [&](RunningPod& pod, int wait_status, const std::string& reason) {
    const int exit_code = WIFSIGNALED(wait_status) ? 128 + WTERMSIG(wait_status) : WEXITSTATUS(wait_status);
    auto& node = status["nodes"][pod.node_id];
    std::string missing;
    const json parameters = output_parameters(pod.tmpl, true, missing);
    node["outputs"] = {{"exitCode", std::to_string(exit_code)}};
    if (!parameters.empty()) node["outputs"]["parameters"] = parameters;
    node["finishedAt"] = now_rfc3339();
    std::string message = !reason.empty()    ? reason
                          : !missing.empty() ? missing
                          : exit_code != 0   ? "Error (exit code " + std::to_string(exit_code) + ")"
                                             : "";
    node["phase"] = !missing.empty() ? "Error" : message.empty() ? "Succeeded" : "Failed";
    if (!message.empty()) {
      node["message"] = message;
      failure = message;
      task_phase[pod.task] = "Failed";
    }
    // A task that is one pod outputs what its pod does (an element's outputs are its own).
    if (node.value("boundaryID", "") == name) {
      for (const auto& p : parameters) {
        outputs["tasks." + pod.task + ".outputs.parameters." + p.value("name", "")] = p.value("value", "");
      }
    }
    if (--pods_left[pod.task] == 0 && task_phase[pod.task] == "Running") task_phase[pod.task] = "Succeeded";
  };

  std::string stop_reason;
  std::optional<Clock::time_point> kill_at;
  while (true) {
    if (stop_reason.empty() && (closing_ || wf->vanished || !wf->stop_strategy.empty())) {
      stop_reason = wf->stop_strategy.empty() ? "pod deleted" : "Stopped with strategy '" + wf->stop_strategy + "'";
      for (const auto& pod : running) ::kill(-pod.pid, SIGTERM);
      kill_at = Clock::now() + options_.kill_grace;
      if (failure.empty()) failure = stop_reason;
    }
    if (kill_at && Clock::now() >= *kill_at) {
      for (const auto& pod : running) ::kill(-pod.pid, SIGKILL);
    }
    for (auto pod = running.begin(); pod != running.end();) {
      int wait_status = 0;
      if (::waitpid(pod->pid, &wait_status, WNOHANG) == pod->pid) {
        ::kill(-pod->pid, SIGKILL);  // the container's other processes end with it, as a pod's do
        reap(*pod, wait_status, stop_reason);
        pod = running.erase(pod);
        touch();
      } else {
        ++pod;
      }
    }
    if (failure.empty()) {
      for (const auto& task : tasks) {
        const std::string task_name = task.value("name", "");
        if (task_phase.count(task_name) != 0) continue;
        const auto deps = task.value("dependencies", json::array());
        if (std::all_of(deps.begin(), deps.end(), [&](const json& d) { return succeeded(d.get<std::string>()); })) {
          start_task(task);
          touch();
        }
      }
    }
    const bool all_done =
        std::all_of(tasks.begin(), tasks.end(), [&](const json& t) { return succeeded(t.value("name", "")); });
    if (running.empty() && (all_done || !failure.empty())) break;
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    lock.lock();
  }
  for (auto& [id, node] : status["nodes"].items()) {
    if (node.value("type", "") == "Pod") continue;
    const json children = node.value("children", json::array());
    const bool failed = std::any_of(children.begin(), children.end(), [&](const json& child) {
      return status["nodes"][child.get<std::string>()]["phase"] != "Succeeded";
    });
    node["phase"] = failed || (id == name && !failure.empty()) ? "Failed" : "Succeeded";
    node["finishedAt"] = now_rfc3339();
  }
  const std::string phase = failure.empty() ? "Succeeded" : "Failed";
  status["phase"] = phase;
  status["finishedAt"] = now_rfc3339();
  if (!failure.empty()) status["message"] = failure;
  status["progress"] = std::to_string(std::count_if(tasks.begin(), tasks.end(),
                                                    [&](const json& t) { return succeeded(t.value("name", "")); })) +
                       "/" + std::to_string(tasks.size());
  wf->workflow["metadata"]["labels"]["workflows.argoproj.io/completed"] = "true";
  wf->workflow["metadata"]["labels"]["workflows.argoproj.io/phase"] = phase;
  touch();
  wf->ended = true;
}

}  // namespace weft::fakes
