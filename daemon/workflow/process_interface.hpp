// Private to weft_workflow: checks a document's `inputs` and `outputs`, the
// optional description of the workflow as a process (its params as typed
// inputs, chosen node outputs as its outputs) that the OGC API – Processes
// face shows (docs/ogc.md). They are arrays because their order is shown.
#pragma once

#include "core/result.hpp"
#include "workflow/document_reader.hpp"
#include "workflow/workflow.hpp"

#include <vector>

namespace weft::daemon {

// Takes `inputs` and `outputs` from `reader` (the document's top level);
// run after the params and nodes of `workflow` are read.
void check_process_interface(DocumentReader& reader, const Workflow& workflow, std::vector<Problem>& problems);

}  // namespace weft::daemon
