// The `slurm` executor: runs each task as one Slurm batch job, or as one
// element of a job array (job_array.hpp).
//
// start queues the task. The elements of a for_each node's first attempt
// that start in one turn of the event loop and share their settings are
// submitted together, as one array whose %limit is the node's max_parallel
// (the executor has WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH: weftd hands it
// every element at once). Submissions go one sbatch at a time, at most
// submit_rate_per_s a second and with at most max_jobs_in_flight tasks not
// yet ended, so that a large fan-out does not flood slurmctld; a node's
// max_parallel holds across its arrays and single jobs. Every
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
#include <set>
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
  static constexpr uint64_t capabilities = WEFT_EXECUTOR_CAP_THROTTLES_FOR_EACH;

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
  // ended. A task not submitted yet ends at once. The cancels of every
  // element of an array in one turn become one scancel of the array.
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
    std::string run_id;
    std::string node;
    int64_t index = -1;  // for_each element; -1: none
    int32_t attempt = 1;
    std::string node_key;               // the node's, for max_parallel; empty: not a for_each element
    int64_t max_parallel = 0;           // the node's; 0: none
    std::optional<JobRequest> request;  // until submitted
    Phase phase = Phase::queued;
    std::optional<JobId> job;  // a plain job, or the array job of an element
    int64_t array_index = -1;  // >= 0: element of the array `job`
    bool cancel_requested = false;
    bool cancel_sent = false;
    // The first query that must list the job (or, looking up, find it).
    uint64_t listed_from_query = 0;
  };

  // One sbatch: a plain job (one key) or an array.
  struct Submission {
    std::vector<std::string> keys;
    bool array = false;
  };

  // What of a node (a for_each's run and node) is in Slurm: for its max_parallel.
  struct NodeLoad {
    int64_t plain_jobs = 0;
    int64_t arrays = 0;
  };

  void on_turn_end(int fd) noexcept;
  void ring_turn_end();
  void queue_arrays();
  void send_cancels();
  void pump_submissions();
  bool may_submit(const Submission& submission) const;
  void submit(const Submission& submission);
  void on_submitted(const Submission& submission, int64_t base, const SubmitResult& result);
  Task& remember(const sdk::TaskSpec& task, std::string marker_path);
  void track(Task& task, JobId job, int64_t array_index);
  void track_recovered(Task& task, JobId job, int64_t array_index);
  void request_cancel(Task& task);

  void start_polling();
  void on_poll_timer(int fd) noexcept;
  void on_pace_timer(int fd) noexcept;
  void on_query(uint64_t query, const QueryResult& result);
  void settle(Task& task, const JobOutcome& outcome);
  // Erases a task that is queued, submitted or looked up, giving back what it
  // held against the limits.
  void forget(const std::string& key);
  void report_finished(const std::string& key, int exit_code, const std::string& error, const std::string& output_path);

  SlurmExecutorConfig config_;
  std::unique_ptr<SlurmTransport> transport_;
  std::map<std::string, Task, std::less<>> tasks_;  // by task key
  // Elements started this turn, by node attempt and settings, in start order.
  std::map<std::string, std::vector<std::string>> forming_;
  std::set<JobId> arrays_to_cancel_;  // arrays with an element cancelled this turn
  std::deque<Submission> queue_;      // oldest first
  std::map<std::string, NodeLoad> node_loads_;
  std::map<JobId, std::pair<std::string, size_t>> array_elements_left_;  // array job: its node key, elements not ended
  size_t jobs_in_flight_ = 0;  // tasks submitted (or being submitted, or recovered) and not ended
  bool submitting_ = false;
  Clock::time_point next_submit_at_{};
  bool querying_ = false;
  uint64_t queries_started_ = 0;
  int poll_timer_fd_ = -1;
  int pace_timer_fd_ = -1;
  int turn_end_fd_ = -1;  // an eventfd: readable at once, so its callback runs after this turn
  bool polling_ = false;
  bool pace_timer_watched_ = false;
  bool turn_end_watched_ = false;
};

}  // namespace weft::slurm
