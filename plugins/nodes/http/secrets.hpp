// The secrets an http node's secret_headers name, as the plugin's config
// declares them: each read from an environment variable or a file when a
// request is sent (so a rotated file is picked up without a restart), and
// never written into params, runs, outputs or logs.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace weft::nodes::http {

class Secrets {
 public:
  Secrets() = default;
  // From the config's "secrets": {"name": {"env": "VAR"} or {"file": "/path"}}.
  // Throws std::invalid_argument naming the secret, if a source is malformed
  // or cannot be read now (so a bad config is refused when weftd starts).
  static Secrets from_config(const nlohmann::json& section);

  bool has(std::string_view name) const { return sources_.contains(name); }
  // Names, for messages.
  std::string names() const;
  // The value now. Throws std::runtime_error naming the secret, never its value.
  std::string value(std::string_view name) const;

 private:
  struct Source {
    std::string env;             // the variable, or empty
    std::filesystem::path file;  // the file, when env is empty
  };
  std::map<std::string, Source, std::less<>> sources_;
};

// The names a secret header's value refers to as "${name}", in order; a "${"
// without its "}" or with an empty name gives "" in its place.
std::vector<std::string> secret_references(std::string_view text);

// text with each "${name}" replaced by the secret's value; each value used is
// appended to used_values (so that the reply can be cleaned of it).
std::string fill_secrets(std::string_view text, const Secrets& secrets, std::vector<std::string>& used_values);

}  // namespace weft::nodes::http
