#include "api/router.hpp"

#include "api/api_error.hpp"

#include <sstream>
#include <stdexcept>

namespace weft::daemon {

namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
  std::vector<std::string> segments;
  std::istringstream in{std::string(pattern)};
  for (std::string segment; std::getline(in, segment, '/');) {
    if (!segment.empty()) segments.push_back(segment);
  }
  return segments;
}

bool is_capture(const std::string& segment) { return segment.starts_with('{'); }

std::optional<std::vector<std::string>> match(const Route& route, const std::vector<std::string>& segments) {
  if (route.pattern.size() != segments.size()) return std::nullopt;
  std::vector<std::string> captures;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (is_capture(route.pattern[i])) {
      if (segments[i].empty()) return std::nullopt;
      captures.push_back(segments[i]);
    } else if (route.pattern[i] != segments[i]) {
      return std::nullopt;
    }
  }
  return captures;
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, std::optional<Role> required_role, Endpoint endpoint,
                 Waits waits, std::string action) {
  if (required_role && waits == Waits::nothing) {
    throw std::logic_error(method + " " + std::string(pattern) +
                           " needs a token, so it cannot be answered at once, before tokens are checked");
  }
  routes_.push_back(
      {std::move(method), split_pattern(pattern), required_role, std::move(endpoint), waits, std::move(action)});
}

RouteMatch Router::find(std::string_view method, const std::vector<std::string>& segments) const {
  std::string allowed;
  for (const auto& route : routes_) {
    auto captures = match(route, segments);
    if (!captures) continue;
    if (route.method == method) return {&route, std::move(*captures)};
    allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (allowed.empty()) raise(ErrorCode::not_found, "there is no such path in this API");
  ApiError error(405, "method_not_allowed", std::string(method) + " is not allowed here; use " + allowed);
  error.headers.emplace_back("Allow", allowed);
  throw error;
}

}  // namespace weft::daemon
