// Where the CLI finds its API token.
#pragma once

#include <optional>
#include <string>

namespace weft::cli {

// In order: $WEFT_TOKEN; the contents of the file $WEFT_TOKEN_FILE; the file
// <state_dir>/admin.token, state_dir read from weftd's configuration
// ($WEFT_CONFIG, else /etc/weft/weftd.json; default /var/lib/weft). Surrounding
// whitespace is trimmed. nullopt when none of them gives a token (an unreadable
// file counts as none: the request then goes without one).
std::optional<std::string> discover_token();

// Where discover_token() looks for weftd's admin token file when neither
// variable is set.
std::string admin_token_path();

}  // namespace weft::cli
