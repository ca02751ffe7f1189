// A real weftd process for the programs that drive one (the end-to-end tests,
// the benchmark): this build's weftd with a generated config in a scratch dir
// of its own, on a free loopback port, talked to through weft_client.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "weft/client/api_client.hpp"

namespace weft::harness {

// A fresh directory `parent`/`prefix`XXXXXX; throws std::runtime_error when it cannot be made.
std::filesystem::path make_temp_dir(const std::filesystem::path& parent, std::string_view prefix);

// A fresh directory, removed with the object unless keep() was called.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent = std::filesystem::temp_directory_path(),
                   std::string_view prefix = "weft-test-");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void keep() { keep_ = true; }

 private:
  std::filesystem::path path_;
  bool keep_ = false;
};

// A port on 127.0.0.1 that nothing listens on right now.
uint16_t free_port();

// Waits until done() or the deadline, asking every 20 ms; returns done()'s last value.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(20));

// The environment for a child: the inherited one without the variables that
// steer weft and weftd (WEFT_*, NOTIFY_SOCKET), so that a developer's shell
// does not leak into it; then `env` on top. Entries are "NAME=value".
std::vector<std::string> child_environment(const std::map<std::string, std::string>& env);

struct WeftdOptions {
  std::filesystem::path build_dir;                                             // holds bin/weftd and lib/weft/plugins
  std::filesystem::path scratch_dir = std::filesystem::temp_directory_path();  // where weftd's own dir is made
  bool keep_dir = false;  // leave weftd's dir (config, state, log) behind
  // Merged over the generated config (listen, state_dir, plugin_dirs).
  nlohmann::json config = nlohmann::json::object();
  std::vector<std::filesystem::path> extra_plugin_dirs;
  std::map<std::string, std::string> env;  // added to weftd's environment
  std::string ready_path = "/healthz";     // weftd is up once this answers 200
  // Set when config has api.tls: client() speaks https to localhost and
  // trusts the CAs in this PEM file.
  std::filesystem::path ca_file;
};

class WeftdProcess {
 public:
  // Starts weftd (see start()).
  explicit WeftdProcess(WeftdOptions options);
  ~WeftdProcess();  // stop()
  WeftdProcess(const WeftdProcess&) = delete;
  WeftdProcess& operator=(const WeftdProcess&) = delete;

  // Starts weftd on a new free port, with the same dir (and so the same
  // state) as before, and waits until ready_path answers. Throws
  // std::runtime_error with weftd's log when it does not come up within 30 s.
  void start();
  // SIGTERM, then SIGKILL when it has not exited 30 s later; returns weftd's
  // wait status (killed by SIGKILL when it did not stop in time), -1 when it
  // was not running.
  int stop();
  // SIGKILL and wait: a crash.
  void kill_hard();
  bool running() const { return pid_ > 0; }

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  const std::filesystem::path& state_dir() const { return state_dir_; }
  const std::filesystem::path& config_path() const { return config_path_; }
  std::string token() const;  // the admin token weftd wrote on its first start; "" when none
  client::ApiClient client() const { return client_with(token()); }
  // A client with this token ("" for none); https when options.ca_file is set.
  client::ApiClient client_with(std::string token) const;
  // "http://127.0.0.1:PORT", or "https://localhost:PORT" with options.ca_file.
  std::string url() const;
  std::string log() const;  // what weftd wrote to stderr so far

 private:
  void spawn();
  void wait_ready();

  WeftdOptions options_;
  TempDir dir_;
  std::filesystem::path state_dir_;
  std::filesystem::path config_path_;
  std::filesystem::path log_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace weft::harness
