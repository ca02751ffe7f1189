// Reads an executor's section of weftd.json, refusing by name an unknown key
// or a value of the wrong kind (std::invalid_argument, its message starting
// "<executor> executor: "), for argo and cloudrun alike.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace weft::remote {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& config, std::string executor, const std::set<std::string>& known);

  bool has(const char* key) const { return config_.contains(key); }
  std::string text(const char* key, const std::string& fallback) const;
  bool flag(const char* key, bool fallback) const;
  // A number of seconds in (0, 86400].
  std::chrono::milliseconds seconds(const char* key, std::chrono::milliseconds fallback) const;
  // A whole number in [min, max].
  int64_t whole_number(const char* key, int64_t fallback, int64_t min, int64_t max) const;
  [[noreturn]] void fail(const std::string& what) const;

 private:
  const nlohmann::json& config_;
  std::string executor_;
};

}  // namespace weft::remote
