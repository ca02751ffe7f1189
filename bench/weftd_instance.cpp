#include "weftd_instance.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace weft::bench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    throw std::runtime_error("cannot bind a loopback port");
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

fs::path make_temp_dir(const fs::path& parent) {
  fs::create_directories(parent);
  std::string pattern = (parent / "weftd-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr)
    throw std::runtime_error("cannot create a temp dir under " + parent.string());
  return pattern;
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A "Vm...:   1234 kB" line of /proc/<pid>/status, in MiB.
double status_mib(const std::string& status, const std::string& field) {
  const auto at = status.find(field + ":");
  if (at == std::string::npos) return 0;
  return std::stod(status.substr(at + field.size() + 1)) / 1024.0;
}

bool is_final(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

}  // namespace

WeftdInstance::WeftdInstance(const WeftdSettings& settings)
    : dir_(make_temp_dir(settings.scratch_dir)), state_dir_(dir_ / "state") {
  port_ = free_port();
  const json config = {{"listen", "127.0.0.1:" + std::to_string(port_)},
                       {"state_dir", state_dir_.string()},
                       {"plugin_dirs", {(settings.build_dir / "lib" / "weft" / "plugins").string()}},
                       {"storage", {{"plugin", "sqlite"}, {"synchronous", settings.synchronous}}},
                       {"limits", {{"max_running_tasks", settings.max_running_tasks}}},
                       {"auth", {{"enabled", true}}}};
  std::ofstream(dir_ / "weftd.json") << config.dump(2);
  spawn(settings.build_dir / "bin" / "weftd");
  wait_ready();
  std::string token;
  std::getline(std::ifstream(state_dir_ / "admin.token"), token);
  api_ = HttpApi(port_, token);
}

WeftdInstance::~WeftdInstance() { stop(); }

void WeftdInstance::spawn(const fs::path& weftd) {
  const std::string program = weftd.string();
  const std::string config = (dir_ / "weftd.json").string();
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>("--config"),
                             const_cast<char*>(config.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, (dir_ / "weftd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
}

void WeftdInstance::wait_ready() {
  const HttpApi anonymous(port_, "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("weftd exited during startup; its log:\n" + log());
    }
    try {
      if (anonymous.get("/readyz").status == 200) return;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("weftd was not ready within 30 s; its log:\n" + log());
}

void WeftdInstance::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

ProcessStats WeftdInstance::stats() const {
  const fs::path proc = fs::path("/proc") / std::to_string(pid_);
  const std::string status = read_file(proc / "status");
  // Fields after the command name, which may hold spaces: utime and stime are
  // fields 14 and 15 of the line, 12 and 13 after the ')'.
  const std::string stat = read_file(proc / "stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skipped;
  for (int i = 0; i < 11; ++i) fields >> skipped;
  long long utime = 0;
  long long stime = 0;
  fields >> utime >> stime;
  const double ticks_per_s = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {status_mib(status, "VmHWM"), status_mib(status, "VmRSS"), static_cast<double>(utime + stime) / ticks_per_s};
}

std::string WeftdInstance::log() const { return read_file(dir_ / "weftd.log"); }

std::string WeftdInstance::start_run(const json& workflow) const {
  const auto response = api_.post("/api/v1/runs", {{"workflow", workflow}});
  if (response.status != 201) {
    throw std::runtime_error("weftd refused the run of " + workflow.value("name", "?") + ": HTTP " +
                             std::to_string(response.status) + " " + response.body.dump());
  }
  return response.body.at("id").get<std::string>();
}

std::string WeftdInstance::wait_run(const std::string& run_id, std::chrono::seconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // A fresh daemon runs one run at a time here, so the newest run is ours.
    const auto response = api_.get("/api/v1/runs?limit=1");
    const json items = response.body.is_object() ? response.body.value("items", json::array()) : json::array();
    if (!items.empty() && items[0].value("id", "") == run_id && is_final(items[0].value("status", ""))) {
      return items[0].at("status").get<std::string>();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("run " + run_id + " did not finish within " + std::to_string(timeout.count()) +
                           " s; weftd's log:\n" + log());
}

}  // namespace weft::bench
