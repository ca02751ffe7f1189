#include "views.hpp"

#include "table.hpp"

namespace weft::cli {
namespace {

// object[key] when it is a string, else "".
std::string string_of(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

std::string task_label(const nlohmann::json& task) {
  const bool has_index = task.is_object() && task.contains("index") && task["index"].is_number();
  return cell(task, "node") + (has_index ? "[" + task["index"].dump() + "]" : "");
}

std::string workflow_label(const nlohmann::json& run) {
  return cell(run, "workflow") + (run.contains("version") ? " v" + cell(run, "version") : "");
}

// "paused" only for a pause `weft schedule resume` can undo; a schedule its
// own document disables is "disabled".
std::string schedule_state(const nlohmann::json& schedule) {
  if (!schedule.is_object()) return "-";
  if (schedule.value("paused", false)) return "paused";
  return schedule.value("enabled", true) ? "enabled" : "disabled";
}

}  // namespace

const nlohmann::json& items_of(const nlohmann::json& list) {
  static const nlohmann::json empty = nlohmann::json::array();
  if (list.is_object() && list.contains("items") && list["items"].is_array()) return list["items"];
  return list.is_array() ? list : empty;
}

void print_runs(std::ostream& out, const nlohmann::json& page) {
  Table table({"ID", "WORKFLOW", "STATUS", "CREATED", "FINISHED"});
  for (const auto& run : items_of(page)) {
    table.add_row(
        {cell(run, "id"), workflow_label(run), cell(run, "status"), cell(run, "created_at"), cell(run, "finished_at")});
  }
  table.print(out);
  if (!string_of(page, "next_cursor").empty()) {
    out << "(more: --cursor " << page["next_cursor"].get<std::string>() << ")\n";
  }
}

void print_workflows(std::ostream& out, const nlohmann::json& list) {
  Table table({"NAME", "VERSION", "CREATED", "DESCRIPTION"});
  for (const auto& workflow : items_of(list)) {
    table.add_row({cell(workflow, "name"), cell(workflow, "version"), cell(workflow, "created_at"),
                   cell(workflow, "description")});
  }
  table.print(out);
}

void print_schedules(std::ostream& out, const nlohmann::json& list) {
  Table table({"WORKFLOW", "CRON", "STATE", "NEXT FIRING", "LAST RUN"});
  for (const auto& schedule : items_of(list)) {
    const auto& last_run = schedule.is_object() ? schedule.value("last_run", nlohmann::json()) : nlohmann::json();
    table.add_row({workflow_label(schedule), cell(schedule, "cron"), schedule_state(schedule),
                   cell(schedule, "next_firing"),
                   last_run.is_object() ? cell(last_run, "id") + " (" + cell(last_run, "firing") + ")" : "-"});
  }
  table.print(out);
}

void print_queues(std::ostream& out, const nlohmann::json& list) {
  Table table({"QUEUE", "READY", "IN FLIGHT", "DEAD"});
  for (const auto& queue : items_of(list)) {
    table.add_row({cell(queue, "name"), cell(queue, "ready"), cell(queue, "in_flight"), cell(queue, "dead")});
  }
  table.print(out);
}

void print_queue(std::ostream& out, const nlohmann::json& queue) {
  print_queues(out, nlohmann::json{{"items", nlohmann::json::array({queue})}});
}

void print_dead_messages(std::ostream& out, const nlohmann::json& page) {
  Table table({"MESSAGE", "ENQUEUED", "DELIVERIES", "RUN", "FAILED", "ERROR"});
  for (const auto& message : items_of(page)) {
    const auto failure = message.is_object() ? message.value("failure", nlohmann::json()) : nlohmann::json();
    table.add_row({cell(message, "id"), cell(message, "enqueued_at"), cell(message, "deliveries"),
                   cell(failure, "run_id"), cell(failure, "at"), cell(failure, "error")});
  }
  table.print(out);
  if (page.is_object() && page.value("next_cursor", nlohmann::json()).is_string()) {
    out << "(more: --cursor " << page["next_cursor"].get<std::string>() << ")\n";
  }
}

void print_instances(std::ostream& out, const nlohmann::json& list) {
  if (list.is_object() && list.value("shared", true) == false) {
    out << "the store serves one weftd only: no other instances share it\n";
    return;
  }
  Table table({"INSTANCE", "ADDRESS", "LAST HEARTBEAT", "RUNS HELD"});
  for (const auto& instance : items_of(list)) {
    table.add_row({cell(instance, "id"), cell(instance, "address"), cell(instance, "last_heartbeat"),
                   cell(instance, "runs_held")});
  }
  table.print(out);
}

void print_tokens(std::ostream& out, const nlohmann::json& list) {
  Table table({"ID", "ROLE", "WORKFLOWS", "CREATED", "EXPIRES", "STATE", "DESCRIPTION"});
  for (const auto& token : items_of(list)) {
    const std::string state = token.value("revoked", false)   ? "revoked"
                              : token.value("expired", false) ? "expired"
                                                              : "valid";
    table.add_row({cell(token, "id"), cell(token, "role"), cell(token, "workflows"), cell(token, "created_at"),
                   cell(token, "expires_at"), state, cell(token, "description")});
  }
  table.print(out);
}

void print_audit(std::ostream& out, const nlohmann::json& page) {
  Table table({"TIME", "TOKEN", "ROLE", "ACTION", "TARGET", "STATUS", "MESSAGE"});
  for (const auto& entry : items_of(page)) {
    table.add_row({cell(entry, "at"), cell(entry, "token_id"), cell(entry, "role"), cell(entry, "action"),
                   cell(entry, "target"), cell(entry, "status"), cell(entry, "message")});
  }
  table.print(out);
  if (!string_of(page, "next_cursor").empty()) {
    out << "(more: --before " << page["next_cursor"].get<std::string>() << ")\n";
  }
}

void print_plugins(std::ostream& out, const nlohmann::json& list) {
  Table table({"NAME", "KIND", "VERSION", "ABI", "STATUS", "PROVIDES / ERROR"});
  for (const auto& plugin : items_of(list)) {
    const bool rejected = string_of(plugin, "status") == "rejected";
    table.add_row({cell(plugin, "name"), cell(plugin, "kind"), cell(plugin, "version"), cell(plugin, "abi"),
                   cell(plugin, "status"), rejected ? cell(plugin, "error") : cell(plugin, "provides")});
  }
  table.print(out);
}

void print_reload(std::ostream& out, const nlohmann::json& report) {
  const auto keys = [&report](const char* field) {
    std::string text;
    for (const auto& key : report.value(field, nlohmann::json::array())) {
      text += (text.empty() ? "" : ", ") + key.get<std::string>();
    }
    return text.empty() ? std::string("none") : text;
  };
  out << "applied: " << keys("applied") << '\n';
  out << "need a restart: " << keys("restart_required") << '\n';
  const nlohmann::json plugins{{"items", report.value("plugins", nlohmann::json::array())}};
  if (plugins["items"].empty()) {
    out << "no new plugin files\n";
  } else {
    print_plugins(out, plugins);
  }
}

namespace {

// A task another record names (a child run's, a cache hit's origin), as the API names tasks: "node" or "node[index]".
std::string task_of(const nlohmann::json& link) {
  const auto index = link.value("index", nlohmann::json());
  return cell(link, "node") + (index.is_number_integer() ? "[" + std::to_string(index.get<int64_t>()) + "]" : "");
}

// Where the task ran: its executor, or for a cache hit the task whose output it took.
std::string ran_on(const nlohmann::json& task) {
  if (const auto from = task.value("cached_from", nlohmann::json()); from.is_object()) {
    return "cached from " + cell(from, "run_id") + " " + task_of(from);
  }
  return cell(task, "executor");
}

}  // namespace

void print_run(std::ostream& out, const nlohmann::json& run, const nlohmann::json& tasks) {
  Table summary;
  summary.add_row({"run", cell(run, "id")});
  summary.add_row({"workflow", workflow_label(run)});
  summary.add_row({"status", cell(run, "status")});
  summary.add_row({"params", cell(run, "params")});
  summary.add_row({"created", cell(run, "created_at")});
  summary.add_row({"started", cell(run, "started_at")});
  summary.add_row({"finished", cell(run, "finished_at")});
  if (const auto parent = run.value("parent", nlohmann::json()); parent.is_object()) {
    summary.add_row({"parent", cell(parent, "run_id") + " task " + task_of(parent)});
  }
  summary.print(out);
  out << '\n';
  if (const auto children = run.value("children", nlohmann::json::array()); !children.empty()) {
    Table child_runs({"CHILD RUN", "WORKFLOW", "STATUS", "TASK"});
    for (const auto& child : children) {
      child_runs.add_row({cell(child, "id"), cell(child, "workflow"), cell(child, "status"), task_of(child)});
    }
    child_runs.print(out);
    out << '\n';
  }
  Table table({"TASK", "NODE", "STATUS", "ATTEMPT", "EXIT", "EXECUTOR", "STARTED", "FINISHED", "ERROR"});
  for (const auto& task : items_of(tasks)) {
    table.add_row({cell(task, "id"), task_label(task), cell(task, "status"), cell(task, "attempt"),
                   cell(task, "exit_code"), ran_on(task), cell(task, "started_at"), cell(task, "finished_at"),
                   cell(task, "error")});
  }
  table.print(out);
}

void print_failed_tasks(std::ostream& out, const nlohmann::json& tasks) {
  for (const auto& task : items_of(tasks)) {
    if (string_of(task, "status") != "failed") continue;
    out << "  task " << cell(task, "id") << " (" << task_label(task) << ") failed after attempt "
        << cell(task, "attempt") << ", exit code " << cell(task, "exit_code") << ": " << cell(task, "error") << '\n';
  }
}

void print_api_problems(std::ostream& out, const nlohmann::json& details) {
  if (!details.is_array()) return;
  for (const auto& detail : details) {
    const std::string path = string_of(detail, "path");
    out << "  " << (path.empty() ? "(document)" : path) << ": " << cell(detail, "message") << '\n';
  }
}

}  // namespace weft::cli
