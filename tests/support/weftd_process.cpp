#include "weftd_process.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include <signal.h>
#include <sys/wait.h>

namespace weft::test {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path build_dir() { return WEFT_BUILD_DIR; }
fs::path source_dir() { return WEFT_SOURCE_DIR; }

nlohmann::json example_workflow(const std::string& name) {
  std::ifstream in(source_dir() / "etc" / "examples" / (name + ".json"));
  return nlohmann::json::parse(in);
}

namespace {

harness::WeftdOptions harness_options(const WeftdOptions& options) {
  harness::WeftdOptions settings;
  settings.build_dir = build_dir();
  settings.config = {{"log", {{"level", "debug"}}}};
  settings.config.merge_patch(options.config);
  settings.extra_plugin_dirs = options.extra_plugin_dirs;
  settings.env = options.env;
  settings.ca_file = options.ca_file;
  return settings;
}

}  // namespace

WeftdProcess::WeftdProcess(const WeftdOptions& options) : harness::WeftdProcess(harness_options(options)) {}

WeftdProcess::~WeftdProcess() {
  if (running()) stop();
}

int WeftdProcess::stop() {
  const int status = harness::WeftdProcess::stop();
  EXPECT_FALSE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "weftd did not stop within 30 s of SIGTERM; its log:\n"
      << log();
  return status;
}

void WeftdProcess::apply(const json& workflow) const {
  const auto r = client().post("/api/v1/workflows", workflow);
  ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
}

std::string WeftdProcess::start_run(const std::string& workflow, const json& params) const {
  const auto r = client().post("/api/v1/workflows/" + workflow + "/runs", {{"params", params}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.json().at("id").get<std::string>() : std::string();
}

std::string WeftdProcess::start_adhoc(const json& workflow, const json& params) const {
  const auto r = client().post("/api/v1/runs", {{"workflow", workflow}, {"params", params}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.json().at("id").get<std::string>() : std::string();
}

json WeftdProcess::wait_run(const std::string& run_id, std::chrono::seconds timeout) const {
  const HttpClient api = client();
  json run;
  const bool final = eventually(
      [&] {
        const auto r = api.get("/api/v1/runs/" + run_id);
        if (r.status != 200) return false;
        run = r.json();
        const std::string status = run.value("status", "");
        return status == "succeeded" || status == "failed" || status == "cancelled";
      },
      timeout);
  EXPECT_TRUE(final) << "run " << run_id << " did not finish: " << run.dump() << "\nweftd log:\n" << log();
  return run;
}

std::map<std::string, json> WeftdProcess::tasks(const std::string& run_id) const {
  std::map<std::string, json> out;
  const auto r = client().get("/api/v1/runs/" + run_id + "/tasks");
  EXPECT_EQ(r.status, 200) << r.body;
  const json body = r.json();  // the loop below must not iterate a temporary's member
  for (const auto& item : body.at("items")) out[item.at("id").get<std::string>()] = item;
  return out;
}

json WeftdProcess::results(const std::string& run_id) const {
  const auto r = client().get("/api/v1/runs/" + run_id + "/results");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json();
}

}  // namespace weft::test
