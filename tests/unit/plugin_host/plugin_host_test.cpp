// PluginHost::load against real plugin files: one fixture per way a plugin can
// be wrong (tests/fixtures/plugins), all in one directory beside well-formed
// plugins that must still load. A refused plugin is listed as rejected with a
// reason naming what is wrong, and nothing it provides is registered.
//
// The structs a plugin fills are checked against their ABI 2.0 sizes
// (WEFT_*_SIZE_2_0), never against this host's sizeof: a struct may be larger
// (abi_compat_test.cpp runs a 2.0 plugin in a host of a later minor), never
// smaller. Also here: the task events a plugin reports through its host table.
#include "plugin_host/plugin_host.hpp"
#include "weftd_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace weft::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const fs::path kFixtureDir = WEFT_PLUGIN_FIXTURE_DIR;

// The file tests/fixtures builds for the fixture `name`.
fs::path fixture(const std::string& name) {
  return kFixtureDir / ("libweft-node-" + name + ".so." + std::to_string(WEFT_ABI_MAJOR));
}

std::string abi(unsigned major, unsigned minor) { return std::to_string(major) + "." + std::to_string(minor); }

const std::string kHostAbi = abi(WEFT_ABI_MAJOR, WEFT_ABI_MINOR);

sdk::TaskSpec task_spec(const std::string& node) {
  sdk::TaskSpec task;
  task.task_key = "run-1/" + node + "/1";
  task.run_id = "run-1";
  task.workflow = "fixtures";
  task.node = node;
  task.executor = "local";
  return task;
}

class PluginHostTest : public ::testing::Test {
 protected:
  Status load(std::vector<fs::path> dirs, std::vector<std::string> required_plugins = {}) {
    return host_.load({std::move(dirs), json::object(), std::move(required_plugins)});
  }

  // What plugins() says of the fixture `name`; fails the test if it is not listed.
  PluginInfo info_of(const std::string& name) const {
    const auto infos = host_.plugins();
    const auto it = std::find_if(infos.begin(), infos.end(),
                                 [&](const PluginInfo& info) { return info.path == fixture(name).string(); });
    if (it == infos.end()) {
      ADD_FAILURE() << fixture(name) << " is not in plugins()";
      return {};
    }
    return *it;
  }

  // The fixture `name` is listed as rejected, and `node_type`, which it would
  // have provided (if any), is unknown to the host and its catalog. Returns the reason.
  std::string refusal_of(const std::string& name, const std::string& node_type = "") const {
    const PluginInfo info = info_of(name);
    EXPECT_FALSE(info.loaded) << name << " was loaded";
    if (!node_type.empty()) {
      EXPECT_EQ(host_.node_type(node_type), nullptr) << name << " registered " << node_type;
      EXPECT_EQ(host_.validate_params(node_type, json::object()), std::nullopt);
    }
    return info.error;
  }

  boost::asio::io_context io_;
  HostServices services_{io_};
  PluginHost host_{services_};
};

// Every fixture, loaded once per test from the fixtures' directory.
class PluginFixturesTest : public PluginHostTest {
 protected:
  void SetUp() override { ASSERT_TRUE(load({kFixtureDir}).ok()); }
};

TEST_F(PluginFixturesTest, TheWellFormedPluginLoadsBesideTheRefusedOnes) {
  const PluginInfo good = info_of("good");
  EXPECT_TRUE(good.loaded) << good.error;
  EXPECT_EQ(good.name, "good");
  EXPECT_EQ(good.abi, kHostAbi);
  EXPECT_THAT(good.provides, ElementsAre("node/fixture_good"));
  EXPECT_NE(host_.node_type("fixture_good"), nullptr);
}

TEST_F(PluginFixturesTest, TheCatalogValidatesParamsThroughTheLoadedNodeType) {
  EXPECT_THAT(host_.validate_params("fixture_good", json::object()), ::testing::Optional(IsEmpty()));
  EXPECT_THAT(host_.validate_params("fixture_good", {{"name", "x"}}),
              ::testing::Optional(ElementsAre(Problem{"", "fixture nodes take no params"})));
}

TEST_F(PluginFixturesTest, RefusesAFileThatIsNotASharedObject) {
  EXPECT_THAT(refusal_of("garbage"), HasSubstr("cannot load it as a shared object"));
}

TEST_F(PluginFixturesTest, RefusesASharedObjectWithoutTheEntryPoint) {
  EXPECT_THAT(refusal_of("no-entry"), HasSubstr(WEFT_PLUGIN_ENTRY_SYMBOL));
}

TEST_F(PluginFixturesTest, RefusesAnotherAbiMajorNamingBothVersions) {
  EXPECT_THAT(refusal_of("wrong-major", "fixture_wrong_major"),
              AllOf(HasSubstr("ABI " + abi(WEFT_ABI_MAJOR + 1, 0)), HasSubstr("ABI " + kHostAbi)));
}

