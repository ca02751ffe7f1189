// The conformance suite for a store's node cache (ABI 2.1: find_cached, and
// the cache fields of a task record), on top of the suite every store
// passes. Include this header in one .cpp and instantiate it beside the
// others:
//
//   WEFT_STORE_CONFORMANCE(Sqlite, store_under_test);
//   WEFT_CACHE_STORE_CONFORMANCE(Sqlite, store_under_test);
#pragma once

#include <weft/sdk/testing/store_conformance.hpp>

namespace weft::sdk::testing {

class CacheStoreConformance : public StoreConformance {
 protected:
  void SetUp() override {
    StoreConformance::SetUp();
    ASSERT_TRUE(store().keeps_cache()) << GetParam().name << " has not find_cached";
  }
  // A run of workflow, and its task `node` that ran and succeeded with key at finished_at.
  void put_ran(const std::string& run_id, const std::string& workflow, const std::string& node, const std::string& key,
               int64_t finished_at, int64_t index = -1) {
    RunRecord r = run(run_id, finished_at - 10);
    r.workflow = workflow;
    TaskRecord t = task(run_id, node, index);
    t.cache_key = key;
    t.cached_from = {};
    t.finished_at = finished_at;
    t.output_json = R"({"from":")" + run_id + R"("})";
    put({{}, {r}, {t}, {}});
  }
  // Where each lookup's task came from, as "run/node[index]", or "" when none was found.
  std::vector<std::string> found(const std::vector<CacheLookup>& lookups) {
    std::vector<std::string> where;
    for (const auto& task : store().find_cached(lookups)) {
      where.push_back(task ? task->run_id + "/" + task->node + "[" + std::to_string(task->index) + "]" : "");
    }
    return where;
  }
};

TEST_P(CacheStoreConformance, ATaskIsFoundByWorkflowAndKeyWithEveryField) {
  put_ran("run-1", "etl", "extract", "day=2024-01-01", 5000, 3);
  const auto tasks = store().find_cached({{"etl", "day=2024-01-01", 0}});
  ASSERT_EQ(tasks.size(), 1u);
  ASSERT_TRUE(tasks[0].has_value()) << "the task that ran with the key was not found";
  EXPECT_EQ(describe(*tasks[0]), describe(store().list_tasks("run-1").at(0)));
}

TEST_P(CacheStoreConformance, TheNewestTaskWithTheKeyIsFound) {
  put_ran("run-1", "etl", "extract", "k", 5000);
  put_ran("run-3", "etl", "extract", "k", 7000);
  put_ran("run-2", "etl", "extract", "k", 6000);
  EXPECT_EQ(found({{"etl", "k", 0}}), std::vector<std::string>{"run-3/extract[-1]"});
}

TEST_P(CacheStoreConformance, ATaskThatFinishedBeforeNotBeforeIsNotFound) {
  put_ran("run-1", "etl", "extract", "k", 5000);
  EXPECT_EQ(found({{"etl", "k", 5000}, {"etl", "k", 5001}}), (std::vector<std::string>{"run-1/extract[-1]", ""}));
}

TEST_P(CacheStoreConformance, OnlyTasksOfTheWorkflowWithTheSameKeyAreFound) {
  put_ran("run-1", "etl", "extract", "k", 5000);
  put_ran("run-2", "report", "extract", "k2", 5000);
  EXPECT_EQ(found({{"report", "k", 0}, {"etl", "K", 0}, {"etl", "k ", 0}, {"etl", "k2", 0}}),
            (std::vector<std::string>{"", "", "", ""}));
}

TEST_P(CacheStoreConformance, AnyNodeOfTheWorkflowWithTheKeyIsFound) {
  put_ran("run-1", "etl", "download", "shared", 5000, 7);
  EXPECT_EQ(found({{"etl", "shared", 0}}), std::vector<std::string>{"run-1/download[7]"});
}

TEST_P(CacheStoreConformance, TasksThatDidNotSucceedAreNotFound) {
  put_ran("run-1", "etl", "extract", "k", 5000);
  for (const TaskStatus status : kEveryTaskStatus) {
    if (status == TaskStatus::succeeded) continue;
    auto t = store().list_tasks("run-1").at(0);
    t.status = status;
    put({{}, {}, {t}, {}});
    EXPECT_EQ(found({{"etl", "k", 0}}), std::vector<std::string>{""}) << "a task " << to_string(status) << " was found";
  }
}

TEST_P(CacheStoreConformance, ACacheHitIsNotFoundItself) {
  put_ran("run-1", "etl", "extract", "k", 5000);
  auto hit = store().list_tasks("run-1").at(0);
  hit.cached_from = {"run-0", "extract", -1};
  put({{}, {}, {hit}, {}});
  EXPECT_EQ(found({{"etl", "k", 0}}), std::vector<std::string>{""});
}

TEST_P(CacheStoreConformance, ATaskWithoutAKeyIsNeverFound) {
  put_ran("run-1", "etl", "extract", "", 5000);
  EXPECT_EQ(found({{"etl", "", 0}}), std::vector<std::string>{""});
}

TEST_P(CacheStoreConformance, EveryLookupOfABatchIsAnsweredInOrder) {
  for (int i = 0; i < 50; ++i) put_ran("run-" + std::to_string(i), "etl", "n", "k" + std::to_string(i), 5000 + i);
  std::vector<CacheLookup> lookups;
  std::vector<std::string> expected;
  for (int i = 49; i >= -10; --i) {
    lookups.push_back({"etl", "k" + std::to_string(i), 0});
    expected.push_back(i >= 0 ? "run-" + std::to_string(i) + "/n[-1]" : "");
  }
  EXPECT_EQ(found(lookups), expected);
}

// weftd sends keys of at most 512 bytes (a longer one as its digest), which
// every store must index: PostgreSQL's btree entries hold about 2.7 kB.
TEST_P(CacheStoreConformance, AKeyOfTheLongestLengthWeftdSendsIsStoredAndFound) {
  const std::string longest(512, 'k');
  put_ran("run-1", "etl", "extract", longest, 5000);
  EXPECT_EQ(found({{"etl", longest, 0}}), std::vector<std::string>{"run-1/extract[-1]"});
}

TEST_P(CacheStoreConformance, NoLookupsFindNothing) { EXPECT_TRUE(store().find_cached({}).empty()); }

TEST_P(CacheStoreConformance, TheCacheFieldsSurviveAReopen) {
  put_ran("run-1", "etl", "extract", "k", 5000);
  reopen();
  EXPECT_EQ(found({{"etl", "k", 0}}), std::vector<std::string>{"run-1/extract[-1]"});
}

}  // namespace weft::sdk::testing

// Runs the cache suite against one store or several (see WEFT_STORE_CONFORMANCE).
#define WEFT_CACHE_STORE_CONFORMANCE(prefix, ...)                                         \
  using weft::sdk::testing::CacheStoreConformance;                                        \
  INSTANTIATE_TEST_SUITE_P(prefix, CacheStoreConformance, ::testing::Values(__VA_ARGS__), \
                           [](const auto& info) { return info.param.name; })
