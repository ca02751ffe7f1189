// How the Slurm executor talks to Slurm, behind a small interface: the
// command-line tools today (cli_transport.hpp), slurmrestd later. Every call
// is asynchronous: it returns at once and calls its callback on the daemon's
// event loop when Slurm has answered. No callback runs after the transport
// is destroyed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace weft::slurm {

using JobId = int64_t;

// One batch job, as sbatch options or a slurmrestd job description take it.
struct JobRequest {
  std::string name;
  std::string comment;
  std::string script;  // the batch script's text, #! line first
  std::string stdout_path;
  std::string stderr_path;
  std::string working_dir;
  int64_t cpus_per_task = 0;  // 0: Slurm's default, likewise below
  int64_t memory_mb = 0;      // per node
  int32_t gpus = 0;           // as the generic resource gpu
  int64_t time_limit_s = 0;   // rounded up to whole minutes where the transport cannot do seconds
  std::string partition;      // empty: the cluster's default, likewise below
  std::string account;
  std::string qos;
  std::vector<std::string> extra_args;  // more sbatch options, as given
  // sbatch --array's value, such as "0-199%16": one array job whose elements
  // each run the script with SLURM_ARRAY_TASK_ID set, at most 16 at a time.
  // Empty: one plain job.
  std::string array;
};

// What Slurm says of one job. An array shows as one record per element that
// has been split off (started, or pending on its own), each with a job id of
// its own, plus one record for the pending remainder not yet split off.
struct JobRecord {
  JobId id = 0;         // the job's own id; the remainder's is the array job id
  std::string state;    // JOB_STATE as Slurm spells it: PENDING, RUNNING, COMPLETED, ...
  std::string reason;   // why it is pending or ended, or "None"
  int exit_status = 0;  // the batch script's raw wait status (exit code << 8 | signal)
  std::string name;
  JobId array_job_id = 0;      // non-zero: part of the array this id names (the id sbatch returned)
  int64_t array_task_id = -1;  // the element's index; -1: a plain job, or the remainder
  std::string array_pending;   // the remainder's indices as Slurm spells them ("5-199%16"); else empty
};

// What a cancel acts on: a plain job, a whole array (every element, started
// or not), or one element of an array, which need not have been split off.
struct CancelTarget {
  JobId job = 0;               // a plain job's id or an array job id
  int64_t array_task_id = -1;  // >= 0: only this element of the array `job`
};

struct SubmitResult {
  std::optional<JobId> job_id;  // absent: refused
  std::string error;
};

struct QueryResult {
  std::vector<JobRecord> jobs;  // every job of ours Slurm still remembers
  std::string error;            // non-empty: the query failed, jobs is empty
};

class SlurmTransport {
 public:
  virtual ~SlurmTransport() = default;

  virtual void submit(const JobRequest& job, std::function<void(SubmitResult)> done) = 0;
  // Every job of this user, in any state, that slurmctld still remembers
  // (finished ones for MinJobAge seconds).
  virtual void query(std::function<void(QueryResult)> done) = 0;
  // done gets an empty string on success.
  virtual void cancel(const CancelTarget& target, std::function<void(std::string error)> done) = 0;
};

}  // namespace weft::slurm
