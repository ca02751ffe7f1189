// Following one run through its live events (GET /api/v1/runs/{id}/events):
// what `weft run --wait` and `weft status -w` are built on. A connection
// lost (weftd restarting) is taken up again with Last-Event-ID; weftd then
// sends what was missed, or the run's state afresh.
#pragma once

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "progress.hpp"

namespace weft::cli {

// What the events said so far.
class RunView {
 public:
  // A `run`, `task` or `reset` event; others are ignored.
  void apply(const client::ServerEvent& event);
  const nlohmann::json& run() const { return run_; }  // the last `run` event's data
  bool ended() const { return is_final_run_status(run_.value("status", "")); }
  TaskProgress progress() const;

 private:
  nlohmann::json run_ = nlohmann::json::object();
  std::map<std::string, std::string> task_status_;  // task id -> status
};

// Calls on_event for each event of the run (after the view has taken it in)
// until the run has ended. Throws ClientError if weftd stays unreachable for
// a minute.
void follow_run(const ApiClient& api, const std::string& run_id, RunView& view,
                const std::function<void(const client::ServerEvent&)>& on_event);

}  // namespace weft::cli
