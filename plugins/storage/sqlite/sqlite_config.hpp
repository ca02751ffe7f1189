// The sqlite store's configuration, as the daemon's storage settings give it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace weft::storage::sqlite {

enum class Synchronous { full, normal };

struct SqliteConfig {
  std::filesystem::path path;  // the database file; its parent directory is created if missing
  Synchronous synchronous = Synchronous::full;
  int busy_timeout_ms = 5000;  // how long a statement waits for another process's lock

  // Throws std::invalid_argument naming the key for a missing path, an unknown key or a wrong type.
  static SqliteConfig parse(const nlohmann::json& config);
};

// The JSON Schema of the configuration, published with the plugin's factory.
inline constexpr const char* kConfigSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "sqlite store",
  "type": "object",
  "properties": {
    "path": {"type": "string", "minLength": 1, "description": "the database file"},
    "synchronous": {"enum": ["full", "normal"], "default": "full",
                    "description": "full: a commit survives power loss; normal: it survives a crash of weftd"},
    "busy_timeout_ms": {"type": "integer", "minimum": 0, "default": 5000}
  },
  "required": ["path"],
  "additionalProperties": false
})";

}  // namespace weft::storage::sqlite
