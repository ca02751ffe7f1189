// Whole-run submission (ABI 2.1, weft_run_graph): a workflow whose nodes all
// ask for it, with executor_options.submit = "dag", and name one executor
// that can (WEFT_EXECUTOR_CAP_WHOLE_RUN), is handed to that executor whole
// when a run of it starts, instead of task by task.
//
// Such an executor fills in only two references itself, once the graph runs:
// an upstream node's whole output and the for_each element. Everything else
// must render before submission, so a workflow that asks for whole-run
// submission is refused when it is stored if it holds anything else.
#pragma once

#include "core/result.hpp"
#include "workflow/node_catalog.hpp"
#include "workflow/workflow.hpp"

#include <optional>
#include <string>
#include <vector>

namespace weft::daemon {

// Whether the node's params ask for whole-run submission.
bool asks_for_whole_run(const NodeSpec& node);

// The executor that takes runs of the workflow whole; nullopt when they run
// task by task.
std::optional<std::string> whole_run_executor(const Workflow& workflow, const NodeCatalog& catalog);

// What keeps a workflow of which a node asks for whole-run submission from
// being submitted whole, each problem at its JSON pointer; none when no node asks.
std::vector<Problem> whole_run_problems(const Workflow& workflow, const NodeCatalog& catalog);

}  // namespace weft::daemon
