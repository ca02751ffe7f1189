// Reload without restart: SIGHUP and POST /api/v1/plugins/reload (and `weft
// plugins reload`) load plugin files added after start, apply the keys of
// weftd.json that can change live, and name those that need a restart.
#include "api_test_helpers.hpp"
#include "child_process.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

const fs::path kGoodFixture = build_dir() / "tests" / "fixtures" / "plugins" / "libweft-node-good.so.2";

json fixture_workflow() { return workflow("uses-fixture", {Node("f", "fixture_good", json::object())}); }

// weftd with an empty plugin directory of its own, where tests add plugins.
class Reload : public ::testing::Test {
 protected:
  WeftdOptions with_added_dir() const {
    WeftdOptions options;
    options.extra_plugin_dirs = {added_.path()};
    return options;
  }

  // Changes weftd.json as `change` says; weftd reads it on the next reload.
  void edit_config(const std::function<void(json&)>& change) const {
    json config = json::parse(std::ifstream(weftd_.config_path()));
    change(config);
    std::ofstream(weftd_.config_path()) << config.dump(2);
  }

  HttpResponse reload() const { return weftd_.client().post("/api/v1/plugins/reload"); }

  HttpResponse run_with_params(const json& params) const {
    const auto document = workflow("p", {noop("a")}, {{"params", {{"x", ""}}}});
    return weftd_.client().post("/api/v1/runs", {{"workflow", document}, {"params", params}});
  }

  TempDir added_;
  WeftdProcess weftd_{with_added_dir()};
};

TEST_F(Reload, APluginCopiedInAfterStartIsUsableAfterReload) {
  const auto before = weftd_.client().post("/api/v1/runs", {{"workflow", fixture_workflow()}});
  EXPECT_EQ(before.status, 400) << before.body;
  EXPECT_THAT(before.body, HasSubstr("fixture_good"));

  fs::copy_file(kGoodFixture, added_.path() / kGoodFixture.filename());
  fs::permissions(added_.path() / kGoodFixture.filename(), fs::perms(0644));
  const auto reloaded = reload();
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  const json report = reloaded.json();
  ASSERT_EQ(report.at("plugins").size(), 1u) << report.dump();
  EXPECT_EQ(report.at("plugins")[0].at("status"), "loaded") << report.dump();
  EXPECT_EQ(report.at("plugins")[0].at("path"), (added_.path() / kGoodFixture.filename()).string());

  const auto run = weftd_.wait_run(weftd_.start_adhoc(fixture_workflow()));
  EXPECT_EQ(run["status"], "succeeded") << run.dump();
  EXPECT_EQ(weftd_.results(run["id"])["outputs"]["f"], "fixture");

  // Loaded once: a second reload looks at no file, and the list holds it once.
  EXPECT_TRUE(reload().json().at("plugins").empty());
  const json plugins = weftd_.client().get("/api/v1/plugins").json();
  EXPECT_EQ(std::count_if(plugins.at("items").begin(), plugins.at("items").end(),
                          [](const json& p) { return p.value("name", "") == "good"; }),
            1);
}

TEST_F(Reload, SighupAppliesAChangedLimitAndNamesAKeyThatNeedsARestart) {
  const json big_params = {{"x", std::string(200, 'x')}};
  ASSERT_EQ(run_with_params(big_params).status, 201);

  edit_config([](json& config) {
    config["limits"]["max_params_bytes"] = 64;
    config["listen"] = "127.0.0.1:" + std::to_string(free_port());
  });
  ASSERT_EQ(::kill(weftd_.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] { return run_with_params(big_params).status == 413; })) << weftd_.log();
  const auto refused = run_with_params(big_params);
  EXPECT_THAT(refused.body, HasSubstr("limits.max_params_bytes allows 64"));
  // Logged after the limits are applied, a moment after the 413 shows.
  EXPECT_TRUE(eventually([&] {
    return weftd_.log().find("take effect only when weftd restarts: listen") != std::string::npos;
  })) << weftd_.log();

  // The API says the same: listen still differs from what weftd started with;
  // the limit was applied by the SIGHUP already.
  const json report = reload().json();
  EXPECT_EQ(report.at("restart_required"), json::array({"listen"}));
  EXPECT_EQ(report.at("applied"), json::array());
  EXPECT_EQ(run_with_params({{"x", 1}}).status, 201);  // still serving, on the port it started with
}

TEST_F(Reload, AnInvalidFileChangesNothing) {
  edit_config([](json& config) {
    config["limits"]["max_params_bytes"] = 64;
    config["limits"]["max_runing_tasks"] = 3;
  });
  const auto refused = reload();
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("nothing was reloaded"));
  EXPECT_THAT(refused.body, HasSubstr("/limits/max_runing_tasks"));
  EXPECT_EQ(run_with_params({{"x", std::string(200, 'x')}}).status, 201);
}

TEST_F(Reload, TheCliReloadsAndSaysWhatChanged) {
  edit_config([](json& config) { config["log"]["level"] = "info"; });
  fs::copy_file(kGoodFixture, added_.path() / kGoodFixture.filename());
  fs::permissions(added_.path() / kGoodFixture.filename(), fs::perms(0644));
  const auto result = run_weft(weftd_, {"plugins", "reload"});
  EXPECT_EQ(result.exit_code, 0) << result.output();
  EXPECT_THAT(result.out, HasSubstr("applied: log.level"));
  EXPECT_THAT(result.out, HasSubstr("need a restart: none"));
  EXPECT_THAT(result.out, HasSubstr("fixture_good"));

  const auto wrong = run_weft(weftd_, {"plugins", "unload"});
  EXPECT_EQ(wrong.exit_code, 2) << wrong.output();
}

}  // namespace
}  // namespace weft::test
