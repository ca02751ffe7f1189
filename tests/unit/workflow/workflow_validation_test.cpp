// Workflow documents checked as a whole: every field and every problem the
// parser names. Over 400 lines: one behaviour per test, for each field of the
// document.
#include "workflow_validation_fixture.hpp"

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

TEST_F(WorkflowValidation, MinimalWorkflowIsValid) {
  const auto workflow =
      valid(R"({"name": "w", "nodes": [{"id": "a", "type": "command", "params": {"argv": ["true"]}}]})");
  EXPECT_EQ(workflow.name, "w");
  ASSERT_EQ(workflow.nodes.size(), 1u);
  EXPECT_EQ(workflow.nodes[0].executor, "process");
  EXPECT_EQ(workflow.nodes[0].retry, RetryPolicy{});
  EXPECT_FALSE(workflow.nodes[0].timeout_s);
}

TEST_F(WorkflowValidation, ExampleWorkflowOfTheDesignIsValid) {
  catalog.other_types = {"partition", "condition", "http"};
  catalog.executors = {"process", "slurm"};
  const auto document = read_json_file(WEFT_SOURCE_DIR "/tests/unit/workflow/data/daily-ingest.json");
  auto workflow = parse(document);
  ASSERT_TRUE(workflow.ok()) << workflow.failure().message;
  EXPECT_EQ(workflow->name, "daily-ingest");
  EXPECT_EQ(workflow->max_parallel, 32);
  ASSERT_TRUE(workflow->schedule);
  EXPECT_EQ(workflow->schedule->cron, "0 3 * * *");
  EXPECT_TRUE(workflow->schedule->enabled);
  EXPECT_EQ(workflow->trigger_queue, "granules");
  EXPECT_EQ(workflow->document, document);
  ASSERT_EQ(workflow->nodes.size(), 5u);
  const auto& process = workflow->nodes[2];
  EXPECT_EQ(process.id, "process");
  EXPECT_EQ(process.executor, "slurm");
  EXPECT_EQ(process.max_parallel, 8);
  EXPECT_TRUE(process.for_each.has_value());
  EXPECT_EQ(process.resources, json({{"cpus", 2}, {"memory_mb", 4096}}));
  EXPECT_EQ(process.timeout_s, 3600);
  EXPECT_EQ(process.retry, (RetryPolicy{3, 2, 2, 300, std::nullopt}));
  EXPECT_THAT(process.dependencies, ElementsAre(1u));
  EXPECT_THAT(process.dependents, ElementsAre(3u));
  EXPECT_TRUE(workflow->nodes[4].when.has_value());
  EXPECT_EQ(workflow->node_index("enough"), 3u);
}

TEST_F(WorkflowValidation, DocumentThatIsNotAnObjectIsRejected) {
  auto workflow = parse(json::array());
  ASSERT_FALSE(workflow.ok());
  EXPECT_EQ(workflow.failure().message, "workflow is invalid: 1 problem");
  EXPECT_THAT(workflow.failure().details,
              ElementsAre(Problem{"", "a workflow document must be a JSON object, not array"}));
}

TEST_F(WorkflowValidation, MalformedJsonTextIsOneProblem) {
  auto workflow = parse_workflow_text("{\"name\": ", catalog);
  ASSERT_FALSE(workflow.ok());
  ASSERT_EQ(workflow.failure().details.size(), 1u);
  EXPECT_THAT(workflow.failure().details[0].message, HasSubstr("not valid JSON"));
}

TEST_F(WorkflowValidation, FailureNamesTheWorkflowAndCountsEveryProblem) {
  auto workflow =
      parse_text(R"({"name": "w", "color": 1, "nodes": [{"id": "a", "type": "nope"}, {"id": "a", "type": "noop"}]})");
  ASSERT_FALSE(workflow.ok());
  EXPECT_EQ(workflow.failure().code, ErrorCode::invalid_workflow);
  EXPECT_EQ(workflow.failure().message, "workflow 'w' is invalid: 3 problems");
  EXPECT_THAT(workflow.failure().details,
              ElementsAre(Problem{"/nodes/0/type", "unknown node type 'nope'; no loaded plugin provides it"},
                          Problem{"/nodes/1/id", "duplicate node id 'a' (also /nodes/0)"},
                          Problem{"/color",
                                  "unknown key 'color'; known keys: defaults, description, fail_fast, inputs, "
                                  "max_parallel, name, nodes, on_exit, outputs, params, schedule, timeout_s, "
                                  "trigger"}));
}

