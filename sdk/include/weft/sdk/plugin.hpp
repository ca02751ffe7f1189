// The C++ layer of the weft SDK: what every plugin kind shares.
//
// Header-only and compiled into the plugin, so none of these C++ types cross
// the ABI: they are turned into weft_* C structs at the boundary by the thunks
// in node_type.hpp, executor.hpp and store.hpp.
#pragma once

#include <weft/abi/weft_abi.h>
#include <weft/sdk/status.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace weft::sdk {

inline std::string_view view(weft_str s) { return s.len ? std::string_view(s.ptr, s.len) : std::string_view(); }
inline weft_str str(std::string_view s) { return weft_str{s.data(), s.size()}; }

// Throw these from plugin code; the thunks turn them into the matching status.
struct NotFound : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct Conflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A store's write touched a run whose lease the writer no longer holds (2.1).
struct LeaseLost : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline void set_error(weft_error* err, std::string_view message) noexcept {
  if (err == nullptr) return;
  const size_t n = std::min(message.size(), sizeof(err->message) - 1);
  std::memcpy(err->message, message.data(), n);
  err->message[n] = '\0';
}

// Runs body and turns any exception into a status plus error text, so that
// nothing thrown inside a plugin ever unwinds into the host.
template <class Body>
weft_status guard(weft_error* err, Body&& body) noexcept {
  try {
    body();
    return WEFT_OK;
  } catch (const NotFound& e) {
    set_error(err, e.what());
    return WEFT_NOT_FOUND;
  } catch (const Conflict& e) {
    set_error(err, e.what());
    return WEFT_CONFLICT;
  } catch (const LeaseLost& e) {
    set_error(err, e.what());
    return WEFT_LEASE_LOST;
  } catch (const std::exception& e) {
    set_error(err, e.what());
  } catch (...) {
    set_error(err, "unknown exception");
  }
  return WEFT_ERROR;
}

// The other side filled a struct smaller than its first version in this
// major (WEFT_<STRUCT>_SIZE_2_0): reading it would go past its end.
inline void require_size(size_t struct_size, size_t minimum, std::string_view type_name) {
  if (struct_size < minimum) {
    throw std::invalid_argument(std::string(type_name) + " of " + std::to_string(struct_size) + " bytes, at least " +
                                std::to_string(minimum) + " expected");
  }
}

// The daemon's services as the plugin sees them. Cheap to copy; valid for as
// long as the plugin object it was handed to.
class Host {
 public:
  explicit Host(const weft_host_api* api) : api_(api) {}

  void log(weft_log_level level, std::string_view message) const { api_->log(api_->host_ptr, level, str(message)); }
  void debug(std::string_view message) const { log(WEFT_LOG_DEBUG, message); }
  void info(std::string_view message) const { log(WEFT_LOG_INFO, message); }
  void warn(std::string_view message) const { log(WEFT_LOG_WARN, message); }
  void error(std::string_view message) const { log(WEFT_LOG_ERROR, message); }

  void task_started(std::string_view task_key, std::string_view external_id) const {
    report(WEFT_EVENT_STARTED, task_key, external_id, 0, {}, {});
  }
  // exit_code is 128+N for a task killed by signal N. output_json empty means
  // the task produced no output; error empty means none to report.
  void task_finished(std::string_view task_key, int exit_code, std::string_view output_json,
                     std::string_view error = {}) const {
    report(WEFT_EVENT_FINISHED, task_key, {}, exit_code, output_json, error);
  }
  void task_lost(std::string_view task_key, std::string_view error) const {
    report(WEFT_EVENT_LOST, task_key, {}, 0, {}, error);
  }

  // Calls (object->*Method)(fd) once on the daemon's event loop when fd is
  // readable. object must outlive the watch and have a public host() (an
  // exception escaping Method is logged through it).
  template <class T, void (T::*Method)(int)>
  void watch_fd(int fd, T* object) const {
    const weft_status s = api_->watch_fd(
        api_->host_ptr, fd,
        [](void* p, int ready_fd) noexcept {
          auto* self = static_cast<T*>(p);
          try {
            (self->*Method)(ready_fd);
          } catch (const std::exception& e) {
            self_log(self, e.what());
          } catch (...) {
            self_log(self, "unknown exception");
          }
        },
        object);
    if (s != WEFT_OK) throw std::runtime_error("the host refused to watch fd " + std::to_string(fd));
  }

  // Since 2.1: a store tells the host that work may be waiting in it (see
  // weft_host_api.work_available); nothing with a host that cannot be told.
  bool takes_work_available() const {
    return WEFT_HAS_FIELD(api_, weft_host_api, work_available) && api_->work_available != nullptr;
  }
  void work_available() const {
    if (takes_work_available()) api_->work_available(api_->host_ptr);
  }

  // Since 2.1: enqueues body_json as message message_id of queue, stored
  // with the task's outcome (see weft_host_api.enqueue). Event loop thread
  // only. Throws std::runtime_error with the host's reason, or when the host
  // keeps no queues.
  void enqueue(std::string_view queue, std::string_view message_id, std::string_view body_json) const {
    if (!WEFT_HAS_FIELD(api_, weft_host_api, enqueue) || api_->enqueue == nullptr) {
      throw std::runtime_error("this weftd keeps no queues");
    }
    weft_error err{};
    if (api_->enqueue(api_->host_ptr, str(queue), str(message_id), str(body_json), &err) != WEFT_OK) {
      throw std::runtime_error(err.message);
    }
  }

