// Live events over real HTTP against a real weftd: one run followed from its
// state to its end, every run's events on /api/v1/events, resuming with
// Last-Event-ID, and the reset weftd sends when it cannot resume.
#include "api_test_helpers.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace weft::test {
namespace {

using client::ServerEvent;
using nlohmann::json;

// Reads target's events until the stream ends or `enough` says so.
std::vector<ServerEvent> read_events(const HttpClient& client, const std::string& target,
                                     const std::function<bool(const std::vector<ServerEvent>&)>& enough,
                                     const std::string& last_event_id = "") {
  std::vector<ServerEvent> events;
  client.events(target, last_event_id, [&](const ServerEvent& event) {
    events.push_back(event);
    return !enough(events);
  });
  return events;
}

bool never(const std::vector<ServerEvent>&) { return false; }

json data(const ServerEvent& event) { return json::parse(event.data); }

// Whether the run's final `run` event is among events.
bool run_ended(const std::vector<ServerEvent>& events, const std::string& run_id) {
  return std::any_of(events.begin(), events.end(), [&](const ServerEvent& event) {
    if (event.type != "run") return false;
    const auto run = data(event);
    return run.value("id", "") == run_id && run.value("status", "") != "running" &&
           run.value("status", "") != "queued" && run.value("status", "") != "created";
  });
}

// The sequence number of an id "<instance>.<sequence>".
uint64_t sequence(const std::string& id) { return std::stoull(id.substr(id.find('.') + 1)); }

// Two nodes, one after the other.
json two_steps(const std::string& name) {
  return {{"name", name},
          {"nodes",
           {{{"id", "first"}, {"type", "command"}, {"params", {{"argv", {"sh", "-c", "sleep 0.2"}}}}},
            {{"id", "second"}, {"type", "command"}, {"depends_on", {"first"}}, {"params", {{"argv", {"true"}}}}}}}};
}

// Subscribers of the global stream, as weftd counts them.
double subscribers(const HttpClient& client) {
  const auto metrics = client.get("/metrics").body;
  const auto at = metrics.find("\nweft_event_subscribers ");
  return at == std::string::npos ? -1 : std::stod(metrics.substr(at + 24));
}

class Events : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
  const std::string name = test_workflow_name();

  // Every event of one run of `workflow`, read from the global stream from before it starts to its end.
  std::vector<ServerEvent> events_of_a_run(const json& workflow, std::string* run_id) {
    weftd.apply(workflow);
    std::vector<ServerEvent> events;
    std::thread reader([&] {
      events = read_events(client, "/api/v1/events",
                           [&](const auto& so_far) { return !run_id->empty() && run_ended(so_far, *run_id); });
    });
    EXPECT_TRUE(eventually([&] { return subscribers(client) >= 1; }));
    *run_id = weftd.start_run(workflow.at("name"));
    reader.join();
    return events;
  }
};

TEST_F(Events, ARunsStreamStartsWithItsStateAndEndsWithTheRun) {
  weftd.apply(two_steps(name));
  const std::string run_id = weftd.start_run(name);
  const auto events = read_events(client, "/api/v1/runs/" + run_id + "/events", never);

  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, "run");
  EXPECT_EQ(data(events.back()).value("status", ""), "succeeded");
  EXPECT_EQ(data(events.back()).value("id", ""), run_id);
  EXPECT_FALSE(data(events.back()).contains("params")) << "events leave params out";
  std::map<std::string, std::string> last_status;
  uint64_t last_sequence = 0;
  for (const auto& event : events) {
    ASSERT_FALSE(event.id.empty()) << event.type << " " << event.data;
    EXPECT_GE(sequence(event.id), last_sequence) << "ids go up";
    last_sequence = sequence(event.id);
    if (event.type != "task") continue;
    EXPECT_EQ(data(event).value("run_id", ""), run_id);
    last_status[data(event).value("id", "")] = data(event).value("status", "");
  }
  EXPECT_EQ(last_status, (std::map<std::string, std::string>{{"first", "succeeded"}, {"second", "succeeded"}}));

  // A finished run's stream is its state, then the end.
  const auto again = read_events(client, "/api/v1/runs/" + run_id + "/events", never);
  ASSERT_EQ(again.size(), 3U);
  EXPECT_EQ(again[0].type, "task");
  EXPECT_EQ(again[1].type, "task");
  EXPECT_EQ(data(again[2]).value("status", ""), "succeeded");
}

