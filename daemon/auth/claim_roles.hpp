// Which weft role a JWT's claims grant (api.oidc.roles), as an identity
// provider puts them: "scope": "weft:admin openid", "groups": ["ops"],
// "realm_access": {"roles": ["weft-admin"]} (Keycloak).
#pragma once

#include "auth/identity_settings.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace weft::daemon {

// The values of one claim: a top-level claim of that exact name (names may
// hold dots, as "https://example.com/roles" does), else the claim at the
// dotted path. A string is split at spaces, an array gives its strings;
// anything else, or nothing there, gives none.
std::vector<std::string> claim_values(const nlohmann::json& claims, const std::string& claim);

// The highest role any rule grants; nullopt when none does.
std::optional<Role> role_of(const nlohmann::json& claims, const std::vector<ClaimRoleRule>& rules);

}  // namespace weft::daemon
