// What the API (and the CLI behind it) can ask of the scheduler. Everything
// that changes state goes through here: each call may come from any thread,
// is carried out on the event loop, and returns once the change is durable.
// Reads do not come here: they go to the StoreClient directly.
#pragma once

#include "core/result.hpp"
#include "scheduler/observer.hpp"

#include <weft/sdk/records.hpp>
#include <weft/sdk/status.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace weft::daemon {

struct WorkflowApplied {
  std::string name;
  int64_t version = 0;
  bool created = false;  // false: an identical document was stored already
};

struct RunRequest {
  std::string workflow;                    // a stored workflow's name (version: 0, its latest), or
  std::optional<nlohmann::json> document;  // an ad-hoc workflow document
  nlohmann::json params = nlohmann::json::object();
  int64_t version = 0;
  bool start = true;
  std::string idempotency_key;  // a second request with the same key returns the first run
};

// Development mode: node `node` of run `run_id` run again, alone.
struct NodeRunRequest {
  std::string run_id;
  std::string node;
  nlohmann::json params = nlohmann::json::object();  // each replaces the node's param of its name
};

struct RunCreated {
  std::string id;
  sdk::RunStatus status = sdk::RunStatus::queued;
  bool created = false;  // false: an earlier run with the same idempotency key
};

// One scheduled workflow, as GET /api/v1/schedules shows it.
struct ScheduleView {
  std::string workflow;
  int64_t version = 0;  // the latest version, whose schedule this is
  std::string cron;
  bool enabled = true;                 // fires: its document enables it and it is not paused
  bool paused = false;                 // paused by an operator (stored apart from the document)
  std::optional<int64_t> next_firing;  // ms since the epoch; none while disabled
  std::optional<int64_t> last_firing;  // the firing of the last scheduled run, when one is known
  std::string last_run_id;
};

class Commands {
 public:
  virtual ~Commands() = default;

  // Validates completely, then stores a new version (or finds the identical one).
  // expected_name: the {name} of PUT /workflows/{name}; must match the document's.
  virtual Result<WorkflowApplied> apply_workflow(const nlohmann::json& document,
                                                 const std::optional<std::string>& expected_name) = 0;
  virtual Status delete_workflow(const std::string& name) = 0;
  virtual Result<RunCreated> create_run(const RunRequest& request) = 0;
  virtual Status start_run(const std::string& run_id) = 0;
  virtual Status cancel_run(const std::string& run_id) = 0;
  // A paused run starts no new task; its running tasks go on to their end.
  // Pausing a paused run changes nothing; resuming a run that is not paused
  // is a conflict, as is pausing one that has ended.
  virtual Status pause_run(const std::string& run_id) = 0;
  virtual Status resume_run(const std::string& run_id) = 0;
  virtual Status retry_run(const std::string& run_id) = 0;
  // Development mode: a new run in which the node runs again, alone, on the
  // upstream outputs the run stored (see dev_runs.cpp). The run is not changed.
  virtual Result<RunCreated> run_node_again(const NodeRunRequest& request) = 0;
  // Pauses or resumes a workflow's schedule. Stored as the schedule's state,
  // apart from the document (no new workflow version), so a paused schedule
  // stays paused across restarts and new versions. A schedule its document
  // disables (schedule.enabled: false) cannot be resumed here: a conflict.
  virtual Result<ScheduleView> set_schedule_enabled(const std::string& workflow, bool enabled) = 0;
  // Stores a token: a new one, or one rewritten (revoked). Its own
  // transaction, after every change before it.
  virtual Status store_token(const sdk::TokenRecord& token) = 0;
  // Enqueues a message (body_json: JSON text) on queue, and wakes its
  // consumer: the message's id. The caller checked the name and the body.
  virtual Result<std::string> enqueue(const std::string& queue, const std::string& body_json) = 0;
  // Makes these messages of queue, read dead from the store, ready again.
  virtual Status redrive(const std::string& queue, const std::vector<sdk::MessageRecord>& dead) = 0;
  // Never waits: the entry is stored with the journal's next batch (within
  // its lazy delay), together with whatever else is written then.
  virtual void record_audit(sdk::AuditRecord entry) = 0;

  // The one read here: the schedules as the loop last published them (the
  // store does not know when a schedule fires next).
  virtual std::vector<ScheduleView> schedules() const = 0;
  // What the loop holds now (waits for the loop, as a command does).
  virtual Result<SchedulerFigures> figures() = 0;
};

}  // namespace weft::daemon
