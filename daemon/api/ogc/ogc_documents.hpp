// The JSON shapes of OGC API – Processes 1.0 (processes, status info,
// exceptions) made from weft's workflows and runs, as docs/ogc.md maps them.
#pragma once

#include "api/api_error.hpp"
#include "api/exchange.hpp"
#include "store/store_client.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::daemon {

// The exception types the standard defines.
inline constexpr std::string_view kNoSuchProcess =
    "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-process";
inline constexpr std::string_view kNoSuchJob =
    "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/no-such-job";
inline constexpr std::string_view kResultNotReady =
    "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/result-not-ready";
inline constexpr std::string_view kRelResults = "http://www.opengis.net/def/rel/ogc/1.0/results";
inline constexpr std::string_view kRelExecute = "http://www.opengis.net/def/rel/ogc/1.0/execute";

// An ApiError whose code is an exception type of the standard.
ApiError ogc_error(int status, std::string_view type, const std::string& detail);
// Whether a request target is under /ogc, whose errors are exception documents.
bool is_ogc_target(std::string_view target);
// {"type", "title", "status", "detail"} as application/json: the type is the
// error's code when that is a URI, else urn:weft:error:<code>.
ApiReply exception_reply(const ApiError& error);

struct ProcessInput {
  std::string id;
  nlohmann::json description;  // title and description, when given
  nlohmann::json schema;
  bool required = false;
};

struct ProcessOutput {
  std::string id;
  nlohmann::json description;
  nlohmann::json schema;
  std::string node;   // whose output it is
  std::string field;  // empty: the whole output
};

// The document's `inputs` in order, then its other params (their schema
// from their default's JSON type).
std::vector<ProcessInput> process_inputs(const nlohmann::json& document);
// The document's `outputs`; without them, each node of `nodes` is an output.
std::vector<ProcessOutput> process_outputs(const nlohmann::json& document);

// Bodies keep their members in order (clients show inputs as listed).
using OrderedJson = nlohmann::ordered_json;
ApiReply ordered_reply(int status, const OrderedJson& body);

OrderedJson process_summary(const WorkflowRecord& workflow, const nlohmann::json& document, const std::string& base);
OrderedJson process_description(const WorkflowRecord& workflow, const nlohmann::json& document,
                                const std::string& base);

// The standard's status of a run: accepted, running, successful, failed, dismissed.
std::string job_status(sdk::RunStatus status);
// progress: the share of the run's tasks that are final, when known.
OrderedJson status_info(const RunRecord& run, const std::string& base, std::optional<int> progress = std::nullopt);

// The outputs that have a value (not null), in the process's order, among
// `wanted` (empty: all of them).
std::vector<std::pair<std::string, nlohmann::json>> output_values(const RunRecord& run,
                                                                  const std::vector<TaskRecord>& tasks,
                                                                  const std::vector<std::string>& wanted);

// Raw results: one value as itself (text/plain for a string, else JSON), more
// (or none) as multipart/related, one part per output named by Content-ID.
ApiReply raw_results(const std::vector<std::pair<std::string, nlohmann::json>>& values, bool single);
// Document results: {output id: value}.
ApiReply document_results(const std::vector<std::pair<std::string, nlohmann::json>>& values);

}  // namespace weft::daemon