TEST_F(WorkflowValidation, NameIsRequired) {
  EXPECT_THAT(problems(R"({"nodes": [{"id": "a", "type": "noop"}]})"), ElementsAre(Problem{"/name", "is required"}));
}

TEST_F(WorkflowValidation, NameMustMatchItsPattern) {
  for (const auto* name : {"Upper", "-dash", "", "a b", "x/y"}) {
    EXPECT_THAT(problems(json({{"name", name}, {"nodes", {{{"id", "a"}, {"type", "noop"}}}}}).dump()),
                ElementsAre(Field(&Problem::path, "/name")))
        << name;
  }
  EXPECT_THAT(problems(json({{"name", std::string(64, 'a')}, {"nodes", {{{"id", "a"}, {"type", "noop"}}}}}).dump()),
              ElementsAre(Field(&Problem::path, "/name")));
  valid(json({{"name", "0.a_b-" + std::string(57, 'c')}, {"nodes", {{{"id", "a"}, {"type", "noop"}}}}}).dump());
}

TEST_F(WorkflowValidation, MalformedTypesAreReportedAtTheirPointers) {
  EXPECT_THAT(problems(R"({"name": 5, "description": [], "params": 1, "nodes": {}})"),
              ElementsAre(Problem{"/name", "must be a string, not number"},
                          Problem{"/description", "must be a string, not array"},
                          Problem{"/params", "must be an object, not number"},
                          Problem{"/nodes", "must be an array, not object"}));
}

TEST_F(WorkflowValidation, NodeThatIsNotAnObjectIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": ["a"]})"),
              ElementsAre(Problem{"/nodes/0", "must be an object, not string"}));
}

TEST_F(WorkflowValidation, WorkflowNeedsAtLeastOneNode) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": []})"), ElementsAre(Problem{"/nodes", "must list at least one node"}));
}

TEST_F(WorkflowValidation, NodeIdAndTypeAreRequired) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{}]})"),
              ElementsAre(Problem{"/nodes/0/id", "is required"}, Problem{"/nodes/0/type", "is required"}));
}

TEST_F(WorkflowValidation, NodeIdMustMatchItsPattern) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "9lives", "type": "noop"}, {"id": "a.b", "type": "noop"}]})"),
              ElementsAre(Problem{"/nodes/0/id", "'9lives' does not match [A-Za-z_][A-Za-z0-9_-]{0,62}"},
                          Problem{"/nodes/1/id", "'a.b' does not match [A-Za-z_][A-Za-z0-9_-]{0,62}"}));
}

TEST_F(WorkflowValidation, DuplicateNodeIdIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop"},
                                                  {"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/nodes/2/id", "duplicate node id 'a' (also /nodes/0)"}));
}

TEST_F(WorkflowValidation, UnknownTopLevelKeySuggestsTheClosestKnownOne) {
  EXPECT_THAT(problems(R"({"name": "w", "max_paralel": 2, "nodes": [{"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/max_paralel", "unknown key 'max_paralel'; did you mean 'max_parallel'?"}));
}

TEST_F(WorkflowValidation, UnknownNodeKeyIsRejected) {
  EXPECT_THAT(
      problems(
          R"({"name": "w", "nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop", "dependson": ["a"]}]})"),
      ElementsAre(Problem{"/nodes/1/dependson", "unknown key 'dependson'; did you mean 'depends_on'?"}));
}

TEST_F(WorkflowValidation, UnknownKeysInNestedSettingsAreRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "defaults": {"retry": {"attempts": 2}},
                           "nodes": [{"id": "a", "type": "noop", "resources": {"memory": 5}}]})"),
              ElementsAre(Field(&Problem::path, "/defaults/retry/attempts"),
                          Field(&Problem::path, "/nodes/0/resources/memory")));
}

