// Over 400 lines as one file on purpose: these are the members of one
// class whose state (the submission queue, the limits, the arrays being
// formed, polling, cancels and recovery) keeps invariants that span them all;
// what stands alone is in job_array, job_listing, task_job and event_fds.
#include "slurm_executor.hpp"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "batch_script.hpp"
#include "cli_transport.hpp"
#include "event_fds.hpp"
#include "job_array.hpp"
#include "job_listing.hpp"
#include "rest_transport.hpp"
#include "task_job.hpp"

namespace weft::slurm {

namespace {

using nlohmann::json;
using sdk::TaskSpec;

// Where a node's for_each elements of one attempt meet: its run and node.
std::string node_key_of(const TaskSpec& task) { return task.run_id + '\n' + task.node; }

std::optional<JobId> parse_job_id(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  JobId id = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + (c - '0');
  }
  return id;
}

}  // namespace

std::unique_ptr<SlurmTransport> make_transport(const sdk::Host& host, const SlurmExecutorConfig& config) {
  if (config.transport == TransportKind::rest) return std::make_unique<RestTransport>(host, config.rest);
  return std::make_unique<CliTransport>(host, config.cli);
}

SlurmExecutor::SlurmExecutor(const sdk::Host& host, const json& config)
    : Executor(host), config_(SlurmExecutorConfig::parse(config)) {
  transport_ = make_transport(host, config_);
  poll_timer_fd_ = make_timer();
  try {
    pace_timer_fd_ = make_timer();
    turn_end_fd_ = make_eventfd();
  } catch (...) {
    ::close(poll_timer_fd_);
    if (pace_timer_fd_ >= 0) ::close(pace_timer_fd_);
    throw;
  }
}

SlurmExecutor::~SlurmExecutor() {
  transport_.reset();  // no callback of it may run into a half-destroyed executor
  ::close(poll_timer_fd_);
  ::close(pace_timer_fd_);
  ::close(turn_end_fd_);
}

// What start and recover both keep of a task: who it is and where its
// results land.
SlurmExecutor::Task& SlurmExecutor::remember(const TaskSpec& task, std::string marker_path) {
  Task& kept = tasks_[task.task_key];
  kept.key = task.task_key;
  kept.output_path = task.output_path;
  kept.marker_path = std::move(marker_path);
  kept.run_id = task.run_id;
  kept.node = task.node;
  kept.index = task.index.value_or(-1);
  kept.attempt = task.attempt;
  if (task.index) {
    kept.node_key = node_key_of(task);
    kept.max_parallel = task.max_parallel;
  }
  return kept;
}

void SlurmExecutor::start(const TaskSpec& task) {
  if (tasks_.find(task.task_key) != tasks_.end()) {
    throw std::invalid_argument("task '" + task.task_key + "' is already running");
  }
  JobRequest request = job_request(task, config_.placement);
  if (config_.transport == TransportKind::rest && !request.extra_args.empty()) {
    throw std::invalid_argument(
        "'extra_args' of the command's executor_options are sbatch options, which the rest "
        "transport of the slurm executor cannot pass");
  }
  create_parent_directories(task);
  const std::string marker = exit_marker_path(task);
  std::error_code ignored;
  std::filesystem::remove(marker, ignored);  // an earlier job's must not count for this one
  const bool in_array = config_.job_arrays && task.index && task.attempt == 1 && task.for_each_count > 1;
  if (in_array) ring_turn_end();
  Task& queued = remember(task, marker);
  queued.request = std::move(request);
  if (in_array) {
    // Waits for the end of this turn, when the elements started with it
    // that share its settings become arrays.
    forming_[queued.node_key + '\n' + array_settings_of(*queued.request)].push_back(queued.key);
    return;
  }
  queue_.push_back({{task.task_key}, false});
  pump_submissions();
}

void SlurmExecutor::ring_turn_end() {
  if (turn_end_watched_) return;
  signal_eventfd(turn_end_fd_);
  host().watch_fd<SlurmExecutor, &SlurmExecutor::on_turn_end>(turn_end_fd_, this);
  turn_end_watched_ = true;
}

void SlurmExecutor::on_turn_end(int fd) noexcept {
  drain_counter(fd);
  turn_end_watched_ = false;
  try {
    queue_arrays();
    send_cancels();
    pump_submissions();
  } catch (const std::exception& e) {
    host().error(std::string("the slurm executor cannot submit jobs: ") + e.what());
  }
}

