#include "postgres_config.hpp"

#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace weft::storage::postgres {
namespace {

[[noreturn]] void refuse(const std::string& why) { throw std::invalid_argument("postgres store config: " + why); }

std::string parse_string(const std::string& key, const nlohmann::json& value, bool may_be_empty = false) {
  if (!value.is_string() || (!may_be_empty && value.get_ref<const std::string&>().empty())) {
    refuse("'" + key + "' must be a " + (may_be_empty ? "" : "non-empty ") + "string, not " + value.dump());
  }
  return value.get<std::string>();
}

int parse_integer(const std::string& key, const nlohmann::json& value, int64_t lowest, int64_t highest) {
  if (!value.is_number_integer() || value.get<int64_t>() < lowest || value.get<int64_t>() > highest) {
    refuse("'" + key + "' must be an integer from " + std::to_string(lowest) + " to " + std::to_string(highest) +
           ", not " + value.dump());
  }
  return value.get<int>();
}

std::string parse_sslmode(const nlohmann::json& value) {
  static constexpr std::array<const char*, 6> kModes = {"disable", "allow",     "prefer",
                                                        "require", "verify-ca", "verify-full"};
  for (const char* mode : kModes) {
    if (value == mode) return mode;
  }
  refuse("'sslmode' must be one of disable, allow, prefer, require, verify-ca, verify-full; not " + value.dump());
}

// The first line of the file, without its line end.
std::string read_password_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    refuse("cannot read the password from 'password_file' " + file.string() + " (missing, unreadable or empty)");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string read_password_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) refuse("'password_env' names the environment variable " + name + ", which is not set");
  return value;
}

std::string default_application_name() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) return "weftd";
  return "weftd@" + std::string(host.data());
}

}  // namespace

PostgresConfig PostgresConfig::parse(const nlohmann::json& config) {
  if (!config.is_object()) {
    refuse(R"(expected an object like {"host": "db.example.org", "dbname": "weft"}, not )" + config.dump());
  }
  PostgresConfig parsed;
  for (const auto& [key, value] : config.items()) {
    if (key == "host") {
      parsed.host = parse_string(key, value);
    } else if (key == "port") {
      parsed.port = parse_integer(key, value, 1, 65535);
    } else if (key == "dbname") {
      parsed.dbname = parse_string(key, value);
    } else if (key == "user") {
      parsed.user = parse_string(key, value);
    } else if (key == "password_file") {
      parsed.password_file = parse_string(key, value);
    } else if (key == "password_env") {
      parsed.password_env = parse_string(key, value);
    } else if (key == "schema") {
      parsed.schema = parse_string(key, value);
    } else if (key == "application_name") {
      parsed.application_name = parse_string(key, value, true);
    } else if (key == "sslmode") {
      parsed.sslmode = parse_sslmode(value);
    } else if (key == "sslrootcert") {
      parsed.sslrootcert = parse_string(key, value);
    } else if (key == "sslcert") {
      parsed.sslcert = parse_string(key, value);
    } else if (key == "sslkey") {
      parsed.sslkey = parse_string(key, value);
    } else if (key == "pool_size") {
      parsed.pool_size = parse_integer(key, value, 1, 64);
    } else if (key == "connect_timeout_s") {
      parsed.connect_timeout_s = parse_integer(key, value, 1, 3600);
    } else if (key == "password") {
      refuse(
          "'password' is not a key, so that the config can be shown: put the password in a file named by "
          "'password_file', or in an environment variable named by 'password_env'");
    } else {
      refuse("unknown key '" + key +
             "' (known: host, port, dbname, user, password_file, password_env, schema, application_name, sslmode, "
             "sslrootcert, sslcert, sslkey, pool_size, connect_timeout_s)");
    }
  }
  if (!parsed.password_file.empty() && !parsed.password_env.empty()) {
    refuse("'password_file' and 'password_env' are both set: choose one");
  }
  if (parsed.application_name.empty()) parsed.application_name = default_application_name();
  parsed.connection_parameters();  // refuses a password source that cannot be read now, not at the first write
  return parsed;
}

std::vector<std::pair<std::string, std::string>> PostgresConfig::connection_parameters() const {
  std::vector<std::pair<std::string, std::string>> parameters = {
      {"port", std::to_string(port)},
      {"dbname", dbname},
      {"user", user},
      {"application_name", application_name},
      {"client_encoding", "UTF8"},
      {"connect_timeout", std::to_string(connect_timeout_s)},
      // A server that vanished without closing the connection is noticed
      // within about half a minute instead of the system's two hours.
      {"keepalives", "1"},
      {"keepalives_idle", "10"},
      {"keepalives_interval", "5"},
      {"keepalives_count", "3"},
  };
  const auto add_if_set = [&](const char* keyword, const std::string& value) {
    if (!value.empty()) parameters.emplace_back(keyword, value);
  };
  add_if_set("host", host);
  add_if_set("sslmode", sslmode);
  add_if_set("sslrootcert", sslrootcert);
  add_if_set("sslcert", sslcert);
  add_if_set("sslkey", sslkey);
  if (!password_file.empty()) parameters.emplace_back("password", read_password_file(password_file));
  if (!password_env.empty()) parameters.emplace_back("password", read_password_env(password_env));
  return parameters;
}

std::string PostgresConfig::target() const {
  return "postgres " + user + "@" + (host.empty() ? "localhost" : host) + ":" + std::to_string(port) + "/" + dbname;
}

}  // namespace weft::storage::postgres
