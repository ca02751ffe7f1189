#include "auth/token_scope.hpp"

#include <fnmatch.h>

#include <algorithm>

namespace weft::daemon {

namespace {

constexpr size_t kMaxPatternLength = 256;

}  // namespace

std::optional<std::string> scope_problem(std::string_view pattern) {
  if (pattern.empty()) return "is empty";
  if (pattern.size() > kMaxPatternLength) return "is longer than " + std::to_string(kMaxPatternLength) + " characters";
  if (std::any_of(pattern.begin(), pattern.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '/'; })) {
    return "holds a control character or '/'";
  }
  // fnmatch takes an unclosed '[' literally; here it is a mistake worth naming.
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      ++i;
    } else if (pattern[i] == '[') {
      const size_t close = pattern.find(']', i + 2);
      if (close == std::string_view::npos) return "has a '[' without its ']'";
      i = close;
    }
  }
  return std::nullopt;
}

bool in_scope(const std::string& pattern, const std::string& name) {
  return pattern.empty() || ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

}  // namespace weft::daemon
