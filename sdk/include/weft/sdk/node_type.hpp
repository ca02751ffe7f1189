// Base class and thunks for node types. See weft_node_vtable in weft_abi.h
// for the threading rules, and task.hpp for what a plan is.
#pragma once

#include <weft/sdk/task.hpp>

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

  // Any thread, concurrently: must not change the object. params may still
  // hold templates ("{{ ... }}" strings); the rendered ones come to plan.
  virtual std::vector<Problem> validate(const nlohmann::json& params) const = 0;

  // Event loop thread. task.params are rendered; task.command is absent.
  // Must decide from task alone and have no effect when it returns a
  // command: weftd plans a running task again after a restart.
  virtual Plan plan(const TaskSpec& task) = 0;

  // Event loop thread, after a planned command ended. The default is the
  // ABI's for a node type without finish (default_finish in task.hpp).
  virtual Plan finish(const TaskResult& result) { return default_finish(result); }

  // Event loop thread: stop a task this node type planned as pending.
  virtual void cancel(std::string_view /*task_key*/) {}
};

namespace detail {

inline void decide(const weft_plan_sink* out, const Plan& plan) {
  const AbiPlan abi(plan);
  out->decide(out->caller_ptr, abi.get());
}

template <class T>
struct NodeThunks {
  static NodeType* self(void* node) { return static_cast<NodeType*>(node); }
  static weft_status create(const weft_host_api* host, weft_str config, void** out, weft_error* err) noexcept {
    return guard(err, [&] {
      const auto cfg = config.len ? nlohmann::json::parse(view(config)) : nlohmann::json::object();
      *out = static_cast<NodeType*>(new T(Host(host), cfg));
    });
  }
  static void destroy(void* node) noexcept { delete self(node); }
  static weft_status validate(void* node, weft_str params, const weft_problem_sink* sink, weft_error* err) noexcept {
    return guard(err, [&] {
      const auto problems = static_cast<const NodeType*>(node)->validate(json_or(params, nullptr));
      for (const auto& p : problems) sink->report(sink->caller_ptr, str(p.path), str(p.message));
    });
  }
  static weft_status plan(void* node, const weft_task_spec* task, const weft_plan_sink* out, weft_error* err) noexcept {
    return guard(err, [&] { decide(out, self(node)->plan(from_abi(*task))); });
  }
  static weft_status finish(void* node, const weft_task_result* result, const weft_plan_sink* out,
                            weft_error* err) noexcept {
    return guard(err, [&] {
      require_size(result->struct_size, WEFT_TASK_RESULT_SIZE_2_0, "weft_task_result");
      const TaskSpec task = from_abi(*result->task);
      const TaskResult r{&task, result->exit_code, std::string(view(result->output_json)),
                         std::string(view(result->error))};
      decide(out, self(node)->finish(r));
    });
  }
  static weft_status cancel(void* node, weft_str task_key, weft_error* err) noexcept {
    return guard(err, [&] { self(node)->cancel(view(task_key)); });
  }
  static constexpr weft_node_vtable vtable = [] {
    weft_node_vtable v{};
    v.struct_size = sizeof(weft_node_vtable);
    v.create = create;
    v.destroy = destroy;
    v.validate = validate;
    v.plan = plan;
    v.finish = finish;
    v.cancel = cancel;
    return v;
  }();
};

}  // namespace detail

// A factory entry for WEFT_PLUGIN. schema_json: JSON Schema of the params, or nullptr.
template <class T>
constexpr weft_factory node_type(const char* type_name, const char* schema_json = nullptr) {
  return detail::factory(WEFT_KIND_NODE, type_name, schema_json, &detail::NodeThunks<T>::vtable);
}

}  // namespace weft::sdk
