// A fake weft_host_api for plugin tests, ours and third parties'.
//
// FakeHost records what a plugin logs and the task events it reports, and
// serves watch_fd with an epoll loop that the test drives: run_until() plays
// the daemon's event loop on the calling thread, so fd callbacks run there,
// exactly one per watch, as the ABI promises. Linux only (epoll, eventfd).
//
//   weft::sdk::testing::FakeHost host;
//   MyExecutor executor(host.host(), config);
//   executor.start(task);
//   auto finished = host.wait_for_finished(task.task_key);
//   ASSERT_TRUE(finished);
//   EXPECT_EQ(finished->exit_code, 0);
//
// loaded_plugin.hpp opens a built plugin file the way weftd does, for load
// tests that go through the C vtables.
#pragma once

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <weft/abi/weft_abi.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>
#include <weft/sdk/plugin.hpp>

namespace weft::sdk::testing {

// A weft_task_event, owned.
struct RecordedEvent {
  weft_task_event_kind kind = WEFT_EVENT_FINISHED;
  std::string task_key;
  std::string external_id;
  int32_t exit_code = 0;
  std::string output_json;
  std::string error;
};

struct LogLine {
  weft_log_level level = WEFT_LOG_INFO;
  std::string message;
};

// Not copyable or movable: plugins keep the address of its weft_host_api.
// log and task_event may be called from any thread; watch_fd too. run_until
// and the wait helpers run on one test thread at a time.
class FakeHost {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kDefaultTimeout{20000};
  static constexpr std::chrono::milliseconds kRecheck{10};

  FakeHost() : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error(std::string("FakeHost: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    api_.struct_size = sizeof api_;
    api_.host_ptr = this;
    api_.log = &FakeHost::log_thunk;
    api_.task_event = &FakeHost::task_event_thunk;
    api_.watch_fd = &FakeHost::watch_fd_thunk;
    api_.work_available = &FakeHost::work_available_thunk;
    api_.enqueue = &FakeHost::enqueue_thunk;
    api_.start_child_run = &FakeHost::start_child_run_thunk;
  }
  ~FakeHost() {
    ::close(wake_fd_);
    ::close(epoll_fd_);
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const weft_host_api* api() const { return &api_; }
  Host host() const { return Host(&api_); }

  std::vector<LogLine> logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  std::vector<RecordedEvent> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<RecordedEvent> events_for(std::string_view task_key) const {
    std::lock_guard lock(mutex_);
    std::vector<RecordedEvent> found;
    for (const auto& e : events_) {
      if (e.task_key == task_key) found.push_back(e);
    }
    return found;
  }
  // The first event of this kind for task_key, if one was reported.
  std::optional<RecordedEvent> find(std::string_view task_key, weft_task_event_kind kind) const {
    std::lock_guard lock(mutex_);
    for (const auto& e : events_) {
      if (e.task_key == task_key && e.kind == kind) return e;
    }
    return std::nullopt;
  }
  // How many times a store said work may be waiting (work_available).
  size_t work_notices() const {
    std::lock_guard lock(mutex_);
    return work_notices_;
  }
  // What node types enqueued (enqueue), in order; a message id enqueued
  // again on its queue is kept once, as a host's store keeps it.
  struct Enqueued {
    std::string queue;
    std::string id;
    std::string body_json;
    bool operator==(const Enqueued&) const = default;
  };
  std::vector<Enqueued> enqueued() const {
    std::lock_guard lock(mutex_);
    return enqueued_;
  }
  // A child run a plugin asked for (start_child_run); the test ends it with end_child_run.
  struct ChildRunRequest {
    std::string task_key;
    std::string workflow;
    int64_t version = 0;
    std::string params_json;
  };
  std::vector<ChildRunRequest> child_runs() const {
    std::lock_guard lock(mutex_);
    std::vector<ChildRunRequest> requests;
    for (const auto& [key, child] : children_) requests.push_back(child.request);
    return requests;
  }
  // Tells the plugin that the child run of task_key ended, as weftd would
  // (status 0 and run_id empty: it could not start). False if none was asked for.
  bool end_child_run(std::string_view task_key, std::string_view run_id, int32_t status, std::string_view results_json,
                     std::string_view error = {}) {
    PendingChild child;
    {
      std::lock_guard lock(mutex_);
      const auto it = children_.find(std::string(task_key));
      if (it == children_.end()) return false;
      child = it->second;
      children_.erase(it);
    }
    child.on_end(child.plugin_ptr, str(task_key), str(run_id), status, str(results_json), str(error));
    return true;
  }
  // Watches asked for and not yet served.
  size_t pending_watches() const {
    std::lock_guard lock(mutex_);
    return watches_.size();
  }

  // Serves ready fds and waits for events on this thread until done() is true
  // or timeout passes. Returns done(). Callbacks run here, outside any lock.
  // done() is also checked every kRecheck, so it may wait for things outside
  // the loop too (a file that a task writes, a process that ends).
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = kDefaultTimeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return done();
      run_once(std::min(left, kRecheck));
    }
    return true;
  }
  // Drives the loop until task_key has an event of this kind; returns it.
  std::optional<RecordedEvent> wait_for(std::string_view task_key, weft_task_event_kind kind,
                                        std::chrono::milliseconds timeout = kDefaultTimeout) {
    run_until([&] { return find(task_key, kind).has_value(); }, timeout);
    return find(task_key, kind);
  }
  std::optional<RecordedEvent> wait_for_finished(std::string_view task_key,
                                                 std::chrono::milliseconds timeout = kDefaultTimeout) {
    return wait_for(task_key, WEFT_EVENT_FINISHED, timeout);
  }

