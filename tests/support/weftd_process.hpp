// Test support: a real weftd process on a free loopback port with its own
// state directory, and an HTTP client for its API. End-to-end tests use these
// instead of any in-process shortcut, so they exercise what users run.
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace weft::test {

std::filesystem::path build_dir();   // the CMake build tree (bin/, lib/weft/plugins/)
std::filesystem::path source_dir();  // the source tree

// A fresh directory under the system temp dir, removed with the object.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
  nlohmann::json json() const;  // the body parsed; fails the test if it is not JSON
};

class HttpClient {
 public:
  HttpClient(uint16_t port, std::string token) : port_(port), token_(std::move(token)) {}
  HttpResponse get(const std::string& path) const;
  HttpResponse del(const std::string& path) const;
  HttpResponse post(const std::string& path, const nlohmann::json& body) const;
  HttpResponse put(const std::string& path, const nlohmann::json& body) const;
  // Any method, raw body and headers: for malformed requests.
  HttpResponse send(const std::string& method, const std::string& path, const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) const;
  HttpClient without_token() const { return HttpClient(port_, ""); }

 private:
  uint16_t port_;
  std::string token_;
};

struct WeftdOptions {
  // Merged over the generated config (listen, state_dir, plugin_dirs, log level).
  nlohmann::json config = nlohmann::json::object();
  std::vector<std::filesystem::path> extra_plugin_dirs;
  std::map<std::string, std::string> env;  // added to weftd's environment
};

class WeftdProcess {
 public:
  // Starts weftd and waits until /healthz answers.
  explicit WeftdProcess(WeftdOptions options = {});
  ~WeftdProcess();  // SIGTERM, then SIGKILL if it does not exit in time
  WeftdProcess(const WeftdProcess&) = delete;
  WeftdProcess& operator=(const WeftdProcess&) = delete;

  void start();
  // SIGTERM and wait; returns weftd's exit status.
  int stop();
  // SIGKILL and wait: the crash the durability tests need.
  void kill_hard();
  bool running() const { return pid_ > 0; }

  pid_t pid() const { return pid_; }
  uint16_t port() const { return port_; }
  const std::filesystem::path& state_dir() const { return state_dir_; }
  const std::filesystem::path& config_path() const { return config_path_; }
  std::string token() const;  // the admin token weftd wrote on first start
  HttpClient client() const { return HttpClient(port_, token()); }
  std::string log() const;  // what weftd wrote to stderr so far

  // Conveniences over the API; each fails the test on an unexpected status.
  void apply(const nlohmann::json& workflow) const;
  std::string start_run(const std::string& workflow, const nlohmann::json& params = nlohmann::json::object()) const;
  std::string start_adhoc(const nlohmann::json& workflow,
                          const nlohmann::json& params = nlohmann::json::object()) const;
  // Polls GET /runs/{id} until the run is final; returns that body.
  nlohmann::json wait_run(const std::string& run_id, std::chrono::seconds timeout = std::chrono::seconds(60)) const;
  // GET /runs/{id}/tasks items, keyed by task id ("node" or "node[i]").
  std::map<std::string, nlohmann::json> tasks(const std::string& run_id) const;
  nlohmann::json results(const std::string& run_id) const;

 private:
  TempDir dir_;
  std::filesystem::path state_dir_;
  std::filesystem::path config_path_;
  std::filesystem::path log_path_;
  WeftdOptions options_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// A port on 127.0.0.1 that nothing listens on right now.
uint16_t free_port();

// Waits until done() or the deadline; returns done()'s last value.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace weft::test
