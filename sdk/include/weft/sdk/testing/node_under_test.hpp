// One node object created through a plugin's C vtable, as weftd creates and
// calls it, for a node type's load tests and the node type conformance suite.
//
//   weft::sdk::testing::FakeHost host;
//   weft::sdk::testing::LoadedPlugin plugin("/path/libweft-node-greet.so.2");
//   weft::sdk::testing::NodeUnderTest node(plugin, "greet", host);
//   EXPECT_TRUE(node.problems_with({{"name", "Ada"}}).empty());
//   EXPECT_EQ(node.plan_for({{"name", "Ada"}}).kind, WEFT_PLAN_OUTPUT);
#pragma once

#include <weft/sdk/task.hpp>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace weft::sdk::testing {

// A weft_problem_sink that collects the problems reported.
class ProblemCollector {
 public:
  ProblemCollector() = default;
  ProblemCollector(const ProblemCollector&) = delete;  // the sink points at this object
  ProblemCollector& operator=(const ProblemCollector&) = delete;

  const weft_problem_sink* get() const { return &sink_; }
  std::vector<std::pair<std::string, std::string>> problems;  // (path, message), in the order reported

 private:
  weft_problem_sink sink_{this, [](void* self, weft_str path, weft_str message) {
                            static_cast<ProblemCollector*>(self)->problems.emplace_back(std::string(view(path)),
                                                                                        std::string(view(message)));
                          }};
};

// The task weftd would plan for params: the first attempt of node "step" (no
// for_each) of run "run-1" of workflow "wf", handed to `executor`.
inline TaskSpec task_for(const nlohmann::json& params, std::string executor = "process") {
  TaskSpec task;
  task.task_key = "run-1/step/-1/1";
  task.run_id = "run-1";
  task.workflow = "wf";
  task.node = "step";
  task.attempt = 1;
  task.executor = std::move(executor);
  task.params = params;
  task.timeout_s = 60;
  task.stdout_path = "/nonexistent/stdout";
  task.stderr_path = "/nonexistent/stderr";
  task.output_path = "/nonexistent/output.json";
  return task;
}

// Each call throws std::runtime_error with the plugin's message if it fails,
// or if it returned OK without deciding exactly once.
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

  // (path, message) of each problem with params, in the order reported.
  std::vector<std::pair<std::string, std::string>> problems_with(const nlohmann::json& params) const {
    ProblemCollector problems;
    weft_error err{};
    const std::string text = params.dump();
    check(vtable_.validate(node_, str(text), problems.get(), &err), err);
    return std::move(problems.problems);
  }

  Plan plan(const TaskSpec& task) {
    const AbiTaskSpec abi(task);
    PlanCollector out;
    weft_error err{};
    check(vtable_.plan(node_, abi.get(), out.get(), &err), err);
    return taken(out);
  }
  Plan plan_for(const nlohmann::json& params, std::string executor = "process") {
    return plan(task_for(params, std::move(executor)));
  }

  // As weftd calls it: through the node type's finish, or the ABI's default
  // when the node type has none.
  Plan finish(const TaskResult& result) {
    if (vtable_.finish == nullptr) return default_finish(result);
    const AbiTaskResult abi(result);
    PlanCollector out;
    weft_error err{};
    check(vtable_.finish(node_, abi.get(), out.get(), &err), err);
    return taken(out);
  }

  const weft_node_vtable& vtable() const { return vtable_; }
  void* object() const { return node_; }

 private:
  static void check(weft_status status, const weft_error& err) {
    if (status != WEFT_OK) throw std::runtime_error(err.message);
  }
  static Plan taken(PlanCollector& out) {
    try {
      return out.take();
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("the node type's decision: ") + e.what());
    }
  }

  const weft_node_vtable& vtable_;
  void* node_ = nullptr;
};

}  // namespace weft::sdk::testing
