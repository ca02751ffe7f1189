#include "config/config_changes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Config parsed(const json& document) {
  auto config = parse_config(document);
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.failure().message);
  return config.ok() ? *config : Config{};
}

TEST(ConfigChanges, AnUnchangedFileChangesNothing) {
  const Config config = parsed({{"limits", {{"max_running_tasks", 4}}}});
  const auto changes = config_changes(config, config, {"process"});
  EXPECT_THAT(changes.applied, IsEmpty());
  EXPECT_THAT(changes.restart_required, IsEmpty());
}

TEST(ConfigChanges, LimitsLogLevelAndGraceApplyLive) {
  const auto changes = config_changes(parsed(json::object()),
                                      parsed({{"limits", {{"max_running_tasks", 4}, {"max_log_bytes", 100}}},
                                              {"log", {{"level", "debug"}}},
                                              {"shutdown_grace_s", 3},
                                              {"plugin_dirs", {"/opt/weft"}}}),
                                      {});
  EXPECT_THAT(changes.applied, ElementsAre("plugin_dirs", "limits.max_running_tasks", "limits.max_log_bytes",
                                           "log.level", "shutdown_grace_s"));
  EXPECT_THAT(changes.restart_required, IsEmpty());
}

TEST(ConfigChanges, WhatIsSetUpOnceAtStartNeedsARestart) {
  const auto changes =
      config_changes(parsed(json::object()),
                     parsed({{"listen", "127.0.0.1:9999"},
                             {"storage", {{"path", "/tmp/other.db"}}},
                             {"limits", {{"max_body_bytes", 2048}}},
                             {"auth", {{"enabled", false}}},
                             {"instance", {{"id", "b"}, {"address", "https://b:8080"}, {"lease_s", 9}}},
                             {"api", {{"threads", 2}, {"event_history", 5}}}}),
                     {});
  EXPECT_THAT(changes.applied, IsEmpty());
  EXPECT_THAT(changes.restart_required,
              ElementsAre("listen", "storage", "limits.max_body_bytes", "auth.enabled", "instance.id",
                          "instance.address", "instance.lease_s", "api.threads", "api.event_history"));
}

TEST(ConfigChanges, ACreatedExecutorsSettingsNeedARestartANewOnesApply) {
  const auto changes = config_changes(
      parsed({{"executors", {{"process", {{"kill_grace_s", 5}}}}}}),
      parsed({{"executors", {{"process", {{"kill_grace_s", 1}}}, {"slurm", json::object()}}}}), {"process"});
  EXPECT_THAT(changes.applied, ElementsAre("executors.slurm"));
  EXPECT_THAT(changes.restart_required, ElementsAre("executors.process"));
}

TEST(ConfigChanges, NodeTypeSettingsNeedARestart) {
  const auto changes = config_changes(parsed({{"node_types", {{"http", {{"workers", 2}}}}}}),
                                      parsed({{"node_types", {{"http", {{"workers", 8}}}}}}), {});
  EXPECT_THAT(changes.applied, IsEmpty());
  EXPECT_THAT(changes.restart_required, ElementsAre("node_types"));
}

}  // namespace
}  // namespace weft::daemon
