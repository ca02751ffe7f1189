// The latest version of each workflow, as the scheduler's loop decides them:
// applying and deleting go through here one at a time, so two applies of
// one name cannot both become version n.
//
// The loop never reads the store: a command's caller reads the latest stored
// record on its own thread and hands it in, and it counts only while this
// loop has not written that name since (then the loop's copy is newer).
// Event loop thread only.
#pragma once

#include "store/store_client.hpp"

#include "core/result.hpp"

#include <map>
#include <optional>
#include <string>

namespace weft::daemon {

class WorkflowCatalog {
 public:
  struct Applied {
    WorkflowRecord record;  // with its version
    bool created = false;   // false: the same document is the latest version already
  };

  // record has no version yet; stored is the latest the caller read.
  Applied apply(WorkflowRecord record, const std::optional<WorkflowRecord>& stored);
  // The latest version marked deleted, to be written; not_found if there is none.
  Result<WorkflowRecord> remove(const std::string& name, const std::optional<WorkflowRecord>& stored);
  // A write of this name failed: what the loop holds may be ahead of the
  // store, so the next command goes by the store again.
  void forget(const std::string& name) { latest_.erase(name); }

 private:
  const WorkflowRecord* latest(const std::string& name, const std::optional<WorkflowRecord>& stored);

  std::map<std::string, WorkflowRecord, std::less<>> latest_;
};

}  // namespace weft::daemon
