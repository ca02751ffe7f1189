// The ABI's minor-version promise: a plugin built against ABI 2.0 keeps
// loading and working in every host of major 2. The plugin is
// tests/fixtures/plugins/frozen_abi_2_0.c, compiled against the frozen 2.0
// header alone; it provides a node type, an executor and a storage backend.
//
// This file is compiled twice (CMakeLists.txt):
//   weft_abi_compat_test                    against the current header, with
//                                           the plugin host as weftd has it
//   weft_abi_compat_next_minor_host_test    against the generated next minor
//                                           (WEFT_TEST_NEXT_MINOR_HOST), with
//                                           the plugin host and store client
//                                           compiled again against it, so that
//                                           every struct the host fills is
//                                           larger than the plugin knows, and
//                                           every struct the plugin fills is
//                                           smaller than the host's sizeof
// Both run the same tests. (The reverse, a newer plugin in an older host, is
// the newer-minor fixture in plugin_host_test.cpp.)
#include "plugin_host/plugin_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <string>
#include <vector>

#ifdef WEFT_TEST_NEXT_MINOR_HOST
#ifndef WEFT_ABI_TEST_NEXT_MINOR
#error "the next-minor host must be compiled against the generated next-minor weft_abi.h"
#endif
#endif

namespace weft::daemon {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const fs::path kFrozenPluginDir = WEFT_FROZEN_PLUGIN_DIR;

// One suite name per build, so that ctest tells the two apart.
#ifdef WEFT_TEST_NEXT_MINOR_HOST
#define FROZEN_PLUGIN_TEST FrozenAbi20PluginInNextMinorHostTest
#else
#define FROZEN_PLUGIN_TEST FrozenAbi20PluginTest
#endif

#ifdef WEFT_TEST_NEXT_MINOR_HOST
// The point of this build: what the host exchanges with the plugin is larger,
// on the host's side, than the plugin was built for.
// NOLINTNEXTLINE(bugprone-macro-parentheses): T names a type
#define LARGER_THAN_2_0(T, SIZE_2_0) static_assert(sizeof(T) > SIZE_2_0, #T " did not grow in the next-minor header");
LARGER_THAN_2_0(weft_command, WEFT_COMMAND_SIZE_2_0)
LARGER_THAN_2_0(weft_task_spec, WEFT_TASK_SPEC_SIZE_2_0)
LARGER_THAN_2_0(weft_plan, WEFT_PLAN_SIZE_2_0)
LARGER_THAN_2_0(weft_task_result, WEFT_TASK_RESULT_SIZE_2_0)
LARGER_THAN_2_0(weft_task_event, WEFT_TASK_EVENT_SIZE_2_0)
LARGER_THAN_2_0(weft_host_api, WEFT_HOST_API_SIZE_2_0)
LARGER_THAN_2_0(weft_node_vtable, WEFT_NODE_VTABLE_SIZE_2_0)
LARGER_THAN_2_0(weft_executor_vtable, WEFT_EXECUTOR_VTABLE_SIZE_2_0)
LARGER_THAN_2_0(weft_workflow_record, WEFT_WORKFLOW_RECORD_SIZE_2_0)
LARGER_THAN_2_0(weft_run_record, WEFT_RUN_RECORD_SIZE_2_0)
LARGER_THAN_2_0(weft_task_record, WEFT_TASK_RECORD_SIZE_2_0)
LARGER_THAN_2_0(weft_token_record, WEFT_TOKEN_RECORD_SIZE_2_0)
LARGER_THAN_2_0(weft_write_batch, WEFT_WRITE_BATCH_SIZE_2_0)
LARGER_THAN_2_0(weft_run_filter, WEFT_RUN_FILTER_SIZE_2_0)
LARGER_THAN_2_0(weft_store_vtable, WEFT_STORE_VTABLE_SIZE_2_0)
LARGER_THAN_2_0(weft_factory, WEFT_FACTORY_SIZE_2_0)
LARGER_THAN_2_0(weft_plugin_descriptor, WEFT_PLUGIN_DESCRIPTOR_SIZE_2_0)
#undef LARGER_THAN_2_0
static_assert(WEFT_ABI_MAJOR == 2 && WEFT_ABI_MINOR > 0, "the next-minor host must be of a later minor of major 2");
#endif

class FROZEN_PLUGIN_TEST : public ::testing::Test {
 protected:
  void SetUp() override {
    services_.set_task_event_sink([this](TaskEvent event) { events_.push_back(std::move(event)); });
    const Status loaded = host_.load({{kFrozenPluginDir}, json::object(), {"abi-2.0"}});
    ASSERT_TRUE(loaded.ok()) << loaded.failure().message;
  }

