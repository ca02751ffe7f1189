#include "weftd_instance.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace weft::bench {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::chrono::seconds kRequestTimeout(120);

json storage_settings(const WeftdSettings& settings) {
  if (settings.postgres.is_null()) return {{"plugin", "sqlite"}, {"synchronous", settings.synchronous}};
  static int instances = 0;
  json storage = settings.postgres;
  storage["schema"] = "bench_" + std::to_string(++instances);
  return storage;
}

harness::WeftdOptions weftd_options(const WeftdSettings& settings, const json& storage) {
  harness::WeftdOptions options;
  options.build_dir = settings.build_dir;
  options.scratch_dir = settings.scratch_dir;
  options.keep_dir = true;
  options.config = {{"storage", storage},
                    {"limits", {{"max_running_tasks", settings.max_running_tasks}}},
                    {"auth", {{"enabled", true}}}};
  options.ready_path = "/readyz";
  return options;
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
    : storage_(storage_settings(settings)),
      weftd_(weftd_options(settings, storage_)),
      api_(weftd_.port(), weftd_.token(), kRequestTimeout) {
  for (int peer = 1; peer < settings.instances; ++peer) {
    peers_.push_back(std::make_unique<harness::WeftdProcess>(weftd_options(settings, storage_)));
  }
}

RunTimings WeftdInstance::timings(const std::string& run_id) const {
  if (storage_["plugin"] == "postgres") return read_run_timings(storage_, run_id);
  return read_run_timings(weftd_.state_dir() / "weft.db", run_id);
}

ProcessStats WeftdInstance::stats() const {
  const fs::path proc = fs::path("/proc") / std::to_string(pid());
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

std::vector<client::ApiClient> WeftdInstance::every_api() const {
  std::vector<client::ApiClient> apis;
  apis.emplace_back(weftd_.port(), weftd_.token(), kRequestTimeout);
  for (const auto& peer : peers_) apis.emplace_back(peer->port(), peer->token(), kRequestTimeout);
  return apis;
}

bool WeftdInstance::has_unfinished_runs() const {
  for (const char* status : {"created", "queued", "running"}) {
    const json runs = api_.get(std::string("/api/v1/runs?limit=1&status=") + status).json();
    if (!runs.value("items", json::array()).empty()) return true;
  }
  return false;
}

std::string WeftdInstance::start_run(const json& workflow) const {
  const auto response = api_.post("/api/v1/runs", {{"workflow", workflow}});
  if (response.status != 201) {
    throw std::runtime_error("weftd refused the run of " + workflow.value("name", "?") + ": HTTP " +
                             std::to_string(response.status) + " " + response.body);
  }
  return response.json().at("id").get<std::string>();
}

std::string WeftdInstance::wait_run(const std::string& run_id, std::chrono::seconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // A fresh daemon runs one run at a time here, so the newest run is ours.
    const json runs = api_.get("/api/v1/runs?limit=1").json();
    const json items = runs.is_object() ? runs.value("items", json::array()) : json::array();
    if (!items.empty() && items[0].value("id", "") == run_id && is_final(items[0].value("status", ""))) {
      return items[0].at("status").get<std::string>();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("run " + run_id + " did not finish within " + std::to_string(timeout.count()) +
                           " s; weftd's log:\n" + log());
}

}  // namespace weft::bench
