// The node type conformance suite: GoogleTest tests that every node type
// passes, ours and third parties'. They load the built plugin file as weftd
// loads it and drive the node type only through its C vtable
// (weft_node_vtable), so they test the path the daemon takes.
//
// Include this header in exactly one .cpp of a test binary (it defines the
// tests), link GTest (and ${CMAKE_DL_LIBS}), and instantiate it once per node
// type, with examples of params it accepts and params it refuses, each of
// those with the JSON pointer of a problem validate must report:
//
//   using weft::sdk::testing::NodeTypeUnderTest;
//   WEFT_NODE_TYPE_CONFORMANCE(Greet, NodeTypeUnderTest{
//       .name = "greet",
//       .plugin_path = "/path/libweft-node-greet.so.2",
//       .type_name = "greet",
//       .valid_params = {{{"name", "Ada"}}},
//       .invalid_params = {{{{"name", 7}}, "/name"}, {nlohmann::json::object(), "/name"}}});
//
// Valid examples are planned too, so give them as plan sees them: rendered,
// with no "{{ ... }}" left in them.
//
// What the suite pins, from weft_abi.h:
// - validate reports problems through the sink and returns WEFT_OK: for the
//   invalid examples (at their pointers), and for params that are no object
//   at all (null, an array, a number, a string, 64 levels of nesting);
//   WEFT_ERROR is for a node type that could not check. An empty params text
//   means null (the ABI's rule for JSON), and is validated as null.
// - validate may be called from several threads at once, giving each the
//   answer it gives alone.
// - plan decides exactly once and returns WEFT_OK for every valid example; a
//   FAILED plan has an error, a COMMAND plan an argv. A PENDING plan is
//   followed by the plugin's FINISHED for the task (after cancel, if the node
//   type has one).
// - plan decides from its spec alone: planning the same task twice gives
//   equal plans (weftd plans a running task again after a restart and hands
//   the command to the executor's recover). PENDING plans are planned once.
// - plan of params that fail validation (which templates rendered to wrong
//   types can produce) fails the attempt: a FAILED plan or WEFT_ERROR, with
//   a message. An invalid example that no rendering can produce (a misspelled
//   key) may set plan_fails = false: weftd refuses it before any run.
// - finish (or the ABI's default if finish is NULL), after a COMMAND plan:
//   exit code 0 with an output gives OUTPUT; exit code 1 gives FAILED with an
//   error. Skipped when no valid example plans a command.
//
// Over 400 lines on purpose: the whole suite is one header, so that a third
// party instantiates it with one include and one macro.
#pragma once

#include <gtest/gtest.h>
#include <weft/abi/weft_abi.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>
#include <weft/sdk/task.hpp>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>
#include <weft/sdk/testing/node_under_test.hpp>

namespace weft::sdk::testing {

// Params validate must refuse, reporting a problem at pointer.
struct InvalidParams {
  nlohmann::json params;
  std::string pointer;  // JSON pointer relative to the params; "" for the params as a whole
  // false: params that no rendering of templates can produce (weftd refuses
  // them when the workflow is applied), so plan need not fail them; it must
  // still decide once or fail, and not crash.
  bool plan_fails = true;
};

// One node type to run the suite against.
struct NodeTypeUnderTest {
  std::string name;                          // shown in test names: letters, digits and underscores only
  std::string plugin_path;                   // the built plugin file, loaded as weftd loads it
  std::string type_name;                     // the node type's name in the plugin
  std::vector<nlohmann::json> valid_params;  // each without a problem, and planned: rendered
  std::vector<InvalidParams> invalid_params;
  std::string config_json = "{}";    // the node type's configuration
  std::string executor = "process";  // the executor the planned tasks name
  // What a task that ran a planned command wrote as its output, for finish.
  std::string command_output_json = R"({"result":1})";
};

inline void PrintTo(const NodeTypeUnderTest& node, std::ostream* out) { *out << node.name; }

namespace node_conformance {

// How long a PENDING task may take to report FINISHED: a deadline, not a measure.
inline constexpr std::chrono::milliseconds kDeadline{60000};
// As deep as weftd lets a workflow document nest.
inline constexpr int kDeepest = 64;

using Problems = std::vector<std::pair<std::string, std::string>>;

struct Validation {
  weft_status status = WEFT_ERROR;
  std::string message;  // when status is not WEFT_OK
  Problems problems;
};

// What one plan or finish call did.
struct Decision {
  weft_status status = WEFT_ERROR;
  std::string message;       // when status is not WEFT_OK
  int decisions = 0;         // calls of the sink's decide
  std::optional<Plan> plan;  // the first decision, if it could be read
  std::string unreadable;    // why it could not
};

// A weft_plan_sink that counts decisions and keeps the first.
class DecisionSink {
 public:
  explicit DecisionSink(Decision& into) : into_(into) {}
  DecisionSink(const DecisionSink&) = delete;
  DecisionSink& operator=(const DecisionSink&) = delete;
  const weft_plan_sink* get() const { return &sink_; }

