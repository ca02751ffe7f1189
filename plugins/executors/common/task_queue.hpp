// The tasks a remote executor's worker thread drives (argo, cloudrun),
// shared with the threads that call start, cancel and recover: those only
// queue work and wake the worker, which does all the network I/O.
//
// Task has `std::string key` and `std::atomic<bool> cancel_requested`.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::remote {

template <class Task>
class TaskQueue {
 public:
  using Clock = std::chrono::steady_clock;
  struct Snapshot {
    std::vector<std::shared_ptr<Task>> tasks;
    bool poll_now = false;  // a recover asked for statuses at once
  };

  // Adds the task (replacing one of the same key) and wakes the worker.
  void add(std::shared_ptr<Task> task, bool poll_now = false) {
    {
      const std::lock_guard lock(mutex_);
      tasks_[task->key] = std::move(task);
      poll_now_ = poll_now_ || poll_now;
      queued_ = true;
    }
    wake_.notify_all();
  }

  // Marks the task for cancel and wakes the worker; false: no such task.
  bool request_cancel(std::string_view key) {
    {
      const std::lock_guard lock(mutex_);
      const auto it = tasks_.find(key);
      if (it == tasks_.end()) return false;
      it->second->cancel_requested = true;
      queued_ = true;
    }
    wake_.notify_all();
    return true;
  }

  // Forgets the task: the event that ends it is reported after.
  void forget(const std::string& key) {
    const std::lock_guard lock(mutex_);
    tasks_.erase(key);
  }

  // For the worker: the tasks now; nullopt once stop() was called.
  std::optional<Snapshot> next() {
    const std::lock_guard lock(mutex_);
    if (stopping_) return std::nullopt;
    Snapshot snapshot;
    for (const auto& [key, t] : tasks_) snapshot.tasks.push_back(t);
    snapshot.poll_now = poll_now_;
    poll_now_ = false;
    queued_ = false;
    return snapshot;
  }

  // For the worker: sleeps until wake_at (at least a few ms), or until work
  // is queued (a start, a cancel, a recover: done at once) or stop() is called.
  void wait_until(Clock::time_point wake_at) {
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, std::max(wake_at, Clock::now() + std::chrono::milliseconds(5)),
                     [&] { return stopping_ || queued_; });
  }

  void stop() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool poll_now_ = false;
  bool queued_ = false;  // work added since the worker last looked
  std::map<std::string, std::shared_ptr<Task>, std::less<>> tasks_;
};

}  // namespace weft::remote
