// What a token may do. Roles are ordered: each one may do everything the one
// before it may (docs/api.md "Auth").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::daemon {

enum class Role {
  viewer,     // reads
  operator_,  // plus runs (create, start, cancel, retry)
  admin       // plus workflows and tokens
};

std::optional<Role> parse_role(std::string_view name);
const char* to_string(Role role);

// Whether a token holding `held` may do what requires `needed`.
inline bool permits(Role held, Role needed) { return held >= needed; }

// The holder of a valid token, as the API acts for it.
struct Caller {
  std::string token_id;
  Role role = Role::viewer;
  std::string workflows;   // the glob its token is scoped to (token_scope.hpp); empty: any workflow
  int64_t expires_at = 0;  // ms since the epoch; 0: never
};

}  // namespace weft::daemon
