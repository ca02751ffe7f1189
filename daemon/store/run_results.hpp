// A run's results as stored: what GET /runs/{id}/results answers, and what a
// subworkflow node's output holds of its child run.
#pragma once

#include "store/store_client.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace weft::daemon {

// JSON text kept in the store as a value; empty text is null.
nlohmann::json stored_json(const std::string& text);

// {"status","outputs":{node: output, for_each node: [outputs in index order]}},
// for every node of the run's document.
nlohmann::json results_json(const RunRecord& run, const std::vector<TaskRecord>& tasks);

}  // namespace weft::daemon
