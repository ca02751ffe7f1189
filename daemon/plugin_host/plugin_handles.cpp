#include "plugin_host/plugin_handles.hpp"

#include <weft/sdk/plugin.hpp>

namespace weft::daemon {

using sdk::str;

namespace {

ErrorCode code_of(weft_status status) {
  switch (status) {
    case WEFT_NOT_FOUND: return ErrorCode::not_found;
    case WEFT_CONFLICT: return ErrorCode::conflict;
    default: return ErrorCode::internal;
  }
}

}  // namespace

NodeTypeHandle::NodeTypeHandle(std::shared_ptr<const LoadedLibrary> library, const weft_node_vtable* vtable,
                               std::unique_ptr<PluginContext> context, void* node, std::string type_name)
    : library_(std::move(library)),
      vtable_(vtable),
      context_(std::move(context)),
      node_(node),
      type_name_(std::move(type_name)) {}

NodeTypeHandle::~NodeTypeHandle() { vtable_->destroy(node_); }

std::vector<Problem> NodeTypeHandle::validate(const nlohmann::json& params) const {
  std::vector<Problem> problems;
  const weft_problem_sink sink{&problems, [](void* p, weft_str path, weft_str message) {
                                 static_cast<std::vector<Problem>*>(p)->push_back(
                                     {std::string(sdk::view(path)), std::string(sdk::view(message))});
                               }};
  const std::string text = params.dump();
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->validate(node_, str(text), &sink, e); }, err);
  if (status != WEFT_OK) {
    problems.push_back({"", "node type '" + type_name_ + "' could not validate its params: " + err.message});
  }
  return problems;
}

Result<sdk::Plan> NodeTypeHandle::decided(const char* what, weft_status status, const weft_error& err,
                                          sdk::PlanCollector& out) const {
  if (status != WEFT_OK) {
    return fail(code_of(status), "node type '" + type_name_ + "' failed to " + what + ": " + err.message);
  }
  try {
    return out.take();
  } catch (const std::exception& e) {
    return fail(ErrorCode::internal, "node type '" + type_name_ + "' answered " + what + " wrongly: " + e.what());
  }
}

Result<sdk::Plan> NodeTypeHandle::plan(const sdk::TaskSpec& task) {
  const sdk::AbiTaskSpec abi(task);
  sdk::PlanCollector out;
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->plan(node_, abi.get(), out.get(), e); }, err);
  return decided("plan", status, err, out);
}

Result<sdk::Plan> NodeTypeHandle::finish(const sdk::TaskResult& result) {
  if (vtable_->finish == nullptr) {
    try {
      return sdk::default_finish(result);
    } catch (const std::exception& e) {
      return fail(ErrorCode::internal, std::string("the task's output is not JSON: ") + e.what());
    }
  }
  const sdk::AbiTaskResult abi(result);
  sdk::PlanCollector out;
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->finish(node_, abi.get(), out.get(), e); }, err);
  return decided("finish", status, err, out);
}

Status NodeTypeHandle::cancel(std::string_view task_key) {
  if (vtable_->cancel == nullptr) return Done{};
  weft_error err;
  const weft_status status = call_plugin([&](weft_error* e) { return vtable_->cancel(node_, str(task_key), e); }, err);
  if (status != WEFT_OK) return fail(code_of(status), err.message);
  return Done{};
}

ExecutorHandle::ExecutorHandle(std::shared_ptr<const LoadedLibrary> library, const weft_executor_vtable* vtable,
                               std::unique_ptr<PluginContext> context, void* executor, std::string name)
    : library_(std::move(library)),
      vtable_(vtable),
      context_(std::move(context)),
      executor_(executor),
      name_(std::move(name)) {}

ExecutorHandle::~ExecutorHandle() { vtable_->destroy(executor_); }

Status ExecutorHandle::start(const sdk::TaskSpec& task) {
  const sdk::AbiTaskSpec abi(task);
  weft_error err;
  const weft_status status = call_plugin([&](weft_error* e) { return vtable_->start(executor_, abi.get(), e); }, err);
  if (status != WEFT_OK) return fail(code_of(status), err.message);
  return Done{};
}

Status ExecutorHandle::cancel(std::string_view task_key) {
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->cancel(executor_, str(task_key), e); }, err);
  if (status != WEFT_OK) return fail(code_of(status), err.message);
  return Done{};
}

uint64_t ExecutorHandle::capabilities() const {
  if (!WEFT_HAS_FIELD(vtable_, weft_executor_vtable, capabilities)) return 0;
  uint64_t bits = vtable_->capabilities;
  if (!WEFT_HAS_FIELD(vtable_, weft_executor_vtable, cancel_run) || vtable_->start_run == nullptr ||
      vtable_->cancel_run == nullptr) {
    bits &= ~WEFT_EXECUTOR_CAP_WHOLE_RUN;
  }
  return bits;
}

Status ExecutorHandle::start_run(const sdk::RunGraph& run) {
  if ((capabilities() & WEFT_EXECUTOR_CAP_WHOLE_RUN) == 0) {
    return fail(ErrorCode::unavailable, "executor '" + name_ + "' does not take whole runs");
  }
  const sdk::AbiRunGraph abi(run);
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->start_run(executor_, abi.get(), e); }, err);
  if (status != WEFT_OK) return fail(code_of(status), err.message);
  return Done{};
}

Status ExecutorHandle::cancel_run(std::string_view run_id) {
  if ((capabilities() & WEFT_EXECUTOR_CAP_WHOLE_RUN) == 0) {
    return fail(ErrorCode::unavailable, "executor '" + name_ + "' does not take whole runs");
  }
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->cancel_run(executor_, str(run_id), e); }, err);
  if (status != WEFT_OK) return fail(code_of(status), err.message);
  return Done{};
}

Status ExecutorHandle::recover(const sdk::TaskSpec& task, std::string_view external_id) {
  if (vtable_->recover == nullptr) {
    return fail(ErrorCode::unavailable, "executor '" + name_ + "' cannot take tasks back after a restart");
  }
  const sdk::AbiTaskSpec abi(task);
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->recover(executor_, abi.get(), str(external_id), e); }, err);
  if (status != WEFT_OK) return fail(code_of(status), err.message);
  return Done{};
}

}  // namespace weft::daemon
