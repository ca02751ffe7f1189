#include "plugin_host/plugin_handles.hpp"

#include "core/json_text.hpp"

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

Result<nlohmann::json> NodeTypeHandle::call_with_output(
    const char* what, weft_status (*fn)(void*, weft_str, const weft_sink*, weft_error*), const std::string& input) {
  std::string output;
  const weft_sink sink{&output,
                       [](void* p, const char* data, size_t len) { static_cast<std::string*>(p)->append(data, len); }};
  weft_error err;
  const weft_status status = call_plugin([&](weft_error* e) { return fn(node_, str(input), &sink, e); }, err);
  if (status != WEFT_OK) {
    return fail(code_of(status), "node type '" + type_name_ + "' failed to " + what + ": " + err.message);
  }
  auto parsed = parse_json(output);
  if (!parsed || !parsed->is_object()) {
    return fail(ErrorCode::internal,
                "node type '" + type_name_ + "' answered " + what + " with something that is not a JSON object");
  }
  return std::move(*parsed);
}

Result<nlohmann::json> NodeTypeHandle::plan(const std::string& request_json) {
  return call_with_output("plan", vtable_->plan, request_json);
}

Result<nlohmann::json> NodeTypeHandle::finish(const std::string& result_json) {
  return call_with_output("finish", vtable_->finish, result_json);
}

Status NodeTypeHandle::cancel(std::string_view task_key) {
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

Status ExecutorHandle::start(const std::string& spec_json) {
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->start(executor_, str(spec_json), e); }, err);
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

Status ExecutorHandle::recover(const std::string& spec_json, std::string_view external_id) {
  weft_error err;
  const weft_status status =
      call_plugin([&](weft_error* e) { return vtable_->recover(executor_, str(spec_json), str(external_id), e); }, err);
  if (status != WEFT_OK) return fail(code_of(status), err.message);
  return Done{};
}

}  // namespace weft::daemon
