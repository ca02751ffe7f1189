// Human-readable renderings of the API's JSON (the shapes of docs/api.md).
#pragma once

#include <ostream>

#include <nlohmann/json.hpp>

namespace weft::cli {

void print_runs(std::ostream& out, const nlohmann::json& page);       // GET /runs
void print_workflows(std::ostream& out, const nlohmann::json& list);  // GET /workflows
void print_schedules(std::ostream& out, const nlohmann::json& list);
void print_instances(std::ostream& out, const nlohmann::json& list);  // GET /schedules
void print_plugins(std::ostream& out, const nlohmann::json& list);    // GET /plugins
void print_tokens(std::ostream& out, const nlohmann::json& list);     // GET /tokens
void print_audit(std::ostream& out, const nlohmann::json& page);
void print_queues(std::ostream& out, const nlohmann::json& list);         // GET /queues
void print_queue(std::ostream& out, const nlohmann::json& queue);         // GET /queues/{name}
void print_dead_messages(std::ostream& out, const nlohmann::json& page);  // GET /queues/{name}/dead // GET /audit
void print_reload(std::ostream& out, const nlohmann::json& report);       // POST /plugins/reload
void print_run(std::ostream& out, const nlohmann::json& run, const nlohmann::json& tasks);  // GET /runs/{id} + tasks
void print_failed_tasks(std::ostream& out, const nlohmann::json& tasks);    // the failed ones, with their errors
void print_api_problems(std::ostream& out, const nlohmann::json& details);  // "  path: message" per detail

// The "items" array of a list response; an empty array when there is none.
const nlohmann::json& items_of(const nlohmann::json& list);

}  // namespace weft::cli
