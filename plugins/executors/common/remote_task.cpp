#include "remote_task.hpp"

#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace weft::remote {

std::string stable_hash_hex(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string label_value(const std::string& text) {
  std::string v;
  for (const char c : text) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    v += ok ? c : '-';
    if (v.size() == 63) break;
  }
  while (!v.empty() && !std::isalnum(static_cast<unsigned char>(v.back()))) v.pop_back();
  while (!v.empty() && !std::isalnum(static_cast<unsigned char>(v.front()))) v.erase(0, 1);
  return v;
}

std::string cpu_quantity(double cpus) {
  const auto millis = static_cast<int64_t>(std::ceil(cpus * 1000));
  return millis % 1000 == 0 ? std::to_string(millis / 1000) : std::to_string(millis) + "m";
}

std::vector<std::pair<std::string, std::string>> task_env(const sdk::TaskSpec& task, const std::string& output_file) {
  std::vector<std::pair<std::string, std::string>> own = {{"WEFT_OUTPUT", output_file},
                                                          {"WEFT_RUN_ID", task.run_id},
                                                          {"WEFT_NODE", task.node},
                                                          {"WEFT_ATTEMPT", std::to_string(task.attempt)},
                                                          {"WEFT_TASK_KEY", task.task_key}};
  if (task.index) own.emplace_back("WEFT_INDEX", std::to_string(*task.index));
  return env_over(task.command->env, own);
}

std::vector<std::pair<std::string, std::string>> env_over(const std::vector<std::pair<std::string, std::string>>& env,
                                                          const std::vector<std::pair<std::string, std::string>>& own) {
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& variable : env) {
    const bool overridden =
        std::any_of(own.begin(), own.end(), [&](const auto& o) { return o.first == variable.first; });
    if (!overridden && variable.first != "WEFT_INDEX") merged.push_back(variable);
  }
  merged.insert(merged.end(), own.begin(), own.end());
  return merged;
}

void make_empty_file(const std::string& path) {
  const std::filesystem::path file(path);
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  std::ofstream out(file, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot create the log file " + path);
}

std::string url_encode(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "!#$&'()*+,/:;=?@[]", out);
  return out;
}

}  // namespace weft::remote
