// Paths into a run's context (params.date, nodes.list.output.files[0], item,
// ...) and the Scope that answers them. Templates and expressions both resolve
// their paths through a Scope, so a caller with a large state (the scheduler,
// with thousands of task outputs) never has to build a JSON context per task.
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon {

// One step of a path: an object key, or (when `numeric`) an array index that
// also matches an object key of the same digits.
struct PathStep {
  std::string name;
  bool numeric = false;
  bool operator==(const PathStep&) const = default;
};

// A parsed path. steps[0] is the root: params, nodes, item, index, run or workflow.
struct ValuePath {
  std::vector<PathStep> steps;

  // The path as a user would write it: nodes.list.output.files[0], params["a b"].
  std::string text() const;
  // The text of the first `count` steps.
  std::string prefix_text(std::size_t count) const;
  bool operator==(const ValuePath&) const = default;
};

// The names a path may start with.
bool is_path_root(std::string_view name);

// What a template or expression can see while it is evaluated. Implementations
// return pointers into state they own; the pointers must stay valid while one
// render or evaluate call runs. Const calls may come from any thread that owns
// the Scope; implementations need no locking of their own unless they share state.
class Scope {
 public:
  virtual ~Scope() = default;
  // The value of root "params", "item", "index", "run" or "workflow"; nullptr when not set here.
  virtual const nlohmann::json* root(std::string_view name) const = 0;
  // The output of node `id`, a node without for_each; nullptr when it has none (yet).
  virtual const nlohmann::json* node_output(std::string_view id) const = 0;
  // The array of outputs of for_each node `id`, in index order; nullptr when it has none (yet).
  virtual const nlohmann::json* node_outputs(std::string_view id) const = 0;
  // The state of node `id` as a string ("succeeded", "failed", ...); nullptr when not known here.
  virtual const nlohmann::json* node_status(std::string_view id) const = 0;
};

// A Scope over one JSON object shaped like the run context:
//   {"params": {...}, "item": ..., "index": n, "run": {"id": ...},
//    "workflow": {"name": ..., "version": n},
//    "nodes": {"list": {"output": ..., "status": "succeeded"}, "process": {"outputs": [...]}}}
// Borrows `context`, which must outlive the scope.
class JsonScope : public Scope {
 public:
  explicit JsonScope(const nlohmann::json& context) : context_(context) {}
  const nlohmann::json* root(std::string_view name) const override;
  const nlohmann::json* node_output(std::string_view id) const override;
  const nlohmann::json* node_outputs(std::string_view id) const override;
  const nlohmann::json* node_status(std::string_view id) const override;

 private:
  const nlohmann::json* node_field(std::string_view id, const char* field) const;
  const nlohmann::json& context_;
};

// One task of a for_each node: `item` and `index` set, everything else from
// `run_scope`. Borrows `run_scope` and `item`, which must outlive it.
class TaskScope : public Scope {
 public:
  TaskScope(const Scope& run_scope, const nlohmann::json& item, std::size_t index)
      : run_scope_(run_scope), item_(item), index_(index) {}
  const nlohmann::json* root(std::string_view name) const override;
  const nlohmann::json* node_output(std::string_view id) const override { return run_scope_.node_output(id); }
  const nlohmann::json* node_outputs(std::string_view id) const override { return run_scope_.node_outputs(id); }
  const nlohmann::json* node_status(std::string_view id) const override { return run_scope_.node_status(id); }

 private:
  const Scope& run_scope_;
  const nlohmann::json& item_;
  nlohmann::json index_;
};

// The value at `path`, borrowed from `scope`, or a Failure (invalid_request)
// whose message says which step did not resolve: "no 'filez' in nodes.list.output".
Result<const nlohmann::json*> resolve(const ValuePath& path, const Scope& scope);

}  // namespace weft::daemon