// Each group of elements becomes arrays of indices spanning less than
// max_array_size; an element left alone is a plain job.
void SlurmExecutor::queue_arrays() {
  for (auto& [group, keys] : forming_) {
    std::erase_if(keys, [this](const std::string& key) { return tasks_.find(key) == tasks_.end(); });
    std::sort(keys.begin(), keys.end(),
              [this](const std::string& a, const std::string& b) { return tasks_.at(a).index < tasks_.at(b).index; });
    size_t first = 0;
    while (first < keys.size()) {
      const int64_t base = tasks_.at(keys[first]).index;
      size_t end = first + 1;
      while (end < keys.size() && tasks_.at(keys[end]).index - base < config_.max_array_size) ++end;
      Submission submission{
          {keys.begin() + static_cast<std::ptrdiff_t>(first), keys.begin() + static_cast<std::ptrdiff_t>(end)},
          end - first > 1};
      queue_.push_back(std::move(submission));
      first = end;
    }
  }
  forming_.clear();
}

// A node's max_parallel holds across everything of it in Slurm: an array
// (limited by its %) goes alone, plain jobs go up to the limit.
bool SlurmExecutor::may_submit(const Submission& submission) const {
  const size_t size = submission.keys.size();
  if (jobs_in_flight_ > 0 && jobs_in_flight_ + size > static_cast<size_t>(config_.max_jobs_in_flight)) return false;
  const Task& first = tasks_.at(submission.keys.front());
  if (first.max_parallel <= 0) return true;
  const auto load = node_loads_.find(first.node_key);
  if (load == node_loads_.end()) return true;
  if (submission.array) return load->second.arrays == 0 && load->second.plain_jobs == 0;
  return load->second.arrays == 0 && load->second.plain_jobs < first.max_parallel;
}

void SlurmExecutor::pump_submissions() {
  while (!submitting_) {
    const auto next = std::find_if(queue_.begin(), queue_.end(), [this](const Submission& s) { return may_submit(s); });
    if (next == queue_.end()) return;
    const auto now = Clock::now();
    if (now < next_submit_at_) {
      set_timer(pace_timer_fd_, next_submit_at_ - now, {});
      if (!pace_timer_watched_) {
        host().watch_fd<SlurmExecutor, &SlurmExecutor::on_pace_timer>(pace_timer_fd_, this);
        pace_timer_watched_ = true;
      }
      return;
    }
    next_submit_at_ = now + std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(1.0 / config_.submit_rate_per_s));
    const Submission submission = std::move(*next);
    queue_.erase(next);
    submit(submission);
  }
}

void SlurmExecutor::submit(const Submission& submission) {
  Task& first = tasks_.at(submission.keys.front());
  const int64_t base = first.index;
  std::vector<ArrayElement> elements;
  for (const auto& key : submission.keys) {
    Task& task = tasks_.at(key);
    task.phase = Phase::submitting;
    elements.push_back({task.index - base, &*task.request});
  }
  jobs_in_flight_ += submission.keys.size();
  if (!first.node_key.empty()) {
    NodeLoad& load = node_loads_[first.node_key];
    ++(submission.array ? load.arrays : load.plain_jobs);
  }
  submitting_ = true;
  try {
    const JobRequest request =
        submission.array
            ? array_request(elements, first.max_parallel, array_job_name(first.run_id, first.node, first.attempt, base))
            : *first.request;
    transport_->submit(
        request, [this, submission, base](const SubmitResult& result) { on_submitted(submission, base, result); });
  } catch (const std::exception& e) {
    on_submitted(submission, base, {std::nullopt, std::string("cannot submit the Slurm job: ") + e.what()});
  }
}

void SlurmExecutor::on_submitted(const Submission& submission, int64_t base, const SubmitResult& result) {
  submitting_ = false;
  const std::string node_key = tasks_.at(submission.keys.front()).node_key;
  if (!result.job_id) {
    jobs_in_flight_ -= submission.keys.size();
    if (!node_key.empty()) {
      NodeLoad& load = node_loads_[node_key];
      --(submission.array ? load.arrays : load.plain_jobs);
    }
    for (const auto& key : submission.keys) {
      tasks_.erase(key);
      host().task_finished(key, 1, {}, "Slurm refused the job: " + result.error);
    }
  } else {
    if (submission.array) array_elements_left_[*result.job_id] = {node_key, submission.keys.size()};
    for (const auto& key : submission.keys) {
      Task& task = tasks_.at(key);
      task.request.reset();
      const int64_t array_index = submission.array ? task.index - base : -1;
      host().task_started(
          key, submission.array ? element_external_id(*result.job_id, array_index) : std::to_string(*result.job_id));
      track(task, *result.job_id, array_index);
      if (task.cancel_requested) request_cancel(task);
    }
  }
  send_cancels();
  pump_submissions();
}

