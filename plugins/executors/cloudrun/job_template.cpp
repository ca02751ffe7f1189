#include "job_template.hpp"

#include <Poco/Base64Decoder.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "remote_task.hpp"

namespace weft::cloudrun {
namespace {

using nlohmann::json;

// Runs the task's argv ("$@"), then prints the result line (see the header).
// $0 is only the name the shell reports itself by.
constexpr const char* kWrapper =
    "\"$@\"\n"
    "code=$?\n"
    "out=\n"
    "if [ -s \"$WEFT_OUTPUT\" ]; then out=$(base64 < \"$WEFT_OUTPUT\" | tr -d '\\n'); fi\n"
    "rm -f \"$WEFT_OUTPUT\"\n"
    "printf '\\nweft-result: {\"exit_code\":%d,\"output\":\"%s\"}\\n' \"$code\" \"$out\"\n"
    "exit \"$code\"\n";

std::string seconds_text(double seconds) { return std::to_string(static_cast<int64_t>(std::ceil(seconds))) + "s"; }

std::string base64_decoded(const std::string& text) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::ostringstream out;
  out << decoder.rdbuf();
  return out.str();
}

}  // namespace

JobSpec job_for(const sdk::TaskSpec& task, const CloudRunConfig& config) {
  const sdk::Command& command = *task.command;
  if (command.argv.empty()) throw std::invalid_argument("the command's argv is empty");
  const std::string image = command.image.empty() ? config.default_image : command.image;
  if (image.empty()) {
    throw std::invalid_argument(
        "the cloudrun executor needs a container image: give the node an image, or the executor a default_image");
  }
  if (task.resources.gpus > 0)
    throw std::invalid_argument("the cloudrun executor does not run tasks that ask for GPUs");
  json container = {
      {"name", kContainerName}, {"image", image}, {"command", json::array({"/bin/sh", "-c", kWrapper, "weft-task"})}};
  if (!command.cwd.empty()) container["workingDir"] = command.cwd;
  json limits = json::object();
  if (task.resources.cpus > 0) limits["cpu"] = remote::cpu_quantity(task.resources.cpus);
  if (task.resources.memory_mb > 0) limits["memory"] = std::to_string(task.resources.memory_mb) + "Mi";
  if (!limits.empty()) container["resources"] = {{"limits", limits}};
  json task_template = {{"containers", json::array({container})},
                        {"maxRetries", 0},  // weftd retries, by its own rules
                        {"timeout", seconds_text(std::chrono::duration<double>(config.default_timeout).count())}};
  if (!config.service_account.empty()) task_template["serviceAccount"] = config.service_account;
  json job = {{"labels", {{kInstanceLabel, remote::label_value(config.instance)}}},
              {"template", {{"taskCount", 1}, {"parallelism", 1}, {"template", task_template}}}};
  return {"weft-" + remote::stable_hash_hex(job.dump()), job};
}

json run_request(const sdk::TaskSpec& task, const CloudRunConfig& config) {
  const std::string output_file = config.scratch_dir + "/weft-output-" + remote::stable_hash_hex(task.task_key);
  json env = json::array();
  for (const auto& [k, v] : remote::task_env(task, output_file)) env.push_back({{"name", k}, {"value", v}});
  const double timeout =
      task.timeout_s > 0 ? task.timeout_s : std::chrono::duration<double>(config.default_timeout).count();
  return {
      {"overrides",
       {{"containerOverrides", json::array({{{"name", kContainerName}, {"args", task.command->argv}, {"env", env}}})},
        {"taskCount", 1},
        {"timeout", seconds_text(timeout)}}}};
}

bool runs_task(const json& execution, const std::string& task_key) {
  const json containers = execution.value("template", json::object()).value("containers", json::array());
  for (const auto& c : containers) {
    for (const auto& var : c.value("env", json::array())) {
      if (var.value("name", "") == "WEFT_TASK_KEY" && var.value("value", "") == task_key) return true;
    }
  }
  return false;
}

bool ended(const json& execution) { return execution.contains("completionTime"); }

bool exits_by_itself(const json& execution) {
  if (execution.value("succeededCount", 0) > 0) return true;
  for (const auto& c : execution.value("conditions", json::array())) {
    if (c.value("type", "") == "Completed" && c.value("executionReason", "") == "NON_ZERO_EXIT_CODE") return true;
  }
  return false;
}

TaskLogs logs_of(const std::vector<json>& entries) {
  TaskLogs logs;
  std::vector<std::string> out_lines;
  for (const auto& entry : entries) {
    const std::string log = entry.value("logName", "");
    const std::string text = entry.value("textPayload", "");
    if (log.size() >= 6 && log.compare(log.size() - 6, 6, "stderr") == 0) {
      logs.stderr_text += text + "\n";
      continue;
    }
    const auto marker = text.rfind(kResultMarker);
    const json result = marker == std::string::npos
                            ? json()
                            : json::parse(text.substr(marker + std::string(kResultMarker).size()), nullptr, false);
    if (!result.is_object() || !result.contains("exit_code") || !result["exit_code"].is_number_integer()) {
      out_lines.push_back(text);
      continue;
    }
    logs.exit_code = result["exit_code"].get<int>();
    logs.output_base64 = result.value("output", "");
    // The wrapper starts its line with a newline of its own: the empty line
    // it makes after output that ended with one is not the task's.
    if (marker > 0) {
      out_lines.push_back(text.substr(0, marker));
    } else if (!out_lines.empty() && out_lines.back().empty()) {
      out_lines.pop_back();
    }
  }
  for (const auto& line : out_lines) logs.stdout_text += line + "\n";
  return logs;
}

Outcome outcome_of(const json& execution, const TaskLogs& logs) {
  Outcome outcome;
  const bool succeeded = execution.value("succeededCount", 0) > 0;
  std::string message;
  for (const auto& c : execution.value("conditions", json::array())) {
    if (c.value("type", "") == "Completed") message = c.value("message", "");
  }
  const std::string name = execution.value("name", "");
  const std::string id = name.substr(name.rfind('/') + 1);
  if (succeeded) {
    outcome.exit_code = logs.exit_code.value_or(0);
  } else {
    outcome.exit_code = logs.exit_code.value_or(1) == 0 ? 1 : logs.exit_code.value_or(1);
    const char* how = execution.value("cancelledCount", 0) > 0 ? " was cancelled" : " failed";
    outcome.error = "cloud run execution " + id + how + (message.empty() ? "" : ": " + message);
  }
  if (!logs.output_base64.empty()) {
    outcome.output_json = base64_decoded(logs.output_base64);
    if (json::parse(outcome.output_json, nullptr, false).is_discarded()) {
      if (outcome.error.empty()) outcome.error = "the task's output is not JSON: " + outcome.output_json.substr(0, 200);
      outcome.output_json.clear();
    }
  }
  return outcome;
}

}  // namespace weft::cloudrun
