#include "store/store_client.hpp"

#include "plugin_host/call_plugin.hpp"
#include "plugin_host/loaded_library.hpp"

namespace weft::daemon {

using sdk::str;

namespace {

// Collects what a visitor is handed into C++ records.
template <class Record, class AbiRecord>
int collect(void* caller_ptr, const AbiRecord* record) {
  static_cast<std::vector<Record>*>(caller_ptr)->push_back(sdk::from_abi(*record));
  return 0;
}

void check(weft_status status, const weft_error& err, std::string_view what) {
  if (status == WEFT_OK) return;
  const std::string message = std::string(what) + ": " + err.message;
  if (status == WEFT_CONFLICT) throw StoreConflict(message);
  throw StoreError(message);
}

template <class Record>
std::optional<Record> first_or_none(weft_status status, const weft_error& err, std::vector<Record>& found,
                                    std::string_view what) {
  if (status == WEFT_NOT_FOUND) return std::nullopt;
  check(status, err, what);
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

}  // namespace

StoreClient::StoreClient(std::shared_ptr<const LoadedLibrary> library, const weft_store_vtable* vtable, void* store)
    : library_(std::move(library)), vtable_(vtable), store_(store) {}

StoreClient::~StoreClient() { vtable_->close(store_); }

int StoreClient::schema_version() const { return vtable_->schema_version(store_); }

void StoreClient::write(const WriteBatch& batch) {
  const sdk::AbiWriteBatch abi(batch);
  weft_error err;
  check(call_plugin([&](weft_error* e) { return vtable_->write(store_, abi.get(), e); }, err), err,
        "store write failed");
}

std::optional<WorkflowRecord> StoreClient::get_workflow(std::string_view name, int64_t version) const {
  std::vector<WorkflowRecord> found;
  weft_error err;
  const auto status = call_plugin(
      [&](weft_error* e) {
        return vtable_->get_workflow(store_, str(name), version, collect<WorkflowRecord, weft_workflow_record>, &found,
                                     e);
      },
      err);
  return first_or_none(status, err, found, "reading a workflow failed");
}

std::vector<WorkflowRecord> StoreClient::list_workflows() const {
  std::vector<WorkflowRecord> found;
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->list_workflows(store_, collect<WorkflowRecord, weft_workflow_record>, &found, e);
            },
            err),
        err, "listing workflows failed");
  return found;
}

std::optional<RunRecord> StoreClient::get_run(std::string_view id) const {
  std::vector<RunRecord> found;
  weft_error err;
  const auto status = call_plugin(
      [&](weft_error* e) { return vtable_->get_run(store_, str(id), collect<RunRecord, weft_run_record>, &found, e); },
      err);
  return first_or_none(status, err, found, "reading a run failed");
}

std::vector<RunRecord> StoreClient::list_runs(const RunFilter& filter) const {
  std::vector<RunRecord> found;
  const weft_run_filter abi = sdk::to_abi(filter);
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->list_runs(store_, &abi, collect<RunRecord, weft_run_record>, &found, e);
            },
            err),
        err, "listing runs failed");
  return found;
}

std::vector<TaskRecord> StoreClient::list_tasks(std::string_view run_id) const {
  std::vector<TaskRecord> found;
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->list_tasks(store_, str(run_id), collect<TaskRecord, weft_task_record>, &found, e);
            },
            err),
        err, "listing tasks failed");
  return found;
}

std::vector<TokenRecord> StoreClient::list_tokens() const {
  std::vector<TokenRecord> found;
  weft_error err;
  check(call_plugin(
            [&](weft_error* e) {
              return vtable_->list_tokens(store_, collect<TokenRecord, weft_token_record>, &found, e);
            },
            err),
        err, "listing tokens failed");
  return found;
}

}  // namespace weft::daemon
