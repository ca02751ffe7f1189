#include "auth/admin_token.hpp"

#include "auth/token_secret.hpp"

#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <system_error>

namespace weft::daemon {

namespace {

constexpr const char* kTokenFileName = "admin.token";

std::system_error file_error(const std::filesystem::path& file, const std::string& what) {
  return std::system_error(errno, std::generic_category(), what + " " + file.string());
}

std::optional<std::string> read_secret(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string secret;
  in >> secret;
  return secret;
}

bool store_knows_admin(const StoreClient& store, const std::string& hash) {
  const auto tokens = store.list_tokens();
  return std::any_of(tokens.begin(), tokens.end(), [&](const TokenRecord& token) {
    return token.hash == hash && token.role == "admin" && !token.revoked;
  });
}

void write_all(int fd, const std::string& data, const std::filesystem::path& file) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw file_error(file, "cannot write");
    written += static_cast<size_t>(n);
  }
}

// Never readable by anyone else, not even for a moment: the file is created
// 0600 under a temporary name and renamed over the old one.
void write_secret_file(const std::filesystem::path& file, const std::string& secret) {
  auto staging = file;
  staging += ".new";
  ::unlink(staging.c_str());  // left over from a crash between create and rename
  const int fd = ::open(staging.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw file_error(staging, "cannot create");
  try {
    write_all(fd, secret + "\n", staging);
    if (::fsync(fd) != 0) throw file_error(staging, "cannot sync");
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  if (::rename(staging.c_str(), file.c_str()) != 0) throw file_error(file, "cannot rename into place");
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void issue_admin_token(StoreClient& store, const std::filesystem::path& file, const std::string& why) {
  const std::string secret = new_token_secret();
  TokenRecord token;
  token.id = new_token_secret().substr(0, 16);
  token.hash = token_hash(secret);
  token.role = "admin";
  token.description = "admin token issued by weftd: " + why;
  token.created_at = now_ms();
  WriteBatch batch;
  batch.tokens.push_back(token);
  store.write(batch);
  write_secret_file(file, secret);
}

// A mode widened by hand (or by a copy) is narrowed back: the file holds an
// admin's secret.
void keep_private(const std::filesystem::path& file) {
  namespace fs = std::filesystem;
  std::error_code error;
  const auto permissions = fs::status(file, error).permissions();
  if (error || (permissions & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none) return;
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write, error);
  if (error) throw std::system_error(error, "cannot make " + file.string() + " readable by its owner only");
  spdlog::warn("{} was readable by others; made it readable by its owner only (0600)", file.string());
}

}  // namespace

void ensure_admin_token(StoreClient& store, const std::filesystem::path& state_dir) {
  const auto file = state_dir / kTokenFileName;
  const auto secret = read_secret(file);
  if (secret && !secret->empty() && store_knows_admin(store, token_hash(*secret))) {
    spdlog::info("using the admin token in {}", file.string());
    keep_private(file);
    return;
  }
  if (secret) {
    issue_admin_token(store, file, "the token in the file was unknown or revoked");
    spdlog::warn("the admin token in {} is not a valid admin token of the store; wrote a new one", file.string());
  } else if (!store.list_tokens().empty()) {
    issue_admin_token(store, file, "the token file was missing");
    spdlog::warn("{} was missing although tokens exist; issued a new admin token and wrote it there", file.string());
  } else {
    issue_admin_token(store, file, "first start");
    spdlog::info("first start: issued an admin token and wrote it to {}", file.string());
  }
}

}  // namespace weft::daemon
