#include "task_check.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace weft::process {

void check_task(const sdk::TaskSpec& task) {
  if (!task.command || task.command->argv.empty()) {
    throw std::invalid_argument("task '" + task.task_key + "' has no command to run");
  }
  // Running a container's command on the host instead would run something
  // other than what the workflow asked for.
  if (!task.command->image.empty()) {
    throw std::invalid_argument("task '" + task.task_key + "' asks for the container image '" + task.command->image +
                                "', and the process executor runs commands on this host, not in containers; "
                                "run the node with an executor that runs containers");
  }
  if (!task.command->executor_options.empty()) {
    throw std::invalid_argument("task '" + task.task_key + "' has executor options " +
                                task.command->executor_options.dump() + ", and the process executor takes none");
  }
  for (const auto& [name, value] : task.command->env) {
    if (name.empty() || name.find('=') != std::string::npos) {
      throw std::invalid_argument("task '" + task.task_key + "': the command's env has an invalid variable name '" +
                                  name + "' (empty or containing '=')");
    }
  }
  if (task.resources.memory_mb < 0) {
    throw std::invalid_argument("task '" + task.task_key + "': resources.memory_mb must be > 0 when given, got " +
                                std::to_string(task.resources.memory_mb));
  }
  for (const auto& [what, path] :
       {std::pair{"stdout_path", &task.stdout_path}, std::pair{"stderr_path", &task.stderr_path},
        std::pair{"output_path", &task.output_path}}) {
    if (path->empty()) throw std::invalid_argument("task '" + task.task_key + "' has no " + what);
  }
}

}  // namespace weft::process
