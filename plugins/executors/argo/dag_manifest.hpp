// Whole-run mode: what a run handed whole (sdk::RunGraph) becomes in Argo, one
// Workflow whose entrypoint is a DAG template of one task per node, and where
// each of the run's tasks is in that workflow's status.nodes.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <weft/sdk/run_graph.hpp>

#include "argo_config.hpp"
#include "workflow_manifest.hpp"

namespace weft::argo {

// Whether the command asks for whole-run submission (executor_options.submit = "dag").
bool asks_for_dag(const sdk::Command& command);

// The name of the run's DAG workflow: the same for the same run, so that the
// tasks of the run, and recover after a restart, find it by the run's id.
std::string dag_workflow_name(const std::string& run_id);

// The name of the node's task (and template) in the DAG: its id with what
// Argo does not allow in a task name turned into '-'.
std::string dag_task_name(const std::string& node_id);

// The WorkflowCreateRequest of the run: each node a DAG task running a
// container template of its command; its dependencies as `dependencies`; its
// for_each as `withParam`; "{{nodes.<id>.output}}" and "{{item}}" in its
// strings as input parameters the task's arguments fill from
// {{tasks.<id>.outputs.parameters.weft-output}} and {{item}}. Throws
// std::invalid_argument naming the node when a node cannot run in Argo.
nlohmann::json dag_create_request(const sdk::RunGraph& run, const ArgoConfig& config);

// Where one task of the run stands in the DAG workflow.
struct DagTaskState {
  std::string pod;               // the node's id, which names its pod for the log endpoint; empty: not there yet
  bool started = false;          // its pod is (or was) running
  std::optional<Outcome> ended;  // set once it ended, or once the workflow ended without it
};
// node_id and index (-1: a node without for_each) as in the task spec.
DagTaskState dag_task_state(const nlohmann::json& workflow, const std::string& node_id, int64_t index);

}  // namespace weft::argo
