// The daemon's side of weft_host_api: what a plugin may ask of the daemon.
//
// One PluginContext per plugin object (node type, executor, store), so that
// log lines carry the plugin's name. Task events are copied and handed to the
// sink the scheduler installs; watch_fd waits on the daemon's io_context;
// a store's work_available is posted to that io_context, where the
// scheduler's work listener runs; a node type's enqueue goes to the
// scheduler's message sink.
#pragma once

#include <weft/abi/weft_abi.h>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace weft::daemon {

// A weft_task_event, owned.
struct TaskEvent {
  weft_task_event_kind kind = WEFT_EVENT_FINISHED;
  std::string task_key;
  std::string external_id;
  int32_t exit_code = 0;
  std::string output_json;
  std::string error;
};

// A plugin's start_child_run, owned.
struct ChildRunRequest {
  std::string task_key;  // the parent's task
  std::string workflow;
  int64_t version = 0;  // 0: the latest
  std::string params_json;
};

// How a child run ended: its final weft_run_status and results; or run_id
// empty and status 0 when none could be started (error says why).
struct ChildRunEnd {
  std::string run_id;
  int32_t status = 0;
  std::string results_json;
  std::string error;
};
using ChildRunEnded = std::function<void(const ChildRunEnd&)>;

class HostServices {
 public:
  // Called on any thread, once per event; must be cheap and thread-safe
  // (the scheduler posts the event into its loop).
  using TaskEventSink = std::function<void(TaskEvent)>;

  explicit HostServices(boost::asio::io_context& io) : io_(io) {}

  // Set once, before any executor starts a task.
  void set_task_event_sink(TaskEventSink sink) { sink_ = std::move(sink); }
  void deliver(TaskEvent event) const;
  // Set before the io_context runs; called on its thread (the scheduler's
  // loop) for each work_available a store sends, from whichever thread.
  void set_work_listener(std::function<void()> listener) { work_listener_ = std::move(listener); }
  void work_available();
  // Set before the io_context runs; called on its thread (a node type's
  // plan or finish) for each message a node type enqueues. Returns why it
  // was refused; empty: it goes with the task's outcome.
  using MessageSink = std::function<std::string(std::string queue, std::string id, std::string body_json)>;
  void set_message_sink(MessageSink sink) { message_sink_ = std::move(sink); }
  std::string enqueue(std::string queue, std::string id, std::string body_json) const;
  // Set once, before any node type plans a task: who starts child runs
  // (the scheduler). Called on any thread; on_end is called once, on the loop.
  using ChildRunStarter = std::function<void(ChildRunRequest, ChildRunEnded)>;
  void set_child_run_starter(ChildRunStarter starter) { child_run_starter_ = std::move(starter); }
  void start_child_run(ChildRunRequest request, ChildRunEnded on_end) const;
  boost::asio::io_context& io() { return io_; }

 private:
  boost::asio::io_context& io_;
  TaskEventSink sink_;
  std::function<void()> work_listener_;
  MessageSink message_sink_;
  ChildRunStarter child_run_starter_;
};

// The weft_host_api handed to one plugin object. Must stay at a fixed address
// for as long as that object lives (the plugin keeps the pointer).
class PluginContext {
 public:
  PluginContext(HostServices& services, std::string plugin_name);
  PluginContext(const PluginContext&) = delete;
  PluginContext& operator=(const PluginContext&) = delete;

  const weft_host_api* api() const { return &api_; }
  const std::string& plugin_name() const { return plugin_name_; }

 private:
  static void log(void* host_ptr, weft_log_level level, weft_str message);
  static void task_event(void* host_ptr, const weft_task_event* event);
  static weft_status watch_fd(void* host_ptr, int fd, weft_fd_callback on_readable, void* plugin_ptr);
  static void work_available(void* host_ptr);
  static weft_status enqueue(void* host_ptr, weft_str queue, weft_str message_id, weft_str body_json, weft_error* err);
  static weft_status start_child_run(void* host_ptr, weft_str task_key, weft_str workflow, int64_t version,
                                     weft_str params_json, weft_child_run_callback on_end, void* plugin_ptr,
                                     weft_error* err);

  HostServices& services_;
  std::string plugin_name_;
  weft_host_api api_{};
  // Expires with this object, and with it every child run's on_end still to
  // come: the plugin object it would call is gone.
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace weft::daemon
