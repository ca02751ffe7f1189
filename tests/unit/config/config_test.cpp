#include "config/config.hpp"

#include <unistd.h>

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Config parse_ok(const json& document) {
  Result<Config> config = parse_config(document);
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.failure().message);
  return config.ok() ? config.value() : Config{};
}

std::vector<Problem> problems_of(const json& document) {
  Result<Config> config = parse_config(document);
  EXPECT_FALSE(config.ok());
  return config.ok() ? std::vector<Problem>{} : config.failure().details;
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("weft-config-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& text) {
    auto file = dir_ / "weftd.json";
    std::ofstream(file) << text;
    return file;
  }

  std::filesystem::path dir_;
};

TEST(ConfigDefaults, ListenOnLoopbackPort8080) { EXPECT_EQ(parse_ok(json::object()).listen, "127.0.0.1:8080"); }

TEST(ConfigDefaults, StateDirIsVarLibWeft) { EXPECT_EQ(parse_ok(json::object()).state_dir, "/var/lib/weft"); }

TEST(ConfigDefaults, PluginDirIsBesideTheExecutable) {
  const Config config = parse_ok(json::object());
  const auto expected = (std::filesystem::path(WEFT_BUILD_DIR) / "lib" / "weft" / "plugins").lexically_normal();
  EXPECT_THAT(config.plugin_dirs, ElementsAre(expected));
}

TEST(ConfigDefaults, NoPluginIsRequired) { EXPECT_TRUE(parse_ok(json::object()).required_plugins.empty()); }

TEST(ConfigDefaults, StorageIsSqliteInTheStateDir) {
  const Config config = parse_ok({{"state_dir", "/srv/weft"}});
  EXPECT_EQ(config.storage.plugin, "sqlite");
  EXPECT_EQ(config.storage.settings, json({{"path", "/srv/weft/weft.db"}}));
}

TEST(ConfigDefaults, NoExecutorSettings) { EXPECT_EQ(parse_ok(json::object()).executors, json::object()); }

TEST(ConfigDefaults, Limits) {
  const Config config = parse_ok(json::object());
  EXPECT_EQ(config.limits.max_running_tasks, 256);
  EXPECT_EQ(config.limits.max_body_bytes, 1024u * 1024u);
}

TEST(ConfigDefaults, AuthIsEnabled) { EXPECT_TRUE(parse_ok(json::object()).auth.enabled); }

TEST(ConfigDefaults, LogLevelIsInfo) { EXPECT_EQ(parse_ok(json::object()).log.level, spdlog::level::info); }

TEST(ConfigDefaults, SixteenApiThreads) { EXPECT_EQ(parse_ok(json::object()).api.threads, 16); }

TEST(ConfigDefaults, ShutdownGraceIs30Seconds) {
  EXPECT_EQ(parse_ok(json::object()).shutdown_grace, std::chrono::seconds(30));
}

TEST(ConfigValues, EveryKeyIsRead) {
  const Config config = parse_ok({{"listen", "0.0.0.0:9000"},
                                  {"state_dir", "/srv/weft"},
                                  {"plugin_dirs", {"/opt/a", "/opt/b"}},
                                  {"required_plugins", {"sqlite"}},
                                  {"executors", {{"slurm", {{"partition", "batch"}}}}},
                                  {"node_types", {{"http", {{"workers", 2}}}}},
                                  {"limits",
                                   {{"max_running_tasks", 8},
                                    {"max_body_bytes", 4096},
                                    {"max_for_each_items", 10},
                                    {"max_params_bytes", 100},
                                    {"max_output_bytes", 200},
                                    {"max_runs_per_workflow", 3},
                                    {"max_workflow_nodes", 50},
                                    {"max_document_depth", 10},
                                    {"max_log_bytes", 4096},
                                    {"log_overflow", "fail_task"},
                                    {"max_requests_per_token_per_s", 20}}},
                                  {"auth", {{"enabled", false}}},
                                  {"log", {{"level", "warn"}}},
                                  {"api", {{"threads", 2}}},
                                  {"shutdown_grace_s", 5}});
  EXPECT_EQ(config.listen, "0.0.0.0:9000");
  EXPECT_EQ(config.state_dir, "/srv/weft");
  EXPECT_THAT(config.plugin_dirs, ElementsAre("/opt/a", "/opt/b"));
  EXPECT_THAT(config.required_plugins, ElementsAre("sqlite"));
  EXPECT_EQ(config.executors, json({{"slurm", {{"partition", "batch"}}}}));
  EXPECT_EQ(config.node_types, json({{"http", {{"workers", 2}}}}));
  EXPECT_EQ(config.limits.max_running_tasks, 8);
  EXPECT_EQ(config.limits.max_body_bytes, 4096u);
  EXPECT_EQ(config.limits.max_for_each_items, 10);
  EXPECT_EQ(config.limits.max_params_bytes, 100u);
  EXPECT_EQ(config.limits.max_output_bytes, 200u);
  EXPECT_EQ(config.limits.max_runs_per_workflow, 3);
  EXPECT_EQ(config.limits.max_workflow_nodes, 50u);
  EXPECT_EQ(config.limits.max_document_depth, 10);
  EXPECT_EQ(config.limits.max_log_bytes, 4096u);
  EXPECT_EQ(config.limits.log_overflow, LogOverflow::fail_task);
  EXPECT_EQ(config.limits.max_requests_per_token_per_s, 20);
  EXPECT_FALSE(config.auth.enabled);
  EXPECT_EQ(config.log.level, spdlog::level::warn);
  EXPECT_EQ(config.api.threads, 2);
  EXPECT_EQ(config.shutdown_grace, std::chrono::seconds(5));
}