void SlurmExecutor::track(Task& task, JobId job, int64_t array_index) {
  task.phase = Phase::submitted;
  task.job = job;
  task.array_index = array_index;
  // A query already under way may have listed the jobs before this one existed.
  task.listed_from_query = queries_started_ + 1;
  start_polling();
}

// A task a restarted weftd hands back, found in Slurm: counted against its
// node's max_parallel like the jobs this weftd submitted.
void SlurmExecutor::track_recovered(Task& task, JobId job, int64_t array_index) {
  if (array_index < 0) {
    if (!task.node_key.empty()) ++node_loads_[task.node_key].plain_jobs;
  } else {
    const auto [array, first] = array_elements_left_.try_emplace(job, task.node_key, 0);
    ++array->second.second;
    if (first && !task.node_key.empty()) ++node_loads_[task.node_key].arrays;
  }
  track(task, job, array_index);
}

bool SlurmExecutor::cancel(std::string_view task_key) {
  const auto found = tasks_.find(task_key);
  if (found == tasks_.end()) return false;
  Task& task = found->second;
  if (task.cancel_requested) return true;
  task.cancel_requested = true;
  if (task.phase == Phase::queued) {
    const std::string key = task.key;
    for (auto& submission : queue_) std::erase(submission.keys, key);
    std::erase_if(queue_, [](const Submission& s) { return s.keys.empty(); });
    forget(key);  // and, still forming an array, out of it at the turn's end
    host().task_finished(key, 128 + SIGTERM, {}, "cancelled");
    pump_submissions();
  } else if (task.phase == Phase::submitted) {
    request_cancel(task);
  }
  // submitting: on_submitted cancels the job; looking up: on_query does.
  return true;
}

// An element's cancel waits for the end of the turn: if every element of its
// array left is cancelled by then, one scancel ends the whole array.
void SlurmExecutor::request_cancel(Task& task) {
  if (task.array_index >= 0) {
    arrays_to_cancel_.insert(*task.job);
    return ring_turn_end();
  }
  task.cancel_sent = true;
  transport_->cancel({*task.job}, [this, job = *task.job](const std::string& error) {
    // The job's end comes through the next queries either way.
    if (!error.empty()) host().warn("cannot cancel Slurm job " + std::to_string(job) + ": " + error);
  });
}

void SlurmExecutor::send_cancels() {
  for (const JobId array : arrays_to_cancel_) {
    std::vector<Task*> elements;
    bool all_cancelled = true;
    for (auto& [key, task] : tasks_) {
      if (task.job != array || task.array_index < 0 || task.phase != Phase::submitted) continue;
      elements.push_back(&task);
      all_cancelled = all_cancelled && task.cancel_requested;
    }
    std::vector<CancelTarget> targets;
    if (all_cancelled) {
      targets.push_back({array});
    } else {
      for (Task* task : elements) {
        if (task->cancel_requested && !task->cancel_sent) targets.push_back({array, task->array_index});
      }
    }
    for (Task* task : elements) task->cancel_sent = task->cancel_sent || task->cancel_requested;
    for (const CancelTarget& target : targets) {
      transport_->cancel(target, [this, target](const std::string& error) {
        if (error.empty()) return;
        host().warn("cannot cancel Slurm job " +
                    (target.array_task_id < 0 ? std::to_string(target.job)
                                              : element_external_id(target.job, target.array_task_id)) +
                    ": " + error);
      });
    }
  }
  arrays_to_cancel_.clear();
}

void SlurmExecutor::recover(const TaskSpec& task, std::string_view external_id) {
  if (tasks_.find(task.task_key) != tasks_.end()) {
    throw std::invalid_argument("task '" + task.task_key + "' is already followed");
  }
  std::optional<JobId> job;
  int64_t array_index = -1;
  if (!external_id.empty()) {
    if (const auto element = parse_element_external_id(external_id)) {
      job = element->first;
      array_index = element->second;
    } else {
      job = parse_job_id(external_id);
    }
    if (!job) {
      host().task_lost(task.task_key, "cannot recover the task: its external id '" + std::string(external_id) +
                                          "' is not a Slurm job id");
      return;
    }
  }
  Task& recovered = remember(task, exit_marker_path(task));
  ++jobs_in_flight_;
  if (job) {
    track_recovered(recovered, *job, array_index);
  } else {
    recovered.phase = Phase::looking_up;
    recovered.listed_from_query = queries_started_ + 1;
    start_polling();
  }
}

void SlurmExecutor::start_polling() {
  if (polling_) return;
  set_timer(poll_timer_fd_, config_.poll_interval, config_.poll_interval);
  host().watch_fd<SlurmExecutor, &SlurmExecutor::on_poll_timer>(poll_timer_fd_, this);
  polling_ = true;
}

