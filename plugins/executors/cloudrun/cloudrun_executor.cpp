#include "cloudrun_executor.hpp"

#include <algorithm>
#include <fstream>

#include "job_template.hpp"
#include "remote_task.hpp"

namespace weft::cloudrun {
namespace {

using nlohmann::json;

std::string short_name(const std::string& name) { return name.substr(name.rfind('/') + 1); }

}  // namespace

CloudRunExecutor::CloudRunExecutor(const sdk::Host& host, const nlohmann::json& config)
    : Executor(host), config_(CloudRunConfig::parse(config)), api_(config_) {
  worker_ = std::thread([this] {
    queue_.drive(config_.poll_interval, {.submit = [this](Task& t) { submit(t); },
                                         .send_cancel = [this](Task& t) { send_cancel(t); },
                                         .poll = [this](const auto& running) { poll(running); },
                                         .finish = [this](Task& t) { finish(t); }});
  });
}

CloudRunExecutor::~CloudRunExecutor() {
  queue_.stop();
  worker_.join();
}

std::string CloudRunExecutor::location() const {
  return "projects/" + config_.project + "/locations/" + config_.region;
}

std::string CloudRunExecutor::job_url(const std::string& job_id) const {
  return config_.run_endpoint + "/v2/" + location() + "/jobs" + (job_id.empty() ? "" : "/" + job_id);
}

void CloudRunExecutor::start(const sdk::TaskSpec& task) {
  auto t = std::make_shared<Task>();
  t->key = task.task_key;
  JobSpec spec = job_for(task, config_);
  t->job_id = spec.id;
  t->job = std::move(spec.job);
  t->run_body = run_request(task, config_).dump();
  t->stdout_path = task.stdout_path;
  t->stderr_path = task.stderr_path;
  remote::make_empty_file(task.stdout_path);
  remote::make_empty_file(task.stderr_path);
  queue_.add(t);
}

bool CloudRunExecutor::cancel(std::string_view task_key) { return queue_.request_cancel(task_key); }

void CloudRunExecutor::recover(const sdk::TaskSpec& task, std::string_view external_id) {
  auto t = std::make_shared<Task>();
  t->key = task.task_key;
  t->execution = std::string(external_id);
  if (t->execution.empty()) {
    // Found by its key among its job's executions, or reported lost.
    try {
      t->job_id = job_for(task, config_).id;
    } catch (const std::invalid_argument& e) {
      host().task_lost(task.task_key, std::string("cannot tell which Cloud Run job ran the task: ") + e.what());
      return;
    }
  } else if (external_id.rfind(location() + "/jobs/", 0) != 0 ||
             external_id.find("/executions/") == std::string::npos) {
    host().task_lost(task.task_key, "\"" + t->execution + "\" is not the name of an execution in " + location());
    return;
  } else {
    const auto jobs_at = t->execution.find("/jobs/") + 6;
    t->job_id = t->execution.substr(jobs_at, t->execution.find('/', jobs_at) - jobs_at);
  }
  t->stdout_path = task.stdout_path;
  t->stderr_path = task.stderr_path;
  t->stage = Stage::running;
  queue_.add(t, true);
}

void CloudRunExecutor::poll(const std::vector<std::shared_ptr<Task>>& running) {
  std::map<std::string, std::vector<std::shared_ptr<Task>>> by_job;
  for (const auto& t : running) by_job[t->job_id].push_back(t);
  for (const auto& [job_id, tasks] : by_job) poll_job(job_id, tasks);
}

void CloudRunExecutor::retry_later(Task& task, const std::string& why) {
  const auto wait = task.back_off(config_.max_backoff);
  host().warn("task " + task.key + ": " + why + "; trying again in " + std::to_string(wait.count()) + " ms");
}

void CloudRunExecutor::fail(Task& task, const std::string& error) {
  queue_.forget(task.key);
  host().task_finished(task.key, 1, "", error);
}

bool CloudRunExecutor::ensure_job(Task& task) {
  if (jobs_known_.count(task.job_id) != 0) return true;
  HttpReply reply = api_.request("GET", job_url(task.job_id));
  if (reply.status == 404) {
    reply = api_.request("POST", job_url("") + "?jobId=" + remote::url_encode(task.job_id), task.job.dump());
    // 409: made meanwhile by another task (or an attempt whose reply was lost).
    if (reply.status == 409) reply.status = 200;
  }
  if (reply.status != 200) {
    fail(task, "Cloud Run refused the job " + task.job_id + ": " + describe_error(reply));
    return false;
  }
  jobs_known_.insert(task.job_id);
  return true;
}

void CloudRunExecutor::submit(Task& task) {
  if (task.cancel_requested && !task.look_first) {
    fail(task, "cancelled before its execution was started in Cloud Run");
    return;
  }
  try {
    if (!ensure_job(task)) return;
    if (task.look_first) {
      const auto found = list_executions(task.job_id, [&](const json& e) { return runs_task(e, task.key); });
      const auto it =
          found ? std::find_if(found->begin(), found->end(), [&](const json& e) { return runs_task(e, task.key); })
                : std::vector<json>::const_iterator{};
      if (found && it != found->end()) {
        task.execution = it->value("name", "");
        task.stage = Stage::running;
        host().task_started(task.key, task.execution);
        return;
      }
      if (task.cancel_requested) {
        fail(task, "cancelled before its execution was started in Cloud Run");
        return;
      }
    }
    task.look_first = true;  // from here on the run may reach Cloud Run whatever comes back
    const HttpReply reply = api_.request("POST", job_url(task.job_id) + ":run", task.run_body);
    if (reply.status == 404) jobs_known_.erase(task.job_id);  // deleted behind weft's back: made again next time
    const json op = json::parse(reply.body, nullptr, false);
    if (reply.status != 200 || !op.is_object()) {
      fail(task, "Cloud Run did not run the job " + task.job_id + ": " + describe_error(reply));
      return;
    }
    if (op.value("done", false) && op.contains("error")) {
      fail(task, "Cloud Run could not run the job " + task.job_id + ": " + op["error"].value("message", ""));
      return;
    }
    // RunJob's operation carries the Execution it made as its metadata.
    const std::string execution = op.value("metadata", json::object()).value("name", "");
    if (execution.empty()) {
      retry_later(task, "the operation " + op.value("name", "") + " does not name its execution yet");
      return;
    }
    task.execution = execution;
    task.stage = Stage::running;
    task.backoff = {};
    task.not_before = {};
    task.run_body.clear();
    host().task_started(task.key, task.execution);
  } catch (const TransientError& e) {
    retry_later(task, e.what());
  }
}

void CloudRunExecutor::send_cancel(Task& task) {
  if (task.execution.empty()) return;  // recovered by its key: the next poll names its execution
  try {
    const HttpReply reply = api_.request("POST", config_.run_endpoint + "/v2/" + task.execution + ":cancel", "{}");
    task.cancel_sent = true;
    task.backoff = {};
    // An execution that already ended cannot be cancelled: the poll reports it.
    if (reply.status != 200) host().info("task " + task.key + ": cancel: " + describe_error(reply));
  } catch (const TransientError& e) {
    retry_later(task, e.what());
  }
}

std::optional<std::vector<json>> CloudRunExecutor::list_executions(const std::string& job_id,
                                                                   const std::function<bool(const json&)>& last) {
  std::vector<json> seen;
  std::string page_token;
  do {
    std::string url = job_url(job_id) + "/executions?pageSize=100";
    if (!page_token.empty()) url += "&pageToken=" + remote::url_encode(page_token);
    const HttpReply reply = api_.request("GET", url);
    if (reply.status == 404) return std::nullopt;
    const json page = json::parse(reply.body, nullptr, false);
    if (reply.status != 200 || !page.is_object()) {
      throw TransientError("listing the executions of " + job_id + ": " + describe_error(reply));
    }
    for (const auto& e : page.value("executions", json::array())) {
      if (!e.is_object()) continue;
      seen.push_back(e);
      if (last(e)) return seen;
    }
    page_token = page.value("nextPageToken", "");
  } while (!page_token.empty());
  return seen;
}

void CloudRunExecutor::poll_job(const std::string& job_id, const std::vector<std::shared_ptr<Task>>& running) {
  // Newest first: the list is read as far as the oldest execution followed
  // (through, while a task recovered by its key is looked for).
  std::set<std::string> wanted;
  bool by_key = false;
  for (const auto& t : running) {
    if (t->execution.empty()) by_key = true;
    wanted.insert(t->execution);
  }
  std::optional<std::vector<json>> executions;
  try {
    executions = list_executions(job_id, [&](const json& e) {
      wanted.erase(e.value("name", ""));
      return !by_key && wanted.empty();
    });
  } catch (const TransientError& e) {
    host().warn(std::string("listing executions: ") + e.what() + "; trying again at the next poll");
    return;
  }
  std::map<std::string, const json*> by_name;
  if (executions) {
    for (const auto& e : *executions) by_name[e.value("name", "")] = &e;
  }
  for (const auto& t : running) {
    if (t->execution.empty()) {
      const auto it =
          std::find_if(by_name.begin(), by_name.end(), [&](const auto& e) { return runs_task(*e.second, t->key); });
      if (it == by_name.end()) {
        queue_.forget(t->key);
        host().task_lost(t->key, "no execution of the Cloud Run job " + job_id + " runs this task");
        continue;
      }
      t->execution = it->first;
    }
    const auto it = by_name.find(t->execution);
    if (it == by_name.end()) {
      check_missing(*t);
    } else if (ended(*it->second)) {
      t->ended = *it->second;
      t->stage = Stage::finishing;
      t->logs_deadline = Clock::now() + config_.log_wait;
    }
  }
}

void CloudRunExecutor::check_missing(Task& task) {
  try {
    const HttpReply reply = api_.request("GET", config_.run_endpoint + "/v2/" + task.execution);
    if (reply.status == 404 || reply.status == 400) {
      queue_.forget(task.key);
      host().task_lost(task.key, "the execution " + task.execution +
                                     " is not in Cloud Run (deleted outside weft): " + describe_error(reply));
      return;
    }
    if (reply.status != 200) {
      host().warn("task " + task.key + ": reading " + task.execution + ": " + describe_error(reply));
      return;
    }
    const json e = json::parse(reply.body, nullptr, false);
    if (e.is_object() && ended(e)) {
      task.ended = e;
      task.stage = Stage::finishing;
      task.logs_deadline = Clock::now() + config_.log_wait;
    }
  } catch (const TransientError& e) {
    host().warn("task " + task.key + ": " + e.what() + "; trying again at the next poll");
  }
}

void CloudRunExecutor::finish(Task& task) {
  std::vector<json> entries;
  try {
    const std::string filter = "resource.type=\"cloud_run_job\" AND labels.\"run.googleapis.com/execution_name\"=\"" +
                               short_name(task.execution) + "\"";
    std::string page_token;
    do {
      json request = {{"resourceNames", {"projects/" + config_.project}},
                      {"filter", filter},
                      {"orderBy", "timestamp asc"},
                      {"pageSize", 1000}};
      if (!page_token.empty()) request["pageToken"] = page_token;
      const HttpReply reply = api_.request("POST", config_.logging_endpoint + "/v2/entries:list", request.dump());
      const json page = json::parse(reply.body, nullptr, false);
      if (reply.status != 200 || !page.is_object()) {
        host().warn("task " + task.key + ": reading its logs: " + describe_error(reply));
        break;
      }
      for (const auto& e : page.value("entries", json::array())) entries.push_back(e);
      page_token = page.value("nextPageToken", "");
    } while (!page_token.empty());
  } catch (const TransientError& e) {
    retry_later(task, e.what());
    return;
  }
  const TaskLogs logs = logs_of(entries);
  if (!logs.exit_code && exits_by_itself(task.ended) && Clock::now() < task.logs_deadline) {
    // Cloud Logging has not received the wrapper's last line yet.
    retry_later(task, "the logs of " + short_name(task.execution) + " are not complete yet");
    return;
  }
  Outcome outcome = outcome_of(task.ended, logs);
  for (const auto& [path, text] :
       {std::pair{task.stdout_path, logs.stdout_text}, std::pair{task.stderr_path, logs.stderr_text}}) {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out && outcome.error.empty()) outcome.error = "cannot write the task's log file " + path;
  }
  if (task.cancel_requested) outcome.error = "cancelled" + (outcome.error.empty() ? "" : ": " + outcome.error);
  queue_.forget(task.key);
  host().task_finished(task.key, outcome.exit_code, outcome.output_json, outcome.error);
}

}  // namespace weft::cloudrun