TEST_F(WorkflowValidation, UnknownDependencyIsNamed) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "list", "type": "noop"}, {"id": "b", "type": "noop"},
                                                  {"id": "c", "type": "noop", "depends_on": ["lst"]}]})"),
              ElementsAre(Problem{"/nodes/2/depends_on/0", "unknown node 'lst'"}));
}

TEST_F(WorkflowValidation, DependencyThatIsNotAStringIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
                                                  {"id": "b", "type": "noop", "depends_on": [1, "x"]}]})"),
              ElementsAre(Problem{"/nodes/1/depends_on/0", "must be a node id, not number"},
                          Problem{"/nodes/1/depends_on/1", "unknown node 'x'"}));
}

TEST_F(WorkflowValidation, SelfDependencyIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "depends_on": ["a"]}]})"),
              ElementsAre(Problem{"/nodes/0/depends_on/0", "node 'a' depends on itself"}));
}

TEST_F(WorkflowValidation, DependencyListedTwiceIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
                                                  {"id": "b", "type": "noop", "depends_on": ["a", "a"]}]})"),
              ElementsAre(Problem{"/nodes/1/depends_on/1", "'a' is listed twice"}));
}

TEST_F(WorkflowValidation, CycleIsRejectedNamingTheCycle) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [
                {"id": "a", "type": "noop", "depends_on": ["c"]},
                {"id": "b", "type": "noop", "depends_on": ["a"]},
                {"id": "c", "type": "noop", "depends_on": ["b"]}]})"),
              ElementsAre(Problem{"/nodes/0/depends_on/0", "cycle: a -> b -> c -> a"}));
}

TEST_F(WorkflowValidation, EachCycleIsReportedOnceAndNodesBelowItAreNot) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [
                {"id": "start", "type": "noop"},
                {"id": "a", "type": "noop", "depends_on": ["start", "b"]},
                {"id": "b", "type": "noop", "depends_on": ["a"]},
                {"id": "below", "type": "noop", "depends_on": ["b"]},
                {"id": "x", "type": "noop", "depends_on": ["y"]},
                {"id": "y", "type": "noop", "depends_on": ["x"]}]})"),
              ElementsAre(Problem{"/nodes/1/depends_on/1", "cycle: a -> b -> a"},
                          Problem{"/nodes/4/depends_on/0", "cycle: x -> y -> x"}));
}

TEST_F(WorkflowValidation, DependentsAreLinked) {
  const auto workflow = valid(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
      {"id": "b", "type": "noop", "depends_on": ["a"]}, {"id": "c", "type": "noop", "depends_on": ["a", "b"]}]})");
  ASSERT_EQ(workflow.nodes.size(), 3u);
  EXPECT_THAT(workflow.nodes[0].dependents, ElementsAre(1u, 2u));
  EXPECT_THAT(workflow.nodes[2].dependencies, ElementsAre(0u, 1u));
}

TEST_F(WorkflowValidation, UnknownNodeTypeIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "teleport"}]})"),
              ElementsAre(Problem{"/nodes/0/type", "unknown node type 'teleport'; no loaded plugin provides it"}));
}

TEST_F(WorkflowValidation, PluginParamProblemsAreReportedUnderTheNodesParams) {
  EXPECT_THAT(problems(
                  R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
                                   {"id": "b", "type": "command", "params": {"argv": []}},
                                                  {"id": "c", "type": "noop", "params": {"x": 1}}]})"),
              ElementsAre(Problem{"/nodes/1/params/argv", "node 'b' params/argv: must be a non-empty array"},
                          Problem{"/nodes/2/params", "node 'c' params: noop takes no params"}));
}

TEST_F(WorkflowValidation, UnknownExecutorIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "executor": "slurm"}]})"),
              ElementsAre(Problem{"/nodes/0/executor", "unknown executor 'slurm'; no loaded plugin provides it"}));
}

TEST_F(WorkflowValidation, UnknownDefaultExecutorIsReportedOnce) {
  EXPECT_THAT(problems(R"({"name": "w", "defaults": {"executor": "argo"},
                           "nodes": [{"id": "a", "type": "noop"}, {"id": "b", "type": "noop"}]})"),
              ElementsAre(Problem{"/defaults/executor", "unknown executor 'argo'; no loaded plugin provides it"}));
}