TEST(ConfigStorage, EverythingButThePluginNameIsPassedToThePlugin) {
  const Config config = parse_ok({{"storage", {{"plugin", "postgres"}, {"dsn", "host=db"}, {"pool", {{"size", 4}}}}}});
  EXPECT_EQ(config.storage.plugin, "postgres");
  EXPECT_EQ(config.storage.settings, json({{"dsn", "host=db"}, {"pool", {{"size", 4}}}}));
}

TEST(ConfigStorage, AnExplicitSqlitePathIsKept) {
  const Config config = parse_ok({{"storage", {{"path", "/data/w.db"}}}});
  EXPECT_EQ(config.storage.settings, json({{"path", "/data/w.db"}}));
}

TEST(ConfigProblems, UnknownTopLevelKeyIsNamed) {
  EXPECT_THAT(problems_of({{"lisen", "x"}}), ElementsAre(Problem{"/lisen", "unknown key"}));
}

TEST(ConfigProblems, UnknownNestedKeyIsNamedByItsPointer) {
  EXPECT_THAT(problems_of({{"limits", {{"max_runing_tasks", 3}}}}),
              ElementsAre(Problem{"/limits/max_runing_tasks", "unknown key"}));
}

TEST(ConfigProblems, UnknownKeysInEverySectionAreNamed) {
  const auto problems = problems_of({{"auth", {{"x", 1}}}, {"log", {{"x", 1}}}, {"api", {{"x", 1}}}});
  EXPECT_THAT(problems, Contains(Problem{"/auth/x", "unknown key"}));
  EXPECT_THAT(problems, Contains(Problem{"/log/x", "unknown key"}));
  EXPECT_THAT(problems, Contains(Problem{"/api/x", "unknown key"}));
}

TEST(ConfigProblems, QueuesTakeADoneRetentionOfWholeDaysOnly) {
  EXPECT_THAT(problems_of({{"queues", {{"done_retention", 7}}}}),
              ElementsAre(Problem{"/queues/done_retention", "unknown key"}));
  EXPECT_THAT(problems_of({{"queues", {{"done_retention_days", -1}}}}),
              ElementsAre(::testing::Field(&Problem::path, "/queues/done_retention_days")));
  EXPECT_THAT(problems_of({{"queues", {{"done_retention_days", 1.5}}}}),
              ElementsAre(::testing::Field(&Problem::path, "/queues/done_retention_days")));
  EXPECT_EQ(parse_ok({{"queues", {{"done_retention_days", 0}}}}).queues.done_retention_days, 0);
  EXPECT_EQ(parse_ok(json::object()).queues.done_retention_days, 7);
}

TEST(ConfigProblems, SlashAndTildeInAKeyAreEscapedInThePointer) {
  EXPECT_THAT(problems_of({{"a/b~c", 1}}), ElementsAre(Problem{"/a~1b~0c", "unknown key"}));
}

TEST(ConfigProblems, AllProblemsAreReportedTogether) {
  const auto problems =
      problems_of({{"listen", 8080}, {"limits", {{"max_running_tasks", 0}}}, {"log", {{"level", "loud"}}}});
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].path, "/listen");
  EXPECT_EQ(problems[1].path, "/limits/max_running_tasks");
  EXPECT_EQ(problems[2].path, "/log/level");
}