TEST_F(Events, TheGlobalStreamHasEveryTransitionOfARunInOrder) {
  std::string run_id;
  const auto events = events_of_a_run(two_steps(name), &run_id);
  std::vector<std::string> first_statuses;
  for (size_t i = 1; i < events.size(); ++i) EXPECT_EQ(sequence(events[i].id), sequence(events[i - 1].id) + 1);
  for (const auto& event : events) {
    if (event.type == "task" && data(event).value("id", "") == "first") {
      first_statuses.push_back(data(event).value("status", ""));
    }
  }
  ASSERT_FALSE(first_statuses.empty());
  EXPECT_EQ(first_statuses.back(), "succeeded");
  EXPECT_NE(std::find(first_statuses.begin(), first_statuses.end(), "running"), first_statuses.end());
  // A transition is sent once: the store writes a task again for other changes (its executor's id).
  EXPECT_EQ(std::adjacent_find(first_statuses.begin(), first_statuses.end()), first_statuses.end());
}

TEST_F(Events, AClientResumingWithLastEventIdGetsEveryEventAfterIt) {
  std::string run_id;
  const auto events = events_of_a_run(two_steps(name), &run_id);
  ASSERT_GE(events.size(), 4U);
  const size_t missed = events.size() - 2;
  const auto resumed = read_events(
      client, "/api/v1/events", [&](const auto& so_far) { return so_far.size() == missed; }, events[1].id);
  ASSERT_EQ(resumed.size(), missed);
  for (size_t i = 0; i < missed; ++i) {
    EXPECT_EQ(resumed[i].id, events[i + 2].id);
    EXPECT_EQ(resumed[i].data, events[i + 2].data);
  }
}

TEST_F(Events, AnIdWeftdCannotResumeFromGetsAResetThenTheState) {
  weftd.apply(shell_workflow(name, "sleep 60"));
  const std::string run_id = weftd.start_run(name);
  const auto running = [&](const auto& so_far) { return so_far.size() == 3; };  // reset, task, run
  for (const std::string id : {"1.1", "garbage", "9999999999999.1"}) {
    const auto events = read_events(client, "/api/v1/runs/" + run_id + "/events", running, id);
    ASSERT_EQ(events.size(), 3U) << id;
    EXPECT_EQ(events[0].type, "reset") << id;
    EXPECT_EQ(data(events[0]).value("last_event_id", ""), id);
    EXPECT_EQ(events[1].type, "task");
    EXPECT_EQ(events[2].type, "run");
  }
  EXPECT_EQ(client.post("/api/v1/runs/" + run_id + "/cancel").status, 202);
  weftd.wait_run(run_id);
}

TEST(EventHistory, BeyondItAResetComesFirst) {
  WeftdOptions options;
  options.config = {{"api", {{"event_history", 3}}}};
  WeftdProcess weftd(options);
  const auto client = weftd.client();
  weftd.apply(shell_workflow("history", "true"));
  std::vector<ServerEvent> events;
  std::thread reader([&] {
    events = read_events(client, "/api/v1/events", [](const auto& so_far) {
      return so_far.back().type == "run" && data(so_far.back()).value("status", "") == "succeeded";
    });
  });
  ASSERT_TRUE(eventually([&] { return subscribers(client) >= 1; }));
  weftd.wait_run(weftd.start_run("history"));
  reader.join();
  ASSERT_GE(events.size(), 5U);  // the task ready, dispatched, succeeded; the run running, succeeded
  // Only the last 3 are kept: resuming after the first needs the second, which is gone.
  const auto resumed = read_events(
      client, "/api/v1/events", [](const auto& so_far) { return !so_far.empty(); }, events[0].id);
  EXPECT_EQ(resumed.at(0).type, "reset");
  // Resuming after the third-last needs the last two, which are kept.
  const auto kept = read_events(
      client, "/api/v1/events", [](const auto& so_far) { return so_far.size() == 2; }, events[events.size() - 3].id);
  EXPECT_EQ(kept.at(0).id, events[events.size() - 2].id);
  EXPECT_EQ(kept.at(1).id, events.back().id);
}

TEST_F(Events, AnUnknownRunIs404AndATokenIsNeeded) {
  EXPECT_TRUE(is_api_error(client.get("/api/v1/runs/nosuchrun/events"), 404, "not_found"));
  EXPECT_TRUE(is_api_error(client.without_token().get("/api/v1/events"), 401, "unauthorized"));
}

}  // namespace
}  // namespace weft::test