TEST_F(WorkflowValidation, NodeSettingsOverrideDefaultsFieldByField) {
  catalog.executors = {"process", "slurm"};
  const auto workflow = valid(R"({"name": "w",
      "defaults": {"executor": "slurm", "timeout_s": 60, "resources": {"cpus": 1, "memory_mb": 100},
                   "retry": {"max_attempts": 3, "backoff_s": 5, "max_duration_s": 600}},
      "nodes": [{"id": "a", "type": "noop"},
                {"id": "b", "type": "noop", "executor": "process", "timeout_s": 0.5, "resources": {"cpus": 4},
                 "retry": {"max_attempts": 1, "max_backoff_s": 10, "max_duration_s": 30}}]})");
  ASSERT_EQ(workflow.nodes.size(), 2u);
  EXPECT_EQ(workflow.nodes[0].executor, "slurm");
  EXPECT_EQ(workflow.nodes[0].timeout_s, 60);
  EXPECT_EQ(workflow.nodes[0].retry, (RetryPolicy{3, 5, 2, 300, 600}));
  EXPECT_EQ(workflow.nodes[1].executor, "process");
  EXPECT_EQ(workflow.nodes[1].timeout_s, 0.5);
  EXPECT_EQ(workflow.nodes[1].resources, json({{"cpus", 4}, {"memory_mb", 100}}));
  EXPECT_EQ(workflow.nodes[1].retry, (RetryPolicy{1, 5, 2, 10, 30}));
}

TEST_F(WorkflowValidation, ARunTimeoutIsReadAndMustBePositive) {
  EXPECT_EQ(valid(R"({"name": "w", "timeout_s": 3600, "nodes": [{"id": "a", "type": "noop"}]})").timeout_s, 3600);
  EXPECT_THAT(problems(R"({"name": "w", "timeout_s": 0, "nodes": [{"id": "a", "type": "noop"}]})"),
              ::testing::ElementsAre(Problem{"/timeout_s", "must be a number > 0, not 0"}));
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "retry": {"max_duration_s": -1}}]})"),
              ::testing::ElementsAre(Problem{"/nodes/0/retry/max_duration_s", "must be a number > 0, not -1"}));
}

TEST_F(WorkflowValidation, MaxParallelBelowOneIsRejected) {
  EXPECT_THAT(
      problems(R"({"name": "w", "max_parallel": 0, "nodes": [{"id": "a", "type": "noop", "max_parallel": 1.5}]})"),
      ElementsAre(Problem{"/max_parallel", "must be an integer >= 1, not 0"},
                  Problem{"/nodes/0/max_parallel", "must be an integer >= 1, not 1.5"}));
}

TEST_F(WorkflowValidation, RetryNumbersOutOfRangeAreRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop",
                 "retry": {"max_attempts": 0, "backoff_s": -1, "backoff_factor": 0.5, "max_backoff_s": "1"}}]})"),
              ElementsAre(Problem{"/nodes/0/retry/max_attempts", "must be an integer >= 1, not 0"},
                          Problem{"/nodes/0/retry/backoff_s", "must be a number >= 0, not -1"},
                          Problem{"/nodes/0/retry/backoff_factor", "must be a number >= 1, not 0.5"},
                          Problem{"/nodes/0/retry/max_backoff_s", "must be a number >= 0, not \"1\""}));
}

