// The `slurm` executor: runs each task as one Slurm batch job.
//
// start queues the task; jobs are submitted one sbatch at a time, at most
// submit_rate_per_s a second and with at most max_jobs_in_flight jobs not yet
// ended, so that a large fan-out does not flood slurmctld. Every
// poll_interval one query lists all of this user's jobs (not one command per
// job), and each job's state becomes its task's events (job_outcome.hpp).
// The command's exit code and output come back through the shared file
// system: the exit marker (batch_script.hpp) and WEFT_OUTPUT.
//
// Threading: everything runs on the daemon's event loop (start, cancel and
// recover by the ABI's rule, the transport's callbacks and the timers through
// watch_fd), so the state needs no lock; nothing here blocks or polls in a loop.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <weft/sdk/executor.hpp>

#include "job_outcome.hpp"
#include "slurm_config.hpp"
#include "slurm_transport.hpp"

namespace weft::slurm {

// The transport config chooses, on host's event loop.
std::unique_ptr<SlurmTransport> make_transport(const sdk::Host& host, const SlurmExecutorConfig& config);

class SlurmExecutor final : public sdk::Executor {
 public:
  SlurmExecutor(const sdk::Host& host, const nlohmann::json& config);
  // Jobs keep running in Slurm; a later weftd recovers them by job id.
  ~SlurmExecutor() override;
  SlurmExecutor(const SlurmExecutor&) = delete;
  SlurmExecutor& operator=(const SlurmExecutor&) = delete;

  // Throws, queueing nothing, for a spec that cannot become a job (bad
  // executor_options, an env name the shell cannot export, log directories
  // that cannot be made). STARTED (with the job id) follows the submission.
  void start(const sdk::TaskSpec& task) override;
  // scancel; FINISHED (error "cancelled") follows once Slurm reports the job
  // ended. A task not submitted yet ends at once.
  bool cancel(std::string_view task_key) override;
  // Takes the job back by id (or finds it by its name, the task key) and
  // follows it to its end.
  void recover(const sdk::TaskSpec& task, std::string_view external_id) override;

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { queued, submitting, submitted, looking_up };

  struct Task {
    std::string key;
    std::string output_path;
    std::string marker_path;
    std::optional<JobRequest> request;  // until submitted
    Phase phase = Phase::queued;
    std::optional<JobId> job;
    bool cancel_requested = false;
    // The first query that must list the job (or, looking up, find it).
    uint64_t listed_from_query = 0;
  };

  void pump_submissions();
  void submit(Task& task);
  void on_submitted(const std::string& key, SubmitResult result);
  void track(Task& task, JobId job);
  void request_cancel(Task& task);

  void start_polling();
  void on_poll_timer(int fd) noexcept;
  void on_pace_timer(int fd) noexcept;
  void on_query(uint64_t query, const QueryResult& result);
  void settle(Task& task, const JobOutcome& outcome);
  void report_finished(const std::string& key, int exit_code, const std::string& error, const std::string& output_path);

  size_t jobs_in_flight() const { return tasks_.size() - queue_.size(); }

  SlurmExecutorConfig config_;
  std::unique_ptr<SlurmTransport> transport_;
  std::map<std::string, Task, std::less<>> tasks_;  // by task key
  std::deque<std::string> queue_;                   // keys of queued tasks, oldest first
  bool submitting_ = false;
  Clock::time_point next_submit_at_{};
  bool querying_ = false;
  uint64_t queries_started_ = 0;
  int poll_timer_fd_ = -1;
  int pace_timer_fd_ = -1;
  bool polling_ = false;
  bool pace_timer_watched_ = false;
};

}  // namespace weft::slurm
