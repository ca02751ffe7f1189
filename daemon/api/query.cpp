#include "api/query.hpp"

#include "api/api_error.hpp"

#include <algorithm>
#include <charconv>

namespace weft::daemon {

std::string text_parameter(const Query& query, const std::string& name) {
  const auto found = query.find(name);
  return found == query.end() ? "" : found->second;
}

int64_t integer_parameter(const Query& query, const std::string& name, int64_t fallback, int64_t min, int64_t max) {
  const auto found = query.find(name);
  if (found == query.end()) return fallback;
  const std::string& text = found->second;
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    raise(ErrorCode::invalid_request, "query parameter '" + name + "' must be a whole number from " +
                                          std::to_string(min) + " to " + std::to_string(max) + ", not '" + text + "'");
  }
  return value;
}

std::string choice_parameter(const Query& query, const std::string& name, std::string fallback,
                             std::initializer_list<std::string_view> allowed) {
  const auto found = query.find(name);
  if (found == query.end()) return fallback;
  if (std::find(allowed.begin(), allowed.end(), found->second) != allowed.end()) return found->second;
  std::string choices;
  for (const auto choice : allowed) choices += (choices.empty() ? "" : ", ") + std::string(choice);
  raise(ErrorCode::invalid_request,
        "query parameter '" + name + "' must be one of " + choices + ", not '" + found->second + "'");
}

bool flag_parameter(const Query& query, const std::string& name) {
  const auto value = choice_parameter(query, name, "false", {"0", "1", "false", "true"});
  return value == "1" || value == "true";
}

}  // namespace weft::daemon