TEST_F(WorkflowValidation, TimeoutMustBePositive) {
  EXPECT_THAT(problems(R"({"name": "w", "defaults": {"timeout_s": 0}, "nodes": [{"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/defaults/timeout_s", "must be a number > 0, not 0"}));
}

TEST_F(WorkflowValidation, CronMustHaveFiveOrSixFields) {
  EXPECT_THAT(problems(R"({"name": "w", "schedule": {"cron": "0 3 * *"}, "nodes": [{"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/schedule/cron",
                                  "cron '0 3 * *': expected 5 fields (minute hour day-of-month "
                                  "month day-of-week), or 6 with a leading second, found 4"}));
}

TEST_F(WorkflowValidation, CronThatNeverFiresIsRejected) {
  EXPECT_THAT(
      problems(R"({"name": "w", "schedule": {"cron": "0 0 30 feb *"}, "nodes": [{"id": "a", "type": "noop"}]})"),
      ElementsAre(Problem{"/schedule/cron", "cron '0 0 30 feb *' never fires: no date matches it"}));
}

TEST_F(WorkflowValidation, ScheduleEnabledIsABoolean) {
  auto workflow = parse(json::parse(
      R"({"name": "w", "schedule": {"cron": "*/5 * * * * *", "enabled": false}, "nodes": [{"id": "a", "type": "noop"}]})"));
  ASSERT_TRUE(workflow.ok()) << workflow.failure().message;
  EXPECT_FALSE(workflow->schedule->enabled);
  EXPECT_THAT(
      problems(
          R"({"name": "w", "schedule": {"cron": "0 3 * * *", "enabled": "no"}, "nodes": [{"id": "a", "type": "noop"}]})"),
      ElementsAre(Problem{"/schedule/enabled", "must be a boolean, not string"}));
}

TEST_F(WorkflowValidation, CronFieldOutOfRangeIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "schedule": {"cron": "0 25 * * *"}, "nodes": [{"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/schedule/cron", "cron '0 25 * * *': hour 25 is out of range 0-23"}));
}

TEST_F(WorkflowValidation, ScheduleWithoutCronIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "schedule": {}, "nodes": [{"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/schedule/cron", "is required"}));
}

TEST_F(WorkflowValidation, TriggerQueueMustBeAName) {
  EXPECT_THAT(problems(R"({"name": "w", "trigger": {"queue": "a/b"}, "nodes": [{"id": "a", "type": "noop"}]})"),
              ElementsAre(Problem{"/trigger/queue", "'a/b' does not match [A-Za-z0-9._-]{1,128}"}));
}

TEST_F(WorkflowValidation, WhenThatDoesNotParseIsRejected) {
  EXPECT_THAT(
      problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "when": "params.x =="}]})"),
      ElementsAre(Problem{"/nodes/0/when", "expression 'params.x ==' at column 12: expected a value, found the end"}));
}

TEST_F(WorkflowValidation, ForEachThatDoesNotParseIsRejected) {
  EXPECT_THAT(
      problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "for_each": "{{ params.x"}]})"),
      ElementsAre(Problem{"/nodes/0/for_each", "template '{{ params.x' at column 1: '{{' is not closed by '}}'"}));
}

TEST_F(WorkflowValidation, ForEachMustBeOnePlaceholder) {
  EXPECT_THAT(
      problems(
          R"({"name": "w", "params": {"x": []},
              "nodes": [{"id": "a", "type": "noop", "for_each": "x {{ params.x }}"}]})"),
      ElementsAre(Problem{"/nodes/0/for_each", "must be one {{ ... }} and nothing else, so that it yields an array"}));
}

TEST_F(WorkflowValidation, ACacheKeyMayReadParamsUpstreamOutputsAndTheItem) {
  valid(R"({"name": "w", "params": {"day": "d", "files": []}, "nodes": [
      {"id": "a", "type": "noop"},
      {"id": "b", "type": "noop", "depends_on": ["a"], "for_each": "{{ params.files }}",
       "cache": {"key": "{{ params.day }}/{{ nodes.a.output.v }}/{{ item }}", "ttl_s": 3600}},
      {"id": "c", "type": "noop", "cache": {"key": "reference-genome-v1"}}]})");
}

TEST_F(WorkflowValidation, ACacheWithoutAKeyIsRejectedNamingTheNode) {
  const std::string why =
      "node 'a': cache needs a key, a non-empty string template such as \"{{ params.day }}\": tasks whose keys "
      "render the same share one output";
  for (const std::string cache : {R"({"ttl_s": 60})", R"({"key": ""})", R"({"key": 7})"}) {
    EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "cache": )" + cache + "}]}"),
                ElementsAre(Problem{"/nodes/0/cache/key", why}))
        << cache;
  }
}

