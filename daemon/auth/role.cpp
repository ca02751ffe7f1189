#include "auth/role.hpp"

namespace weft::daemon {

std::optional<Role> parse_role(std::string_view name) {
  if (name == "viewer") return Role::viewer;
  if (name == "operator") return Role::operator_;
  if (name == "admin") return Role::admin;
  return std::nullopt;
}

const char* to_string(Role role) {
  switch (role) {
    case Role::viewer: return "viewer";
    case Role::operator_: return "operator";
    case Role::admin: return "admin";
  }
  return "viewer";
}

}  // namespace weft::daemon
