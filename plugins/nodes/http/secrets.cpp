#include "secrets.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace weft::nodes::http {

namespace {

constexpr std::string_view kOpen = "${";

// File secrets usually end with the newline an editor or `echo` adds.
std::string without_trailing_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// Calls on_text for each run of literal text and on_reference for each
// "${name}" (name "" when unterminated or empty), in order.
template <class OnText, class OnReference>
void scan(std::string_view text, OnText on_text, OnReference on_reference) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find(kOpen, at);
    if (open == std::string_view::npos) break;
    on_text(text.substr(at, open - at));
    const size_t close = text.find('}', open + kOpen.size());
    if (close == std::string_view::npos) {
      on_reference(std::string_view());
      return;
    }
    on_reference(text.substr(open + kOpen.size(), close - open - kOpen.size()));
    at = close + 1;
  }
  if (at < text.size()) on_text(text.substr(at));
}

}  // namespace

Secrets Secrets::from_config(const nlohmann::json& section) {
  if (!section.is_object()) throw std::invalid_argument("secrets must be an object: {\"name\": {\"env\": \"VAR\"}}");
  Secrets secrets;
  for (const auto& [name, source] : section.items()) {
    const std::string where = "secrets." + name;
    if (name.empty() || name.find_first_of("{}$ ") != std::string::npos) {
      throw std::invalid_argument(where + ": a secret's name must be non-empty, without '{', '}', '$' or spaces");
    }
    const bool env = source.is_object() && source.size() == 1 && source.contains("env") && source["env"].is_string();
    const bool file = source.is_object() && source.size() == 1 && source.contains("file") && source["file"].is_string();
    if (!env && !file) {
      throw std::invalid_argument(where + " must be {\"env\": \"VARIABLE\"} or {\"file\": \"/path\"}");
    }
    Source s;
    if (env) s.env = source["env"].get<std::string>();
    if (file) s.file = source["file"].get<std::string>();
    if ((env && s.env.empty()) || (file && s.file.empty())) throw std::invalid_argument(where + " names nothing");
    secrets.sources_.emplace(name, std::move(s));
    try {
      (void)secrets.value(name);
    } catch (const std::runtime_error& e) {
      throw std::invalid_argument(e.what());
    }
  }
  return secrets;
}

std::string Secrets::names() const {
  std::string list;
  for (const auto& [name, source] : sources_) list += (list.empty() ? "" : ", ") + name;
  return list.empty() ? "none" : list;
}

std::string Secrets::value(std::string_view name) const {
  const auto it = sources_.find(name);
  if (it == sources_.end()) throw std::runtime_error("no secret '" + std::string(name) + "' in the plugin's config");
  const Source& s = it->second;
  if (!s.env.empty()) {
    const char* value = std::getenv(s.env.c_str());
    if (value == nullptr || *value == '\0') {
      throw std::runtime_error("secret '" + it->first + "': environment variable " + s.env + " is not set");
    }
    return value;
  }
  std::ifstream in(s.file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw std::runtime_error("secret '" + it->first + "': cannot read " + s.file.string());
  std::string value = without_trailing_newlines(text.str());
  if (value.empty()) throw std::runtime_error("secret '" + it->first + "': " + s.file.string() + " is empty");
  return value;
}

std::vector<std::string> secret_references(std::string_view text) {
  std::vector<std::string> names;
  scan(
      text, [](std::string_view) {}, [&](std::string_view name) { names.emplace_back(name); });
  return names;
}

std::string fill_secrets(std::string_view text, const Secrets& secrets, std::vector<std::string>& used_values) {
  std::string filled;
  scan(
      text, [&](std::string_view literal) { filled += literal; },
      [&](std::string_view name) {
        used_values.push_back(secrets.value(name));
        filled += used_values.back();
      });
  return filled;
}

}  // namespace weft::nodes::http
