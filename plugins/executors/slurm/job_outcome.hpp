// What a Slurm job's state means for its weft task: still going, finished
// (with an exit code and perhaps an error), or lost (weftd runs it again
// without using up an attempt).
#pragma once

#include <optional>
#include <string>

#include "slurm_transport.hpp"

namespace weft::slurm {

struct JobOutcome {
  enum class Kind { going, finished, lost };
  Kind kind = Kind::going;
  int exit_code = 0;  // finished: the command's, 128+N for signal N
  std::string error;  // finished or lost: why, empty for a command that ended by itself
};

// job: as Slurm reports it. recorded_exit: what the batch script wrote to the
// exit marker after the command ended (absent: it did not get that far).
// cancelled: weft asked for the job to be cancelled.
JobOutcome outcome_of(const JobRecord& job, std::optional<int> recorded_exit, bool cancelled);

// A job Slurm no longer remembers (older than MinJobAge): finished if its
// script recorded an exit code, otherwise lost.
JobOutcome outcome_of_vanished(JobId job, std::optional<int> recorded_exit, bool cancelled);

}  // namespace weft::slurm