  static sdk::TaskSpec task(json params = json::object()) {
    sdk::TaskSpec t;
    t.task_key = "run-7/build/2";
    t.run_id = "run-7";
    t.workflow = "nightly";
    t.node = "build";
    t.index = 4;
    t.attempt = 2;
    t.executor = "frozen_executor";
    t.params = std::move(params);
    t.resources = {1.5, 512, 1};
    t.timeout_s = 60;
    t.stdout_path = "/tmp/weft/run-7/build.out";
    t.stderr_path = "/tmp/weft/run-7/build.err";
    t.output_path = "/tmp/weft/run-7/build.json";
    return t;
  }

  // The command the frozen node type plans for `t` ({"run": true}).
  sdk::Command planned_command(const sdk::TaskSpec& t) {
    NodeTypeHandle* node = host_.node_type("frozen_node");
    if (node == nullptr) throw std::runtime_error("frozen_node is not registered");
    sdk::TaskSpec asking = t;
    asking.params = {{"run", true}};
    Result<sdk::Plan> plan = node->plan(asking);
    if (!plan.ok() || plan->kind != WEFT_PLAN_COMMAND) throw std::runtime_error("frozen_node planned no command");
    return plan->command;
  }

  std::unique_ptr<StoreClient> open_store() {
    auto store = host_.open_store("frozen_store", json::object());
    if (!store.ok()) throw std::runtime_error(store.failure().message);
    return std::move(store.value());
  }

  boost::asio::io_context io_;
  HostServices services_{io_};
  PluginHost host_{services_};
  std::vector<TaskEvent> events_;
};

TEST_F(FROZEN_PLUGIN_TEST, LoadsAsAPluginOfAbi20) {
  const auto infos = host_.plugins();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_TRUE(infos[0].loaded) << infos[0].error;
  EXPECT_EQ(infos[0].name, "abi-2.0");
  EXPECT_EQ(infos[0].version, "2.0.0");
  EXPECT_EQ(infos[0].abi, "2.0");
  EXPECT_THAT(infos[0].provides, ElementsAre("node/frozen_node", "executor/frozen_executor", "storage/frozen_store"));
  EXPECT_TRUE(host_.has_executor("frozen_executor"));
  // Its executor table ends before 2.1's capabilities: it has none.
  EXPECT_EQ(host_.executor_capabilities("frozen_executor"), 0u);
}

TEST_F(FROZEN_PLUGIN_TEST, ItsNodeTypeValidatesParams) {
  EXPECT_THAT(host_.validate_params("frozen_node", {{"fine", 1}}), ::testing::Optional(::testing::IsEmpty()));
  EXPECT_THAT(host_.validate_params("frozen_node", {{"bad", 1}}),
              ::testing::Optional(ElementsAre(Problem{"/bad", "frozen nodes refuse bad"})));
}

// The node type echoes what it read of the spec: every 2.0 field the host
// filled arrived where the 2.0 plugin looks for it.
TEST_F(FROZEN_PLUGIN_TEST, ItsNodeTypePlansAnOutputFromTheTaskSpec) {
  NodeTypeHandle* node = host_.node_type("frozen_node");
  ASSERT_NE(node, nullptr);
  const Result<sdk::Plan> plan = node->plan(task({{"greeting", "hello"}}));
  ASSERT_TRUE(plan.ok()) << plan.failure().message;
  EXPECT_EQ(plan->kind, WEFT_PLAN_OUTPUT);
  EXPECT_EQ(plan->output, json({{"task_key", "run-7/build/2"},
                                {"workflow", "nightly"},
                                {"node", "build"},
                                {"index", 4},
                                {"attempt", 2},
                                {"executor", "frozen_executor"},
                                {"memory_mb", 512},
                                {"gpus", 1},
                                {"has_command", false},
                                {"params", {{"greeting", "hello"}}}}));
}

TEST_F(FROZEN_PLUGIN_TEST, ItsNodeTypePlansACommand) {
  NodeTypeHandle* node = host_.node_type("frozen_node");
  ASSERT_NE(node, nullptr);
  const Result<sdk::Plan> plan = node->plan(task({{"run", true}}));
  ASSERT_TRUE(plan.ok()) << plan.failure().message;
  ASSERT_EQ(plan->kind, WEFT_PLAN_COMMAND);
  EXPECT_THAT(plan->command.argv, ElementsAre("/bin/echo", "build"));
  EXPECT_THAT(plan->command.env, ElementsAre(Pair("WEFT_FROZEN_ABI", "2.0")));
  EXPECT_EQ(plan->command.cwd, "/tmp");
  EXPECT_EQ(plan->command.image, "");
  EXPECT_EQ(plan->command.executor_options, json({{"queue", "frozen"}}));
}

TEST_F(FROZEN_PLUGIN_TEST, ItsNodeTypeFinishesACommandThatRan) {
  NodeTypeHandle* node = host_.node_type("frozen_node");
  ASSERT_NE(node, nullptr);
  sdk::TaskSpec ran = task();
  ran.command = planned_command(ran);

  const Result<sdk::Plan> succeeded = node->finish({&ran, 0, R"({"n":1})", ""});
  ASSERT_TRUE(succeeded.ok()) << succeeded.failure().message;
  EXPECT_EQ(succeeded->kind, WEFT_PLAN_OUTPUT);
  EXPECT_EQ(succeeded->output, json({{"finished", "build"}, {"output", {{"n", 1}}}}));

  const Result<sdk::Plan> failed = node->finish({&ran, 3, "", "exited with code 3"});
  ASSERT_TRUE(failed.ok()) << failed.failure().message;
  EXPECT_EQ(failed->kind, WEFT_PLAN_FAILED);
  EXPECT_EQ(failed->error, "frozen node build: exit code 3");
}

TEST_F(FROZEN_PLUGIN_TEST, ItsExecutorReportsStartedThenFinished) {
  ExecutorHandle* executor = host_.executor("frozen_executor");
  ASSERT_NE(executor, nullptr);
  sdk::TaskSpec t = task();
  t.command = planned_command(t);

  const Status started = executor->start(t);
  ASSERT_TRUE(started.ok()) << started.failure().message;

  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].kind, WEFT_EVENT_STARTED);
  EXPECT_EQ(events_[0].task_key, "run-7/build/2");
  EXPECT_EQ(events_[0].external_id, "frozen-1");
  EXPECT_EQ(events_[1].kind, WEFT_EVENT_FINISHED);
  EXPECT_EQ(events_[1].task_key, "run-7/build/2");
  EXPECT_EQ(events_[1].exit_code, 0);
  EXPECT_EQ(events_[1].error, "");
  // What the executor read of the command the host handed it.
  EXPECT_EQ(json::parse(events_[1].output_json), json({{"argv0", "/bin/echo"},
                                                       {"argc", 2},
                                                       {"env", "WEFT_FROZEN_ABI=2.0"},
                                                       {"cwd", "/tmp"},
                                                       {"options", {{"queue", "frozen"}}}}));
}