TEST(ConfigProblems, WrongTypesAreNamed) {
  const auto problems = problems_of({{"state_dir", 1},
                                     {"plugin_dirs", "/opt"},
                                     {"auth", {{"enabled", "yes"}}},
                                     {"api", {{"threads", 2.5}}},
                                     {"limits", "none"},
                                     {"executors", {{"process", 1}}},
                                     {"node_types", {{"http", "fast"}}},
                                     {"storage", {{"plugin", 7}}}});
  EXPECT_THAT(problems, Contains(Problem{"/state_dir", "must be a non-empty string"}));
  EXPECT_THAT(problems, Contains(Problem{"/plugin_dirs", "must be an array of strings"}));
  EXPECT_THAT(problems, Contains(Problem{"/auth/enabled", "must be true or false"}));
  EXPECT_THAT(problems, Contains(Problem{"/api/threads", "must be an integer from 1 to 2147483647"}));
  EXPECT_THAT(problems, Contains(Problem{"/limits", "must be an object"}));
  EXPECT_THAT(problems, Contains(Problem{"/executors/process", "must be an object: the config of executor 'process'"}));
  EXPECT_THAT(problems, Contains(Problem{"/node_types/http", "must be an object: the config of node type 'http'"}));
  EXPECT_THAT(problems, Contains(Problem{"/storage/plugin", "must be a non-empty string"}));
  EXPECT_EQ(problems.size(), 8u);
}

TEST(ConfigValues, AnInstancesAddressIsTheURLOfItsAPI) {
  const Config config = parse_ok({{"instance", {{"id", "a"}, {"address", "http://host-a:8080"}, {"lease_s", 9}}}});
  EXPECT_EQ(config.instance.address, "http://host-a:8080");
  EXPECT_EQ(config.instance.lease_s, 9);
  EXPECT_EQ(parse_ok({{"instance", {{"address", "https://weft-a.example.org"}}}}).instance.address,
            "https://weft-a.example.org");
  EXPECT_THAT(problems_of({{"instance", {{"address", "host-a:8080"}}}}),
              ElementsAre(Problem{"/instance/address",
                                  "must be a URL http://HOST:PORT or https://HOST:PORT other weftd instances reach "
                                  "this one's API at, not 'host-a:8080'"}));
}

TEST(ConfigProblems, ANonStringArrayItemIsNamedByIndex) {
  EXPECT_THAT(problems_of({{"required_plugins", {"sqlite", 3}}}),
              ElementsAre(Problem{"/required_plugins/1", "must be a non-empty string"}));
}

TEST(ConfigProblems, OutOfRangeValuesAreNamed) {
  const auto problems = problems_of({{"limits", {{"max_running_tasks", 0}, {"max_body_bytes", 1023}}},
                                     {"api", {{"threads", 0}}},
                                     {"shutdown_grace_s", -1}});
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_THAT(problems_of({{"shutdown_grace_s", 9223372036854775807LL}}),
              ElementsAre(Problem{"/shutdown_grace_s", "must be at most 31622400 (a year), not 9223372036854775807"}));
  EXPECT_EQ(problems[0].path, "/limits/max_running_tasks");
  EXPECT_THAT(problems[1].message, HasSubstr("from 1024"));
  EXPECT_EQ(problems[2].path, "/api/threads");
  EXPECT_EQ(problems[3].path, "/shutdown_grace_s");
}

TEST(ConfigProblems, NewLimitsAreCheckedAndNamed) {
  const auto problems = problems_of({{"limits",
                                      {{"max_workflow_nodes", 0},
                                       {"max_document_depth", 65},
                                       {"max_log_bytes", -1},
                                       {"log_overflow", "truncate"},
                                       {"max_requests_per_token_per_s", -2}}}});
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_EQ(problems[0].path, "/limits/max_workflow_nodes");
  EXPECT_EQ(problems[1],
            (Problem{"/limits/max_document_depth", "must be at most 64, the deepest JSON weftd reads from outside"}));
  EXPECT_EQ(problems[2].path, "/limits/max_log_bytes");
  EXPECT_EQ(problems[3], (Problem{"/limits/log_overflow", "must be drop_oldest or fail_task, not 'truncate'"}));
  EXPECT_EQ(problems[4].path, "/limits/max_requests_per_token_per_s");
}

