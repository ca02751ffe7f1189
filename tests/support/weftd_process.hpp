// Test support: a real weftd process (weft_harness) for a test, and the HTTP
// client of its API (weft_client). End-to-end tests use these instead of any
// in-process shortcut, so they exercise what users run.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "weft/client/api_client.hpp"
#include "weft/harness/weftd_process.hpp"

namespace weft::test {

std::filesystem::path build_dir();   // the CMake build tree (bin/, lib/weft/plugins/)
std::filesystem::path source_dir();  // the source tree
// The example workflow etc/examples/<name>.json, which the tests run as users would.
nlohmann::json example_workflow(const std::string& name);

using harness::eventually;
using harness::free_port;
using harness::TempDir;
using HttpClient = client::ApiClient;
using HttpResponse = client::Response;  // json() throws, quoting the body, when it is not JSON

struct WeftdOptions {
  // Merged over the generated config (listen, state_dir, plugin_dirs, log level).
  nlohmann::json config = nlohmann::json::object();
  std::vector<std::filesystem::path> extra_plugin_dirs;
  std::map<std::string, std::string> env;  // added to weftd's environment
  std::filesystem::path ca_file;           // with api.tls in config: the CA the test's client trusts
};

inline WeftdOptions with_config(nlohmann::json config) {
  WeftdOptions options;
  options.config = std::move(config);
  return options;
}

// This build's weftd, logging at debug level, in a temp dir removed with the
// object. start() throws when weftd does not come up, which fails the test.
class WeftdProcess : public harness::WeftdProcess {
 public:
  explicit WeftdProcess(const WeftdOptions& options = {});
  ~WeftdProcess();  // stop()
  WeftdProcess(const WeftdProcess&) = delete;
  WeftdProcess& operator=(const WeftdProcess&) = delete;

  // SIGTERM and wait; returns weftd's wait status. Fails the test when weftd
  // had to be killed because it did not stop in time.
  int stop();

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
};

}  // namespace weft::test
