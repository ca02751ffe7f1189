// The graph of a run that its executor takes whole (workflow/whole_run.hpp),
// as that executor is handed it (sdk::RunGraph, weft_run_graph).
#pragma once

#include "core/result.hpp"
#include "plugin_host/task_runtime.hpp"
#include "scheduler/run_state.hpp"

#include <weft/sdk/run_graph.hpp>

namespace weft::daemon {

// Each node's params rendered over the run, with the references only the
// running graph can fill in (an upstream's whole output, the element) left
// as their text, and planned by the node's type; its for_each rendered the
// same way. Event loop thread (it plans). Failure: a node whose params or
// for_each do not render, or whose type plans no command, named.
Result<sdk::RunGraph> build_run_graph(const RunState& run, TaskRuntime& runtime);

}  // namespace weft::daemon
