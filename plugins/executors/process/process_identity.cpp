#include "process_identity.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <iterator>
#include <string>

namespace weft::process {

namespace {

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<std::string> read_proc_stat(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buffer[1024];
  const ssize_t n = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return std::string(buffer, static_cast<size_t>(n));
}

// Field 22 of a stat line. The command name (field 2) may hold spaces and
// parentheses, so counting starts after its last ')', where field 3 begins.
std::optional<uint64_t> start_time_field(std::string_view stat) {
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(name_end + 1);
  constexpr int kFieldsBefore = 22 - 3;
  for (int field = 0; field < kFieldsBefore; ++field) {
    const size_t space = rest.find(' ', 1);
    if (space == std::string_view::npos) return std::nullopt;
    rest = rest.substr(space);
  }
  rest.remove_prefix(1);
  return parse_number<uint64_t>(rest.substr(0, rest.find(' ')));
}

}  // namespace

std::optional<ProcessIdentity> ProcessIdentity::of(pid_t pid) {
  const auto stat = read_proc_stat(pid);
  if (!stat) return std::nullopt;
  const auto start_time = start_time_field(*stat);
  if (!start_time) return std::nullopt;
  return ProcessIdentity{pid, *start_time};
}

std::optional<ProcessIdentity> ProcessIdentity::parse(std::string_view external_id) {
  const size_t colon = external_id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto pid = parse_number<pid_t>(external_id.substr(0, colon));
  const auto start_time = parse_number<uint64_t>(external_id.substr(colon + 1));
  if (!pid || !start_time || *pid <= 0) return std::nullopt;
  return ProcessIdentity{*pid, *start_time};
}

std::optional<ProcessIdentity> ProcessIdentity::find_by_task_key(std::string_view task_key) {
  // Entries of /proc/<pid>/environ each end with a NUL.
  const std::string wanted = std::string(1, '\0') + "WEFT_TASK_KEY=" + std::string(task_key) + '\0';
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return std::nullopt;
  std::optional<ProcessIdentity> found;
  while (const dirent* entry = ::readdir(proc)) {
    const auto pid = parse_number<pid_t>(entry->d_name);
    if (!pid || ::getpgid(*pid) != *pid) continue;  // only group leaders: tasks run as their own group
    std::ifstream in("/proc/" + std::string(entry->d_name) + "/environ", std::ios::binary);
    const std::string environment =
        '\0' + std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (environment.find(wanted) != std::string::npos) {
      found = of(*pid);
      break;
    }
  }
  ::closedir(proc);
  return found;
}

std::string ProcessIdentity::external_id() const { return std::to_string(pid) + ":" + std::to_string(start_time); }

bool ProcessIdentity::exists() const {
  const auto now = of(pid);
  return now && now->start_time == start_time;
}

}  // namespace weft::process
