#include "api/ogc/ogc_documents.hpp"

#include "api/representation.hpp"

#include <Poco/Net/HTTPResponse.h>

#include <algorithm>
#include <random>

namespace weft::daemon {
namespace {

using nlohmann::json;

OrderedJson link(const std::string& href, std::string_view rel, const std::string& title = "") {
  OrderedJson made = {{"href", href}, {"rel", rel}, {"type", "application/json"}};
  if (!title.empty()) made["title"] = title;
  return made;
}

// Title and description of an input or output, as written.
json described(const json& entry) {
  json description = json::object();
  for (const char* key : {"title", "description"}) {
    if (entry.contains(key)) description[key] = entry[key];
  }
  return description;
}

// What a param's default says of its type; null says nothing.
json schema_of_default(const json& value) {
  static const std::map<json::value_t, const char*> types = {
      {json::value_t::string, "string"},          {json::value_t::boolean, "boolean"},
      {json::value_t::number_integer, "integer"}, {json::value_t::number_unsigned, "integer"},
      {json::value_t::number_float, "number"},    {json::value_t::array, "array"},
      {json::value_t::object, "object"}};
  const auto type = types.find(value.type());
  if (type == types.end()) return json::object();
  return {{"type", type->second}, {"default", value}};
}

void add_description(OrderedJson& into, const json& description) {
  for (const char* key : {"title", "description"}) {
    if (description.contains(key)) into[key] = description[key];
  }
}

std::string boundary() {
  std::random_device random;
  return "weft-" + std::to_string(random()) + std::to_string(random());
}

std::string raw_value(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, json::error_handler_t::replace);
}

const char* media_type(const json& value) { return value.is_string() ? "text/plain" : "application/json"; }

}  // namespace

ApiError ogc_error(int status, std::string_view type, const std::string& detail) {
  return ApiError(status, std::string(type), detail);
}

bool is_ogc_target(std::string_view target) {
  while (target.starts_with("//")) target.remove_prefix(1);
  return target == "/ogc" || target.starts_with("/ogc/") || target.starts_with("/ogc?");
}

ApiReply exception_reply(const ApiError& error) {
  const bool standard = error.code.starts_with("http://");
  const auto title =
      Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(error.status));
  OrderedJson body = {{"type", standard ? error.code : "urn:weft:error:" + error.code},
                      {"title", title},
                      {"status", error.status},
                      {"detail", error.what()}};
  if (!error.details.empty()) body["details"] = problems_json(error.details);
  auto reply = ordered_reply(error.status, body);
  reply.headers = error.headers;
  return reply;
}

ApiReply ordered_reply(int status, const OrderedJson& body) {
  ApiReply reply;
  reply.status = status;
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return reply;
}

std::vector<ProcessInput> process_inputs(const json& document) {
  std::vector<ProcessInput> inputs;
  if (!document.is_object()) return inputs;  // a run's document that could not be read
  for (const auto& entry : document.value("inputs", json::array())) {
    inputs.push_back({entry.at("id"), described(entry), entry.at("schema"), entry.value("required", false)});
  }
  const auto params = document.value("params", json::object());
  for (const auto& param : params.items()) {
    const std::string& name = param.key();
    const bool described_already =
        std::any_of(inputs.begin(), inputs.end(), [&](const ProcessInput& input) { return input.id == name; });
    if (!described_already) inputs.push_back({name, json::object(), schema_of_default(param.value()), false});
  }
  return inputs;
}

std::vector<ProcessOutput> process_outputs(const json& document) {
  std::vector<ProcessOutput> outputs;
  if (!document.is_object()) return outputs;  // a run's document that could not be read
  if (document.contains("outputs")) {
    for (const auto& entry : document["outputs"]) {
      outputs.push_back(
          {entry.at("id"), described(entry), entry.at("schema"), entry.at("node"), entry.value("field", "")});
    }
    return outputs;
  }
  for (const auto& node : document.value("nodes", json::array())) {
    outputs.push_back({node.at("id"), described(node), json::object(), node.at("id"), ""});
  }
  return outputs;
}

OrderedJson process_summary(const WorkflowRecord& workflow, const json& document, const std::string& base) {
  const std::string self = base + "/ogc/processes/" + workflow.name;
  OrderedJson summary = {
      {"id", workflow.name}, {"version", std::to_string(workflow.version)}, {"title", workflow.name}};
  if (document.contains("description")) summary["description"] = document["description"];
  summary["jobControlOptions"] = {"sync-execute", "async-execute", "dismiss"};
  summary["outputTransmission"] = {"value"};
  summary["links"] = {link(self, "self", "the process description"),
                      link(self + "/execution", kRelExecute, "execute the process")};
  return summary;
}