 private:
  static void decide(void* self_ptr, const weft_plan* plan) noexcept {
    Decision& d = static_cast<DecisionSink*>(self_ptr)->into_;
    if (d.decisions++ > 0) return;
    try {
      if (plan == nullptr) throw std::invalid_argument("decide was handed NULL");
      d.plan = from_abi(*plan);
    } catch (const std::exception& e) {
      d.unreadable = e.what();
    }
  }
  Decision& into_;
  weft_plan_sink sink_{this, &DecisionSink::decide};
};

inline const char* kind_name(int32_t kind) {
  switch (kind) {
    case WEFT_PLAN_OUTPUT: return "OUTPUT";
    case WEFT_PLAN_FAILED: return "FAILED";
    case WEFT_PLAN_COMMAND: return "COMMAND";
    case WEFT_PLAN_PENDING: return "PENDING";
    default: return "unknown";
  }
}

// A plan as JSON, so that a failed comparison shows all of it.
inline nlohmann::json describe(const Plan& p) {
  nlohmann::json out = {{"kind", kind_name(p.kind)}};
  if (p.kind == WEFT_PLAN_OUTPUT) out["output"] = p.output;
  if (p.kind == WEFT_PLAN_FAILED) out["error"] = p.error;
  if (p.kind == WEFT_PLAN_COMMAND) {
    out["command"] = {{"argv", p.command.argv},
                      {"env", p.command.env},
                      {"cwd", p.command.cwd},
                      {"image", p.command.image},
                      {"executor_options", p.command.executor_options}};
  }
  return out;
}
inline std::string describe(const Decision& d) {
  nlohmann::json out = {{"status", d.status}, {"decisions", d.decisions}};
  if (d.status != WEFT_OK) out["message"] = d.message;
  if (d.plan) out["plan"] = describe(*d.plan);
  if (!d.unreadable.empty()) out["unreadable"] = d.unreadable;
  return out.dump();
}

// depth arrays nested in one another, as JSON text: [[[...]]].
inline std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace node_conformance

class NodeTypeConformance : public ::testing::TestWithParam<NodeTypeUnderTest> {
 protected:
  using Validation = node_conformance::Validation;
  using Decision = node_conformance::Decision;

  void SetUp() override {
    plugin_ = std::make_unique<LoadedPlugin>(under_test().plugin_path);
    factory_ = &plugin_->factory(WEFT_KIND_NODE, under_test().type_name);
    ASSERT_GE(factory_->struct_size, WEFT_FACTORY_SIZE_2_0) << "the factory is smaller than ABI 2.0's";
    vtable_ = static_cast<const weft_node_vtable*>(factory_->vtable);
    ASSERT_NE(vtable_, nullptr) << "the factory has no vtable";
    ASSERT_GE(vtable_->struct_size, WEFT_NODE_VTABLE_SIZE_2_0) << "the vtable is smaller than ABI 2.0's";
    ASSERT_TRUE(vtable_->create && vtable_->destroy && vtable_->validate && vtable_->plan)
        << "create, destroy, validate and plan are required";
    node_ = create();
    ASSERT_NE(node_, nullptr);
  }
  void TearDown() override {
    if (node_ != nullptr) vtable_->destroy(node_);
  }

  const NodeTypeUnderTest& under_test() const { return GetParam(); }
  const weft_factory& factory() const { return *factory_; }
  const weft_node_vtable& vtable() const { return *vtable_; }
  FakeHost& host() { return host_; }

  // A node object as weftd creates one; nullptr (and a test failure) if create fails.
  void* create() {
    void* node = nullptr;
    weft_error err{};
    const weft_status status = vtable_->create(host_.api(), str(under_test().config_json), &node, &err);
    EXPECT_EQ(status, WEFT_OK) << "create(" << under_test().config_json << ") failed: " << err.message;
    EXPECT_TRUE(status != WEFT_OK || node != nullptr) << "create returned WEFT_OK and no object";
    return status == WEFT_OK ? node : nullptr;
  }

