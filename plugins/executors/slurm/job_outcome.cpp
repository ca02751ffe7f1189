#include "job_outcome.hpp"

#include <array>
#include <csignal>
#include <string_view>

namespace weft::slurm {

namespace {

using Kind = JobOutcome::Kind;

// The states of a job that has not ended yet (squeue's spelling).
constexpr std::array<std::string_view, 13> kGoingStates = {
    "PENDING",      "CONFIGURING", "RUNNING",   "COMPLETING", "SUSPENDED", "REQUEUED",     "REQUEUE_FED",
    "REQUEUE_HOLD", "RESIZING",    "SIGNALING", "STAGE_OUT",  "STOPPED",   "RESV_DEL_HOLD"};

// The batch script's raw wait status as an exit code.
int exit_code_of_status(int status) {
  const int signal = status & 0x7f;
  return signal != 0 ? 128 + signal : (status >> 8) & 0xff;
}

std::string with_reason(std::string text, const JobRecord& job) {
  if (!job.reason.empty() && job.reason != "None") text += " (" + job.reason + ")";
  return text;
}

// A job that Slurm stopped: the command's exit code if it got to write one,
// else what the signal Slurm sent makes of it.
JobOutcome stopped(std::optional<int> recorded_exit, int signal, std::string error) {
  return {Kind::finished, recorded_exit.value_or(128 + signal), std::move(error)};
}

}  // namespace

JobOutcome outcome_of(const JobRecord& job, std::optional<int> recorded_exit, bool cancelled) {
  const std::string& state = job.state;
  for (const auto going : kGoingStates) {
    if (state == going) return {Kind::going, 0, {}};
  }
  const std::string id = std::to_string(job.id);
  if (state == "COMPLETED") return {Kind::finished, recorded_exit.value_or(exit_code_of_status(job.exit_status)), {}};
  if (state == "FAILED") {
    if (recorded_exit) return {Kind::finished, *recorded_exit, {}};
    const int code = exit_code_of_status(job.exit_status);
    return {Kind::finished, code == 0 ? 1 : code,
            with_reason("Slurm job " + id + " failed before its command ended", job)};
  }
  if (state == "CANCELLED") {
    if (cancelled) return stopped(std::nullopt, SIGTERM, "cancelled");
    return stopped(std::nullopt, SIGTERM, "Slurm job " + id + " was cancelled outside weft");
  }
  if (state == "TIMEOUT") return stopped(recorded_exit, SIGTERM, "Slurm job " + id + " reached its time limit");
  if (state == "OUT_OF_MEMORY") return stopped(recorded_exit, SIGKILL, "Slurm job " + id + " ran out of memory");
  if (state == "DEADLINE") return stopped(recorded_exit, SIGTERM, "Slurm job " + id + " missed its deadline");
  // Not the task's fault: weftd runs it again without using up an attempt.
  if (state == "NODE_FAIL" || state == "BOOT_FAIL") {
    return {Kind::lost, 0, with_reason("the node of Slurm job " + id + " failed", job)};
  }
  if (state == "PREEMPTED") return {Kind::lost, 0, "Slurm job " + id + " was preempted"};
  return {Kind::lost, 0, "Slurm job " + id + " is in a state weft does not know: " + state};
}

JobOutcome outcome_of_vanished(JobId job, std::optional<int> recorded_exit, bool cancelled) {
  if (recorded_exit) return {Kind::finished, *recorded_exit, cancelled ? "cancelled" : ""};
  const std::string id = std::to_string(job);
  if (cancelled) return stopped(std::nullopt, SIGTERM, "cancelled");
  return {Kind::lost, 0,
          "Slurm job " + id + " is no longer known to Slurm (older than MinJobAge?) and its exit marker is missing"};
}

}  // namespace weft::slurm
