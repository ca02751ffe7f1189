#include "commands.hpp"
#include "documents.hpp"
#include "params.hpp"
#include "views.hpp"

namespace weft::cli {
namespace {

// Shared by run and exec: report the new run, then follow it with --wait.
int started(CommandContext& context, const ApiResponse& response) {
  const std::string run_id = response.body.value("id", "");
  if (context.invocation.flag("--wait") && !run_id.empty()) return wait_for_run(context, run_id);
  if (context.json_output()) {
    context.print_json(response.body);
  } else {
    context.console.out << "run " << run_id << ' ' << response.body.value("status", "created") << '\n';
  }
  return 0;
}

// Shared by cancel and retry: a 202 with nothing to show but the acceptance.
int run_action(CommandContext& context, const std::string& action, const std::string& done) {
  const std::string& run_id = context.argument(0);
  const ApiResponse response = context.api.post(run_path(run_id) + "/" + action);
  if (context.invocation.flag("--wait")) return wait_for_run(context, run_id);
  if (context.json_output()) {
    context.print_json(response.body);
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
  const ApiResponse response = context.api.get(target);
  if (context.json_output()) {
    context.print_json(response.body);
  } else {
    print_runs(context.console.out, response.body);
  }
  return 0;
}

int status_command(CommandContext& context) {
  const std::string path = run_path(context.argument(0));
  const ApiResponse run = context.api.get(path);
  if (context.json_output()) {
    context.print_json(run.body);
    return 0;
  }
  print_run(context.console.out, run.body, context.api.get(path + "/tasks").body);
  return 0;
}

int cancel_command(CommandContext& context) { return run_action(context, "cancel", "cancel requested"); }

int retry_command(CommandContext& context) { return run_action(context, "retry", "retry requested"); }

int dev_command(CommandContext& context) {
  const std::string target =
      run_path(context.argument(0)) + "/nodes/" + path_segment(context.argument(1)) + "/execute?wait=1";
  context.print_json(context.api.post(target, {{"params", params(context)}}).body);
  return 0;
}

int logs_command(CommandContext& context) {
  const auto& options = context.invocation;
  const std::string target =
      run_path(context.argument(0)) + "/tasks/" + path_segment(context.argument(1)) + "/logs" +
      query({{"stream", options.flag("--stderr") ? "stderr" : "stdout"},
             {"follow", options.flag("--follow") ? std::optional<std::string>("1") : std::nullopt}});
  context.api.stream(target, context.console.out);
  return 0;
}

}  // namespace weft::cli