TEST_F(PluginFixturesTest, ReadsNothingButTheVersionsOfAnotherAbiMajor) {
  // In another major, nothing after abi_minor need be where this host looks:
  // the plugin is listed under its file name, not the name it would give.
  const PluginInfo info = info_of("wrong-major");
  EXPECT_EQ(info.name, fixture("wrong-major").filename().string());
  EXPECT_EQ(info.version, "");
  EXPECT_EQ(info.abi, abi(WEFT_ABI_MAJOR + 1, 0));
}

// The fixture is compiled against the generated next-minor header
// (sdk/tests/compat): every struct it fills is larger than this host's.
TEST_F(PluginFixturesTest, RefusesAPluginBuiltForANewerAbiMinorNamingBothVersions) {
  EXPECT_THAT(refusal_of("newer-minor", "fixture_newer_minor"),
              AllOf(HasSubstr("ABI " + abi(WEFT_ABI_MAJOR, WEFT_ABI_MINOR + 1)), HasSubstr("ABI " + kHostAbi)));
  const PluginInfo info = info_of("newer-minor");
  EXPECT_EQ(info.name, "newer-minor");
  EXPECT_EQ(info.abi, abi(WEFT_ABI_MAJOR, WEFT_ABI_MINOR + 1));
}

TEST_F(PluginFixturesTest, RefusesADescriptorShorterThanAbi20s) {
  // The fixture's descriptor ends where `init` would begin. What it has is
  // still read: its name and version.
  const std::string its_size = std::to_string(offsetof(weft_plugin_descriptor, init));
  EXPECT_THAT(refusal_of("short-descriptor"),
              AllOf(HasSubstr("descriptor is " + its_size + " bytes"),
                    HasSubstr("at least " + std::to_string(WEFT_PLUGIN_DESCRIPTOR_SIZE_2_0))));
  EXPECT_EQ(info_of("short-descriptor").name, "short-descriptor");
}

TEST_F(PluginFixturesTest, RefusesAFactoryListWithANullPointerAndRegistersNoneOfIt) {
  EXPECT_THAT(refusal_of("null-factory", "fixture_before_the_null_factory"), HasSubstr("factory 1 is a null pointer"));
}

TEST_F(PluginFixturesTest, RefusesAFactoryShorterThanAbi20s) {
  const std::string its_size = std::to_string(offsetof(weft_factory, vtable));
  EXPECT_THAT(refusal_of("short-factory", "fixture_short_factory"),
              AllOf(HasSubstr("factory 0 ('fixture_short_factory') is " + its_size + " bytes"),
                    HasSubstr("at least " + std::to_string(WEFT_FACTORY_SIZE_2_0))));
}

TEST_F(PluginFixturesTest, RefusesAFactoryOfAnUnknownKind) {
  EXPECT_THAT(refusal_of("unknown-kind", "fixture_unknown_kind"),
              HasSubstr("factory 0 ('fixture_unknown_kind') has an unknown kind 7"));
}

TEST_F(PluginFixturesTest, RefusesAFunctionTableShorterThanAbi20sForItsKind) {
  // The fixture's table holds struct_size, create and destroy.
  const std::string its_size = std::to_string(offsetof(weft_node_vtable, validate));
  EXPECT_THAT(refusal_of("short-vtable", "fixture_short_vtable"),
              AllOf(HasSubstr("node/fixture_short_vtable has a function table of " + its_size + " bytes"),
                    HasSubstr("at least " + std::to_string(WEFT_NODE_VTABLE_SIZE_2_0))));
}

TEST_F(PluginFixturesTest, RefusesANodeTypeWithoutPlanNamingIt) {
  EXPECT_THAT(refusal_of("null-node-plan", "fixture_null_plan"),
              HasSubstr("node/fixture_null_plan leaves the required function plan NULL"));
}

TEST_F(PluginFixturesTest, RefusesAnExecutorWithoutStartNamingIt) {
  EXPECT_THAT(refusal_of("null-executor-start"),
              HasSubstr("executor/fixture_null_start leaves the required function start NULL"));
  EXPECT_EQ(host_.executor("fixture_null_start"), nullptr);
  EXPECT_FALSE(host_.has_executor("fixture_null_start"));
}

TEST_F(PluginFixturesTest, RefusesAStorageBackendWithoutWriteNamingIt) {
  EXPECT_THAT(refusal_of("null-store-write"),
              HasSubstr("storage/fixture_null_write leaves the required function write NULL"));
  const auto store = host_.open_store("fixture_null_write", json::object());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.failure().code, ErrorCode::unavailable);
}