  // Since 2.1: how a child run ended (see weft_host_api.start_child_run).
  // run_id empty and status nullopt: no child could be started (error says why).
  struct ChildRunEnd {
    std::string task_key;
    std::string run_id;
    std::optional<RunStatus> status;
    std::string results_json;
    std::string error;
  };
  bool starts_child_runs() const {
    return WEFT_HAS_FIELD(api_, weft_host_api, start_child_run) && api_->start_child_run != nullptr;
  }
  // Starts a child run of the task task_key (see weft_host_api.start_child_run);
  // calls (object->*Method)(end) once on the daemon's event loop when it
  // ends. object must outlive the call (the host drops it when the plugin
  // object is destroyed) and have a public host(). Throws when the host
  // cannot start child runs (a host of 2.0) or refuses the call.
  template <class T, void (T::*Method)(const ChildRunEnd&)>
  void start_child_run(std::string_view task_key, std::string_view workflow, int64_t version,
                       std::string_view params_json, T* object) const {
    if (!starts_child_runs()) throw std::runtime_error("this weftd cannot start child runs (it is older than ABI 2.1)");
    weft_error err{};
    const weft_status s = api_->start_child_run(
        api_->host_ptr, str(task_key), str(workflow), version, str(params_json),
        [](void* p, weft_str key, weft_str run_id, int32_t status, weft_str results, weft_str error) noexcept {
          auto* self = static_cast<T*>(p);
          try {
            ChildRunEnd end{std::string(view(key)), std::string(view(run_id)), run_status_from_abi(status),
                            std::string(view(results)), std::string(view(error))};
            (self->*Method)(end);
          } catch (const std::exception& e) {
            self->host().error(std::string("a child run callback threw: ") + e.what());
          } catch (...) {
            self->host().error("a child run callback threw an unknown exception");
          }
        },
        object, &err);
    if (s != WEFT_OK) throw std::runtime_error(err.message);
  }

  const weft_host_api* api() const { return api_; }

 private:
  // An exception must not unwind into the host's C frames from a callback.
  template <class T>
  static void self_log(T* object, std::string_view what) {
    object->host().error(std::string("an fd callback threw: ") + std::string(what));
  }

  void report(weft_task_event_kind kind, std::string_view task_key, std::string_view external_id, int exit_code,
              std::string_view output_json, std::string_view error) const {
    weft_task_event e{};
    e.struct_size = sizeof(weft_task_event);
    e.kind = kind;
    e.task_key = str(task_key);
    e.external_id = str(external_id);
    e.exit_code = exit_code;
    e.output_json = str(output_json);
    e.error = str(error);
    api_->task_event(api_->host_ptr, &e);
  }

  const weft_host_api* api_;
};

namespace detail {

// The descriptor lists its factories by pointer (ABI rule: arrays of
// growable structs are arrays of pointers).
template <size_t N>
std::array<const weft_factory*, N> pointers_to(const weft_factory (&factories)[N]) {
  std::array<const weft_factory*, N> pointers{};
  for (size_t i = 0; i < N; ++i) pointers[i] = &factories[i];
  return pointers;
}

// A factory entry for WEFT_PLUGIN; node_type<T>(), executor<T>() and store<T>()
// call it. Filled field by field, like the descriptor below, so that a field a
// later minor appends is zero rather than a missing initializer.
constexpr weft_factory factory(weft_plugin_kind kind, const char* type_name, const char* schema_json,
                               const void* vtable) {
  weft_factory f{};
  f.struct_size = sizeof(weft_factory);
  f.kind = kind;
  f.type_name = type_name;
  f.schema_json = schema_json;
  f.vtable = vtable;
  return f;
}

inline weft_plugin_descriptor describe_plugin(const char* name, const char* version,
                                              const weft_factory* const* factories, size_t factory_count) {
  weft_plugin_descriptor d{};
  d.struct_size = sizeof(weft_plugin_descriptor);
  d.abi_major = WEFT_ABI_MAJOR;
  d.abi_minor = WEFT_ABI_MINOR;
  d.name = name;
  d.version = version;
  d.factories = factories;
  d.factory_count = factory_count;
  return d;
}

}  // namespace detail

}  // namespace weft::sdk

// Defines the plugin's entry point. Each factory argument comes from
// weft::sdk::node_type<T>(), executor<T>() or store<T>(). Use once per plugin.
//   WEFT_PLUGIN("command", "1.0.0", weft::sdk::node_type<CommandNode>("command"))
#define WEFT_PLUGIN(NAME, VERSION, ...)                                                                     \
  extern "C" __attribute__((visibility("default"))) const weft_plugin_descriptor* weft_plugin_entry(void) { \
    static const weft_factory factories[] = {__VA_ARGS__};                                                  \
    static const auto factory_list = weft::sdk::detail::pointers_to(factories);                             \
    static const weft_plugin_descriptor descriptor =                                                        \
        weft::sdk::detail::describe_plugin(NAME, VERSION, factory_list.data(), factory_list.size());        \
    return &descriptor;                                                                                     \
  }
