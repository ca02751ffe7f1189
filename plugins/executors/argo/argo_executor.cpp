#include "argo_executor.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "dag_manifest.hpp"
#include "remote_task.hpp"
#include "workflow_manifest.hpp"

namespace weft::argo {
namespace {

using nlohmann::json;

// The text of a log reply read whole: one {"result":{"content":..}} object a line.
std::string log_text(const std::string& body) {
  std::string text;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) text += log_line(line);
  return text;
}

}  // namespace

ArgoExecutor::ArgoExecutor(const sdk::Host& host, const nlohmann::json& config)
    : Executor(host), config_(ArgoConfig::parse(config)), http_(config_), logs_(config_, this->host()) {
  worker_ = std::thread([this] {
    queue_.drive(config_.poll_interval, {.submit = [this](Task& t) { submit(t); },
                                         .send_cancel = [this](Task& t) { send_cancel(t); },
                                         .poll = [this](const auto& running) { poll(running); },
                                         .finish = [this](Task& t) { finish(t); },
                                         .own_work = [this] { return submit_runs(); }});
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

void ArgoExecutor::start_run(const sdk::RunGraph& run) {
  auto submission = std::make_shared<Submission>();
  submission->key = dag_workflow_name(run.run_id);
  submission->request = dag_create_request(run, config_).dump();
  {
    const std::lock_guard lock(submissions_mutex_);
    submissions_[submission->key] = submission;
  }
  queue_.wake();
}

void ArgoExecutor::start(const sdk::TaskSpec& task) {
  auto t = std::make_shared<Task>();
  t->key = task.task_key;
  if (asks_for_dag(*task.command)) {
    t->name = dag_workflow_name(task.run_id);
    t->dag_node = task.node;
    t->index = task.index.value_or(-1);
    t->stage = Stage::running;
  } else {
    t->name = workflow_name(task.task_key);
    t->request = create_request(task, config_).dump();
  }
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
  if (asks_for_dag(*task.command)) {
    // The run's workflow, found by the run's id whatever weftd stored.
    t->name = dag_workflow_name(task.run_id);
    t->dag_node = task.node;
    t->index = task.index.value_or(-1);
  } else {
    t->name = external_id.empty() ? workflow_name(task.task_key) : std::string(external_id);
  }
  t->stdout_path = task.stdout_path;
  t->stderr_path = task.stderr_path;
  t->stage = Stage::running;
  queue_.add(t, true);
}

void ArgoExecutor::retry_later(Task& task, const std::string& why) {
  const auto wait = task.back_off(config_.max_backoff);
  host().warn("task " + task.key + ": " + why + "; trying again in " + std::to_string(wait.count()) + " ms");
}

void ArgoExecutor::forget(const Task& task) {
  logs_.finish(task.key, std::chrono::milliseconds(0));  // a lost task's stream ends with it
  queue_.forget(task.key);
}

void ArgoExecutor::submit(Task& task) {
  if (task.cancel_requested) {
    forget(task);
    host().task_finished(task.key, 1, "", "cancelled before its workflow was created in Argo");
    return;
  }
  try {
    const HttpReply reply = http_.request("POST", workflow_path(""), task.request);
    if (reply.status != 200 && reply.status != 409) {
      forget(task);
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

// Creates the DAG workflows of runs submitted whole; the tasks of a run whose
// workflow is not created yet wait for it (poll leaves them be). Then stops
// those of runs cancelled whole, each once its creation is done: a stop sent
// first would find nothing, and the workflow would run when created.
ArgoExecutor::Clock::time_point ArgoExecutor::submit_runs() {
  auto next_due = Clock::time_point::max();
  // The items of work whose next try is due; with after_creation, not those whose workflow is still to be created.
  const auto due = [&](const Submissions& work, bool after_creation) {
    std::vector<std::shared_ptr<Submission>> ready;
    const std::lock_guard lock(submissions_mutex_);
    for (const auto& [name, item] : work) {
      if (after_creation && submissions_.count(name) != 0) continue;
      if (Clock::now() < item->not_before) {
        next_due = std::min(next_due, item->not_before);
      } else {
        ready.push_back(item);
      }
    }
    return ready;
  };
  const auto done = [&](Submissions& work, const std::shared_ptr<Submission>& item) {
    const std::lock_guard lock(submissions_mutex_);
    if (const auto it = work.find(item->key); it != work.end() && it->second == item) work.erase(it);
  };
  const auto put_off = [&](Submission& item, const TransientError& e) {
    const auto wait = item.back_off(config_.max_backoff);
    host().warn("workflow " + item.key + ": " + e.what() + "; trying again in " + std::to_string(wait.count()) + " ms");
    next_due = std::min(next_due, item.not_before);
  };
  for (const auto& submission : due(submissions_, false)) {
    refused_runs_.erase(submission->key);  // a run handed whole again (retried) is asked anew
    try {
      const HttpReply reply = http_.request("POST", workflow_path(""), submission->request);
      // 409: an earlier attempt whose reply was lost created it.
      if (reply.status != 200 && reply.status != 409) {
        refused_runs_[submission->key] = "argo-server refused the run's workflow: " + describe_error(reply);
      }
      done(submissions_, submission);
    } catch (const TransientError& e) {
      put_off(*submission, e);
    }
  }
  for (const auto& stop : due(stops_, true)) {
    try {
      // Not 200: the workflow has ended already, or was never created (refused).
      const HttpReply reply = stop_workflow(stop->key);
      if (reply.status != 200) host().info("workflow " + stop->key + ": " + stop_verb() + ": " + describe_error(reply));
      done(stops_, stop);
    } catch (const TransientError& e) {
      put_off(*stop, e);
    }
  }
  return next_due;
}

void ArgoExecutor::cancel_run(std::string_view run_id) {
  auto stop = std::make_shared<Submission>();
  stop->key = dag_workflow_name(std::string(run_id));
  {
    const std::lock_guard lock(submissions_mutex_);
    stops_.emplace(stop->key, stop);  // a stop already queued is the same
  }
  queue_.wake();
}

std::string ArgoExecutor::stop_verb() const { return config_.stop_on_cancel ? "stop" : "terminate"; }

HttpReply ArgoExecutor::stop_workflow(const std::string& name) {
  const json body = {{"name", name}, {"namespace", config_.nspace}};
  return http_.request("PUT", workflow_path(name) + "/" + stop_verb(), body.dump());
}

void ArgoExecutor::send_cancel(Task& task) {
  try {
    const HttpReply reply = stop_workflow(task.name);
    task.cancel_sent = true;
    task.backoff = {};
    // A workflow that already ended cannot be stopped: the poll reports it.
    if (reply.status != 200) host().info("task " + task.key + ": " + stop_verb() + ": " + describe_error(reply));
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
  std::set<std::string> submitting;
  {
    const std::lock_guard lock(submissions_mutex_);
    for (const auto& [name, submission] : submissions_) submitting.insert(name);
  }
  std::map<std::string, HttpReply> fetched;
  std::set<std::string> told_refusal;  // the run's tasks under way all hear it in this loop
  for (const auto& t : running) {
    if (submitting.count(t->name) != 0) continue;
    if (const auto refused = refused_runs_.find(t->name); refused != refused_runs_.end() && !t->dag_node.empty()) {
      forget(*t);
      host().task_finished(t->key, 1, "", refused->second);
      told_refusal.insert(t->name);
      continue;
    }
    const auto it = by_name.find(t->name);
    if (it == by_name.end()) {
      check_missing(*t, fetched);
    } else {
      follow(*t, *it->second);
    }
  }
  for (const auto& name : told_refusal) refused_runs_.erase(name);
}

void ArgoExecutor::follow(Task& task, const json& workflow) {
  bool running = false;
  if (task.dag_node.empty()) {
    task.outcome = outcome_of(workflow);
    running = workflow.value("status", json::object()).value("phase", "") == "Running";
  } else {
    const DagTaskState state = dag_task_state(workflow, task.dag_node, task.index);
    if ((state.started || state.ended) && !task.started_reported) {
      task.started_reported = true;
      host().task_started(task.key, state.pod.empty() ? task.name : state.pod);
    }
    task.pod = state.pod;
    task.outcome = state.ended;
    running = state.started;
  }
  if (task.outcome) {
    task.stage = Stage::finishing;
  } else if (running && !logs_.following(task.key)) {
    logs_.follow(task.key, log_path(task), task.stdout_path);
  }
}

std::string ArgoExecutor::log_path(const Task& task) const {
  const std::string pod = task.dag_node.empty() ? "" : "podName=" + remote::url_encode(task.pod) + "&";
  return workflow_path(task.name) + "/log?" + pod + "logOptions.container=main";
}

void ArgoExecutor::check_missing(Task& task, std::map<std::string, HttpReply>& fetched) {
  try {
    auto cached = fetched.find(task.name);
    if (cached == fetched.end()) {
      cached = fetched.emplace(task.name, http_.request("GET", workflow_path(task.name))).first;
    }
    const HttpReply& reply = cached->second;
    if (reply.status == 404) {
      forget(task);
      host().task_lost(task.key, "the workflow " + task.name + " is not in the Argo namespace " + config_.nspace +
                                     " (never created, or deleted outside weft): " + describe_error(reply));
      return;
    }
    if (reply.status != 200) {
      host().warn("task " + task.key + ": reading workflow " + task.name + ": " + describe_error(reply));
      return;
    }
    const json wf = json::parse(reply.body, nullptr, false);
    if (!wf.is_discarded()) follow(task, wf);
  } catch (const TransientError& e) {
    host().warn("task " + task.key + ": " + e.what() + "; trying again at the next poll");
  }
}

void ArgoExecutor::finish(Task& task) {
  const bool of_dag = !task.dag_node.empty();
  // The stream has written the whole log, or it is read here at once.
  const bool streamed = logs_.finish(task.key, std::chrono::seconds(5));
  std::optional<std::string> logs;
  if (!streamed && (!of_dag || !task.pod.empty())) {
    try {
      const HttpReply reply = http_.request("GET", log_path(task));
      if (reply.status == 200) {
        logs = log_text(reply.body);
      } else {
        logs = "weft: the logs of workflow " + task.name + " could not be read: " + describe_error(reply) + "\n";
      }
    } catch (const TransientError& e) {
      retry_later(task, e.what());
      return;
    }
  }
  Outcome outcome = *task.outcome;
  std::vector<std::pair<std::string, std::string>> files = {{task.stderr_path, outcome.stderr_text}};
  if (logs) files.emplace_back(task.stdout_path, *logs);
  for (const auto& [path, text] : files) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out && outcome.error.empty()) outcome.error = "cannot write the task's log file " + path;
  }
  if (task.cancel_requested) outcome.error = "cancelled" + (outcome.error.empty() ? "" : ": " + outcome.error);
  // The run's workflow stays while its other tasks read it.
  if (config_.delete_after_finish && !of_dag) {
    try {
      const HttpReply reply = http_.request("DELETE", workflow_path(task.name));
      if (reply.status != 200) host().warn("deleting workflow " + task.name + ": " + describe_error(reply));
    } catch (const TransientError& e) {
      host().warn("deleting workflow " + task.name + ": " + e.what() + "; it stays in Argo");
    }
  }
  forget(task);
  host().task_finished(task.key, outcome.exit_code, outcome.output_json, outcome.error);
}

}  // namespace weft::argo
