// The postgres store's configuration, as the daemon's storage settings give it.
// The password is never a key of its own, so that a config file can be shown
// or logged: it comes from a file or an environment variable.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace weft::storage::postgres {

struct PostgresConfig {
  std::string host;  // a host name, an address, or a directory holding the server's unix socket
  int port = 5432;
  std::string dbname = "weft";
  std::string user = "weft";
  std::filesystem::path password_file;  // the password is its first line
  std::string password_env;             // or the value of this environment variable
  std::string schema = "public";        // the tables live in this schema, created if missing
  std::string application_name;         // as the server shows the connections; "" means weftd@<host name>
  // TLS, passed to libpq as they are: "" leaves libpq's default.
  std::string sslmode;
  std::string sslrootcert;
  std::string sslcert;
  std::string sslkey;
  int pool_size = 4;  // most connections open at once
  int connect_timeout_s = 5;

  // Throws std::invalid_argument naming the key for an unknown key, a wrong
  // type or a password source that cannot be read.
  static PostgresConfig parse(const nlohmann::json& config);

  // libpq's keywords and values for PQconnectdbParams, the password read from its source.
  std::vector<std::pair<std::string, std::string>> connection_parameters() const;
  // Where the server is, for messages: never the password.
  std::string target() const;
};

// The JSON Schema of the configuration, published with the plugin's factory.
inline constexpr const char* kConfigSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "postgres store",
  "type": "object",
  "properties": {
    "host": {"type": "string", "description": "host name, address, or the directory of the server's unix socket"},
    "port": {"type": "integer", "minimum": 1, "maximum": 65535, "default": 5432},
    "dbname": {"type": "string", "minLength": 1, "default": "weft"},
    "user": {"type": "string", "minLength": 1, "default": "weft"},
    "password_file": {"type": "string", "minLength": 1, "description": "a file whose first line is the password"},
    "password_env": {"type": "string", "minLength": 1, "description": "an environment variable holding the password"},
    "schema": {"type": "string", "minLength": 1, "default": "public"},
    "application_name": {"type": "string", "description": "default: weftd@<host name>"},
    "sslmode": {"enum": ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]},
    "sslrootcert": {"type": "string", "minLength": 1},
    "sslcert": {"type": "string", "minLength": 1},
    "sslkey": {"type": "string", "minLength": 1},
    "pool_size": {"type": "integer", "minimum": 1, "maximum": 64, "default": 4},
    "connect_timeout_s": {"type": "integer", "minimum": 1, "default": 5}
  },
  "additionalProperties": false
})";

}  // namespace weft::storage::postgres
