// The workers that send the http nodes' requests off weftd's event loop, and
// the watcher that ends each at its deadline.
//
// Threads start with the calls that need them, not with the pool: the
// watcher with the first call, a worker when a call is queued and no worker
// is free, up to the pool's size. Every weftd loads this plugin, most never
// send a request, and idle threads there were pure cost.
//
// A call ends exactly once, by whoever gets there first: its worker with the
// reply, the watcher at the deadline, or cancel. The one that ends it
// reports it; the others drop what they have. Ending early also aborts the
// connection, so that the worker is soon free again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "http_call.hpp"

namespace weft::nodes::http {

struct Call {
  using Clock = std::chrono::steady_clock;
  std::string task_key;
  HttpRequest request;
  Clock::time_point deadline;  // from when the task was planned: waiting for a worker counts
  Connection connection;
  std::atomic<bool> ended{false};

  // True for the one caller that ends the call.
  bool end() { return !ended.exchange(true); }
};

// How a call ended, as the task's FINISHED event says it.
struct Outcome {
  int exit_code = 0;
  std::string output_json;  // exit code 0
  std::string error;        // otherwise
};

class CallPool {
 public:
  using Perform = std::function<Outcome(Call&)>;                    // on a worker; may throw
  using Report = std::function<void(const Call&, const Outcome&)>;  // any pool thread, or cancel's

  CallPool(std::size_t workers, Perform perform, Report report);
  // Aborts the calls under way and drops the queued ones, unreported: the
  // host is destroying the node type.
  ~CallPool();
  CallPool(const CallPool&) = delete;
  CallPool& operator=(const CallPool&) = delete;

  void submit(std::shared_ptr<Call> call);
  // Ends the call as cancelled, if it has not ended; false: no such call.
  bool cancel(std::string_view task_key);

 private:
  // Under mutex_: the threads the queued calls need.
  void start_threads_for_queue();
  void work();
  // On a worker, with mutex_ not held: perform_'s outcome, or its exception's.
  Outcome outcome_of(Call& call);
  void watch();
  // Ends call early with error, if nothing ended it yet.
  void end_early(Call& call, const std::string& error);
  void forget(const std::string& task_key);

  const std::size_t max_workers_;
  Perform perform_;
  Report report_;
  std::mutex mutex_;
  std::condition_variable queued_;
  std::condition_variable deadlines_changed_;
  std::deque<std::shared_ptr<Call>> queue_;
  std::map<std::string, std::shared_ptr<Call>, std::less<>> calls_;  // queued or under way
  bool stopping_ = false;
  std::size_t workers_ = 0;       // started
  std::size_t idle_workers_ = 0;  // started and not sending a call
  std::vector<std::thread> threads_;
};

}  // namespace weft::nodes::http