TEST(ConfigProblems, ListenMustBeHostAndPort) {
  EXPECT_THAT(problems_of({{"listen", "localhost"}}).at(0).message, HasSubstr("must be HOST:PORT"));
  EXPECT_THAT(problems_of({{"listen", "localhost:99999"}}).at(0).path, "/listen");
  EXPECT_EQ(parse_ok({{"listen", "[::1]:8080"}}).listen, "[::1]:8080");
}

TEST(ConfigProblems, TheDocumentMustBeAnObject) {
  EXPECT_THAT(problems_of(json::array()), ElementsAre(Problem{"", "must be a JSON object"}));
}

TEST_F(ConfigFile, MalformedJsonNamesLineAndColumn) {
  Result<Config> config = load_config(write("{\n  \"listen\": \"127.0.0.1:8080\",\n  oops\n}\n"));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.failure().message, HasSubstr((dir_ / "weftd.json").string()));
  ASSERT_EQ(config.failure().details.size(), 1u);
  EXPECT_THAT(config.failure().details[0].message, HasSubstr("line 3, column 3"));
}

TEST_F(ConfigFile, AMissingFileIsNamed) {
  Result<Config> config = load_config(dir_ / "absent.json");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.failure().message, HasSubstr("absent.json"));
  EXPECT_THAT(config.failure().message, HasSubstr("No such file"));
}

TEST_F(ConfigFile, ProblemsInAFileNameTheFile) {
  Result<Config> config = load_config(write(R"({"limits": {"max_runing_tasks": 3}})"));
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.failure().message, HasSubstr("weftd.json"));
  EXPECT_THAT(config.failure().details, ElementsAre(Problem{"/limits/max_runing_tasks", "unknown key"}));
}

TEST(ShippedConfig, EtcWeftdJsonParsesToTheDefaultsForASystemdInstall) {
  Result<Config> config = load_config(std::filesystem::path(WEFT_SOURCE_DIR) / "etc" / "weftd.json");
  ASSERT_TRUE(config.ok()) << config.failure().message;
  EXPECT_EQ(config->state_dir, "/var/lib/weft");
  EXPECT_THAT(config->plugin_dirs, ElementsAre("/usr/lib/weft/plugins"));
  EXPECT_EQ(config->storage.settings, json({{"path", "/var/lib/weft/weft.db"}}));
}

TEST(ShippedConfig, EtcWeftdJsonHoldsEveryDefault) {
  Result<Config> shipped = load_config(std::filesystem::path(WEFT_SOURCE_DIR) / "etc" / "weftd.json");
  ASSERT_TRUE(shipped.ok());
  const Config defaults = parse_ok(json::object());
  EXPECT_EQ(shipped->listen, defaults.listen);
  EXPECT_EQ(shipped->limits.max_running_tasks, defaults.limits.max_running_tasks);
  EXPECT_EQ(shipped->limits.max_body_bytes, defaults.limits.max_body_bytes);
  EXPECT_EQ(shipped->limits.max_for_each_items, defaults.limits.max_for_each_items);
  EXPECT_EQ(shipped->limits.max_params_bytes, defaults.limits.max_params_bytes);
  EXPECT_EQ(shipped->limits.max_output_bytes, defaults.limits.max_output_bytes);
  EXPECT_EQ(shipped->limits.max_runs_per_workflow, defaults.limits.max_runs_per_workflow);
  EXPECT_EQ(shipped->limits.max_workflow_nodes, defaults.limits.max_workflow_nodes);
  EXPECT_EQ(shipped->limits.max_document_depth, defaults.limits.max_document_depth);
  EXPECT_EQ(shipped->limits.max_log_bytes, defaults.limits.max_log_bytes);
  EXPECT_EQ(shipped->limits.log_overflow, defaults.limits.log_overflow);
  EXPECT_EQ(shipped->limits.max_requests_per_token_per_s, defaults.limits.max_requests_per_token_per_s);
  EXPECT_EQ(shipped->auth.enabled, defaults.auth.enabled);
  EXPECT_EQ(shipped->log.level, defaults.log.level);
  EXPECT_EQ(shipped->api.threads, defaults.api.threads);
  EXPECT_EQ(shipped->shutdown_grace, defaults.shutdown_grace);
}

}  // namespace
}  // namespace weft::daemon
