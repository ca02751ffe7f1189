#include "argo_executor.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "remote_task.hpp"
#include "workflow_manifest.hpp"

namespace weft::argo {
namespace {

using nlohmann::json;

// The text of a log stream reply: one {"result":{"content":..}} object a line.
std::string log_text(const std::string& body) {
  std::string text;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("data: ", 0) == 0) line.erase(0, 6);  // in case a proxy turns it into an event stream
    const auto entry = json::parse(line, nullptr, false);
    if (!entry.is_object() || !entry.contains("result")) continue;
    text += entry["result"].value("content", "") + "\n";
  }
  return text;
}

}  // namespace

ArgoExecutor::ArgoExecutor(const sdk::Host& host, const nlohmann::json& config)
    : Executor(host), config_(ArgoConfig::parse(config)), http_(config_) {
  worker_ = std::thread([this] {
    queue_.drive(config_.poll_interval, {.submit = [this](Task& t) { submit(t); },
                                         .send_cancel = [this](Task& t) { send_cancel(t); },
                                         .poll = [this](const auto& running) { poll(running); },
                                         .finish = [this](Task& t) { finish(t); }});
  });
}

ArgoExecutor::~ArgoExecutor() {
  queue_.stop();
  worker_.join();
}

std::string ArgoExecutor::workflow_path(const std::string& name) const {
  return "/api/v1/workflows/" + remote::url_encode(config_.nspace) +
         (name.empty() ? "" : "/" + remote::url_encode(name));
}

void ArgoExecutor::start(const sdk::TaskSpec& task) {
  auto t = std::make_shared<Task>();
  t->key = task.task_key;
  t->name = workflow_name(task.task_key);
  t->request = create_request(task, config_).dump();
  t->stdout_path = task.stdout_path;
  t->stderr_path = task.stderr_path;
  remote::make_empty_file(task.stdout_path);
  remote::make_empty_file(task.stderr_path);
  queue_.add(t);
}

bool ArgoExecutor::cancel(std::string_view task_key) { return queue_.request_cancel(task_key); }

void ArgoExecutor::recover(const sdk::TaskSpec& task, std::string_view external_id) {
  auto t = std::make_shared<Task>();
  t->key = task.task_key;
  t->name = external_id.empty() ? workflow_name(task.task_key) : std::string(external_id);
  t->stdout_path = task.stdout_path;
  t->stderr_path = task.stderr_path;
  t->stage = Stage::running;
  queue_.add(t, true);
}

void ArgoExecutor::retry_later(Task& task, const std::string& why) {
  const auto wait = task.back_off(config_.max_backoff);
  host().warn("task " + task.key + ": " + why + "; trying again in " + std::to_string(wait.count()) + " ms");
}

void ArgoExecutor::submit(Task& task) {
  if (task.cancel_requested) {
    queue_.forget(task.key);
    host().task_finished(task.key, 1, "", "cancelled before its workflow was created in Argo");
    return;
  }
  try {
    const HttpReply reply = http_.request("POST", workflow_path(""), task.request);
    if (reply.status != 200 && reply.status != 409) {
      queue_.forget(task.key);
      host().task_finished(task.key, 1, "", "argo-server refused the workflow: " + describe_error(reply));
      return;
    }
    // 409: an earlier attempt whose reply was lost created it.
    task.stage = Stage::running;
    task.backoff = {};
    task.not_before = {};
    task.request.clear();
    host().task_started(task.key, task.name);
  } catch (const TransientError& e) {
    retry_later(task, e.what());
  }
}

void ArgoExecutor::send_cancel(Task& task) {
  const std::string verb = config_.stop_on_cancel ? "stop" : "terminate";
  const json body = {{"name", task.name}, {"namespace", config_.nspace}};
  try {
    const HttpReply reply = http_.request("PUT", workflow_path(task.name) + "/" + verb, body.dump());
    task.cancel_sent = true;
    task.backoff = {};
    // A workflow that already ended cannot be stopped: the poll reports it.
    if (reply.status != 200) host().info("task " + task.key + ": " + verb + ": " + describe_error(reply));
  } catch (const TransientError& e) {
    retry_later(task, e.what());
  }
}

