// The task contract between the host, node types and executors, as C++
// values: what to run (Command), one attempt of a task (TaskSpec), what a
// node type decides (Plan) and how a command ended (TaskResult). Each is
// turned into its weft_* view and read back from it here and nowhere else.
#pragma once

#include <weft/sdk/plugin.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::sdk {

struct Command {
  std::vector<std::string> argv;                               // the program and its arguments
  std::vector<std::pair<std::string, std::string>> env;        // added to the executor's base environment
  std::string cwd;                                             // empty: the executor's default
  std::string image;                                           // empty: none
  nlohmann::json executor_options = nlohmann::json::object();  // settings for the executor that runs it
};

struct Resources {
  double cpus = 0;  // 0: not given, likewise below
  int64_t memory_mb = 0;
  int32_t gpus = 0;
};

struct TaskSpec {
  std::string task_key;  // unique per attempt
  std::string run_id;
  std::string workflow;
  std::string node;
  std::optional<int64_t> index;  // set for an element of a for_each node
  int32_t attempt = 1;
  std::string executor;
  nlohmann::json params = nlohmann::json::object();  // rendered; null when the host sent none
  Resources resources;
  double timeout_s = 0;  // 0: none
  std::string stdout_path;
  std::string stderr_path;
  std::string output_path;
  std::optional<Command> command;  // absent in plan
  // ABI 2.1; 0 from a 2.0 host. For an element of a for_each node, how many
  // elements the node has (0 otherwise), and the node's max_parallel (0: none).
  int64_t for_each_count = 0;
  int64_t max_parallel = 0;
};

// What plan or finish decided.
struct Plan {
  weft_plan_kind kind = WEFT_PLAN_FAILED;
  nlohmann::json output;  // OUTPUT
  std::string error;      // FAILED
  Command command;        // COMMAND

  static Plan output_of(nlohmann::json output) { return {WEFT_PLAN_OUTPUT, std::move(output), {}, {}}; }
  static Plan failure(std::string error) { return {WEFT_PLAN_FAILED, {}, std::move(error), {}}; }
  static Plan run(Command command) { return {WEFT_PLAN_COMMAND, {}, {}, std::move(command)}; }
  static Plan pending() { return {WEFT_PLAN_PENDING, {}, {}, {}}; }
};

struct TaskResult {
  const TaskSpec* task = nullptr;  // the attempt, command included (if it ran one)
  int32_t exit_code = 0;           // 128+N when killed by signal N
  std::string output_json;         // empty: no output
  std::string error;               // the executor's reason, empty: none
};

inline std::string describe_exit(int exit_code) {
  if (exit_code > 128) return "killed by signal " + std::to_string(exit_code - 128);
  return "exited with code " + std::to_string(exit_code);
}

// What a node type without finish decides: exit code 0 with no error from
// the executor succeeds with the task's output; anything else fails saying
// what happened (the executor's words first).
inline Plan default_finish(const TaskResult& result) {
  if (result.exit_code == 0 && result.error.empty()) {
    return Plan::output_of(result.output_json.empty() ? nlohmann::json() : nlohmann::json::parse(result.output_json));
  }
  return Plan::failure(result.error.empty() ? describe_exit(result.exit_code) : result.error);
}

// ---------------------------------------------------------------------------
// From the views the other side filled. Each throws std::invalid_argument
// naming what is wrong when a struct is too small or a JSON field is not
// JSON.

inline nlohmann::json json_or(weft_str text, nlohmann::json absent) {
  return text.len == 0 ? std::move(absent) : nlohmann::json::parse(view(text));
}

inline Command from_abi(const weft_command& c) {
  require_size(c.struct_size, WEFT_COMMAND_SIZE_2_0, "weft_command");
  Command out;
  out.argv.reserve(c.argc);
  for (size_t i = 0; i < c.argc; ++i) out.argv.emplace_back(view(c.argv[i]));
  out.env.reserve(c.env_count);
  for (size_t i = 0; i < c.env_count; ++i) out.env.emplace_back(view(c.env[i].name), view(c.env[i].value));
  out.cwd = view(c.cwd);
  out.image = view(c.image);
  out.executor_options = json_or(c.executor_options_json, nlohmann::json::object());
  return out;
}

inline TaskSpec from_abi(const weft_task_spec& t) {
  require_size(t.struct_size, WEFT_TASK_SPEC_SIZE_2_0, "weft_task_spec");
  TaskSpec out;
  out.task_key = view(t.task_key);
  out.run_id = view(t.run_id);
  out.workflow = view(t.workflow);
  out.node = view(t.node);
  if (t.index >= 0) out.index = t.index;
  out.attempt = t.attempt;
  out.executor = view(t.executor);
  out.params = json_or(t.params_json, nullptr);
  out.resources = {t.cpus, t.memory_mb, t.gpus};
  out.timeout_s = t.timeout_s;
  out.stdout_path = view(t.stdout_path);
  out.stderr_path = view(t.stderr_path);
  out.output_path = view(t.output_path);
  if (t.command != nullptr) out.command = from_abi(*t.command);
  if (WEFT_HAS_FIELD(&t, weft_task_spec, max_parallel)) {
    out.for_each_count = t.for_each_count;
    out.max_parallel = t.max_parallel;
  }
  return out;
}

inline Plan from_abi(const weft_plan& p) {
  require_size(p.struct_size, WEFT_PLAN_SIZE_2_0, "weft_plan");
  switch (p.kind) {
    case WEFT_PLAN_OUTPUT: return Plan::output_of(json_or(p.output_json, nullptr));
    case WEFT_PLAN_FAILED: return Plan::failure(std::string(view(p.error)));
    case WEFT_PLAN_COMMAND:
      if (p.command == nullptr) throw std::invalid_argument("a COMMAND plan without a command");
      return Plan::run(from_abi(*p.command));
    case WEFT_PLAN_PENDING: return Plan::pending();
    default: throw std::invalid_argument("a plan of unknown kind " + std::to_string(p.kind));
  }
}

