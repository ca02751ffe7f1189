#include "api/representation.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace weft::daemon {

namespace {

nlohmann::json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

// A task of another run (a run's parent task, a cache hit's origin), or null.
nlohmann::json task_ref_json(const sdk::TaskRef& task) {
  if (task.run_id.empty()) return nullptr;
  return {{"run_id", task.run_id},
          {"node", task.node},
          {"index", task.index >= 0 ? nlohmann::json(task.index) : nlohmann::json()}};
}

}  // namespace

nlohmann::json timestamp(int64_t ms_since_epoch) {
  if (ms_since_epoch == 0) return nullptr;
  const std::time_t seconds = static_cast<std::time_t>(ms_since_epoch / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms_since_epoch % 1000));
  return std::string(text, n) + millis;
}

nlohmann::json problems_json(const std::vector<Problem>& problems) {
  auto array = nlohmann::json::array();
  for (const auto& problem : problems) array.push_back({{"path", problem.path}, {"message", problem.message}});
  return array;
}

std::string format_task_id(const TaskId& id) {
  if (id.index < 0) return id.node;
  return id.node + "[" + std::to_string(id.index) + "]";
}

std::string format_task_id(const TaskRecord& task) { return format_task_id(TaskId{task.node, task.index}); }

std::optional<TaskId> parse_task_id(std::string_view text) {
  const auto open = text.find('[');
  if (open == std::string_view::npos) {
    if (text.empty() || text.find(']') != std::string_view::npos) return std::nullopt;
    return TaskId{std::string(text), -1};
  }
  if (open == 0 || !text.ends_with(']')) return std::nullopt;
  const std::string_view digits = text.substr(open + 1, text.size() - open - 2);
  int64_t index = -1;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() || index < 0) return std::nullopt;
  return TaskId{std::string(text.substr(0, open)), index};
}

nlohmann::json plugin_json(const PluginInfo& plugin) {
  nlohmann::json json = {{"name", plugin.name},        {"kind", plugin.kind},
                         {"version", plugin.version},  {"abi", plugin.abi},
                         {"path", plugin.path},        {"status", plugin.loaded ? "loaded" : "rejected"},
                         {"provides", plugin.provides}};
  if (!plugin.error.empty()) json["error"] = plugin.error;
  if (!plugin.unconfigured.empty()) json["unconfigured"] = plugin.unconfigured;
  return json;
}

nlohmann::json workflow_summary_json(const WorkflowRecord& workflow) {
  const auto document = stored_json(workflow.document_json);
  const auto description = document.is_object() ? document.value("description", nlohmann::json()) : nullptr;
  return {{"name", workflow.name},
          {"version", workflow.version},
          {"description", description},
          {"created_at", timestamp(workflow.created_at)}};
}

nlohmann::json workflow_json(const WorkflowRecord& workflow) {
  return {{"name", workflow.name},       {"version", workflow.version},
          {"digest", workflow.digest},   {"created_at", timestamp(workflow.created_at)},
          {"deleted", workflow.deleted}, {"document", stored_json(workflow.document_json)}};
}

nlohmann::json run_json(const RunRecord& run) {
  const auto params = stored_json(run.params_json);
  return {{"id", run.id},
          {"workflow", run.workflow},
          {"version", run.version > 0 ? nlohmann::json(run.version) : nlohmann::json(nullptr)},
          {"status", sdk::to_string(run.status)},
          {"params", params.is_null() ? nlohmann::json::object() : params},
          {"idempotency_key", text_or_null(run.idempotency_key)},
          {"error", text_or_null(run.error)},
          {"created_at", timestamp(run.created_at)},
          {"started_at", timestamp(run.started_at)},
          {"finished_at", timestamp(run.finished_at)},
          {"parent", task_ref_json({run.parent_run_id, run.parent_node, run.parent_index})}};
}

nlohmann::json run_detail_json(const RunRecord& run, const std::vector<TaskRecord>& tasks,
                               const std::vector<RunRecord>& children) {
  auto counts = nlohmann::json::object();
  for (const auto& task : tasks) {
    const std::string status(sdk::to_string(task.status));
    counts[status] = counts.value(status, 0) + 1;
  }
  auto json = run_json(run);
  json["tasks"] = std::move(counts);
  auto child_runs = nlohmann::json::array();
  for (const auto& child : children) {
    child_runs.push_back({{"id", child.id},
                          {"workflow", child.workflow},
                          {"status", sdk::to_string(child.status)},
                          {"node", child.parent_node},
                          {"index", child.parent_index >= 0 ? nlohmann::json(child.parent_index) : nlohmann::json()}});
  }
  json["children"] = std::move(child_runs);
  return json;
}

nlohmann::json task_json(const TaskRecord& task) {
  return {{"id", format_task_id(task)},
          {"node", task.node},
          {"index", task.index >= 0 ? nlohmann::json(task.index) : nlohmann::json(nullptr)},
          {"status", sdk::to_string(task.status)},
          {"attempt", task.attempt},
          {"exit_code", task.exit_code ? nlohmann::json(*task.exit_code) : nlohmann::json(nullptr)},
          {"executor", text_or_null(task.executor)},
          {"external_id", text_or_null(task.external_id)},
          {"started_at", timestamp(task.started_at)},
          {"finished_at", timestamp(task.finished_at)},
          {"error", text_or_null(task.error)},
          {"cache_key", text_or_null(task.cache_key)},
          {"cached_from", task_ref_json(task.cached_from)}};
}

nlohmann::json attempt_json(const AttemptRecord& attempt) {
  return {{"attempt", attempt.attempt},
          {"status", sdk::to_string(attempt.status)},
          {"exit_code", attempt.exit_code ? nlohmann::json(*attempt.exit_code) : nlohmann::json(nullptr)},
          {"error", text_or_null(attempt.error)},
          {"executor", text_or_null(attempt.executor)},
          {"external_id", text_or_null(attempt.external_id)},
          {"started_at", timestamp(attempt.started_at)},
          {"finished_at", timestamp(attempt.finished_at)}};
}

nlohmann::json run_event_json(const RunRecord& run) {
  auto data = run_json(run);
  data.erase("params");
  data.erase("idempotency_key");
  data.erase("parent");
  return data;
}

nlohmann::json task_event_json(const TaskRecord& task) {
  auto data = task_json(task);
  data["run_id"] = task.run_id;
  return data;
}

// last_run: the run of the latest firing this weftd knows of (null when none
// is known, e.g. for a schedule paused since before the last restart).
nlohmann::json schedule_json(const ScheduleView& schedule) {
  nlohmann::json last_run = nullptr;
  if (schedule.last_firing) last_run = {{"id", schedule.last_run_id}, {"firing", timestamp(*schedule.last_firing)}};
  return {{"workflow", schedule.workflow},
          {"version", schedule.version},
          {"cron", schedule.cron},
          {"enabled", schedule.enabled},
          {"paused", schedule.paused},
          {"next_firing", schedule.next_firing ? timestamp(*schedule.next_firing) : nlohmann::json(nullptr)},
          {"last_run", std::move(last_run)}};
}

nlohmann::json instance_json(const InstanceRecord& instance) {
  return {{"id", instance.id},
          {"address", instance.address},
          {"last_heartbeat", timestamp(instance.heartbeat_at)},
          {"runs_held", instance.runs_held}};
}

}  // namespace weft::daemon
