#include "task_output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace weft::process {

namespace {

constexpr size_t kMaxOutputBytes = 16 * 1024 * 1024;

std::string error_text(int error) { return std::system_category().message(error); }

std::string read_failure(const std::string& path, int error) {
  return "cannot read the output file '" + path + "': " + error_text(error);
}

// Up to size bytes of fd, or an error.
OutputFile read_up_to(int fd, size_t size, const std::string& path) {
  OutputFile output;
  output.json.resize(size);
  size_t filled = 0;
  while (filled < size) {
    const ssize_t n = ::read(fd, output.json.data() + filled, size - filled);
    if (n < 0) return {{}, read_failure(path, errno)};
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  output.json.resize(filled);
  return output;
}

}  // namespace

OutputFile read_output_file(const std::string& path) {
  // O_NONBLOCK: a FIFO in place of the file must not stall the event loop.
  // O_NOFOLLOW: a task that links its output file to a file of the daemon's
  // (the admin token, the database) must not have weftd read it back for it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) return errno == ENOENT ? OutputFile{} : OutputFile{{}, read_failure(path, errno)};
  struct stat info {};
  OutputFile output;
  if (::fstat(fd, &info) != 0) {
    output.error = read_failure(path, errno);
  } else if (static_cast<size_t>(info.st_size) > kMaxOutputBytes) {
    output.error = "the output file '" + path + "' is larger than 16 MiB";
  } else {
    output = read_up_to(fd, static_cast<size_t>(info.st_size), path);
  }
  ::close(fd);
  return output;
}

void prepare_output_file(const sdk::TaskSpec& task, const TaskIdentity& identity) {
  const auto& path = task.output_path;
  const auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty() && ::chmod(dir.c_str(), 0711) != 0) {
    throw std::runtime_error("cannot open '" + dir.string() + "' to the task user: " + error_text(errno));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    throw std::runtime_error("cannot replace the output file '" + path + "': " + error_text(errno));
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create the output file '" + path + "': " + error_text(errno));
  const int chowned = ::fchown(fd, identity.uid, identity.gid);
  const int error = errno;
  ::close(fd);
  if (chowned != 0) {
    throw std::runtime_error("cannot give the output file '" + path + "' to user '" + identity.name +
                             "': " + error_text(error));
  }
}

std::string reclaim_output_file(const std::string& path) {
  if (::lchown(path.c_str(), ::geteuid(), ::getegid()) == 0 || errno == ENOENT) return {};
  return "cannot take the output file '" + path + "' back from the task user: " + error_text(errno);
}

}  // namespace weft::process
