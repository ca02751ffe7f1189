// The commands of weft. Each returns its exit code, or throws UsageError (2),
// CommandError, ApiError or ClientError (1), which run_cli() reports.
#pragma once

#include <ostream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "arguments.hpp"
#include "weft/client/api_client.hpp"

namespace weft::cli {

using client::ApiClient;
using client::ApiError;
using client::path_segment;
using client::query;
using client::Response;

// A failure that ends the command with exit code 1 after printing its message.
class CommandError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Console {
  std::ostream& out;
  std::ostream& err;
  bool terminal = false;  // out is a terminal: progress may redraw in place
};

struct CommandContext {
  const Invocation& invocation;
  ApiClient& api;
  Console& console;

  bool json_output() const { return invocation.output == OutputFormat::json; }
  const std::string& argument(std::size_t index) const { return invocation.arguments.at(index); }
  void print_json(const nlohmann::json& value) const { console.out << value.dump(2) << '\n'; }
};

// Runs invocation.command.
int run_command(CommandContext& context);

// GETs target and prints it: as JSON with -o json, else through print.
int print_list(CommandContext& context, const std::string& target, void (*print)(std::ostream&, const nlohmann::json&));

// Workflows and plugins (commands_workflows.cpp).
int apply_command(CommandContext& context);
int validate_command(CommandContext& context);
int workflows_command(CommandContext& context);
int plugins_command(CommandContext& context);

// Runs (commands_runs.cpp).
int run_workflow_command(CommandContext& context);
int exec_command(CommandContext& context);
int runs_command(CommandContext& context);
int status_command(CommandContext& context);
int cancel_command(CommandContext& context);
int retry_command(CommandContext& context);
int pause_command(CommandContext& context);
int resume_command(CommandContext& context);
int dev_command(CommandContext& context);
int logs_command(CommandContext& context);

// Schedules (commands_workflows.cpp).
int schedules_command(CommandContext& context);
int instances_command(CommandContext& context);
int schedule_command(CommandContext& context);

// Queues, tokens and the audit log (commands_admin.cpp).
int push_command(CommandContext& context);
int queues_command(CommandContext& context);
int queue_command(CommandContext& context);
int token_command(CommandContext& context);
int audit_command(CommandContext& context);

// Follows the run's live events until it ends, showing progress; 0 when it
// succeeded, else 1 after listing its failed tasks (run_events.cpp).
int wait_for_run(CommandContext& context, const std::string& run_id);

// "/api/v1/runs/<id>", the id percent-encoded.
std::string run_path(const std::string& run_id);

}  // namespace weft::cli