TEST_F(FROZEN_PLUGIN_TEST, ItsExecutorReportsATaskItCannotRecoverLost) {
  ExecutorHandle* executor = host_.executor("frozen_executor");
  ASSERT_NE(executor, nullptr);
  sdk::TaskSpec t = task();
  t.command = planned_command(t);

  const Status recovered = executor->recover(t, "frozen-9");
  ASSERT_TRUE(recovered.ok()) << recovered.failure().message;
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].kind, WEFT_EVENT_LOST);
  EXPECT_EQ(events_[0].task_key, "run-7/build/2");
  EXPECT_THAT(events_[0].error, HasSubstr("frozen-9"));
}

TEST_F(FROZEN_PLUGIN_TEST, ItsExecutorDoesNotKnowATaskToCancel) {
  ExecutorHandle* executor = host_.executor("frozen_executor");
  ASSERT_NE(executor, nullptr);
  const Status cancelled = executor->cancel("run-7/unknown/1");
  ASSERT_FALSE(cancelled.ok());
  EXPECT_EQ(cancelled.failure().code, ErrorCode::not_found);
}

sdk::WorkflowRecord workflow(std::string digest = "sha256:aaa") {
  return {"nightly", 1, R"({"name":"nightly"})", std::move(digest), 1000, false};
}
sdk::RunRecord run(sdk::RunStatus status = sdk::RunStatus::running) {
  sdk::RunRecord r;
  r.id = "run-7";
  r.workflow = "nightly";
  r.version = 1;
  r.status = status;
  r.params_json = R"({"day":"monday"})";
  r.document_json = R"({"name":"nightly"})";
  r.idempotency_key = "monday";
  r.created_at = 1000;
  r.started_at = 1001;
  return r;
}
sdk::TaskRecord task_record() {
  sdk::TaskRecord t;
  t.run_id = "run-7";
  t.node = "build";
  t.index = 4;
  t.status = sdk::TaskStatus::succeeded;
  t.attempt = 2;
  t.exit_code = 0;
  t.executor = "frozen_executor";
  t.external_id = "frozen-1";
  t.output_json = R"({"n":1})";
  t.ready_at = 1002;
  t.started_at = 1003;
  t.finished_at = 1004;
  return t;
}