TEST_F(PluginFixturesTest, LoadsAPluginWhoseOptionalFunctionsAreNull) {
  const PluginInfo info = info_of("optional-null");
  EXPECT_TRUE(info.loaded) << info.error;
  EXPECT_THAT(info.provides, ElementsAre("node/fixture_optional_null", "executor/fixture_optional_null"));
  ASSERT_NE(host_.node_type("fixture_optional_null"), nullptr);
  ASSERT_NE(host_.executor("fixture_optional_null"), nullptr);
}

// What the host does in place of the missing functions.
TEST_F(PluginFixturesTest, StandsInForOptionalFunctionsThatAreNull) {
  NodeTypeHandle* node = host_.node_type("fixture_optional_null");
  ExecutorHandle* executor = host_.executor("fixture_optional_null");
  ASSERT_NE(node, nullptr);
  ASSERT_NE(executor, nullptr);
  const sdk::TaskSpec task = task_spec("fixture_optional_null");

  // finish: exit code 0 without an error succeeds with the task's output.
  const Result<sdk::Plan> finished = node->finish({&task, 0, R"({"answer":42})", ""});
  ASSERT_TRUE(finished.ok()) << finished.failure().message;
  EXPECT_EQ(finished->kind, WEFT_PLAN_OUTPUT);
  EXPECT_EQ(finished->output, json({{"answer", 42}}));
  const Result<sdk::Plan> failed = node->finish({&task, 3, "", ""});
  ASSERT_TRUE(failed.ok()) << failed.failure().message;
  EXPECT_EQ(failed->kind, WEFT_PLAN_FAILED);

  // cancel: nothing to stop. recover: the task cannot be taken back.
  EXPECT_TRUE(node->cancel("some-task").ok());
  EXPECT_FALSE(executor->recover(task, "external-1").ok());
}

TEST_F(PluginFixturesTest, TheWellFormedNodeTypePlansItsOutput) {
  NodeTypeHandle* node = host_.node_type("fixture_good");
  ASSERT_NE(node, nullptr);
  const Result<sdk::Plan> plan = node->plan(task_spec("fixture_good"));
  ASSERT_TRUE(plan.ok()) << plan.failure().message;
  EXPECT_EQ(plan->kind, WEFT_PLAN_OUTPUT);
  EXPECT_EQ(plan->output, json("fixture"));
}

TEST_F(PluginFixturesTest, RefusesAPluginWhoseInitFailsPassingOnItsMessage) {
  EXPECT_THAT(refusal_of("init-fails", "fixture_init_fails"),
              AllOf(HasSubstr("init failed"), HasSubstr("cannot read the licence file /nonexistent/fixture.licence")));
}

TEST_F(PluginFixturesTest, RefusesAPluginWhoseNodeTypeThrowsInItsConstructor) {
  EXPECT_THAT(refusal_of("create-throws", "fixture_create_throws"),
              AllOf(HasSubstr("fixture_create_throws"),
                    HasSubstr("the template directory /nonexistent/templates does not exist")));
}

TEST_F(PluginFixturesTest, RegistersNoneOfAPluginsTypesWhenALaterOneFailsToCreate) {
  refusal_of("create-throws", "fixture_created_before_the_throw");
}

TEST_F(PluginFixturesTest, TheFirstPluginInNameOrderKeepsATypeName) {
  EXPECT_TRUE(info_of("duplicate-a").loaded);
  EXPECT_THAT(info_of("duplicate-b").provides, IsEmpty());
  EXPECT_THAT(refusal_of("duplicate-b"),
              AllOf(HasSubstr("node/fixture_duplicate"), HasSubstr(fixture("duplicate-a").string())));
  EXPECT_NE(host_.node_type("fixture_duplicate"), nullptr);
}

TEST_F(PluginFixturesTest, RefusesAPluginFileOthersCanWrite) {
  EXPECT_THAT(refusal_of("writable", "fixture_writable"),
              AllOf(HasSubstr(fixture("writable").string()), HasSubstr("writable by group or others")));
}

TEST_F(PluginHostTest, RefusesPluginsInADirectoryItsGroupCanWrite) {
  const test::TempDir dir;
  const fs::path copy = dir.path() / fixture("good").filename();
  fs::copy_file(fixture("good"), copy);
  fs::permissions(copy, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_all);

  ASSERT_TRUE(load({dir.path()}).ok());

  const auto infos = host_.plugins();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_FALSE(infos[0].loaded);
  EXPECT_THAT(infos[0].error, AllOf(HasSubstr(dir.path().string()), HasSubstr("writable by group or others")));
  EXPECT_EQ(host_.node_type("fixture_good"), nullptr);
}

