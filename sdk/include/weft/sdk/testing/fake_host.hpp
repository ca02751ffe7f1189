// A fake weft_host_api for plugin tests, ours and third parties'.
//
// FakeHost records what a plugin logs and the task events it reports, and
// serves watch_fd with an epoll loop that the test drives: run_until() plays
// the daemon's event loop on the calling thread, so fd callbacks run there,
// exactly one per watch, as the ABI promises. Linux only (epoll, eventfd).
//
//   weft::sdk::testing::FakeHost host;
//   MyExecutor executor(host.host(), config);
//   executor.start(spec);
//   auto finished = host.wait_for(key, WEFT_TASK_FINISHED);
//   ASSERT_TRUE(finished);
//   EXPECT_EQ(finished->exit_code, 0);
//
// LoadedPlugin opens a built plugin file the way weftd does, for load tests
// that go through the C vtables.
#pragma once

#include <dlfcn.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <weft/abi/weft_abi.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
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
  weft_task_event_kind kind = WEFT_TASK_FINISHED;
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
    return wait_for(task_key, WEFT_TASK_FINISHED, timeout);
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
      h.events_.push_back({event->kind, std::string(view(event->task_key)), std::string(view(event->external_id)),
                           event->exit_code, std::string(view(event->output_json)), std::string(view(event->error))});
    }
    const uint64_t one = 1;
    [[maybe_unused]] const auto w = ::write(h.wake_fd_, &one, sizeof one);
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
  int wake_fd_;  // written on every task event, so a waiting run_until wakes up
  weft_host_api api_{};
  mutable std::mutex mutex_;
  std::vector<LogLine> logs_;
  std::vector<RecordedEvent> events_;
  std::unordered_map<int, Watch> watches_;
};

// A plugin file opened as weftd opens it (RTLD_NOW | RTLD_LOCAL, ABI checked),
// and never closed, as in weftd.
class LoadedPlugin {
 public:
  explicit LoadedPlugin(const std::string& path) {
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw std::runtime_error("cannot load " + path + ": " + ::dlerror());
    const auto entry = reinterpret_cast<weft_plugin_entry_fn>(::dlsym(handle, WEFT_PLUGIN_ENTRY_SYMBOL));
    if (entry == nullptr) throw std::runtime_error(path + " exports no " WEFT_PLUGIN_ENTRY_SYMBOL);
    descriptor_ = entry();
    if (descriptor_->abi_major != WEFT_ABI_MAJOR || descriptor_->abi_minor > WEFT_ABI_MINOR) {
      throw std::runtime_error(path + " was built for ABI " + std::to_string(descriptor_->abi_major) + "." +
                               std::to_string(descriptor_->abi_minor) + ", this host has " +
                               std::to_string(WEFT_ABI_MAJOR) + "." + std::to_string(WEFT_ABI_MINOR));
    }
  }

  const weft_plugin_descriptor& descriptor() const { return *descriptor_; }

  // The factory of this kind and type name; throws if the plugin has none.
  const weft_factory& factory(weft_plugin_kind kind, std::string_view type_name) const {
    for (size_t i = 0; i < descriptor_->factory_count; ++i) {
      const weft_factory& f = descriptor_->factories[i];
      if (f.kind == kind && type_name == f.type_name) return f;
    }
    throw std::runtime_error(std::string(descriptor_->name) + " provides no " + std::string(type_name));
  }
  const weft_node_vtable& node_vtable(std::string_view type_name) const {
    return *static_cast<const weft_node_vtable*>(factory(WEFT_KIND_NODE, type_name).vtable);
  }
  const weft_executor_vtable& executor_vtable(std::string_view type_name) const {
    return *static_cast<const weft_executor_vtable*>(factory(WEFT_KIND_EXECUTOR, type_name).vtable);
  }

 private:
  const weft_plugin_descriptor* descriptor_ = nullptr;
};

// A weft_sink that collects what the callee writes.
struct StringSink {
  StringSink() = default;
  StringSink(const StringSink&) = delete;  // the sink points at this object
  StringSink& operator=(const StringSink&) = delete;

  std::string text;
  weft_sink sink{
      this, [](void* self, const char* data, size_t len) { static_cast<StringSink*>(self)->text.append(data, len); }};
  const weft_sink* get() const { return &sink; }
};

// A weft_problem_sink that collects the problems reported.
struct ProblemCollector {
  ProblemCollector() = default;
  ProblemCollector(const ProblemCollector&) = delete;  // the sink points at this object
  ProblemCollector& operator=(const ProblemCollector&) = delete;

  struct Entry {
    std::string path;
    std::string message;
  };
  std::vector<Entry> problems;
  weft_problem_sink sink{
      this, [](void* self, weft_str path, weft_str message) {
        static_cast<ProblemCollector*>(self)->problems.push_back({std::string(view(path)), std::string(view(message))});
      }};
  const weft_problem_sink* get() const { return &sink; }
};

// One node object created through a plugin's C vtable, as weftd creates it.
// Each call throws std::runtime_error with the plugin's message if it fails.
class NodeUnderTest {
 public:
  NodeUnderTest(const LoadedPlugin& plugin, std::string_view type_name, const FakeHost& host,
                std::string_view config_json = "{}")
      : vtable_(plugin.node_vtable(type_name)) {
    weft_error err{};
    check(vtable_.create(host.api(), str(config_json), &node_, &err), err);
  }
  ~NodeUnderTest() { vtable_.destroy(node_); }
  NodeUnderTest(const NodeUnderTest&) = delete;
  NodeUnderTest& operator=(const NodeUnderTest&) = delete;

  std::vector<ProblemCollector::Entry> validate(std::string_view params_json) const {
    ProblemCollector problems;
    weft_error err{};
    check(vtable_.validate(node_, str(params_json), problems.get(), &err), err);
    return problems.problems;
  }
  std::string plan(std::string_view request_json) {
    StringSink out;
    weft_error err{};
    check(vtable_.plan(node_, str(request_json), out.get(), &err), err);
    return out.text;
  }
  std::string finish(std::string_view result_json) {
    StringSink out;
    weft_error err{};
    check(vtable_.finish(node_, str(result_json), out.get(), &err), err);
    return out.text;
  }

  // (path, message) of each problem with params, in the order reported.
  std::vector<std::pair<std::string, std::string>> problems_with(const nlohmann::json& params) const {
    std::vector<std::pair<std::string, std::string>> found;
    for (const auto& p : validate(params.dump())) found.emplace_back(p.path, p.message);
    return found;
  }
  // The plan for params, asked the way weftd asks: a first attempt of node
  // "step" (no for_each) of run "run-1", handed to `executor`.
  nlohmann::json plan_for(const nlohmann::json& params, std::string_view executor = "process") {
    const nlohmann::json request = {{"task_key", "run-1/step/-1/1"},
                                    {"run_id", "run-1"},
                                    {"workflow", "wf"},
                                    {"node", "step"},
                                    {"index", nullptr},
                                    {"attempt", 1},
                                    {"params", params},
                                    {"executor", executor},
                                    {"resources", nlohmann::json::object()},
                                    {"timeout_s", 60}};
    return nlohmann::json::parse(plan(request.dump()));
  }

 private:
  static void check(weft_status status, const weft_error& err) {
    if (status != WEFT_OK) throw std::runtime_error(err.message);
  }

  const weft_node_vtable& vtable_;
  void* node_ = nullptr;
};

}  // namespace weft::sdk::testing
