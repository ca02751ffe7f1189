#include "system/state_dir.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace weft::daemon {

namespace {

namespace fs = std::filesystem;

constexpr mode_t kPassThrough = 0711;

std::string make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message();
  if (::chmod(dir.c_str(), kPassThrough) != 0)
    return "cannot set the mode of " + dir.string() + ": " + std::strerror(errno);
  return {};
}

// lstat/chmod rather than following links: a link in the state dir is left as it is.
void close_to_others(const fs::path& entry) {
  struct stat info {};
  if (::lstat(entry.c_str(), &info) != 0 || S_ISLNK(info.st_mode) || (info.st_mode & S_IRWXO) == 0) return;
  if (::chmod(entry.c_str(), info.st_mode & 07770) == 0) {
    spdlog::warn("{} was open to other users; took their access away", entry.string());
  } else {
    spdlog::warn("{} is open to other users and cannot be closed: {}", entry.string(), std::strerror(errno));
  }
}

}  // namespace

std::string prepare_state_dir(const fs::path& dir) {
  const mode_t old_mask = ::umask(0);
  ::umask(old_mask | S_IRWXO);
  if (auto error = make_dir(dir); !error.empty()) return error;
  if (auto error = make_dir(dir / "runs"); !error.empty()) return error;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().filename() != "runs") close_to_others(entry.path());
  }
  if (ec) return "cannot list " + dir.string() + ": " + ec.message();
  return {};
}

}  // namespace weft::daemon
