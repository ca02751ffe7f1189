// Base class and thunks for executors. See weft_executor_vtable in weft_abi.h
// for the task spec JSON and the event rules.
#pragma once

#include <weft/sdk/plugin.hpp>

namespace weft::sdk {

// Derive from this and give the class a constructor (const Host&, const nlohmann::json& config).
// All three functions run on the daemon's event loop thread.
class Executor {
 public:
  virtual ~Executor() = default;

  // Start the task; report STARTED, then exactly one FINISHED or LOST through
  // the Host. Throwing means nothing started and no event will come.
  virtual void start(const nlohmann::json& spec) = 0;

  // Stop the task; its FINISHED event follows. Return false if unknown.
  virtual bool cancel(std::string_view task_key) = 0;

  // Take a task back after a daemon restart, by the external id it reported.
  // The default cannot, and says so.
  virtual void recover(const nlohmann::json& spec, std::string_view /*external_id*/) {
    host().task_lost(spec.at("task_key").get<std::string>(), "this executor cannot recover tasks after a restart");
  }

  const Host& host() const { return host_; }

 protected:
  explicit Executor(const Host& host) : host_(host) {}

 private:
  Host host_;
};

namespace detail {

template <class T>
struct ExecutorThunks {
  static weft_status create(const weft_host_api* host, weft_str config, void** out, weft_error* err) noexcept {
    return guard(err, [&] {
      const auto cfg = config.len ? nlohmann::json::parse(view(config)) : nlohmann::json::object();
      *out = static_cast<Executor*>(new T(Host(host), cfg));
    });
  }
  static void destroy(void* executor) noexcept { delete static_cast<Executor*>(executor); }
  static weft_status start(void* executor, weft_str spec, weft_error* err) noexcept {
    return guard(err, [&] { static_cast<Executor*>(executor)->start(nlohmann::json::parse(view(spec))); });
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
  static weft_status recover(void* executor, weft_str spec, weft_str external_id, weft_error* err) noexcept {
    return guard(
        err, [&] { static_cast<Executor*>(executor)->recover(nlohmann::json::parse(view(spec)), view(external_id)); });
  }
  static constexpr weft_executor_vtable vtable = {
      sizeof(weft_executor_vtable), create, destroy, start, cancel, recover};
};

}  // namespace detail

template <class T>
constexpr weft_factory executor(const char* type_name, const char* schema_json = nullptr) {
  return weft_factory{sizeof(weft_factory), WEFT_KIND_EXECUTOR, type_name, schema_json,
                      &detail::ExecutorThunks<T>::vtable};
}

}  // namespace weft::sdk