void SlurmExecutor::on_poll_timer(int fd) noexcept {
  drain_counter(fd);
  try {
    if (jobs_in_flight_ == 0) {
      disarm_timer(fd);  // nothing to follow: no ticks until a job comes
      polling_ = false;
      return;
    }
    host().watch_fd<SlurmExecutor, &SlurmExecutor::on_poll_timer>(fd, this);
    if (querying_) return;  // the last one still runs: skip this tick
    querying_ = true;
    const uint64_t query = ++queries_started_;
    transport_->query([this, query](const QueryResult& result) {
      querying_ = false;
      on_query(query, result);
    });
  } catch (const std::exception& e) {
    querying_ = false;
    host().error(std::string("the slurm executor cannot query Slurm: ") + e.what());
  }
}

void SlurmExecutor::on_pace_timer(int fd) noexcept {
  drain_counter(fd);
  pace_timer_watched_ = false;
  try {
    pump_submissions();
  } catch (const std::exception& e) {
    host().error(std::string("the slurm executor cannot submit jobs: ") + e.what());
  }
}

void SlurmExecutor::on_query(uint64_t query, const QueryResult& result) {
  if (!result.error.empty()) {
    // Transient (slurmctld restarting, busy): the next tick asks again.
    host().warn("cannot list the Slurm jobs: " + result.error);
    return;
  }
  const JobListing listing(result.jobs);
  std::vector<std::string> keys;
  for (const auto& [key, task] : tasks_) {
    if (task.phase != Phase::queued && task.phase != Phase::submitting && task.listed_from_query <= query) {
      keys.push_back(key);
    }
  }
  for (const auto& key : keys) {
    Task& task = tasks_.find(key)->second;
    if (task.phase == Phase::looking_up) {
      if (const JobRecord* named = listing.named(task.key)) {
        host().task_started(task.key, std::to_string(named->id));
        track_recovered(task, named->id, -1);
      } else if (const auto element = listing.array_holding(task.run_id, task.node, task.attempt, task.index)) {
        host().task_started(task.key, element_external_id(element->first, element->second));
        track_recovered(task, element->first, element->second);
      } else {
        const auto recorded = read_exit_marker(task.marker_path);
        settle(task, recorded ? JobOutcome{JobOutcome::Kind::finished, *recorded, {}}
                              : JobOutcome{JobOutcome::Kind::lost, 0,
                                           "Slurm has no job named after the task: weftd stopped before submitting "
                                           "it, or Slurm forgot it (MinJobAge)"});
        continue;
      }
      if (task.cancel_requested) request_cancel(task);
    }
    const JobRecord* listed =
        task.array_index >= 0 ? listing.element(*task.job, task.array_index) : listing.plain(*task.job);
    if (listed == nullptr) {
      settle(task, outcome_of_vanished(*task.job, read_exit_marker(task.marker_path), task.cancel_requested));
    } else {
      settle(task, outcome_of(*listed, read_exit_marker(task.marker_path), task.cancel_requested));
    }
  }
  send_cancels();
  pump_submissions();
}

void SlurmExecutor::settle(Task& task, const JobOutcome& outcome) {
  if (outcome.kind == JobOutcome::Kind::going) return;
  const std::string key = task.key;
  const std::string output_path = task.output_path;
  forget(key);
  if (outcome.kind == JobOutcome::Kind::lost) return host().task_lost(key, outcome.error);
  report_finished(key, outcome.exit_code, outcome.error, output_path);
}

void SlurmExecutor::forget(const std::string& key) {
  const auto found = tasks_.find(key);
  const Task& task = found->second;
  if (task.phase == Phase::submitted || task.phase == Phase::looking_up) {
    --jobs_in_flight_;
    if (task.array_index >= 0) {
      const auto array = array_elements_left_.find(*task.job);
      if (--array->second.second == 0) {
        if (!array->second.first.empty()) --node_loads_[array->second.first].arrays;
        array_elements_left_.erase(array);
      }
    } else if (!task.node_key.empty() && task.phase == Phase::submitted) {
      --node_loads_[task.node_key].plain_jobs;
    }
  }
  tasks_.erase(found);
}

void SlurmExecutor::report_finished(const std::string& key, int exit_code, const std::string& error,
                                    const std::string& output_path) {
  const auto [output, output_error] = read_output(output_path);
  std::string errors = error;
  if (!output_error.empty()) errors += (errors.empty() ? "" : "; ") + output_error;
  host().task_finished(key, exit_code, output, errors);
}

}  // namespace weft::slurm
