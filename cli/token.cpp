#include "token.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace weft::cli {
namespace {

constexpr const char* kDefaultConfig = "/etc/weft/weftd.json";
constexpr const char* kDefaultStateDir = "/var/lib/weft";

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::string> trimmed(std::optional<std::string> text) {
  if (!text) return std::nullopt;
  const auto first = text->find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::nullopt;
  return text->substr(first, text->find_last_not_of(" \t\r\n") - first + 1);
}

std::string configured_state_dir() {
  const auto config_text = read_file(environment("WEFT_CONFIG").value_or(kDefaultConfig));
  if (!config_text) return kDefaultStateDir;
  const auto config = nlohmann::json::parse(*config_text, nullptr, false);
  if (!config.is_object() || !config.contains("state_dir") || !config["state_dir"].is_string()) {
    return kDefaultStateDir;
  }
  return config["state_dir"].get<std::string>();
}

}  // namespace

std::string admin_token_path() { return configured_state_dir() + "/admin.token"; }

std::optional<std::string> discover_token() {
  if (auto token = trimmed(environment("WEFT_TOKEN"))) return token;
  if (auto file = environment("WEFT_TOKEN_FILE")) return trimmed(read_file(*file));
  return trimmed(read_file(admin_token_path()));
}

}  // namespace weft::cli