void ArgoExecutor::poll(const std::vector<std::shared_ptr<Task>>& running) {
  json items;
  try {
    const HttpReply reply = http_.request(
        "GET", workflow_path("") + "?listOptions.labelSelector=" + remote::url_encode(unfinished_selector(config_)));
    if (reply.status != 200) {
      host().warn("listing workflows: " + describe_error(reply));
      return;
    }
    items = json::parse(reply.body, nullptr, false).value("items", json::array());
    if (!items.is_array()) items = json::array();  // an empty list comes as null
  } catch (const TransientError& e) {
    host().warn(std::string("listing workflows: ") + e.what() + "; trying again at the next poll");
    return;
  } catch (const json::exception& e) {
    host().warn(std::string("listing workflows: the reply is not a WorkflowList: ") + e.what());
    return;
  }
  std::map<std::string, const json*> by_name;
  for (const auto& wf : items) {
    if (wf.is_object()) by_name[wf.value("metadata", json::object()).value("name", "")] = &wf;
  }
  for (const auto& t : running) {
    const auto it = by_name.find(t->name);
    if (it == by_name.end()) {
      check_missing(*t);
    } else if (outcome_of(*it->second)) {
      t->workflow = *it->second;
      t->stage = Stage::finishing;
    }
  }
}

void ArgoExecutor::check_missing(Task& task) {
  try {
    const HttpReply reply = http_.request("GET", workflow_path(task.name));
    if (reply.status == 404) {
      queue_.forget(task.key);
      host().task_lost(task.key, "the workflow " + task.name + " is not in the Argo namespace " + config_.nspace +
                                     " (never created, or deleted outside weft): " + describe_error(reply));
      return;
    }
    if (reply.status != 200) {
      host().warn("task " + task.key + ": reading workflow " + task.name + ": " + describe_error(reply));
      return;
    }
    const json wf = json::parse(reply.body, nullptr, false);
    if (!wf.is_discarded() && outcome_of(wf)) {
      task.workflow = wf;
      task.stage = Stage::finishing;
    }
  } catch (const TransientError& e) {
    host().warn("task " + task.key + ": " + e.what() + "; trying again at the next poll");
  }
}

void ArgoExecutor::finish(Task& task) {
  std::string logs;
  try {
    const HttpReply reply = http_.request("GET", workflow_path(task.name) + "/log?logOptions.container=main");
    if (reply.status == 200) {
      logs = log_text(reply.body);
    } else {
      logs = "weft: the logs of workflow " + task.name + " could not be read: " + describe_error(reply) + "\n";
    }
  } catch (const TransientError& e) {
    retry_later(task, e.what());
    return;
  }
  Outcome outcome = *outcome_of(task.workflow);
  for (const auto& [path, text] :
       {std::pair{task.stdout_path, logs}, std::pair{task.stderr_path, outcome.stderr_text}}) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out && outcome.error.empty()) outcome.error = "cannot write the task's log file " + path;
  }
  if (task.cancel_requested) outcome.error = "cancelled" + (outcome.error.empty() ? "" : ": " + outcome.error);
  if (config_.delete_after_finish) {
    try {
      const HttpReply reply = http_.request("DELETE", workflow_path(task.name));
      if (reply.status != 200) host().warn("deleting workflow " + task.name + ": " + describe_error(reply));
    } catch (const TransientError& e) {
      host().warn("deleting workflow " + task.name + ": " + e.what() + "; it stays in Argo");
    }
  }
  queue_.forget(task.key);
  host().task_finished(task.key, outcome.exit_code, outcome.output_json, outcome.error);
}

}  // namespace weft::argo
