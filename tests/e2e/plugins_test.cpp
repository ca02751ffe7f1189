// weftd with a plugin directory full of broken plugins (tests/fixtures/plugins,
// one per way a plugin file can be wrong): it lists each as rejected with the
// reason, loads the real plugins and the well-formed fixtures, and keeps
// serving workflows.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path fixture_dir() { return build_dir() / "tests" / "fixtures" / "plugins"; }
fs::path real_plugin_dir() { return build_dir() / "lib" / "weft" / "plugins"; }

WeftdOptions with_fixture_plugins() {
  WeftdOptions options;
  options.extra_plugin_dirs = {fixture_dir()};
  return options;
}

// The fixtures that must load: one well-formed plugin, one that leaves every
// optional function NULL, and the first (in name order) of the two that
// provide the same node type.
const std::set<std::string> kWellFormedFixtures = {"libweft-node-good.so.2", "libweft-node-optional-null.so.2",
                                                   "libweft-node-duplicate-a.so.2"};

class WeftdWithBrokenPlugins : public ::testing::Test {
 protected:
  // GET /api/v1/plugins, keyed by the plugin's file.
  std::map<fs::path, json> plugins_by_file() const {
    const auto response = weftd_.client().get("/api/v1/plugins");
    EXPECT_EQ(response.status, 200) << response.body;
    std::map<fs::path, json> by_file;
    const json body = response.json();
    for (const auto& plugin : body.at("items")) by_file[plugin.at("path").get<std::string>()] = plugin;
    return by_file;
  }

  WeftdProcess weftd_{with_fixture_plugins()};
};

TEST_F(WeftdWithBrokenPlugins, ListsEveryBrokenFixtureAsRejectedWithItsReason) {
  const auto plugins = plugins_by_file();
  for (const auto& entry : fs::directory_iterator(fixture_dir())) {
    if (kWellFormedFixtures.count(entry.path().filename().string()) > 0) continue;
    SCOPED_TRACE(entry.path().string());
    ASSERT_EQ(plugins.count(entry.path()), 1u) << "not listed";
    const json& plugin = plugins.at(entry.path());
    EXPECT_EQ(plugin.value("status", ""), "rejected");
    EXPECT_NE(plugin.value("error", ""), "");
  }
}

TEST_F(WeftdWithBrokenPlugins, ShowsTheReasonARefusedPluginWasRefused) {
  const json wrong_major = plugins_by_file().at(fixture_dir() / "libweft-node-wrong-major.so.2");
  // In another major nothing after the versions can be trusted, its name included.
  EXPECT_EQ(wrong_major.value("name", ""), "libweft-node-wrong-major.so.2");
  EXPECT_EQ(wrong_major.value("abi", ""), "3.0");
  EXPECT_NE(wrong_major.value("error", "").find("ABI 3.0"), std::string::npos) << wrong_major;
  // Ours, whatever its minor.
  EXPECT_NE(wrong_major.value("error", "").find("this weftd speaks ABI 2."), std::string::npos) << wrong_major;
}

TEST_F(WeftdWithBrokenPlugins, LoadsTheRealPluginsAndTheWellFormedFixtures) {
  const auto plugins = plugins_by_file();
  std::vector<fs::path> expected_loaded;
  for (const auto& entry : fs::directory_iterator(real_plugin_dir())) expected_loaded.push_back(entry.path());
  for (const auto& name : kWellFormedFixtures) expected_loaded.push_back(fixture_dir() / name);
  for (const auto& file : expected_loaded) {
    SCOPED_TRACE(file.string());
    ASSERT_EQ(plugins.count(file), 1u) << "not listed";
    EXPECT_EQ(plugins.at(file).value("status", ""), "loaded") << plugins.at(file);
  }
}

// This weftd's configuration has no executors.argo: the argo executor, which
// cannot start without its server's URL, is left out, not its plugin refused.
TEST_F(WeftdWithBrokenPlugins, LeavesOutAnExecutorThatTheConfigurationDoesNotSetUp) {
  const json argo = plugins_by_file().at(real_plugin_dir() / "libweft-executor-argo.so.2");
  EXPECT_EQ(argo.value("status", ""), "loaded") << argo;
  ASSERT_EQ(argo.value("unconfigured", json::array()).size(), 1u) << argo;
  EXPECT_TRUE(argo["unconfigured"][0].get<std::string>().starts_with("executor/argo: ")) << argo;
}

TEST_F(WeftdWithBrokenPlugins, KeepsRunningWorkflows) {
  weftd_.apply(
      workflow("after-refusals", {noop("real", "from noop"), Node("fixture", "fixture_good", json::object())}));
  const auto run = weftd_.wait_run(weftd_.start_run("after-refusals"));
  ASSERT_EQ(run["status"], "succeeded") << run;
  EXPECT_EQ(weftd_.results(run["id"])["outputs"], json({{"real", "from noop"}, {"fixture", "fixture"}}));
}

}  // namespace
}  // namespace weft::test
