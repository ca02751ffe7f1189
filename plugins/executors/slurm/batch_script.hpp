// The batch script a task's Slurm job runs: the task's environment, its
// working directory, its command, and then the command's exit code written
// to an exit marker on the shared file system, which tells how the command
// ended even after Slurm has forgotten the job.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <weft/sdk/task.hpp>

namespace weft::slurm {

// text as one word for /bin/sh, whatever it holds.
std::string shell_quoted(std::string_view text);

// The exit marker of a task attempt: next to its output file.
std::string exit_marker_path(const sdk::TaskSpec& task);

// Throws std::invalid_argument if the command's env has a name the shell
// cannot export.
std::string batch_script(const sdk::TaskSpec& task);

// The exit code in the marker at path; absent if there is none (yet).
std::optional<int> read_exit_marker(const std::string& path);

}  // namespace weft::slurm
