// The daemon's model of a workflow document (format version 1, see
// docs/workflows.md): parsed and completely validated once, then
// read by the scheduler. A Workflow is immutable after parse_workflow; copies
// share their parsed expressions and templates.
#pragma once

#include "core/result.hpp"
#include "workflow/cron.hpp"
#include "workflow/expression.hpp"
#include "workflow/node_catalog.hpp"
#include "workflow/template.hpp"
#include "workflow/trigger_rule.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon {

// Attempt n (n >= 2) waits min(backoff_s * backoff_factor^(n-2), max_backoff_s) seconds.
struct RetryPolicy {
  int max_attempts = 1;  // 1: no retry
  double backoff_s = 1;
  double backoff_factor = 2;
  double max_backoff_s = 300;
  std::optional<double> max_duration_s;  // no attempt starts later than this after the first
  bool operator==(const RetryPolicy&) const = default;
};

// `cache`: a task whose rendered key matches a task of the same workflow
// that ran and succeeded, within ttl_s, takes that task's output instead of
// running.
struct NodeCache {
  StringTemplate key;
  std::optional<double> ttl_s;  // none: a match of any age
};

// What a task's rendered cache.key is stored and looked up as: its text (a
// value that is not a string: its JSON text), or, when that is longer than
// kLongestCacheKey bytes, "sha256:" and the text's digest, so that a key of
// any size fits a database index (PostgreSQL's hold at most about 2.7 kB).
inline constexpr std::size_t kLongestCacheKey = 512;
std::string cache_key_of(const nlohmann::json& rendered);

struct NodeSpec {
  std::string id;
  std::string type;
  std::string description;
  std::vector<std::string> depends_on;    // as written
  std::vector<std::size_t> dependencies;  // indexes into Workflow::nodes, one per depends_on entry
  std::vector<std::size_t> dependents;    // indexes of the nodes that depend on this one
  std::optional<Expression> when;
  std::optional<StringTemplate> for_each;  // a single placeholder that yields an array
  std::optional<int> max_parallel;
  std::optional<NodeCache> cache;
  std::string executor;                                 // the node's, else the defaults', else "process"
  nlohmann::json resources = nlohmann::json::object();  // the defaults' with the node's keys over them
  std::optional<double> timeout_s;
  RetryPolicy retry;                                 // the defaults' with the node's fields over them
  nlohmann::json params = nlohmann::json::object();  // as written, templates unrendered
  std::optional<JsonTemplate> params_template;       // params compiled; set when the workflow is valid
  TriggerRule trigger_rule = TriggerRule::all_success;
  bool on_exit = false;  // listed in the workflow's on_exit: decided once every other node is final
  std::string pointer;   // where the node is in the document: "/nodes/3", "/on_exit/0"
};

// `schedule`: when runs start by themselves.
struct WorkflowSchedule {
  std::string cron;  // as written
  CronSchedule when;
  bool enabled = true;  // false: stored, not firing
};

struct Workflow {
  std::string name;
  std::string description;
  nlohmann::json params = nlohmann::json::object();  // defaults of the run params
  std::optional<int> max_parallel;
  std::optional<double> timeout_s;                     // a run still going this long after its start is cancelled
  nlohmann::json defaults = nlohmann::json::object();  // as written
  std::optional<WorkflowSchedule> schedule;
  std::optional<std::string> trigger_queue;
  int trigger_max_parallel = 1;  // trigger.max_parallel: runs of the queue's messages at once
  bool fail_fast = false;        // the first failure stops the run's other nodes
  // `nodes` in document order, then `on_exit` in document order: the first
  // body_size are the run's body, the rest its exit handlers.
  std::vector<NodeSpec> nodes;
  std::size_t body_size = 0;
  nlohmann::json document;  // the document as given

  // The index of node `id` in `nodes`.
  std::optional<std::size_t> node_index(std::string_view id) const;

 private:
  friend class WorkflowParser;
  std::map<std::string, std::size_t, std::less<>> node_indexes_;
};

// How large a document may be (limits.max_workflow_nodes and
// max_document_depth of docs/configuration.md); the defaults are those of an
// empty configuration.
struct DocumentLimits {
  std::size_t max_nodes = 100000;
  int max_depth = 64;
};
// For documents weftd stored earlier, under whatever limits applied then: a
// limit lowered since must not strand their runs.
inline constexpr DocumentLimits stored_document_limits{SIZE_MAX, 64};

// Validates `document` completely. Failure: ErrorCode::invalid_workflow,
// "workflow 'x' is invalid: N problems", every problem at its JSON pointer.
Result<Workflow> parse_workflow(const nlohmann::json& document, const NodeCatalog& catalog,
                                const DocumentLimits& limits = {});
// The same for document text; malformed JSON is one problem at "".
Result<Workflow> parse_workflow_text(std::string_view document_text, const NodeCatalog& catalog,
                                     const DocumentLimits& limits = stored_document_limits);

// Whether name may name a queue: [A-Za-z0-9._-]{1,128}.
bool is_queue_name(std::string_view name);

// Problems of the params a run is started with: each unknown name at
// "/params/<name>". A workflow with a trigger queue also accepts "message".
std::vector<Problem> validate_run_params(const Workflow& workflow, const nlohmann::json& params);
// The workflow's params with `overrides` (already validated) put over them.
nlohmann::json effective_run_params(const Workflow& workflow, const nlohmann::json& overrides);

// A stable digest of a parsed document (lower-case hex SHA-256 of its
// canonical serialization, keys sorted): equal for documents that differ only
// in key order or whitespace. Call it on documents parse_workflow accepted, so
// that their nesting depth is bounded.
std::string document_digest(const nlohmann::json& document);

}  // namespace weft::daemon
