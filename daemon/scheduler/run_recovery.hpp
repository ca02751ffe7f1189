// Runs rebuilt from their stored records, for recovery after a restart and
// for a retry of a finished run: restore_run parses the workflow again (with
// the plugins loaded now) and puts every stored row back in place. Counters
// and queues are the scheduler's to rebuild: RunScheduler::recover and
// resume, defined in run_recovery.cpp beside it.
#pragma once

#include "core/result.hpp"
#include "scheduler/run_state.hpp"
#include "workflow/node_catalog.hpp"

#include <memory>
#include <vector>

namespace weft::daemon {

// Fails when the stored document no longer parses with the plugins loaded
// now (a node type or executor that is gone).
Result<std::unique_ptr<RunState>> restore_run(const RunRecord& record, const std::vector<TaskRecord>& tasks,
                                              const NodeCatalog& catalog);

}  // namespace weft::daemon
