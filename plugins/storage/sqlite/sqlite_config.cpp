#include "sqlite_config.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

namespace weft::storage::sqlite {
namespace {

[[noreturn]] void refuse(const std::string& why) { throw std::invalid_argument("sqlite store config: " + why); }

std::filesystem::path parse_path(const nlohmann::json& value) {
  if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
    refuse("'path' must be a non-empty string (the database file)");
  }
  return value.get<std::string>();
}

Synchronous parse_synchronous(const nlohmann::json& value) {
  if (value == "full") return Synchronous::full;
  if (value == "normal") return Synchronous::normal;
  refuse("'synchronous' must be \"full\" or \"normal\", not " + value.dump());
}

int parse_busy_timeout(const nlohmann::json& value) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 || value.get<int64_t>() > INT32_MAX) {
    refuse("'busy_timeout_ms' must be a non-negative integer of milliseconds, not " + value.dump());
  }
  return value.get<int>();
}

}  // namespace

SqliteConfig SqliteConfig::parse(const nlohmann::json& config) {
  if (!config.is_object())
    refuse("expected an object like {\"path\": \"/var/lib/weft/weft.db\"}, not " + config.dump());
  if (!config.contains("path")) refuse("'path' is required (the database file)");
  SqliteConfig parsed;
  for (const auto& [key, value] : config.items()) {
    if (key == "path") {
      parsed.path = parse_path(value);
    } else if (key == "synchronous") {
      parsed.synchronous = parse_synchronous(value);
    } else if (key == "busy_timeout_ms") {
      parsed.busy_timeout_ms = parse_busy_timeout(value);
    } else {
      refuse("unknown key '" + key + "' (known: path, synchronous, busy_timeout_ms)");
    }
  }
  return parsed;
}

}  // namespace weft::storage::sqlite
