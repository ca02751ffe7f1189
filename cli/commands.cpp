#include "commands.hpp"

#include <map>

namespace weft::cli {

std::string run_path(const std::string& run_id) { return "/api/v1/runs/" + path_segment(run_id); }

int run_command(CommandContext& context) {
  using CommandFunction = int (*)(CommandContext&);
  static const std::map<std::string, CommandFunction, std::less<>> kCommands{
      {"apply", apply_command},         {"validate", validate_command}, {"workflows", workflows_command},
      {"plugins", plugins_command},     {"run", run_workflow_command},  {"exec", exec_command},
      {"runs", runs_command},           {"status", status_command},     {"cancel", cancel_command},
      {"retry", retry_command},         {"dev", dev_command},           {"logs", logs_command},
      {"push", push_command},           {"queues", queues_command},     {"queue", queue_command},
      {"token", token_command},         {"audit", audit_command},       {"schedules", schedules_command},
      {"schedule", schedule_command},   {"pause", pause_command},       {"resume", resume_command},
      {"instances", instances_command},
  };
  return kCommands.at(context.invocation.command->name)(context);
}

}  // namespace weft::cli