  // Waits up to timeout for one batch of ready fds (or a reported event) and
  // serves it.
  void run_once(std::chrono::milliseconds timeout) {
    epoll_event ready[16];
    const int n = ::epoll_wait(epoll_fd_, ready, 16, static_cast<int>(timeout.count()));
    for (int i = 0; i < n; ++i) serve(ready[i].data.fd);
  }

 private:
  struct Watch {
    weft_fd_callback callback;
    void* plugin_ptr;
  };
  struct PendingChild {
    ChildRunRequest request;
    weft_child_run_callback on_end = nullptr;
    void* plugin_ptr = nullptr;
  };

  void serve(int fd) {
    if (fd == wake_fd_) {
      uint64_t count;
      [[maybe_unused]] const auto r = ::read(wake_fd_, &count, sizeof count);
      return;
    }
    Watch watch{};
    {
      std::lock_guard lock(mutex_);
      const auto it = watches_.find(fd);
      if (it == watches_.end()) return;
      watch = it->second;
      watches_.erase(it);
      // Removed before the callback: the plugin may close fd, or watch it again, from inside it.
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
    }
    watch.callback(watch.plugin_ptr, fd);
  }

  static FakeHost& self(void* host_ptr) { return *static_cast<FakeHost*>(host_ptr); }

  static void log_thunk(void* host_ptr, weft_log_level level, weft_str message) {
    auto& h = self(host_ptr);
    std::lock_guard lock(h.mutex_);
    h.logs_.push_back({level, std::string(view(message))});
  }
  static void task_event_thunk(void* host_ptr, const weft_task_event* event) {
    auto& h = self(host_ptr);
    {
      std::lock_guard lock(h.mutex_);
      h.events_.push_back({static_cast<weft_task_event_kind>(event->kind), std::string(view(event->task_key)),
                           std::string(view(event->external_id)), event->exit_code,
                           std::string(view(event->output_json)), std::string(view(event->error))});
    }
    const uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(h.wake_fd_, &one, sizeof one);
  }
  static void work_available_thunk(void* host_ptr) {
    auto& h = self(host_ptr);
    {
      std::lock_guard lock(h.mutex_);
      ++h.work_notices_;
    }
    const uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(h.wake_fd_, &one, sizeof one);
  }
  static weft_status enqueue_thunk(void* host_ptr, weft_str queue, weft_str id, weft_str body, weft_error* err) {
    auto& h = self(host_ptr);
    std::lock_guard lock(h.mutex_);
    Enqueued message{std::string(view(queue)), std::string(view(id)), std::string(view(body))};
    if (message.queue.empty()) {
      set_error(err, "the queue name is empty");
      return WEFT_ERROR;
    }
    const bool known = std::any_of(h.enqueued_.begin(), h.enqueued_.end(),
                                   [&](const Enqueued& e) { return e.queue == message.queue && e.id == message.id; });
    if (!known) h.enqueued_.push_back(std::move(message));
    return WEFT_OK;
  }
  static weft_status start_child_run_thunk(void* host_ptr, weft_str task_key, weft_str workflow, int64_t version,
                                           weft_str params_json, weft_child_run_callback on_end, void* plugin_ptr,
                                           weft_error* err) {
    if (task_key.len == 0 || on_end == nullptr) {
      std::snprintf(err->message, sizeof err->message, "start_child_run needs a task_key and on_end");
      return WEFT_ERROR;
    }
    auto& h = self(host_ptr);
    std::lock_guard lock(h.mutex_);
    const std::string key(view(task_key));
    h.children_[key] = {
        {key, std::string(view(workflow)), version, std::string(view(params_json))}, on_end, plugin_ptr};
    return WEFT_OK;
  }
  static weft_status watch_fd_thunk(void* host_ptr, int fd, weft_fd_callback on_readable, void* plugin_ptr) {
    auto& h = self(host_ptr);
    std::lock_guard lock(h.mutex_);
    if (h.watches_.count(fd)) return WEFT_ERROR;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(h.epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return WEFT_ERROR;
    h.watches_[fd] = Watch{on_readable, plugin_ptr};
    return WEFT_OK;
  }

  int epoll_fd_;
  int wake_fd_;  // written on every task event and work notice, so a waiting run_until wakes up
  weft_host_api api_{};
  mutable std::mutex mutex_;
  std::vector<LogLine> logs_;
  std::vector<RecordedEvent> events_;
  size_t work_notices_ = 0;
  std::vector<Enqueued> enqueued_;
  std::unordered_map<int, Watch> watches_;
  std::map<std::string, PendingChild> children_;  // by task key
};

}  // namespace weft::sdk::testing
