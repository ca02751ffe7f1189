#include "auth/token_secret.hpp"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <system_error>
#include <vector>

namespace weft::daemon {

namespace {

void fill_random(unsigned char* data, size_t size) {
  size_t filled = 0;
  while (filled < size) {
    const ssize_t n = getrandom(data + filled, size - filled, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "cannot read random bytes for a token");
    filled += static_cast<size_t>(n);
  }
}

}  // namespace

std::string new_token_secret() {
  std::array<unsigned char, 32> bytes{};
  fill_random(bytes.data(), bytes.size());
  return Poco::DigestEngine::digestToHex(Poco::DigestEngine::Digest(bytes.begin(), bytes.end()));
}

std::string token_hash(std::string_view secret) {
  Poco::SHA2Engine sha256(Poco::SHA2Engine::SHA_256);
  sha256.update(secret.data(), static_cast<unsigned>(secret.size()));
  return Poco::DigestEngine::digestToHex(sha256.digest());
}

}  // namespace weft::daemon
