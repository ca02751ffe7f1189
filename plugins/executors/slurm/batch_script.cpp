#include "batch_script.hpp"

#include <array>
#include <cctype>
#include <fstream>
#include <stdexcept>
#include <string_view>

namespace weft::slurm {

namespace {

// Set by the executor for each task; a task's own env cannot change them.
constexpr std::array<std::string_view, 6> kTaskVariables = {"WEFT_OUTPUT", "WEFT_RUN_ID",  "WEFT_NODE",
                                                            "WEFT_INDEX",  "WEFT_ATTEMPT", "WEFT_TASK_KEY"};

bool is_shell_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front())) != 0) return false;
  for (const char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

bool is_task_variable(std::string_view name) {
  for (const auto variable : kTaskVariables) {
    if (variable == name) return true;
  }
  return false;
}

std::string exported(std::string_view name, std::string_view value) {
  return "export " + std::string(name) + "=" + shell_quoted(value) + "\n";
}

}  // namespace

std::string shell_quoted(std::string_view text) {
  std::string q = "'";
  for (const char c : text) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

std::string exit_marker_path(const sdk::TaskSpec& task) { return task.output_path + ".slurm-exit"; }

std::string batch_script(const sdk::TaskSpec& task) {
  const sdk::Command& command = *task.command;
  std::string script = "#!/bin/sh\n# weft task " + task.task_key + "\n";
  for (const auto& [name, value] : command.env) {
    if (!is_shell_name(name)) {
      throw std::invalid_argument("the slurm executor cannot export the environment variable '" + name +
                                  "': not a shell variable name");
    }
    if (!is_task_variable(name)) script += exported(name, value);
  }
  script += exported("WEFT_OUTPUT", task.output_path);
  script += exported("WEFT_RUN_ID", task.run_id);
  script += exported("WEFT_NODE", task.node);
  if (task.index) script += exported("WEFT_INDEX", std::to_string(*task.index));
  script += exported("WEFT_ATTEMPT", std::to_string(task.attempt));
  script += exported("WEFT_TASK_KEY", task.task_key);
  std::string argv;
  for (const auto& arg : command.argv) argv += (argv.empty() ? "" : " ") + shell_quoted(arg);
  const std::string marker = exit_marker_path(task);
  // The marker appears whole (rename), so a reader never sees half of it.
  script += argv + "\ncode=$?\nprintf '%s\\n' \"$code\" > " + shell_quoted(marker + ".tmp") + " && mv -f " +
            shell_quoted(marker + ".tmp") + " " + shell_quoted(marker) + "\nexit \"$code\"\n";
  return script;
}

std::optional<int> read_exit_marker(const std::string& path) {
  std::ifstream in(path);
  int code = 0;
  if (!(in >> code)) return std::nullopt;
  return code;
}

}  // namespace weft::slurm
