#include "process_executor.hpp"

#include <stdexcept>
#include <string>

namespace weft::process {

namespace {

using nlohmann::json;

// [first, last]: uids a task may hold, > 0 and below 2^31 (uid_t's -1 means
// "unchanged" to the kernel).
std::pair<uid_t, uid_t> parse_uid_range(const json& value) {
  constexpr int64_t kMaxUid = 0x7fffffff;
  const auto is_uid = [](const json& v) {
    return v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() < kMaxUid;
  };
  if (!value.is_array() || value.size() != 2 || !is_uid(value[0]) || !is_uid(value[1]) ||
      value[0].get<int64_t>() > value[1].get<int64_t>()) {
    throw std::invalid_argument(
        "config key 'task_uids' of the process executor must be [first, last], uids with 0 < first <= last");
  }
  return {value[0].get<uid_t>(), value[1].get<uid_t>()};
}

}  // namespace

ProcessExecutorConfig ProcessExecutorConfig::parse(const json& config) {
  if (!config.is_object()) throw std::invalid_argument("the process executor's config must be a JSON object");
  ProcessExecutorConfig parsed;
  for (const auto& [key, value] : config.items()) {
    if (key == "task_uids") {
      parsed.task_uids = parse_uid_range(value);
      continue;
    }
    if (key == "run_as") {
      if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        throw std::invalid_argument("config key 'run_as' of the process executor must be a user name");
      }
      parsed.run_as = TaskIdentity::resolve(value.get<std::string>());
      continue;
    }
    if (key != "kill_grace_s") {
      throw std::invalid_argument("unknown config key '" + key +
                                  "' for the process executor (known: kill_grace_s, run_as, task_uids)");
    }
    constexpr double kMaxGraceSeconds = 24 * 3600;
    if (!value.is_number() || value.get<double>() < 0 || value.get<double>() > kMaxGraceSeconds) {
      throw std::invalid_argument(
          "config key 'kill_grace_s' of the process executor must be a number of seconds "
          "from 0 to 86400");
    }
    parsed.kill_grace =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(value.get<double>()));
  }
  if (parsed.task_uids && !parsed.run_as) {
    throw std::invalid_argument("config key 'task_uids' of the process executor needs run_as (the home and shell)");
  }
  return parsed;
}

}  // namespace weft::process
