// Cron schedules on virtual time: when they fire, that a firing starts one
// run however often weftd restarts (the store holds the firing, as the run's
// idempotency key), one catch-up run after downtime, pause and resume, and a
// new version moving the schedule.
#include "scheduler/schedules.hpp"
#include "scheduler_fixture.hpp"

namespace weft::test {
namespace {

using daemon::schedule_run_key;

constexpr int64_t kStart = 1'767'225'600'000;  // the virtual clock's start, 2026-01-01T00:00:00Z

class ScheduleTest : public SchedulerTest {
 protected:
  static json scheduled(const std::string& cron, const json& extra = json::object()) {
    json schedule = {{"cron", cron}};
    schedule.update(extra);
    return workflow({{{"id", "a"}, {"type", "task"}}}, {{"schedule", schedule}});
  }
  // The firing time each stored run of wf carries, oldest first.
  std::vector<std::string> fired_keys() {
    sdk::RunFilter filter;
    filter.workflow = "wf";
    std::vector<std::string> keys;
    for (const auto& r : store_.client->list_runs(filter)) keys.insert(keys.begin(), r.idempotency_key);
    return keys;
  }
  static std::string key_at(int64_t seconds_after_start) {
    return schedule_run_key("wf", kStart + seconds_after_start * 1000);
  }
  std::optional<daemon::ScheduleView> schedule_of_wf() {
    for (auto& view : scheduler_->schedules()) {
      if (view.workflow == "wf") return view;
    }
    return std::nullopt;
  }
};

TEST_F(ScheduleTest, EachFiringStartsOneRunAtItsTime) {
  apply(scheduled("*/10 * * * * *"));
  EXPECT_EQ(schedule_of_wf()->next_firing, kStart + 10'000);
  clock_.advance(9s);
  settle_loop();
  EXPECT_TRUE(fired_keys().empty());
  clock_.advance(1s);
  ASSERT_TRUE(eventually([&] { return started() == 1; }));
  clock_.advance(10s);
  ASSERT_TRUE(eventually([&] { return started() == 2; }));
  EXPECT_EQ(fired_keys(), (std::vector<std::string>{key_at(10), key_at(20)}));
  EXPECT_EQ(key_at(10), "schedule:wf@2026-01-01T00:00:10Z");
  const auto view = schedule_of_wf();
  EXPECT_EQ(view->next_firing, kStart + 30'000);
  EXPECT_EQ(view->last_firing, kStart + 20'000);
  EXPECT_EQ(view->last_run_id, store_.client->list_runs({}).front().id);
}

TEST_F(ScheduleTest, ARestartAtTheSameMomentStartsNoSecondRunForAFiring) {
  apply(scheduled("* * * * *"));
  clock_.advance(60s);
  ASSERT_TRUE(eventually([&] { return fired_keys().size() == 1; }));
  stop_scheduler();
  start_scheduler();
  settle_loop();
  EXPECT_EQ(fired_keys(), (std::vector<std::string>{key_at(60)}));
  EXPECT_EQ(schedule_of_wf()->last_run_id, store_.client->list_runs({}).front().id);
}

TEST_F(ScheduleTest, AfterDowntimeOnlyTheLatestMissedFiringRunsOnce) {
  apply(scheduled("* * * * *"));
  clock_.advance(60s);
  ASSERT_TRUE(eventually([&] { return fired_keys().size() == 1; }));
  stop_scheduler();
  clock_.advance(10min + 30s);  // ten firings pass while weftd is down
  start_scheduler();
  ASSERT_TRUE(eventually([&] { return fired_keys().size() == 2; }));
  settle_loop();
  EXPECT_EQ(fired_keys(), (std::vector<std::string>{key_at(60), key_at(660)}));
  clock_.advance(30s);
  ASSERT_TRUE(eventually([&] { return fired_keys().size() == 3; }));
  EXPECT_EQ(fired_keys().back(), key_at(720));
}

TEST_F(ScheduleTest, AFiringFromBeforeTheWorkflowWasStoredIsNoCatchUp) {
  clock_.advance(90s);
  apply(scheduled("* * * * *"));
  stop_scheduler();
  start_scheduler();
  settle_loop();
  EXPECT_TRUE(fired_keys().empty());
}

// As when another weftd sharing the store fired first: the store refuses the
// second run for the firing, and this weftd goes on unharmed.
TEST_F(ScheduleTest, AFiringAnotherRunHoldsInTheStoreStartsNothing) {
  apply(scheduled("* * * * *"));
  store_.client->write(
      {{}, {{"other", "wf", 1, RunStatus::running, "{}", "{}", key_at(60), "", kStart, 0, 0}}, {}, {}});
  clock_.advance(60s);
  settle_loop();
  clock_.advance(60s);
  ASSERT_TRUE(eventually([&] { return fired_keys().size() == 2; }));
  EXPECT_EQ(fired_keys(), (std::vector<std::string>{key_at(60), key_at(120)}));
  EXPECT_EQ(store_.client->list_runs({}).back().id, "other");
  EXPECT_TRUE(eventually([&] { return started() == 1; }));
  EXPECT_TRUE(scheduler_->store_healthy());
}

TEST_F(ScheduleTest, APausedScheduleStaysPausedAcrossARestartAndResumesWithoutCatchUp) {
  apply(scheduled("* * * * *"));
  const auto paused = scheduler_->set_schedule_enabled("wf", false);
  ASSERT_TRUE(paused) << paused.failure().message;
  EXPECT_FALSE(paused->enabled);
  EXPECT_TRUE(paused->paused);
  EXPECT_EQ(paused->next_firing, std::nullopt);
  // The pause is the schedule's state in the store, not a new version of the workflow.
  EXPECT_EQ(paused->version, 1);
  EXPECT_EQ(store_.client->get_workflow("wf", 0)->version, 1);
  const auto states = store_.client->list_schedule_states();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].workflow, "wf");
  EXPECT_TRUE(states[0].paused);
  clock_.advance(5min);
  stop_scheduler();
  start_scheduler();
  settle_loop();
  EXPECT_TRUE(fired_keys().empty());
  EXPECT_FALSE(schedule_of_wf()->enabled);
  const auto resumed = scheduler_->set_schedule_enabled("wf", true);
  ASSERT_TRUE(resumed) << resumed.failure().message;
  EXPECT_EQ(resumed->next_firing, kStart + 6 * 60'000);
  settle_loop();
  EXPECT_TRUE(fired_keys().empty());
  clock_.advance(1min);
  ASSERT_TRUE(eventually([&] { return fired_keys().size() == 1; }));
}

TEST_F(ScheduleTest, APausedScheduleStaysPausedWhenANewVersionIsApplied) {
  apply(scheduled("* * * * *"));
  ASSERT_TRUE(scheduler_->set_schedule_enabled("wf", false));
  apply(scheduled("*/2 * * * *"));
  EXPECT_EQ(schedule_of_wf()->version, 2);
  EXPECT_TRUE(schedule_of_wf()->paused);
  clock_.advance(5min);
  settle_loop();
  EXPECT_TRUE(fired_keys().empty());
}

TEST_F(ScheduleTest, AScheduleItsDocumentDisablesCannotBeResumedByCommand) {
  apply(scheduled("* * * * *", {{"enabled", false}}));
  const auto resumed = scheduler_->set_schedule_enabled("wf", true);
  ASSERT_FALSE(resumed);
  EXPECT_EQ(resumed.failure().code, ErrorCode::conflict);
  EXPECT_THAT(resumed.failure().message, ::testing::HasSubstr("schedule.enabled: false"));
}

TEST_F(ScheduleTest, EnabledFalseInTheDocumentKeepsTheScheduleFromFiring) {
  apply(scheduled("* * * * *", {{"enabled", false}}));
  clock_.advance(5min);
  settle_loop();
  EXPECT_TRUE(fired_keys().empty());
  EXPECT_FALSE(schedule_of_wf()->enabled);
}

TEST_F(ScheduleTest, PausingAWorkflowWithoutAScheduleIsAConflictAndAnUnknownOneNotFound) {
  apply(workflow({{{"id", "a"}, {"type", "task"}}}));
  EXPECT_EQ(scheduler_->set_schedule_enabled("wf", false).failure().code, ErrorCode::conflict);
  EXPECT_EQ(scheduler_->set_schedule_enabled("nope", false).failure().code, ErrorCode::not_found);
}

TEST_F(ScheduleTest, ANewVersionMovesTheScheduleAndDeletingRemovesIt) {
  apply(scheduled("0 * * * *"));
  apply(scheduled("*/5 * * * *"));
  auto view = schedule_of_wf();
  EXPECT_EQ(view->version, 2);
  EXPECT_EQ(view->cron, "*/5 * * * *");
  clock_.advance(5min);
  ASSERT_TRUE(eventually([&] { return fired_keys().size() == 1; }));
  EXPECT_EQ(store_.client->list_runs({}).front().version, 2);
  apply(workflow({{{"id", "a"}, {"type", "task"}}}));
  EXPECT_FALSE(schedule_of_wf());
  apply(scheduled("*/5 * * * *"));
  ASSERT_TRUE(scheduler_->delete_workflow("wf"));
  EXPECT_FALSE(schedule_of_wf());
  clock_.advance(1h);
  settle_loop();
  EXPECT_EQ(fired_keys().size(), 1u);
}

TEST_F(ScheduleTest, UsersCannotTakeTheSchedulesIdempotencyKeys) {
  apply(scheduled("0 * * * *"));
  RunRequest request;
  request.workflow = "wf";
  request.idempotency_key = key_at(3600);
  EXPECT_EQ(scheduler_->create_run(request).failure().code, ErrorCode::invalid_request);
}

}  // namespace
}  // namespace weft::test
