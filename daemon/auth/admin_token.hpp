// The admin token that lets the operator on the daemon's host in on first start.
#pragma once

#include "store/store_client.hpp"

#include <filesystem>

namespace weft::daemon {

// At startup, before anything else writes to the store: makes sure
// <state_dir>/admin.token holds the secret of a stored, unrevoked admin token.
// Reuses the file's token when the store knows it; otherwise issues a new admin
// token, stores its hash and (re)writes the file, created with mode 0600 and
// renamed into place. Throws StoreError, or std::system_error naming the file.
void ensure_admin_token(StoreClient& store, const std::filesystem::path& state_dir);

}  // namespace weft::daemon
