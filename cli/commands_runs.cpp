#include "commands.hpp"
#include "documents.hpp"
#include "params.hpp"
#include "run_events.hpp"
#include "views.hpp"

#include <utility>

namespace weft::cli {
namespace {

// Shared by run and exec: report the new run, then follow it with --wait.
int started(CommandContext& context, Response response) {
  const nlohmann::json run = std::move(response).checked().json();
  const std::string run_id = run.value("id", "");
  if (context.invocation.flag("--wait") && !run_id.empty()) return wait_for_run(context, run_id);
  if (context.json_output()) {
    context.print_json(run);
  } else {
    context.console.out << "run " << run_id << ' ' << run.value("status", "created") << '\n';
  }
  return 0;
}

// Shared by cancel, retry, pause and resume: a 202 with nothing to show but the acceptance.
int run_action(CommandContext& context, const std::string& action, const std::string& done) {
  const std::string& run_id = context.argument(0);
  const nlohmann::json body = context.api.post(run_path(run_id) + "/" + action).checked().json();
  if (context.invocation.flag("--wait")) return wait_for_run(context, run_id);
  if (context.json_output()) {
    context.print_json(body);
  } else {
    context.console.out << "run " << run_id << ": " << done << '\n';
  }
  return 0;
}

nlohmann::json params(const CommandContext& context) { return parse_params(context.invocation.values("--param")); }

}  // namespace

int run_workflow_command(CommandContext& context) {
  const nlohmann::json body{{"params", params(context)}, {"start", true}};
  return started(context, context.api.post("/api/v1/workflows/" + path_segment(context.argument(0)) + "/runs", body));
}

int exec_command(CommandContext& context) {
  const nlohmann::json body{{"workflow", read_json_file(context.argument(0))}, {"params", params(context)}};
  return started(context, context.api.post("/api/v1/runs", body));
}

int runs_command(CommandContext& context) {
  const auto& options = context.invocation;
  const std::string target = "/api/v1/runs" + query({{"workflow", options.value("--workflow")},
                                                     {"status", options.value("--status")},
                                                     {"limit", options.value("--limit")},
                                                     {"cursor", options.value("--cursor")}});
  const nlohmann::json runs = context.api.get(target).checked().json();
  if (context.json_output()) {
    context.print_json(runs);
  } else {
    print_runs(context.console.out, runs);
  }
  return 0;
}

namespace {

// One line per event: "<time> task <id> <status> (attempt N)", "<time> run <id> <status>";
// with -o json, one JSON object per line.
int watch_run(CommandContext& context, const std::string& run_id) {
  RunView view;
  follow_run(context.api, run_id, view, [&](const client::ServerEvent& event) {
    const auto data = nlohmann::json::parse(event.data, nullptr, false);
    if (context.json_output()) {
      context.console.out << nlohmann::json{{"event", event.type}, {"id", event.id}, {"data", data}}.dump() << '\n'
                          << std::flush;
      return;
    }
    if (!data.is_object()) return;
    if (event.type == "task") {
      context.console.out << "task " << data.value("id", "") << ' ' << data.value("status", "") << " (attempt "
                          << data.value("attempt", 0) << ")\n";
    } else if (event.type == "run") {
      context.console.out << "run " << data.value("id", "") << ' ' << data.value("status", "") << '\n';
    } else if (event.type == "reset") {
      context.console.out << "(events were missed; the run's state follows)\n";
    }
    context.console.out << std::flush;
  });
  return view.run().value("status", "") == "succeeded" ? 0 : 1;
}

}  // namespace

int status_command(CommandContext& context) {
  if (context.invocation.flag("--watch")) return watch_run(context, context.argument(0));
  const std::string path = run_path(context.argument(0));
  const nlohmann::json run = context.api.get(path).checked().json();
  if (context.json_output()) {
    context.print_json(run);
    return 0;
  }
  print_run(context.console.out, run, context.api.get(path + "/tasks").checked().json());
  return 0;
}

int cancel_command(CommandContext& context) { return run_action(context, "cancel", "cancel requested"); }

int retry_command(CommandContext& context) { return run_action(context, "retry", "retry requested"); }

int pause_command(CommandContext& context) { return run_action(context, "pause", "paused"); }

int resume_command(CommandContext& context) { return run_action(context, "resume", "resumed"); }

// Starts the development run; with --wait follows it (through its events,
// for as long as the node takes) and prints the node's output.
int dev_command(CommandContext& context) {
  const std::string& node = context.argument(1);
  const std::string target = run_path(context.argument(0)) + "/nodes/" + path_segment(node) + "/execute";
  nlohmann::json handle = context.api.post(target, {{"params", params(context)}}).checked().json();
  const std::string run_id = handle.value("id", "");
  if (context.invocation.flag("--wait")) {
    RunView view;
    follow_run(context.api, run_id, view, [](const client::ServerEvent&) {});
    handle["status"] = view.run().value("status", "");
    handle["output"] = context.api.get(run_path(run_id) + "/results").checked().json()["outputs"][node];
  }
  if (context.json_output()) {
    context.print_json(handle);
  } else if (!context.invocation.flag("--wait")) {
    context.console.out << "run " << run_id << ' ' << handle.value("status", "") << " (node " << node << " of run "
                        << context.argument(0) << ")\n";
  } else if (handle["status"] == "succeeded") {
    context.console.out << handle["output"].dump(2) << '\n';
  }
  if (!context.invocation.flag("--wait") || handle["status"] == "succeeded") return 0;
  context.console.err << "run " << run_id << ' ' << handle.value("status", "") << '\n';
  print_failed_tasks(context.console.err, context.api.get(run_path(run_id) + "/tasks").checked().json());
  return 1;
}

int logs_command(CommandContext& context) {
  const auto& options = context.invocation;
  const std::string target =
      run_path(context.argument(0)) + "/tasks/" + path_segment(context.argument(1)) + "/logs" +
      query({{"stream", options.flag("--stderr") ? "stderr" : "stdout"},
             {"follow", options.flag("--follow") ? std::optional<std::string>("1") : std::nullopt},
             {"attempt", options.value("--attempt")}});
  context.api.stream(target, context.console.out);
  return 0;
}

}  // namespace weft::cli