OrderedJson process_description(const WorkflowRecord& workflow, const json& document, const std::string& base) {
  auto process = process_summary(workflow, document, base);
  OrderedJson inputs = OrderedJson::object();
  for (const auto& input : process_inputs(document)) {
    OrderedJson entry = OrderedJson::object();
    add_description(entry, input.description);
    entry["schema"] = input.schema;
    entry["minOccurs"] = input.required ? 1 : 0;
    entry["maxOccurs"] = 1;
    inputs[input.id] = std::move(entry);
  }
  OrderedJson outputs = OrderedJson::object();
  for (const auto& output : process_outputs(document)) {
    OrderedJson entry = OrderedJson::object();
    add_description(entry, output.description);
    entry["schema"] = output.schema;
    outputs[output.id] = std::move(entry);
  }
  process["inputs"] = std::move(inputs);
  process["outputs"] = std::move(outputs);
  return process;
}

std::string job_status(sdk::RunStatus status) {
  switch (status) {
    case sdk::RunStatus::created:
    case sdk::RunStatus::queued: return "accepted";
    case sdk::RunStatus::succeeded: return "successful";
    case sdk::RunStatus::failed: return "failed";
    case sdk::RunStatus::cancelled: return "dismissed";
    default: return "running";  // running, and paused: started and not over
  }
}

OrderedJson status_info(const RunRecord& run, const std::string& base, std::optional<int> progress) {
  const std::string self = base + "/ogc/jobs/" + run.id;
  const std::string status = job_status(run.status);
  OrderedJson info = {{"jobID", run.id}, {"type", "process"}, {"processID", run.workflow}, {"status", status}};
  if (!run.error.empty()) info["message"] = run.error;
  info["created"] = timestamp(run.created_at);
  if (run.started_at > 0) info["started"] = timestamp(run.started_at);
  if (run.finished_at > 0) info["finished"] = timestamp(run.finished_at);
  info["updated"] = timestamp(std::max({run.created_at, run.started_at, run.finished_at}));
  if (progress) info["progress"] = *progress;
  OrderedJson links = {link(self, "self", "this job"), link(self, "status", "the job's status"),
                       link(base + "/ogc/processes/" + run.workflow, "up", "its process")};
  if (status == "successful") links.push_back(link(self + "/results", kRelResults, "its results"));
  info["links"] = std::move(links);
  return info;
}

std::vector<std::pair<std::string, json>> output_values(const RunRecord& run, const std::vector<TaskRecord>& tasks,
                                                        const std::vector<std::string>& wanted) {
  const auto results = results_json(run, tasks).at("outputs");
  std::vector<std::pair<std::string, json>> values;
  for (const auto& output : process_outputs(stored_json(run.document_json))) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), output.id) == wanted.end()) continue;
    json value = results.value(output.node, json());
    if (!output.field.empty()) value = value.is_object() ? value.value(output.field, json()) : json();
    if (!value.is_null()) values.emplace_back(output.id, std::move(value));
  }
  return values;
}

ApiReply raw_results(const std::vector<std::pair<std::string, json>>& values, bool single) {
  ApiReply reply;
  if (single && values.size() == 1) {
    reply.content_type = media_type(values[0].second);
    reply.body = raw_value(values[0].second);
    return reply;
  }
  const std::string separator = boundary();
  for (const auto& [id, value] : values) {
    reply.body += "--" + separator + "\r\nContent-ID: <" + id + ">\r\nContent-Type: " + media_type(value) + "\r\n\r\n" +
                  raw_value(value) + "\r\n";
  }
  reply.body += "--" + separator + "--\r\n";
  const bool all_text = std::all_of(values.begin(), values.end(), [](const auto& v) { return v.second.is_string(); });
  reply.content_type =
      "multipart/related; boundary=" + separator + "; type=\"" + (all_text ? "text/plain" : "application/json") + "\"";
  return reply;
}

ApiReply document_results(const std::vector<std::pair<std::string, json>>& values) {
  OrderedJson body = OrderedJson::object();
  for (const auto& [id, value] : values) body[id] = value;
  return ordered_reply(200, body);
}

}  // namespace weft::daemon
