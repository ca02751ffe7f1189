// What the process executor needs of a task beyond what the ABI promises
// (a command with a non-empty argv): checked once, before anything starts.
#pragma once

#include <weft/sdk/task.hpp>

namespace weft::process {

// Throws std::invalid_argument saying what is wrong when the task has no
// command or an empty argv, a container image or executor options (it runs
// commands on this host and has no options), an env variable name that is empty or holds '=',
// a negative resources.memory_mb (0 means not given), or no stdout, stderr or
// output path.
void check_task(const sdk::TaskSpec& task);

}  // namespace weft::process