TEST_F(WorkflowValidation, ACacheIsCheckedLikeTheRestOfTheNode) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "cache": "{{ params.x }}"}]})"),
              ElementsAre(Problem{"/nodes/0/cache", "must be an object, not string"}));
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "cache": {"key": "k", "ttl_s": 0}}]})"),
              ElementsAre(::testing::Field(&Problem::path, "/nodes/0/cache/ttl_s")));
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "cache": {"key": "k", "ttl": 60}}]})"),
              ElementsAre(::testing::Field(&Problem::path, "/nodes/0/cache/ttl")));
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "cache": {"key": "{{ (1 }}"}}]})"),
              ElementsAre(Problem{"/nodes/0/cache/key",
                                  "node 'a' cache/key: template '{{ (1 }}' at column 7: expected ')', found '}'"}));
}

TEST_F(WorkflowValidation, ACacheKeyReadsOnlyWhatTheNodeMay) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
                         {"id": "b", "type": "noop", "cache": {"key": "{{ nodes.a.output.v }}"}}]})"),
              ElementsAre(::testing::Field(&Problem::path, "/nodes/1/cache/key")));
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "cache": {"key": "{{ item }}"}}]})"),
              ElementsAre(::testing::Field(&Problem::path, "/nodes/0/cache/key")));
}

TEST_F(WorkflowValidation, ParamTemplateThatDoesNotParseIsRejectedAtItsPointer) {
  EXPECT_THAT(
      problems(R"({"name": "w", "nodes": [{"id": "a", "type": "command", "params": {"argv": ["echo", "{{ (1 }}"]}}]})"),
      ElementsAre(Problem{"/nodes/0/params/argv/1",
                          "node 'a' params/argv/1: template '{{ (1 }}' at column 7: expected ')', found '}'"}));
}

TEST_F(WorkflowValidation, TemplateMayReadTransitivelyUpstreamNodes) {
  valid(R"({"name": "w", "nodes": [
      {"id": "a", "type": "noop"}, {"id": "b", "type": "noop", "depends_on": ["a"]},
      {"id": "c", "type": "command", "depends_on": ["b"], "params": {"argv": ["{{ nodes.a.output.x }}"]}}]})");
}

TEST_F(WorkflowValidation, TemplateReadingANodeThatIsNotUpstreamIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [
      {"id": "a", "type": "noop"}, {"id": "b", "type": "noop"},
      {"id": "c", "type": "command", "depends_on": ["b"], "params": {"argv": ["x", "{{ nodes.a.output }}"]}}]})"),
              ElementsAre(Problem{"/nodes/2/params/argv/1",
                                  "nodes.a.output: node 'a' is not upstream of 'c'; add it to depends_on"}));
}

TEST_F(WorkflowValidation, TemplateReadingAnUnknownNodeIsRejected) {
  EXPECT_THAT(problems(
                  R"({"name": "w",
              "nodes": [{"id": "a", "type": "command", "params": {"argv": ["{{ nodes.lst.output }}"]}}]})"),
              ElementsAre(Problem{"/nodes/0/params/argv/0", "nodes.lst.output: unknown node 'lst'"}));
}

TEST_F(WorkflowValidation, NodeCannotReadItsOwnOutput) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "when": "nodes.a.output"}]})"),
              ElementsAre(Problem{"/nodes/0/when", "nodes.a.output: node 'a' cannot read its own output"}));
}

TEST_F(WorkflowValidation, NodePathMustNameOutputOrOutputs) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
                                                  {"id": "b", "type": "noop", "depends_on": ["a"],
                                                   "when": "nodes.a.result"}]})"),
              ElementsAre(Problem{"/nodes/1/when",
                                  "nodes.a.result: write nodes.<id>.output, nodes.<id>.outputs for a node with "
                                  "for_each, or nodes.<id>.status"}));
}

TEST_F(WorkflowValidation, ForEachNodeMustBeReadAsOutputs) {
  EXPECT_THAT(problems(R"({"name": "w", "params": {"xs": [1]}, "nodes": [
      {"id": "a", "type": "noop", "for_each": "{{ params.xs }}"},
      {"id": "b", "type": "noop", "depends_on": ["a"], "when": "nodes.a.output"}]})"),
              ElementsAre(Problem{"/nodes/1/when", "nodes.a.output: node 'a' has for_each; read nodes.a.outputs"}));
}

