// Base class and thunks for node types. See weft_node_vtable in weft_abi.h for
// the JSON shapes of plan requests, plans and results.
#pragma once

#include <weft/sdk/plugin.hpp>

#include <string>
#include <vector>

namespace weft::sdk {

struct Problem {
  std::string path;  // JSON pointer relative to the params, "" for all of them
  std::string message;
};

// Derive from this and give the class a constructor (const Host&, const nlohmann::json& config).
class NodeType {
 public:
  virtual ~NodeType() = default;

  // Any thread, concurrently: must not change the object.
  virtual std::vector<Problem> validate(const nlohmann::json& params) const = 0;

  // Event loop thread. Returns {"output":X}, {"error":"..."}, {"task":{...}} or {"pending":true}.
  virtual nlohmann::json plan(const nlohmann::json& request) = 0;

  // Event loop thread, after a {"task":...} plan ran. The default: exit code 0
  // with no error from the executor succeeds with the task's output; anything
  // else fails saying what happened (the executor's words first).
  virtual nlohmann::json finish(const nlohmann::json& result) {
    const int exit_code = result.value("exit_code", -1);
    std::string error = result.value("error", std::string());
    if (exit_code == 0 && error.empty()) return {{"output", result.value("output", nlohmann::json())}};
    if (error.empty()) error = describe_exit(exit_code);
    return {{"error", error}};
  }

  // Event loop thread: stop a {"pending":true} task.
  virtual void cancel(std::string_view /*task_key*/) {}

  static std::string describe_exit(int exit_code) {
    if (exit_code > 128) return "killed by signal " + std::to_string(exit_code - 128);
    return "exited with code " + std::to_string(exit_code);
  }
};

namespace detail {

template <class T>
struct NodeThunks {
  static weft_status create(const weft_host_api* host, weft_str config, void** out, weft_error* err) noexcept {
    return guard(err, [&] {
      const auto cfg = config.len ? nlohmann::json::parse(view(config)) : nlohmann::json::object();
      *out = static_cast<NodeType*>(new T(Host(host), cfg));
    });
  }
  static void destroy(void* node) noexcept { delete static_cast<NodeType*>(node); }
  static weft_status validate(void* node, weft_str params, const weft_problem_sink* sink, weft_error* err) noexcept {
    return guard(err, [&] {
      const auto problems = static_cast<const NodeType*>(node)->validate(nlohmann::json::parse(view(params)));
      for (const auto& p : problems) sink->report(sink->caller_ptr, str(p.path), str(p.message));
    });
  }
  static weft_status plan(void* node, weft_str request, const weft_sink* out, weft_error* err) noexcept {
    return guard(
        err, [&] { write_to(out, static_cast<NodeType*>(node)->plan(nlohmann::json::parse(view(request))).dump()); });
  }
  static weft_status finish(void* node, weft_str result, const weft_sink* out, weft_error* err) noexcept {
    return guard(
        err, [&] { write_to(out, static_cast<NodeType*>(node)->finish(nlohmann::json::parse(view(result))).dump()); });
  }
  static weft_status cancel(void* node, weft_str task_key, weft_error* err) noexcept {
    return guard(err, [&] { static_cast<NodeType*>(node)->cancel(view(task_key)); });
  }
  static constexpr weft_node_vtable vtable = {
      sizeof(weft_node_vtable), create, destroy, validate, plan, finish, cancel};
};

}  // namespace detail

// A factory entry for WEFT_PLUGIN. schema_json: JSON Schema of the params, or nullptr.
template <class T>
constexpr weft_factory node_type(const char* type_name, const char* schema_json = nullptr) {
  return weft_factory{sizeof(weft_factory), WEFT_KIND_NODE, type_name, schema_json, &detail::NodeThunks<T>::vtable};
}

}  // namespace weft::sdk
