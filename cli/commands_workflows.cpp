#include "commands.hpp"
#include "documents.hpp"
#include "table.hpp"
#include "views.hpp"

namespace weft::cli {
namespace {

// Lists: -o json prints the API's answer, text a table.
// The API's "warnings" of a stored or validated document, on stderr so that
// they are seen even when stdout goes elsewhere.
void print_warnings(CommandContext& context, const std::string& what, const nlohmann::json& reply) {
  const auto warnings = reply.value("warnings", nlohmann::json::array());
  if (warnings.empty()) return;
  context.console.err << what << ": warning\n";
  print_api_problems(context.console.err, warnings);
}

}  // namespace

int apply_command(CommandContext& context) {
  const nlohmann::json document = read_json_file(*context.invocation.value("--file"));
  const Response response = context.api.post("/api/v1/workflows", document).checked();
  const nlohmann::json workflow = response.json();
  print_warnings(context, workflow.value("name", "?"), workflow);
  if (context.json_output()) {
    context.print_json(workflow);
    return 0;
  }
  const bool created = response.status == 201;
  context.console.out << "workflow " << workflow.value("name", "?") << " version "
                      << workflow.value("version", nlohmann::json()).dump()
                      << (created ? " stored" : " unchanged (identical document)") << '\n';
  return 0;
}

int validate_command(CommandContext& context) {
  const std::string& file = context.argument(0);
  const nlohmann::json report = context.api.post("/api/v1/workflows/validate", read_json_file(file)).checked().json();
  const bool valid = report.value("valid", false);
  print_warnings(context, file, report);
  if (context.json_output()) {
    context.print_json(report);
  } else if (valid) {
    context.console.out << file << ": valid\n";
  } else {
    context.console.err << file << ": invalid\n";
    print_api_problems(context.console.err, report.value("errors", nlohmann::json::array()));
  }
  return valid ? 0 : 1;
}

int print_list(CommandContext& context, const std::string& target,
               void (*print)(std::ostream&, const nlohmann::json&)) {
  const nlohmann::json list = context.api.get(target).checked().json();
  if (context.json_output()) {
    context.print_json(list);
  } else {
    print(context.console.out, list);
  }
  return 0;
}

int workflows_command(CommandContext& context) { return print_list(context, "/api/v1/workflows", print_workflows); }

int plugins_command(CommandContext& context) {
  if (context.invocation.arguments.empty()) return print_list(context, "/api/v1/plugins", print_plugins);
  if (context.argument(0) != "reload") {
    throw UsageError("unknown plugins action '" + context.argument(0) + "': only 'reload'");
  }
  const nlohmann::json report = context.api.post("/api/v1/plugins/reload").checked().json();
  if (context.json_output()) {
    context.print_json(report);
  } else {
    print_reload(context.console.out, report);
  }
  return 0;
}

int schedules_command(CommandContext& context) { return print_list(context, "/api/v1/schedules", print_schedules); }

int instances_command(CommandContext& context) { return print_list(context, "/api/v1/instances", print_instances); }

int schedule_command(CommandContext& context) {
  const std::string& action = context.argument(0);
  if (action != "pause" && action != "resume") {
    throw UsageError("unknown schedule action '" + action + "': 'pause' or 'resume'");
  }
  const std::string& name = context.argument(1);
  const nlohmann::json schedule =
      context.api.post("/api/v1/schedules/" + path_segment(name) + "/" + action).checked().json();
  if (context.json_output()) {
    context.print_json(schedule);
  } else if (schedule.value("enabled", true)) {
    context.console.out << "schedule of " << name << " resumed; next firing " << cell(schedule, "next_firing") << '\n';
  } else {
    context.console.out << "schedule of " << name << " paused\n";
  }
  return 0;
}

}  // namespace weft::cli
