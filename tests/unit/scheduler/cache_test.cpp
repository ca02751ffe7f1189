// The node cache in the scheduler: which tasks take an earlier task's output
// instead of running, on virtual time (ttl_s) with the store in memory. The
// stores' own matching is the cache conformance suite's; weftd end to end is
// tests/e2e's.
#include "scheduler_fixture.hpp"

namespace weft::test {
namespace {

using ::testing::HasSubstr;

class CacheTest : public SchedulerTest {
 protected:
  // Node a, with a cache keyed by params.day for ttl_s, and b after it, which reads a's output.
  std::string cached_workflow(double ttl_s = 3600) {
    return apply(workflow(
        {{{"id", "a"}, {"type", "task"}, {"cache", {{"key", "day={{ params.day }}"}, {"ttl_s", ttl_s}}}},
         {{"id", "b"}, {"type", "inline"}, {"depends_on", {"a"}}, {"params", {{"rows", "{{ nodes.a.output.rows }}"}}}}},
        {{"params", {{"day", "monday"}}}}));
  }
  // Starts a run of workflow with params, and ends each task it starts with the given output until the run ends.
  std::string run_to_end(const std::string& name, const json& params, const std::string& output = R"({"rows": 7})") {
    size_t finished = started();
    auto created = create(name, params);
    EXPECT_TRUE(created) << created.failure().message;
    std::string id = created ? created->id : "";
    EXPECT_TRUE(eventually([&] {
      for (; finished < started(); ++finished) finish(runtime_.started()[finished], 0, output);
      return is_final_run(id);
    }));
    return id;
  }
  bool is_final_run(const std::string& id) {
    const auto r = stored_run(id);
    return r && sdk::is_final(r->status);
  }
};

TEST_F(CacheTest, ARunWithTheSameKeyTakesTheEarlierOutputAndRunsNothing) {
  const auto name = cached_workflow();
  const auto first = run_to_end(name, {{"day", "monday"}});
  ASSERT_EQ(started(), 1u);
  const auto second = run_to_end(name, {{"day", "monday"}});
  EXPECT_EQ(started(), 1u) << "the second run started its task although the cache had its output";
  EXPECT_TRUE(run_is(second, RunStatus::succeeded));
  const auto hit = stored_task(second, "a");
  EXPECT_EQ(hit->status, TaskStatus::succeeded);
  EXPECT_EQ(json::parse(hit->output_json), json::parse(R"({"rows": 7})"));
  EXPECT_EQ(hit->cache_key, "day=monday");
  EXPECT_EQ(hit->cached_from, (sdk::TaskRef{first, "a", -1}));
  EXPECT_EQ(hit->executor, "");
  EXPECT_EQ(json::parse(stored_task(second, "b")->output_json)["echo"]["rows"], 7) << "b read a's cached output";
  const auto ran = stored_task(first, "a");
  EXPECT_EQ(ran->cache_key, "day=monday");
  EXPECT_EQ(ran->cached_from, sdk::TaskRef{}) << "the first run's task ran";
}

TEST_F(CacheTest, ADifferentKeyRuns) {
  const auto name = cached_workflow();
  run_to_end(name, {{"day", "monday"}});
  const auto second = run_to_end(name, {{"day", "tuesday"}});
  EXPECT_EQ(started(), 2u);
  EXPECT_EQ(stored_task(second, "a")->cached_from, sdk::TaskRef{});
}

TEST_F(CacheTest, AnOutputOlderThanTtlIsNotTaken) {
  const auto name = cached_workflow(60);
  run_to_end(name, {{"day", "monday"}});
  clock_.advance(59s);
  run_to_end(name, {{"day", "monday"}});
  EXPECT_EQ(started(), 1u) << "59 s after, within ttl_s 60";
  clock_.advance(2s);
  run_to_end(name, {{"day", "monday"}});
  EXPECT_EQ(started(), 2u) << "61 s after the task that ran, past ttl_s 60";
}

// A hit is not a new entry: the age that counts is that of the task that ran.
TEST_F(CacheTest, AHitDoesNotMakeTheOutputYounger) {
  const auto name = cached_workflow(60);
  run_to_end(name, {{"day", "monday"}});
  clock_.advance(50s);
  run_to_end(name, {{"day", "monday"}});
  clock_.advance(20s);
  run_to_end(name, {{"day", "monday"}});
  EXPECT_EQ(started(), 2u);
}

TEST_F(CacheTest, WithoutTtlAnOutputOfAnyAgeIsTaken) {
  const auto name = apply(workflow({{{"id", "a"}, {"type", "task"}, {"cache", {{"key", "always"}}}}}));
  run_to_end(name, json::object());
  clock_.advance(std::chrono::hours(24 * 365));
  run_to_end(name, json::object());
  EXPECT_EQ(started(), 1u);
}

TEST_F(CacheTest, AFailedTaskIsNotTaken) {
  const auto name = cached_workflow();
  const auto id = create(name, {{"day", "monday"}})->id;
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  finish(runtime_.started()[0], 1);
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  run_to_end(name, {{"day", "monday"}});
  EXPECT_EQ(started(), 2u);
}

TEST_F(CacheTest, OnlyTasksOfTheSameWorkflowAreTaken) {
  const auto name = cached_workflow();
  run_to_end(name, {{"day", "monday"}});
  json other = workflow({{{"id", "a"}, {"type", "task"}, {"cache", {{"key", "day={{ params.day }}"}}}}},
                        {{"params", {{"day", "monday"}}}});
  other["name"] = "other";
  run_to_end(apply(other), {{"day", "monday"}});
  EXPECT_EQ(started(), 2u);
}

TEST_F(CacheTest, EachElementOfAForEachIsLookedUpByItsOwnKey) {
  const auto name = apply(workflow(
      {{{"id", "a"}, {"type", "task"}, {"for_each", "{{ params.files }}"}, {"cache", {{"key", "{{ item }}"}}}}},
      {{"params", {{"files", json::array()}}}}));
  const auto first = run_to_end(name, {{"files", {"x.csv", "y.csv"}}});
  ASSERT_EQ(started(), 2u);
  const auto second = run_to_end(name, {{"files", {"z.csv", "y.csv"}}});
  ASSERT_EQ(started(), 3u) << "only z.csv is new";
  EXPECT_EQ(runtime_.started()[2].index, 0);
  EXPECT_EQ(stored_task(second, "a", 0)->cached_from, sdk::TaskRef{});
  EXPECT_EQ(stored_task(second, "a", 1)->cached_from, (sdk::TaskRef{first, "a", 1}));
  EXPECT_EQ(stored_task(second, "a", 1)->cache_key, "y.csv");
}

TEST_F(CacheTest, AKeyThatIsNotTextIsItsJsonText) {
  const auto name = apply(workflow({{{"id", "a"}, {"type", "task"}, {"cache", {{"key", "{{ params.input }}"}}}}},
                                   {{"params", {{"input", json::object()}}}}));
  const auto id = run_to_end(name, {{"input", {{"b", 2}, {"a", 1}}}});
  EXPECT_EQ(stored_task(id, "a")->cache_key, R"({"a":1,"b":2})");
}

// A database index holds keys of a bounded size (PostgreSQL's about 2.7 kB):
// a long key is stored and matched as its digest.
TEST_F(CacheTest, ALongKeyIsKeptAsItsDigestAndStillMatches) {
  const auto name = apply(workflow({{{"id", "a"}, {"type", "task"}, {"cache", {{"key", "{{ params.input }}"}}}}},
                                   {{"params", {{"input", ""}}}}));
  const std::string long_input(100000, 'x');
  const auto first = run_to_end(name, {{"input", long_input}});
  const auto key = stored_task(first, "a")->cache_key;
  EXPECT_EQ(key.rfind("sha256:", 0), 0u) << key.substr(0, 80);
  EXPECT_EQ(key.size(), 7u + 64u);
  run_to_end(name, {{"input", long_input + "y"}});
  EXPECT_EQ(started(), 2u) << "another long key is another digest";
  const auto third = run_to_end(name, {{"input", long_input}});
  EXPECT_EQ(started(), 2u) << "the same long key matches";
  EXPECT_EQ(stored_task(third, "a")->cached_from, (sdk::TaskRef{first, "a", -1}));
}

// A NUL byte is text like any other to the cache: keys that differ by it
// never match, whatever a store does with NUL (PostgreSQL's text holds none).
TEST_F(CacheTest, KeysThatDifferOnlyAfterANulByteDoNotMatch) {
  const auto name = apply(workflow({{{"id", "a"}, {"type", "task"}, {"cache", {{"key", "{{ params.input }}"}}}}},
                                   {{"params", {{"input", ""}}}}));
  const auto id = run_to_end(name, {{"input", std::string("a\0b", 3)}});
  EXPECT_EQ(stored_task(id, "a")->cache_key, std::string("a\0b", 3));
  run_to_end(name, {{"input", std::string("a\0c", 3)}});
  EXPECT_EQ(started(), 2u);
}

TEST_F(CacheTest, AKeyThatCannotBeRenderedFailsTheTaskSayingSo) {
  const auto name = apply(workflow({{{"id", "a"}, {"type", "task"}, {"cache", {{"key", "{{ params.input.day }}"}}}}},
                                   {{"params", {{"input", json::object()}}}}));
  const auto id = create(name)->id;
  ASSERT_TRUE(eventually([&] { return run_is(id, RunStatus::failed); }));
  EXPECT_THAT(stored_task(id, "a")->error, HasSubstr("cache.key: "));
  EXPECT_EQ(started(), 0u);
}

TEST_F(CacheTest, AHitIsKeptAcrossARestart) {
  const auto name = cached_workflow();
  const auto first = run_to_end(name, {{"day", "monday"}});
  const auto second = run_to_end(name, {{"day", "monday"}});
  stop_scheduler();
  start_scheduler();
  const auto hit = stored_task(second, "a");
  EXPECT_EQ(hit->cached_from, (sdk::TaskRef{first, "a", -1}));
  run_to_end(name, {{"day", "monday"}});
  EXPECT_EQ(started(), 1u);
}

}  // namespace
}  // namespace weft::test
