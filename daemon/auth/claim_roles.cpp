#include "auth/claim_roles.hpp"

#include <algorithm>
#include <sstream>

namespace weft::daemon {

namespace {

const nlohmann::json* claim_at(const nlohmann::json& claims, const std::string& claim) {
  if (!claims.is_object()) return nullptr;
  if (const auto whole = claims.find(claim); whole != claims.end()) return &*whole;
  const nlohmann::json* at = &claims;
  std::istringstream path(claim);
  for (std::string name; std::getline(path, name, '.');) {
    if (!at->is_object()) return nullptr;
    const auto found = at->find(name);
    if (found == at->end()) return nullptr;
    at = &*found;
  }
  return at == &claims ? nullptr : at;
}

}  // namespace

std::vector<std::string> claim_values(const nlohmann::json& claims, const std::string& claim) {
  const nlohmann::json* value = claim_at(claims, claim);
  std::vector<std::string> values;
  if (value == nullptr) return values;
  if (value->is_string()) {
    std::istringstream words(value->get<std::string>());
    for (std::string word; words >> word;) values.push_back(word);
  } else if (value->is_array()) {
    for (const auto& item : *value) {
      if (item.is_string()) values.push_back(item.get<std::string>());
    }
  }
  return values;
}

std::optional<Role> role_of(const nlohmann::json& claims, const std::vector<ClaimRoleRule>& rules) {
  std::optional<Role> granted;
  for (const auto& rule : rules) {
    if (granted && *granted >= rule.role) continue;
    const auto values = claim_values(claims, rule.claim);
    if (std::find(values.begin(), values.end(), rule.value) != values.end()) granted = rule.role;
  }
  return granted;
}

}  // namespace weft::daemon