// Records the host wrote (larger than the plugin's, in the next-minor build)
// come back as the plugin stored them (2.0-sized, smaller than the host's).
TEST_F(FROZEN_PLUGIN_TEST, ItsStoreRoundTripsAWorkflowARunATaskAndAToken) {
  const auto store = open_store();
  EXPECT_EQ(store->schema_version(), 1);
  sdk::WriteBatch batch;
  batch.workflows = {workflow()};
  batch.runs = {run()};
  batch.tasks = {task_record()};
  batch.tokens = {{"tok-1", "hash-1", "admin", "the test's token", 999, false}};
  store->write(batch);

  const auto w = store->get_workflow("nightly");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->name, "nightly");
  EXPECT_EQ(w->version, 1);
  EXPECT_EQ(w->document_json, R"({"name":"nightly"})");
  EXPECT_EQ(w->digest, "sha256:aaa");
  EXPECT_EQ(w->created_at, 1000);
  EXPECT_FALSE(w->deleted);
  EXPECT_TRUE(store->get_workflow("nightly", 1).has_value());
  EXPECT_FALSE(store->get_workflow("nightly", 2).has_value());
  ASSERT_EQ(store->list_workflows().size(), 1u);

  const auto r = store->get_run("run-7");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->id, "run-7");
  EXPECT_EQ(r->workflow, "nightly");
  EXPECT_EQ(r->version, 1);
  EXPECT_EQ(r->status, sdk::RunStatus::running);
  EXPECT_EQ(r->params_json, R"({"day":"monday"})");
  EXPECT_EQ(r->idempotency_key, "monday");
  EXPECT_EQ(r->created_at, 1000);
  EXPECT_EQ(r->started_at, 1001);
  EXPECT_EQ(r->finished_at, 0);
  EXPECT_FALSE(store->get_run("run-8").has_value());

  sdk::RunFilter filter;
  filter.workflow = "nightly";
  filter.status = sdk::RunStatus::running;
  ASSERT_EQ(store->list_runs(filter).size(), 1u);
  filter.status = sdk::RunStatus::failed;
  EXPECT_TRUE(store->list_runs(filter).empty());

  const auto tasks = store->list_tasks("run-7");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].node, "build");
  EXPECT_EQ(tasks[0].index, 4);
  EXPECT_EQ(tasks[0].status, sdk::TaskStatus::succeeded);
  EXPECT_EQ(tasks[0].attempt, 2);
  EXPECT_EQ(tasks[0].exit_code, 0);
  EXPECT_EQ(tasks[0].external_id, "frozen-1");
  EXPECT_EQ(tasks[0].output_json, R"({"n":1})");
  EXPECT_EQ(tasks[0].finished_at, 1004);
  EXPECT_TRUE(store->list_tasks("run-8").empty());

  const auto tokens = store->list_tokens();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].id, "tok-1");
  EXPECT_EQ(tokens[0].role, "admin");
  EXPECT_FALSE(tokens[0].revoked);
}

TEST_F(FROZEN_PLUGIN_TEST, ItsStoreUpsertsByKey) {
  const auto store = open_store();
  sdk::WriteBatch first;
  first.runs = {run(sdk::RunStatus::running)};
  store->write(first);
  sdk::WriteBatch second;
  second.runs = {run(sdk::RunStatus::succeeded)};
  second.runs[0].finished_at = 2000;
  store->write(second);

  const auto r = store->get_run("run-7");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, sdk::RunStatus::succeeded);
  EXPECT_EQ(r->finished_at, 2000);
  EXPECT_EQ(store->list_runs({}).size(), 1u);
}

TEST_F(FROZEN_PLUGIN_TEST, ItsStoreRefusesAWorkflowVersionWithAnotherDigestAsAConflict) {
  const auto store = open_store();
  sdk::WriteBatch first;
  first.workflows = {workflow("sha256:aaa")};
  store->write(first);
  sdk::WriteBatch clash;
  clash.workflows = {workflow("sha256:bbb")};
  clash.runs = {run()};
  EXPECT_THROW(store->write(clash), StoreConflict);
  EXPECT_FALSE(store->get_run("run-7").has_value()) << "a refused batch must store nothing";
  EXPECT_EQ(store->get_workflow("nightly")->digest, "sha256:aaa");
}

}  // namespace
}  // namespace weft::daemon
