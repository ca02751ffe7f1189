#include "weft/harness/weftd_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace weft::harness {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::chrono::seconds kStartTimeout(30);
constexpr std::chrono::seconds kStopTimeout(30);

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

fs::path make_temp_dir(const fs::path& parent, std::string_view prefix) {
  fs::create_directories(parent);
  std::string pattern = (parent / (std::string(prefix) + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("cannot create a temp dir under " + parent.string() + ": " + std::strerror(errno));
  }
  return pattern;
}

TempDir::TempDir(const fs::path& parent, std::string_view prefix) : path_(make_temp_dir(parent, prefix)) {}

TempDir::~TempDir() {
  if (keep_) return;
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a loopback port");
  }
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> entries;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (name.starts_with("WEFT_") || name == "NOTIFY_SOCKET" || env.contains(name)) continue;
    entries.push_back(entry);
  }
  for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
  return entries;
}

WeftdProcess::WeftdProcess(WeftdOptions options)
    : options_(std::move(options)),
      dir_(options_.scratch_dir, "weftd-"),
      state_dir_(dir_.path() / "state"),
      config_path_(dir_.path() / "weftd.json"),
      log_path_(dir_.path() / "weftd.log") {
  if (options_.keep_dir) dir_.keep();
  start();
}

WeftdProcess::~WeftdProcess() { stop(); }

void WeftdProcess::start() {
  port_ = free_port();
  json plugin_dirs = json::array({(options_.build_dir / "lib" / "weft" / "plugins").string()});
  for (const auto& d : options_.extra_plugin_dirs) plugin_dirs.push_back(d.string());
  json config = {{"listen", "127.0.0.1:" + std::to_string(port_)},
                 {"state_dir", state_dir_.string()},
                 {"plugin_dirs", plugin_dirs}};
  config.merge_patch(options_.config);
  std::ofstream(config_path_) << config.dump(2);
  spawn();
  wait_ready();
}

void WeftdProcess::spawn() {
  const std::string program = (options_.build_dir / "bin" / "weftd").string();
  std::vector<std::string> argv_strings{program, "--config", config_path_.string()};
  auto env_strings = child_environment(options_.env);
  auto argv = pointers_to(argv_strings);
  auto envp = pointers_to(env_strings);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }
}

std::string WeftdProcess::url() const {
  return options_.ca_file.empty() ? "http://127.0.0.1:" + std::to_string(port_)
                                  : "https://localhost:" + std::to_string(port_);
}

client::ApiClient WeftdProcess::client_with(std::string token) const {
  if (options_.ca_file.empty()) return client::ApiClient(port_, std::move(token));
  return client::ApiClient(url(), std::move(token), client::ApiClient::kDefaultTimeout, options_.ca_file.string());
}

void WeftdProcess::wait_ready() {
  const client::ApiClient anonymous = client_with("");
  bool exited = false;
  const bool ready = eventually(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = -1;
          exited = true;
          return true;
        }
        try {
          return anonymous.get(options_.ready_path).status == 200;
        } catch (const client::ClientError&) {
          return false;  // not listening yet
        }
      },
      kStartTimeout);
  if (ready && !exited) return;
  if (!exited) kill_hard();  // the constructor throws: no destructor will stop it
  throw std::runtime_error(std::string(exited ? "weftd exited during startup" : "weftd was not ready within 30 s") +
                           "; its log:\n" + log());
}

int WeftdProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  if (!eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, kStopTimeout)) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return status;
}

void WeftdProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string WeftdProcess::token() const {
  std::ifstream in(state_dir_ / "admin.token");
  std::string token;
  std::getline(in, token);
  return token;
}

std::string WeftdProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace weft::harness
