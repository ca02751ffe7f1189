#include "task_environment.hpp"

#include <algorithm>
#include <array>

namespace weft::process {

namespace {

std::string_view name_of(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// posix_spawn takes char* const[] but never writes through it.
char* spawn_arg(const std::string& s) { return const_cast<char*>(s.c_str()); }

// Set by the executor for each task; taken out of weftd's environment and out
// of a task's own env so that these always mean what the executor says.
constexpr std::array<std::string_view, 6> kTaskVariables = {"WEFT_OUTPUT", "WEFT_RUN_ID",  "WEFT_NODE",
                                                            "WEFT_INDEX",  "WEFT_ATTEMPT", "WEFT_TASK_KEY"};

bool is_task_variable(std::string_view name) {
  for (const auto variable : kTaskVariables) {
    if (variable == name) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> task_variables(const sdk::TaskSpec& task) {
  const auto& env = task.command->env;
  std::vector<std::string> vars;
  vars.reserve(env.size() + kTaskVariables.size());
  for (const auto& [name, value] : env) {
    if (!is_task_variable(name)) vars.push_back(name + "=" + value);
  }
  vars.push_back("WEFT_OUTPUT=" + task.output_path);
  vars.push_back("WEFT_RUN_ID=" + task.run_id);
  vars.push_back("WEFT_NODE=" + task.node);
  if (task.index) vars.push_back("WEFT_INDEX=" + std::to_string(*task.index));
  vars.push_back("WEFT_ATTEMPT=" + std::to_string(task.attempt));
  vars.push_back("WEFT_TASK_KEY=" + task.task_key);
  return vars;
}

TaskEnvironment::TaskEnvironment(const char* const* envp) {
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const std::string_view entry(*envp);
    if (!is_task_variable(name_of(entry))) entries_.emplace_back(entry);
  }
  index_entries();
}

TaskEnvironment::TaskEnvironment(const char* const* envp, const TaskIdentity& user) {
  for (; envp != nullptr && *envp != nullptr; ++envp) {
    const std::string_view name = name_of(*envp);
    if (name == "PATH" || name == "TZ" || name == "LANG" || name == "LANGUAGE" || name.starts_with("LC_")) {
      entries_.emplace_back(*envp);
    }
  }
  for (const auto& entry : {"HOME=" + user.home, "USER=" + user.name, "LOGNAME=" + user.name, "SHELL=" + user.shell}) {
    entries_.push_back(entry);
  }
  index_entries();
}

void TaskEnvironment::index_entries() {
  for (size_t i = 0; i < entries_.size(); ++i) position_of_[name_of(entries_[i])] = i;
}

std::vector<char*> TaskEnvironment::merge(const std::vector<std::string>& overrides) const {
  std::vector<char*> envp;
  envp.reserve(entries_.size() + overrides.size() + 1);
  for (const auto& entry : entries_) envp.push_back(spawn_arg(entry));
  for (const auto& entry : overrides) {
    const auto found = position_of_.find(name_of(entry));
    if (found != position_of_.end()) {
      envp[found->second] = spawn_arg(entry);
    } else {
      envp.push_back(spawn_arg(entry));
    }
  }
  envp.push_back(nullptr);
  return envp;
}

}  // namespace weft::process
