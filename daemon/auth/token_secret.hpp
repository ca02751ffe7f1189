// Token secrets and how they are stored: only their SHA-256 ever reaches the store.
#pragma once

#include <string>
#include <string_view>

namespace weft::daemon {

// 32 random bytes from the kernel (getrandom), as 64 lowercase hex digits.
// Throws std::system_error if the kernel cannot provide them.
std::string new_token_secret();

// SHA-256 of the secret, as 64 lowercase hex digits.
std::string token_hash(std::string_view secret);

}  // namespace weft::daemon
