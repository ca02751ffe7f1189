#include "api/process_figures.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace weft::daemon {

namespace {

// The system's boot time, seconds since the epoch (the btime line of /proc/stat).
std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessFigures> process_figures() {
  std::ifstream stat_file("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
  const auto name_end = stat.rfind(')');
  const auto booted = boot_time();
  if (name_end == std::string::npos || !booted) return std::nullopt;
  std::istringstream fields(stat.substr(name_end + 2));
  std::vector<std::string> field{std::istream_iterator<std::string>(fields), std::istream_iterator<std::string>()};
  // field[0] is the state (field 3 of proc(5)); utime is 14, stime 15, starttime 22, vsize 23, rss 24.
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3, kStart = 22 - 3, kVsize = 23 - 3, kRss = 24 - 3;
  if (field.size() <= kRss) return std::nullopt;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ProcessFigures figures;
  figures.cpu_seconds = (std::stod(field[kUtime]) + std::stod(field[kStime])) / ticks;
  figures.start_time_seconds = *booted + std::stod(field[kStart]) / ticks;
  figures.virtual_bytes = std::stod(field[kVsize]);
  figures.resident_bytes = std::stod(field[kRss]) * page;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec); !ec && it != decltype(it)();
       it.increment(ec))
    figures.open_fds += 1;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) figures.max_fds = static_cast<double>(limit.rlim_cur);
  return figures;
}

}  // namespace weft::daemon
