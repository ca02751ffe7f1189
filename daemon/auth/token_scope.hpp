// A token's workflow scope: a glob on workflow names (fnmatch(3): `*`, `?`,
// `[...]`), such as `etl-*`. An empty scope is no restriction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace weft::daemon {

// Why pattern cannot be a scope (empty, too long, a control character or
// slash, an unclosed `[`); nullopt when it can.
std::optional<std::string> scope_problem(std::string_view pattern);

// Whether a token scoped to pattern may act on the workflow named name.
bool in_scope(const std::string& pattern, const std::string& name);

}  // namespace weft::daemon
