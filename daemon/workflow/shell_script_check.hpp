// Templates that land inside a shell script. In ["sh", "-c", "echo {{ params.x }}"]
// the value becomes shell code: a param "x; cat secret" runs `cat secret`.
// These are warnings, not errors: a value the workflow controls itself may be
// safe, and refusing documents that worked before would break them.
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace weft::daemon {

// One warning for each script string of a node's params.argv that follows a
// shell's -c option (sh, bash, dash, zsh, ksh…, also as /bin/sh or after env)
// and holds placeholders without `| shell_quote`, at the string's JSON
// pointer ("/nodes/0/params/argv/2"). Anything not shaped like a document is
// left to validation and gets no warning.
std::vector<Problem> shell_script_warnings(const nlohmann::json& document);

}  // namespace weft::daemon
