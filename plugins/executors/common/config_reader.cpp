#include "config_reader.hpp"

#include <stdexcept>

namespace weft::remote {

ConfigReader::ConfigReader(const nlohmann::json& config, std::string executor, const std::set<std::string>& known)
    : config_(config), executor_(std::move(executor)) {
  if (!config_.is_object()) fail("the configuration must be an object");
  for (const auto& [key, value] : config_.items()) {
    if (known.count(key) == 0) fail("unknown configuration key \"" + key + "\"");
  }
}

void ConfigReader::fail(const std::string& what) const {
  throw std::invalid_argument(executor_ + " executor: " + what);
}

std::string ConfigReader::text(const char* key, const std::string& fallback) const {
  if (!config_.contains(key)) return fallback;
  if (!config_[key].is_string()) fail(std::string(key) + " must be a string");
  return config_[key].get<std::string>();
}

bool ConfigReader::flag(const char* key, bool fallback) const {
  if (!config_.contains(key)) return fallback;
  if (!config_[key].is_boolean()) fail(std::string(key) + " must be true or false");
  return config_[key].get<bool>();
}

std::chrono::milliseconds ConfigReader::seconds(const char* key, std::chrono::milliseconds fallback) const {
  if (!config_.contains(key)) return fallback;
  if (!config_[key].is_number() || config_[key].get<double>() <= 0 || config_[key].get<double>() > 86400) {
    fail(std::string(key) + " must be a number of seconds in (0, 86400]");
  }
  return std::chrono::milliseconds(static_cast<int64_t>(config_[key].get<double>() * 1000));
}

int64_t ConfigReader::whole_number(const char* key, int64_t fallback, int64_t min, int64_t max) const {
  if (!config_.contains(key)) return fallback;
  const auto& value = config_[key];
  if (!value.is_number_integer() || value.get<int64_t>() < min || value.get<int64_t>() > max) {
    fail(std::string(key) + " must be a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return value.get<int64_t>();
}

}  // namespace weft::remote
