// The tasks a remote executor's worker thread drives (argo, cloudrun),
// shared with the threads that call start, cancel and recover: those only
// queue work and wake the worker, which does all the network I/O, in the
// steps drive() calls as each task comes due.
//
// Task derives from RemoteTask.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace weft::remote {

// Where a task is: to be submitted, running (followed by polls), or having
// ended (its end being read).
enum class Stage { submit, running, finishing };

// Every field but cancel_requested belongs to the worker thread once queued.
struct RemoteTask {
  using Clock = std::chrono::steady_clock;
  std::string key;
  Stage stage = Stage::submit;
  std::atomic<bool> cancel_requested{false};
  bool cancel_sent = false;
  Clock::time_point not_before{};  // the next try of a failed step, not before
  std::chrono::milliseconds backoff{0};

  // Puts the next try off: exponential up to `longest`, with jitter so that
  // many tasks refused at once do not come back at once. Returns the wait.
  std::chrono::milliseconds back_off(std::chrono::milliseconds longest) {
    thread_local std::mt19937 random{std::random_device{}()};
    backoff = std::min(longest, std::max(std::chrono::milliseconds(100), backoff * 2));
    std::uniform_real_distribution<double> share(0.5, 1.0);
    const auto wait =
        std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(backoff.count()) * share(random)));
    not_before = Clock::now() + wait;
    return wait;
  }
};

template <class Task>
class TaskQueue {
 public:
  using Clock = std::chrono::steady_clock;
  // What the worker does with the tasks, each step when it is due.
  struct Steps {
    std::function<void(Task&)> submit;                                    // Stage::submit
    std::function<void(Task&)> send_cancel;                               // running, cancel requested
    std::function<void(const std::vector<std::shared_ptr<Task>>&)> poll;  // all running ones, each poll interval
    std::function<void(Task&)> finish;                                    // Stage::finishing
    // Optional: work of the executor's own beside its tasks (argo: creating
    // the workflows of whole runs), done first each round; returns when it
    // is next due.
    std::function<Clock::time_point()> own_work = nullptr;
  };
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

  // Wakes the worker for its own work (Steps::own_work).
  void wake() {
    {
      const std::lock_guard lock(mutex_);
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

  // The worker thread's loop, until stop().
  void drive(std::chrono::milliseconds poll_interval, const Steps& steps) {
    auto next_poll = Clock::now();
    while (auto snapshot = next()) {
      const auto& tasks = snapshot->tasks;
      const bool poll_due = snapshot->poll_now || Clock::now() >= next_poll;
      const auto own_work_due = steps.own_work ? steps.own_work() : Clock::time_point::max();
      for (const auto& t : tasks) {
        if (t->stage == Stage::submit && (t->cancel_requested || Clock::now() >= t->not_before)) steps.submit(*t);
      }
      std::vector<std::shared_ptr<Task>> running;
      for (const auto& t : tasks) {
        if (t->stage != Stage::running) continue;
        if (t->cancel_requested && !t->cancel_sent && Clock::now() >= t->not_before) steps.send_cancel(*t);
        running.push_back(t);
      }
      if (poll_due) {
        if (!running.empty()) steps.poll(running);
        next_poll = Clock::now() + poll_interval;
      }
      auto wake_at = std::min(next_poll, own_work_due);
      for (const auto& t : tasks) {
        if (t->stage == Stage::finishing && Clock::now() >= t->not_before) steps.finish(*t);
        const bool waits = t->stage != Stage::running || (t->cancel_requested && !t->cancel_sent);
        if (waits) wake_at = std::min(wake_at, t->not_before);
      }
      wait_until(wake_at);
    }
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