TEST_F(WorkflowValidation, NodeWithoutForEachMustBeReadAsOutput) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop"},
                                                  {"id": "b", "type": "noop", "depends_on": ["a"],
                                                   "when": "len(nodes.a.outputs) > 0"}]})"),
              ElementsAre(Problem{"/nodes/1/when", "nodes.a.outputs: node 'a' has no for_each; read nodes.a.output"}));
}

TEST_F(WorkflowValidation, UndeclaredParamIsRejected) {
  EXPECT_THAT(problems(R"({"name": "w", "params": {"date": "x"},
                           "nodes": [{"id": "a", "type": "command", "params": {"argv": ["{{ params.dat }}"]}}]})"),
              ElementsAre(Problem{"/nodes/0/params/argv/0",
                                  "params.dat: unknown parameter 'dat'; declare it in the workflow's params"}));
}

TEST_F(WorkflowValidation, TriggeredWorkflowMayReadTheMessageParam) {
  valid(R"({"name": "w", "trigger": {"queue": "q"},
            "nodes": [{"id": "a", "type": "command", "params": {"argv": ["{{ params.message.path }}"]}}]})");
}

TEST_F(WorkflowValidation, ItemOutsideAForEachNodeIsRejected) {
  EXPECT_THAT(
      problems(R"({"name": "w", "nodes": [{"id": "a", "type": "command", "params": {"argv": ["{{ item }}"]}}]})"),
      ElementsAre(Problem{"/nodes/0/params/argv/0", "item: item is set only in the params of a node with for_each"}));
}

TEST_F(WorkflowValidation, ItemIsNotSetInTheForEachItself) {
  EXPECT_THAT(
      problems(R"({"name": "w", "nodes": [{"id": "a", "type": "noop", "for_each": "{{ item }}"}]})"),
      ElementsAre(Problem{"/nodes/0/for_each", "item: item is set only in the params of a node with for_each"}));
}

TEST_F(WorkflowValidation, ItemAndIndexAreSetInTheParamsOfAForEachNode) {
  valid(R"({"name": "w", "params": {"xs": [1, 2]}, "nodes": [{"id": "a", "type": "command",
            "for_each": "{{ params.xs }}", "params": {"argv": ["echo", "{{ item }}", "{{ index }}"]}}]})");
}

TEST_F(WorkflowValidation, RunAndWorkflowFieldsAreChecked) {
  EXPECT_THAT(problems(R"({"name": "w", "nodes": [{"id": "a", "type": "command",
                           "params": {"argv": ["{{ run.id }}", "{{ run.name }}",
                                               "{{ workflow.version }}", "{{ workflow.owner }}"]}}]})"),
              ElementsAre(Problem{"/nodes/0/params/argv/1", "run.name: run has only id, status and failed_nodes"},
                          Problem{"/nodes/0/params/argv/3", "workflow.owner: workflow has only name and version"}));
}

TEST_F(WorkflowValidation, EveryProblemOfTheDocumentIsReportedAtOnce) {
  const auto found = problems(R"({"name": "W", "max_parallel": -1, "nodes": [
      {"id": "a", "type": "teleport", "executor": "argo", "retry": {"max_attempts": 0}},
      {"id": "b", "type": "command", "depends_on": ["zz"], "when": "(", "params": {}}]})");
  EXPECT_EQ(found.size(), 8u);
  EXPECT_THAT(found, Contains(Field(&Problem::path, "/name")));
  EXPECT_THAT(found, Contains(Field(&Problem::path, "/nodes/1/depends_on/0")));
  EXPECT_THAT(found, Contains(Field(&Problem::path, "/nodes/1/params/argv")));
}

TEST_F(WorkflowValidation, CopiesShareParsedExpressions) {
  const auto workflow = valid(R"({"name": "w", "params": {"go": true},
                                  "nodes": [{"id": "a", "type": "noop", "when": "params.go"}]})");
  const Workflow copy = workflow;
  const json context = {{"params", {{"go", false}}}};
  auto result = copy.nodes[0].when->test(JsonScope(context));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result.value());
}

}  // namespace
}  // namespace weft::daemon
