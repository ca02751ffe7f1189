#include "call_pool.hpp"

#include <exception>
#include <optional>

namespace weft::nodes::http {

namespace {

std::string seconds(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  return std::to_string(ms / 1000) + (ms % 1000 == 0 ? "" : "." + std::to_string(1000 + ms % 1000).substr(1)) + " s";
}

}  // namespace

CallPool::CallPool(std::size_t workers, Perform perform, Report report)
    : max_workers_(workers), perform_(std::move(perform)), report_(std::move(report)) {}

CallPool::~CallPool() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    for (const auto& [key, call] : calls_) {
      call->end();
      call->connection.abort();
    }
  }
  queued_.notify_all();
  deadlines_changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void CallPool::submit(std::shared_ptr<Call> call) {
  {
    const std::lock_guard lock(mutex_);
    calls_[call->task_key] = call;
    queue_.push_back(std::move(call));
    start_threads_for_queue();
  }
  queued_.notify_one();
  deadlines_changed_.notify_all();
}

bool CallPool::cancel(std::string_view task_key) {
  std::shared_ptr<Call> call;
  {
    const std::lock_guard lock(mutex_);
    const auto it = calls_.find(task_key);
    if (it == calls_.end()) return false;
    call = it->second;
  }
  end_early(*call, "cancelled");
  return true;
}

void CallPool::end_early(Call& call, const std::string& error) {
  if (!call.end()) return;
  call.connection.abort();
  report_(call, Outcome{1, "", error});
  forget(call.task_key);
}

void CallPool::forget(const std::string& task_key) {
  const std::lock_guard lock(mutex_);
  calls_.erase(task_key);
}

void CallPool::start_threads_for_queue() {
  if (threads_.empty()) threads_.emplace_back([this] { watch(); });
  // A worker counts as idle from its start, so that calls queued before it
  // runs do not start more than they need.
  if (queue_.size() > idle_workers_ && workers_ < max_workers_) {
    ++workers_;
    ++idle_workers_;
    threads_.emplace_back([this] { work(); });
  }
}

void CallPool::work() {
  for (;;) {
    std::shared_ptr<Call> call;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      call = std::move(queue_.front());
      queue_.pop_front();
      --idle_workers_;
    }
    std::optional<Outcome> outcome;
    if (!call->ended) outcome = outcome_of(*call);  // else cancelled or timed out while queued
    {
      // Free before the report: a call that the report leads to finds this
      // worker instead of starting another.
      const std::lock_guard lock(mutex_);
      ++idle_workers_;
    }
    if (!outcome || !call->end()) continue;  // ended early, and reported then
    report_(*call, *outcome);
    forget(call->task_key);
  }
}

Outcome CallPool::outcome_of(Call& call) {
  try {
    return perform_(call);
  } catch (const std::exception& e) {
    return {1, "", e.what()};
  }
}

void CallPool::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto next = Call::Clock::time_point::max();
    std::vector<std::shared_ptr<Call>> due;
    for (const auto& [key, call] : calls_) {
      if (call->ended) continue;  // its worker is reporting it
      if (call->deadline <= Call::Clock::now()) {
        due.push_back(call);
      } else {
        next = std::min(next, call->deadline);
      }
    }
    if (!due.empty()) {
      lock.unlock();
      for (const auto& call : due) end_early(*call, "timed out after " + seconds(call->request.timeout));
      lock.lock();
      continue;
    }
    if (next == Call::Clock::time_point::max()) {
      deadlines_changed_.wait(lock);
    } else {
      deadlines_changed_.wait_until(lock, next);
    }
  }
}

}  // namespace weft::nodes::http
