// Building JSON pointers (RFC 6901) as text, for Problem paths.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace weft::daemon {

// `base` + "/" + `key`, with '~' and '/' in the key escaped.
inline std::string child_pointer(std::string_view base, std::string_view key) {
  std::string pointer(base);
  pointer += '/';
  for (const char c : key) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
  return pointer;
}

inline std::string child_pointer(std::string_view base, std::size_t index) {
  return std::string(base) + "/" + std::to_string(index);
}

}  // namespace weft::daemon