// ---------------------------------------------------------------------------
// Views for the other side. Each holds the arrays and JSON texts its view
// points into and borrows the strings of the value it was made from, which
// must outlive it. Not copyable or movable: the view points into the object.

class AbiCommand {
 public:
  explicit AbiCommand(const Command& c) : options_(c.executor_options.dump()) {
    argv_.reserve(c.argv.size());
    for (const auto& arg : c.argv) argv_.push_back(str(arg));
    env_.reserve(c.env.size());
    for (const auto& [name, value] : c.env) env_.push_back({str(name), str(value)});
    abi_.struct_size = sizeof(weft_command);
    abi_.argv = argv_.data();
    abi_.argc = argv_.size();
    abi_.env = env_.data();
    abi_.env_count = env_.size();
    abi_.cwd = str(c.cwd);
    abi_.image = str(c.image);
    abi_.executor_options_json = str(options_);
  }
  AbiCommand(const AbiCommand&) = delete;
  AbiCommand& operator=(const AbiCommand&) = delete;
  const weft_command* get() const { return &abi_; }

 private:
  std::vector<weft_str> argv_;
  std::vector<weft_env_var> env_;
  std::string options_;
  weft_command abi_{};
};

class AbiTaskSpec {
 public:
  explicit AbiTaskSpec(const TaskSpec& t) : params_(t.params.dump()) {
    if (t.command) command_ = std::make_unique<AbiCommand>(*t.command);
    abi_.struct_size = sizeof(weft_task_spec);
    abi_.task_key = str(t.task_key);
    abi_.run_id = str(t.run_id);
    abi_.workflow = str(t.workflow);
    abi_.node = str(t.node);
    abi_.index = t.index.value_or(-1);
    abi_.attempt = t.attempt;
    abi_.executor = str(t.executor);
    abi_.params_json = str(params_);
    abi_.cpus = t.resources.cpus;
    abi_.memory_mb = t.resources.memory_mb;
    abi_.gpus = t.resources.gpus;
    abi_.timeout_s = t.timeout_s;
    abi_.stdout_path = str(t.stdout_path);
    abi_.stderr_path = str(t.stderr_path);
    abi_.output_path = str(t.output_path);
    abi_.command = command_ ? command_->get() : nullptr;
    abi_.for_each_count = t.for_each_count;
    abi_.max_parallel = t.max_parallel;
  }
  AbiTaskSpec(const AbiTaskSpec&) = delete;
  AbiTaskSpec& operator=(const AbiTaskSpec&) = delete;
  const weft_task_spec* get() const { return &abi_; }

 private:
  std::string params_;
  std::unique_ptr<AbiCommand> command_;
  weft_task_spec abi_{};
};

class AbiPlan {
 public:
  explicit AbiPlan(const Plan& p) {
    abi_.struct_size = sizeof(weft_plan);
    abi_.kind = p.kind;
    if (p.kind == WEFT_PLAN_OUTPUT) output_ = p.output.dump();
    if (p.kind == WEFT_PLAN_COMMAND) command_ = std::make_unique<AbiCommand>(p.command);
    abi_.output_json = str(output_);
    abi_.error = str(p.error);
    abi_.command = command_ ? command_->get() : nullptr;
  }
  AbiPlan(const AbiPlan&) = delete;
  AbiPlan& operator=(const AbiPlan&) = delete;
  const weft_plan* get() const { return &abi_; }

 private:
  std::string output_;
  std::unique_ptr<AbiCommand> command_;
  weft_plan abi_{};
};

class AbiTaskResult {
 public:
  explicit AbiTaskResult(const TaskResult& r) : task_(*r.task) {
    abi_.struct_size = sizeof(weft_task_result);
    abi_.task = task_.get();
    abi_.exit_code = r.exit_code;
    abi_.output_json = str(r.output_json);
    abi_.error = str(r.error);
  }
  AbiTaskResult(const AbiTaskResult&) = delete;
  AbiTaskResult& operator=(const AbiTaskResult&) = delete;
  const weft_task_result* get() const { return &abi_; }

 private:
  AbiTaskSpec task_;
  weft_task_result abi_{};
};

// A weft_plan_sink that keeps the one decision it is handed, copied.
class PlanCollector {
 public:
  PlanCollector() = default;
  PlanCollector(const PlanCollector&) = delete;  // the sink points at this object
  PlanCollector& operator=(const PlanCollector&) = delete;

  const weft_plan_sink* get() const { return &sink_; }
  // The decision; throws std::invalid_argument if there was none, or more
  // than one, or it could not be read.
  Plan take() {
    if (error_) throw std::invalid_argument(*error_);
    if (decisions_ != 1) {
      throw std::invalid_argument(decisions_ == 0 ? "it decided nothing" : "it decided more than once");
    }
    return std::move(*plan_);
  }

 private:
  static void decide(void* self_ptr, const weft_plan* plan) noexcept {
    auto* self = static_cast<PlanCollector*>(self_ptr);
    ++self->decisions_;
    try {
      self->plan_ = from_abi(*plan);
    } catch (const std::exception& e) {
      self->error_ = e.what();
    }
  }

  int decisions_ = 0;
  std::optional<Plan> plan_;
  std::optional<std::string> error_;
  weft_plan_sink sink_{this, &PlanCollector::decide};
};

}  // namespace weft::sdk