  Validation validate_text(std::string_view params_json) const {
    ProblemCollector problems;
    weft_error err{};
    Validation v;
    v.status = vtable_->validate(node_, str(params_json), problems.get(), &err);
    if (v.status != WEFT_OK) v.message = err.message;
    v.problems = std::move(problems.problems);
    return v;
  }
  Validation validate(const nlohmann::json& params) const { return validate_text(params.dump()); }

  // The task weftd hands plan for params: attempt 1 of node `node` (no
  // for_each) of run "conformance-run".
  TaskSpec task(const nlohmann::json& params, const std::string& node = "step") const {
    TaskSpec t;
    t.task_key = "conformance-run/" + node + "/-1/1";
    t.run_id = "conformance-run";
    t.workflow = "conformance";
    t.node = node;
    t.attempt = 1;
    t.executor = under_test().executor;
    t.params = params;
    t.stdout_path = "/var/lib/weft/runs/conformance-run/" + node + "/1/stdout";
    t.stderr_path = "/var/lib/weft/runs/conformance-run/" + node + "/1/stderr";
    t.output_path = "/var/lib/weft/runs/conformance-run/" + node + "/1/output.json";
    return t;
  }

  Decision plan(const TaskSpec& t) {
    const AbiTaskSpec abi(t);
    Decision d;
    const node_conformance::DecisionSink sink(d);
    weft_error err{};
    d.status = vtable_->plan(node_, abi.get(), sink.get(), &err);
    if (d.status != WEFT_OK) d.message = err.message;
    return d;
  }

  // As weftd calls it: the node type's finish, or the ABI's default.
  Decision finish(const TaskResult& result) {
    Decision d;
    if (vtable_->finish == nullptr) {
      d.status = WEFT_OK;
      d.decisions = 1;
      d.plan = default_finish(result);
      return d;
    }
    const AbiTaskResult abi(result);
    const node_conformance::DecisionSink sink(d);
    weft_error err{};
    d.status = vtable_->finish(node_, abi.get(), sink.get(), &err);
    if (d.status != WEFT_OK) d.message = err.message;
    return d;
  }

  // A decision that weftd could act on: WEFT_OK, exactly one readable plan,
  // each kind with what it needs.
  static ::testing::AssertionResult decided_once(const Decision& d) {
    if (d.status != WEFT_OK) return ::testing::AssertionFailure() << "status is not WEFT_OK: " << describe(d);
    if (d.decisions != 1) return ::testing::AssertionFailure() << "not exactly one decision: " << describe(d);
    if (!d.plan) return ::testing::AssertionFailure() << "the decision cannot be read: " << describe(d);
    if (d.plan->kind == WEFT_PLAN_FAILED && d.plan->error.empty()) {
      return ::testing::AssertionFailure() << "a FAILED plan without an error: " << describe(d);
    }
    if (d.plan->kind == WEFT_PLAN_COMMAND && d.plan->command.argv.empty()) {
      return ::testing::AssertionFailure() << "a COMMAND plan with an empty argv: " << describe(d);
    }
    return ::testing::AssertionSuccess();
  }
  static std::string describe(const Decision& d) { return node_conformance::describe(d); }

  // A PENDING task is the plugin's to finish: stop it (if the node type can)
  // and wait for its FINISHED.
  void settle_pending(const TaskSpec& t) {
    if (vtable_->cancel != nullptr) {
      weft_error err{};
      EXPECT_EQ(vtable_->cancel(node_, str(t.task_key), &err), WEFT_OK) << err.message;
    }
    EXPECT_TRUE(host_.wait_for_finished(t.task_key, node_conformance::kDeadline))
        << "no FINISHED for the PENDING task " << t.task_key;
  }

  // The first valid example whose plan is a COMMAND, and the task it was planned for.
  std::optional<std::pair<TaskSpec, Command>> a_planned_command() {
    for (size_t i = 0; i < under_test().valid_params.size(); ++i) {
      const TaskSpec t = task(under_test().valid_params[i], "step-" + std::to_string(i));
      const Decision d = plan(t);
      if (d.plan && d.plan->kind == WEFT_PLAN_PENDING) settle_pending(t);
      if (decided_once(d) && d.plan->kind == WEFT_PLAN_COMMAND) return std::pair{t, d.plan->command};
    }
    return std::nullopt;
  }

  // Garbage that is no object, as JSON text.
  static std::vector<std::string> not_objects() {
    return {"null", "[]",       "[1, 2]", "42",
            "-1.5", "\"argv\"", "true",   node_conformance::nested_arrays(node_conformance::kDeepest)};
  }

