// Base class and thunks for executors. See weft_executor_vtable in weft_abi.h
// for the event rules, and task.hpp for the task spec.
#pragma once

#include <weft/sdk/run_graph.hpp>
#include <weft/sdk/task.hpp>

namespace weft::sdk {

// Derive from this and give the class a constructor (const Host&, const nlohmann::json& config).
// Every function runs on the daemon's event loop thread. A class that takes
// whole runs has WEFT_EXECUTOR_CAP_WHOLE_RUN in its capabilities and
// overrides start_run and cancel_run.
class Executor {
 public:
  // WEFT_EXECUTOR_CAP_* bits (weft_abi.h); a derived class that has one
  // declares its own `static constexpr uint64_t capabilities`.
  static constexpr uint64_t capabilities = 0;

  virtual ~Executor() = default;

  // Start task.command (always present here); report STARTED, then exactly
  // one FINISHED or LOST through the Host. Throwing means nothing started
  // and no event will come.
  virtual void start(const TaskSpec& task) = 0;

  // Stop the task and everything it started; its FINISHED event follows.
  // Return false if unknown.
  virtual bool cancel(std::string_view task_key) = 0;

  // Take a task back after a daemon restart, by the external id it reported
  // (empty if weftd did not store one: find it by task_key if you can). The
  // default cannot, and says so.
  virtual void recover(const TaskSpec& task, std::string_view /*external_id*/) {
    host().task_lost(task.task_key, "this executor cannot recover tasks after a restart");
  }

  // ABI 2.1, for WEFT_EXECUTOR_CAP_WHOLE_RUN: submit the whole run (see
  // weft_run_graph); the starts of its tasks follow. Throwing fails the run.
  virtual void start_run(const RunGraph& /*run*/) { throw std::logic_error("this executor does not take whole runs"); }
  // ABI 2.1, for WEFT_EXECUTOR_CAP_WHOLE_RUN: stop all that was submitted for
  // the run, the nodes whose tasks weftd never started included; a run not
  // known is nothing to stop (see cancel_run in weft_abi.h).
  virtual void cancel_run(std::string_view /*run_id*/) {
    throw std::logic_error("this executor does not take whole runs");
  }

  const Host& host() const { return host_; }

 protected:
  explicit Executor(const Host& host) : host_(host) {}

 private:
  Host host_;
};

namespace detail {

inline TaskSpec with_command(const weft_task_spec& abi) {
  TaskSpec task = from_abi(abi);
  if (!task.command) throw std::invalid_argument("the task spec has no command");
  if (task.command->argv.empty()) throw std::invalid_argument("the task's command has an empty argv");
  return task;
}

template <class T>
struct ExecutorThunks {
  static weft_status create(const weft_host_api* host, weft_str config, void** out, weft_error* err) noexcept {
    return guard(err, [&] {
      const auto cfg = config.len ? nlohmann::json::parse(view(config)) : nlohmann::json::object();
      *out = static_cast<Executor*>(new T(Host(host), cfg));
    });
  }
  static void destroy(void* executor) noexcept { delete static_cast<Executor*>(executor); }
  static weft_status start(void* executor, const weft_task_spec* task, weft_error* err) noexcept {
    return guard(err, [&] { static_cast<Executor*>(executor)->start(with_command(*task)); });
  }
  static weft_status cancel(void* executor, weft_str task_key, weft_error* err) noexcept {
    bool known = false;
    const weft_status s = guard(err, [&] { known = static_cast<Executor*>(executor)->cancel(view(task_key)); });
    if (s == WEFT_OK && !known) {
      set_error(err, "no such task");
      return WEFT_NOT_FOUND;
    }
    return s;
  }
  static weft_status recover(void* executor, const weft_task_spec* task, weft_str external_id,
                             weft_error* err) noexcept {
    return guard(err, [&] { static_cast<Executor*>(executor)->recover(with_command(*task), view(external_id)); });
  }
  static weft_status start_run(void* executor, const weft_run_graph* run, weft_error* err) noexcept {
    return guard(err, [&] { static_cast<Executor*>(executor)->start_run(from_abi(*run)); });
  }
  static weft_status cancel_run(void* executor, weft_str run_id, weft_error* err) noexcept {
    return guard(err, [&] { static_cast<Executor*>(executor)->cancel_run(view(run_id)); });
  }
  static constexpr weft_executor_vtable vtable = [] {
    weft_executor_vtable v{};
    v.struct_size = sizeof(weft_executor_vtable);
    v.create = create;
    v.destroy = destroy;
    v.start = start;
    v.cancel = cancel;
    v.recover = recover;
    v.capabilities = T::capabilities;
    const bool whole_runs = (T::capabilities & WEFT_EXECUTOR_CAP_WHOLE_RUN) != 0;
    v.start_run = whole_runs ? start_run : nullptr;
    v.cancel_run = whole_runs ? cancel_run : nullptr;
    return v;
  }();
};

}  // namespace detail

template <class T>
constexpr weft_factory executor(const char* type_name, const char* schema_json = nullptr) {
  return detail::factory(WEFT_KIND_EXECUTOR, type_name, schema_json, &detail::ExecutorThunks<T>::vtable);
}

}  // namespace weft::sdk
