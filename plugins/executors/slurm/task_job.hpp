// What a task is to Slurm: the batch job it makes, the directories its files
// need, and its output file read back from the shared file system.
#pragma once

#include <string>
#include <utility>
#include <weft/sdk/task.hpp>

#include "slurm_config.hpp"
#include "slurm_transport.hpp"

namespace weft::slurm {

// The job that runs task, placed by the executor's config and the node's
// executor_options. Throws std::invalid_argument for options or an env that
// cannot become a job.
JobRequest job_request(const sdk::TaskSpec& task, const JobPlacement& defaults);

// Throws std::runtime_error naming a directory that cannot be made.
void create_parent_directories(const sdk::TaskSpec& task);

// The task's output file, as the job left it: {text, error}; both empty when
// there is none.
std::pair<std::string, std::string> read_output(const std::string& path);

}  // namespace weft::slurm