 private:
  std::unique_ptr<LoadedPlugin> plugin_;
  const weft_factory* factory_ = nullptr;
  const weft_node_vtable* vtable_ = nullptr;
  FakeHost host_;  // declared before the node is created, destroyed after
  void* node_ = nullptr;
};

// ---- the factory, create and destroy -----------------------------------------

TEST_P(NodeTypeConformance, TheParamsSchemaIfGivenIsAJsonObject) {
  if (factory().schema_json == nullptr) GTEST_SKIP() << "the factory publishes no schema";
  const auto schema = nlohmann::json::parse(factory().schema_json, nullptr, false);
  EXPECT_TRUE(schema.is_object()) << factory().schema_json;
}

TEST_P(NodeTypeConformance, NodesAreCreatedAndDestroyedIndependently) {
  void* second = create();
  ASSERT_NE(second, nullptr);
  void* third = create();
  ASSERT_NE(third, nullptr);
  EXPECT_NE(second, third);
  vtable().destroy(second);
  vtable().destroy(third);
  // The first node is untouched by the others' lifetimes.
  for (const auto& params : under_test().valid_params) {
    const Validation v = validate(params);
    EXPECT_EQ(v.status, WEFT_OK) << v.message;
    EXPECT_TRUE(v.problems.empty()) << params;
  }
}

// ---- validate -------------------------------------------------------------

TEST_P(NodeTypeConformance, ValidParamsHaveNoProblems) {
  ASSERT_FALSE(under_test().valid_params.empty()) << "give at least one example of valid params";
  for (const auto& params : under_test().valid_params) {
    const Validation v = validate(params);
    EXPECT_EQ(v.status, WEFT_OK) << params << ": " << v.message;
    EXPECT_EQ(v.problems, node_conformance::Problems{}) << params;
  }
}

TEST_P(NodeTypeConformance, InvalidParamsAreReportedAtTheirPointerAsProblemsNotErrors) {
  ASSERT_FALSE(under_test().invalid_params.empty()) << "give at least one example of invalid params";
  for (const auto& example : under_test().invalid_params) {
    const Validation v = validate(example.params);
    EXPECT_EQ(v.status, WEFT_OK) << example.params << ": bad params are problems, not an error: " << v.message;
    bool at_pointer = false;
    for (const auto& [path, message] : v.problems) {
      at_pointer = at_pointer || path == example.pointer;
      EXPECT_TRUE(path.empty() || path.front() == '/') << "'" << path << "' is no JSON pointer";
      EXPECT_FALSE(message.empty()) << "a problem at '" << path << "' without a message";
    }
    EXPECT_TRUE(at_pointer) << example.params << ": no problem at '" << example.pointer << "' among "
                            << nlohmann::json(v.problems);
  }
}

TEST_P(NodeTypeConformance, ParamsThatAreNoObjectGetProblemsNotErrors) {
  for (const auto& text : not_objects()) {
    const Validation v = validate_text(text);
    EXPECT_EQ(v.status, WEFT_OK) << text << ": " << v.message;
    EXPECT_FALSE(v.problems.empty()) << text << " was accepted as params";
  }
}

TEST_P(NodeTypeConformance, ADeeplyNestedValueInAnyParamIsAnsweredNotAnError) {
  // Whatever the node type makes of it, it checks it.
  nlohmann::json deep = nlohmann::json::array();
  for (int depth = 2; depth < node_conformance::kDeepest; ++depth) deep = nlohmann::json::array({deep});
  for (const auto& params : under_test().valid_params) {
    if (!params.is_object()) continue;
    for (const auto& item : params.items()) {
      nlohmann::json nested = params;
      nested[item.key()] = deep;
      const Validation v = validate(nested);
      EXPECT_EQ(v.status, WEFT_OK) << "/" << item.key() << " nested " << node_conformance::kDeepest - 1
                                   << " levels deep: " << v.message;
    }
  }
}

TEST_P(NodeTypeConformance, AnEmptyParamsTextIsValidatedAsNull) {
  const Validation empty = validate_text("");
  const Validation null = validate_text("null");
  EXPECT_EQ(empty.status, WEFT_OK) << "empty JSON text means null, which the node type can check: " << empty.message;
  EXPECT_EQ(empty.problems, null.problems);
}

TEST_P(NodeTypeConformance, ValidateGivesEachOfSeveralThreadsAtOnceItsOwnAnswer) {
  std::vector<std::string> texts = not_objects();
  for (const auto& params : under_test().valid_params) texts.push_back(params.dump());
  for (const auto& example : under_test().invalid_params) texts.push_back(example.params.dump());
  std::vector<Validation> alone;
  for (const auto& text : texts) alone.push_back(validate_text(text));

  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::atomic<int> differences{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      for (int round = 0; round < kRounds; ++round) {
        for (size_t j = 0; j < texts.size(); ++j) {
          const size_t k = (j + static_cast<size_t>(i)) % texts.size();  // threads at different examples
          const Validation v = validate_text(texts[k]);
          if (v.status != alone[k].status || v.problems != alone[k].problems) ++differences;
        }
      }
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(differences.load(), 0) << "validate answered differently when called from several threads at once";
}

// ---- plan -----------------------------------------------------------------

TEST_P(NodeTypeConformance, PlanDecidesExactlyOnceForEachValidExample) {
  for (size_t i = 0; i < under_test().valid_params.size(); ++i) {
    const TaskSpec t = task(under_test().valid_params[i], "step-" + std::to_string(i));
    const Decision d = plan(t);
    EXPECT_TRUE(decided_once(d)) << t.params;
    if (d.plan && d.plan->kind == WEFT_PLAN_PENDING) settle_pending(t);
  }
}

TEST_P(NodeTypeConformance, PlanningTheSameTaskTwiceGivesEqualPlans) {
  for (size_t i = 0; i < under_test().valid_params.size(); ++i) {
    const TaskSpec t = task(under_test().valid_params[i], "step-" + std::to_string(i));
    const Decision first = plan(t);
    ASSERT_TRUE(decided_once(first)) << t.params;
    if (first.plan->kind == WEFT_PLAN_PENDING) {
      settle_pending(t);  // planning it again would start it again
      continue;
    }
    const Decision second = plan(t);
    ASSERT_TRUE(decided_once(second)) << t.params;
    EXPECT_EQ(node_conformance::describe(*second.plan), node_conformance::describe(*first.plan)) << t.params;
  }
}

TEST_P(NodeTypeConformance, PlanOfParamsThatFailValidationFailsWithAMessage) {
  for (size_t i = 0; i < under_test().invalid_params.size(); ++i) {
    const InvalidParams& example = under_test().invalid_params[i];
    const TaskSpec t = task(example.params, "invalid-" + std::to_string(i));
    const Decision d = plan(t);
    if (d.plan && d.plan->kind == WEFT_PLAN_PENDING) settle_pending(t);
    if (d.status != WEFT_OK) {
      EXPECT_EQ(d.status, WEFT_ERROR) << example.params << ": " << describe(d);
      EXPECT_FALSE(d.message.empty()) << example.params << ": WEFT_ERROR without a message";
      continue;
    }
    EXPECT_TRUE(decided_once(d)) << example.params;
    if (example.plan_fails && d.plan) {
      EXPECT_EQ(d.plan->kind, WEFT_PLAN_FAILED) << example.params << " fails validation, yet: " << describe(d);
    }
  }
}

// ---- finish ---------------------------------------------------------------

TEST_P(NodeTypeConformance, FinishOfExitCodeZeroWithAnOutputGivesOutput) {
  const auto planned = a_planned_command();
  if (!planned) GTEST_SKIP() << "no valid example plans a command, so weftd never calls finish";
  TaskSpec t = planned->first;
  t.command = planned->second;
  const Decision d = finish({&t, 0, under_test().command_output_json, ""});
  ASSERT_TRUE(decided_once(d));
  EXPECT_EQ(d.plan->kind, WEFT_PLAN_OUTPUT) << describe(d);
}

TEST_P(NodeTypeConformance, FinishOfExitCodeOneGivesFailedWithAnError) {
  const auto planned = a_planned_command();
  if (!planned) GTEST_SKIP() << "no valid example plans a command, so weftd never calls finish";
  TaskSpec t = planned->first;
  t.command = planned->second;
  const Decision d = finish({&t, 1, "", ""});
  ASSERT_TRUE(decided_once(d));
  EXPECT_EQ(d.plan->kind, WEFT_PLAN_FAILED) << describe(d);
}

}  // namespace weft::sdk::testing

// Runs the suite against one node type, or several: prefix names the
// instantiation, the rest are NodeTypeUnderTest values. Use at namespace scope.
#define WEFT_NODE_TYPE_CONFORMANCE(prefix, ...)                                         \
  using weft::sdk::testing::NodeTypeConformance;                                        \
  INSTANTIATE_TEST_SUITE_P(prefix, NodeTypeConformance, ::testing::Values(__VA_ARGS__), \
                           [](const auto& info) { return info.param.name; })
