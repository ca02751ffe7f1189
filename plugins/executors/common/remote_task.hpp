// What executors that run a task on a remote engine (argo, cloudrun) do
// alike with it: stable names from task keys, label values, resource
// quantities, the WEFT_* environment every task gets (docs/workflows.md),
// and the task's local log files.
#pragma once

#include <string>
#include <utility>
#include <vector>
#include <weft/sdk/task.hpp>

namespace weft::remote {

// 16 hex digits of FNV-1a (64 bits): stable across builds and machines,
// unlike std::hash, so names made from it survive a restart of weftd.
std::string stable_hash_hex(const std::string& text);

// A Kubernetes (and Google Cloud) label value made of text: invalid
// characters become '-', at most 63 characters, starting and ending
// alphanumeric.
std::string label_value(const std::string& text);

// CPUs as a Kubernetes quantity: "2", "1500m".
std::string cpu_quantity(double cpus);

// The command's env with the variables that tell a task who it is
// (WEFT_OUTPUT, WEFT_RUN_ID, WEFT_NODE, WEFT_ATTEMPT, WEFT_TASK_KEY and, for
// an item of a for_each, WEFT_INDEX) over any of the same name.
std::vector<std::pair<std::string, std::string>> task_env(const sdk::TaskSpec& task, const std::string& output_file);
// env with own's variables over any of the same name; env's WEFT_INDEX is
// dropped (only an item of a for_each has one, and own says which).
std::vector<std::pair<std::string, std::string>> env_over(const std::vector<std::pair<std::string, std::string>>& env,
                                                          const std::vector<std::pair<std::string, std::string>>& own);

// Makes the file (and its directory) empty, as a task's log starts; throws
// std::runtime_error naming it if it cannot.
void make_empty_file(const std::string& path);

// text percent-encoded for a URL's path segment or query value.
std::string url_encode(const std::string& text);

}  // namespace weft::remote
