#include "scheduler/workflow_catalog.hpp"

namespace weft::daemon {

const WorkflowRecord* WorkflowCatalog::latest(const std::string& name, const std::optional<WorkflowRecord>& stored) {
  auto it = latest_.find(name);
  if (it == latest_.end() && stored) it = latest_.emplace(name, *stored).first;
  return it == latest_.end() ? nullptr : &it->second;
}

WorkflowCatalog::Applied WorkflowCatalog::apply(WorkflowRecord record, const std::optional<WorkflowRecord>& stored) {
  const WorkflowRecord* current = latest(record.name, stored);
  if (current != nullptr && !current->deleted && current->digest == record.digest) return {*current, false};
  record.version = current == nullptr ? 1 : current->version + 1;
  latest_[record.name] = record;
  return {std::move(record), true};
}

Result<WorkflowRecord> WorkflowCatalog::remove(const std::string& name, const std::optional<WorkflowRecord>& stored) {
  const WorkflowRecord* current = latest(name, stored);
  if (current == nullptr || current->deleted) return fail(ErrorCode::not_found, "no workflow named '" + name + "'");
  WorkflowRecord& deleted = latest_[name];
  deleted.deleted = true;
  return deleted;
}

}  // namespace weft::daemon