TEST_F(PluginHostTest, LoadFailsWhenARequiredPluginWasRefused) {
  const Status loaded = load({kFixtureDir}, {"init-fails"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.failure().message,
              AllOf(HasSubstr("'init-fails' was refused"), HasSubstr("/nonexistent/fixture.licence")));
}

// A plugin of another major never gets to say its name, so a required one is
// not found; the failure names the files refused before they could say theirs.
TEST_F(PluginHostTest, LoadFailsForARequiredPluginOfAnotherMajorNamingTheFilesRefusedUnnamed) {
  const Status loaded = load({kFixtureDir}, {"wrong-major"});
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.failure().message,
              AllOf(HasSubstr("'wrong-major' was not found"), HasSubstr(fixture("wrong-major").string()),
                    HasSubstr("ABI " + abi(WEFT_ABI_MAJOR + 1, 0)), HasSubstr("ABI " + kHostAbi),
                    Not(HasSubstr(fixture("good").string()))));
}

TEST_F(PluginHostTest, LoadSucceedsWhenTheRequiredPluginsLoaded) {
  EXPECT_TRUE(load({kFixtureDir}, {"good", "duplicate-a"}).ok());
}

// Task events as a plugin reports them through its weft_host_api.
class TaskEventTest : public ::testing::Test {
 protected:
  void SetUp() override {
    services_.set_task_event_sink([this](TaskEvent event) { delivered_.push_back(std::move(event)); });
  }
  void report(const weft_task_event* event) { context_.api()->task_event(context_.api()->host_ptr, event); }

  static weft_task_event finished(const char* task_key) {
    weft_task_event e{};
    e.struct_size = WEFT_TASK_EVENT_SIZE_2_0;
    e.kind = WEFT_EVENT_FINISHED;
    e.task_key = sdk::str(task_key);
    e.exit_code = 3;
    e.output_json = sdk::str(R"({"n":1})");
    e.error = sdk::str("exited with code 3");
    return e;
  }

  boost::asio::io_context io_;
  HostServices services_{io_};
  PluginContext context_{services_, "events"};
  std::vector<TaskEvent> delivered_;
};

TEST_F(TaskEventTest, TheHostTableItHandsOutIsItsOwnSize) {
  EXPECT_EQ(context_.api()->struct_size, sizeof(weft_host_api));
  EXPECT_GE(context_.api()->struct_size, WEFT_HOST_API_SIZE_2_0);
}

TEST_F(TaskEventTest, DeliversAnEventOfExactlyAbi20sSizeWithEveryField) {
  const weft_task_event e = finished("run-1/a/1");
  report(&e);
  ASSERT_EQ(delivered_.size(), 1u);
  EXPECT_EQ(delivered_[0].kind, WEFT_EVENT_FINISHED);
  EXPECT_EQ(delivered_[0].task_key, "run-1/a/1");
  EXPECT_EQ(delivered_[0].exit_code, 3);
  EXPECT_EQ(delivered_[0].output_json, R"({"n":1})");
  EXPECT_EQ(delivered_[0].error, "exited with code 3");
}

// What a plugin of a later minor would send: the 2.0 fields, then more.
TEST_F(TaskEventTest, DeliversALargerEventReadingIts20Fields) {
  struct {
    weft_task_event event;
    uint64_t added_later[4];
  } larger{};
  larger.event = finished("run-1/b/1");
  larger.event.struct_size = sizeof larger;
  larger.event.kind = WEFT_EVENT_STARTED;
  larger.event.external_id = sdk::str("pid-42");
  report(&larger.event);
  ASSERT_EQ(delivered_.size(), 1u);
  EXPECT_EQ(delivered_[0].kind, WEFT_EVENT_STARTED);
  EXPECT_EQ(delivered_[0].external_id, "pid-42");
}

TEST_F(TaskEventTest, DeliversLostEvents) {
  weft_task_event e = finished("run-1/c/1");
  e.kind = WEFT_EVENT_LOST;
  report(&e);
  ASSERT_EQ(delivered_.size(), 1u);
  EXPECT_EQ(delivered_[0].kind, WEFT_EVENT_LOST);
}

TEST_F(TaskEventTest, IgnoresAnEventShorterThanAbi20s) {
  weft_task_event e = finished("run-1/d/1");
  e.struct_size = offsetof(weft_task_event, error);  // ends before its last 2.0 field
  report(&e);
  EXPECT_THAT(delivered_, IsEmpty());
}

TEST_F(TaskEventTest, IgnoresAnEventOfAnUnknownKind) {
  weft_task_event e = finished("run-1/e/1");
  e.kind = 99;
  report(&e);
  EXPECT_THAT(delivered_, IsEmpty());
}

TEST_F(TaskEventTest, IgnoresANullEvent) {
  report(nullptr);
  EXPECT_THAT(delivered_, IsEmpty());
}

}  // namespace
}  // namespace weft::daemon
