// The slurm executor in-process on the real Slurm of the fixture
// slurm_cluster, driven with the SDK's FakeHost as the daemon's event loop:
// the submission limits (the cap on jobs in flight and the submit rate, each
// alone, and a cancel of a task that is still waiting for its submission)
// through each transport; each transport alone on a job array (listed by element, one
// element cancelled, then the whole array); and what is the rest transport's
// own: its token file read again when it changes, slurmrestd's errors in
// the task's error, and its request timeout.
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <weft/sdk/testing/fake_host.hpp>

#include "../slurm_executor.hpp"
#include "slurm_cluster.hpp"

namespace weft::slurm {
namespace {

using sdk::testing::FakeHost;
using sdk::testing::RecordedEvent;

class SlurmInProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::assert_slurm_is_up());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  sdk::TaskSpec task(const std::string& node, const std::string& script) const {
    sdk::TaskSpec t;
    t.run_id = "limits-" + std::to_string(::getpid());
    t.task_key = t.run_id + "/" + node + "/-1/1";
    t.node = node;
    t.stdout_path = (dir_ / (node + ".stdout")).string();
    t.stderr_path = (dir_ / (node + ".stderr")).string();
    t.output_path = (dir_ / (node + ".output.json")).string();
    t.command = sdk::Command{{"/bin/sh", "-c", script}, {}, "", "", nlohmann::json::object()};
    return t;
  }

  size_t count(weft_task_event_kind kind) const {
    const auto events = host_.events();
    return static_cast<size_t>(
        std::count_if(events.begin(), events.end(), [&](const RecordedEvent& e) { return e.kind == kind; }));
  }

  // The end of the task, once it came.
  std::optional<RecordedEvent> finished(const sdk::TaskSpec& t) {
    return host_.wait_for(t.task_key, WEFT_EVENT_FINISHED, std::chrono::seconds(60));
  }

  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("weft-slurm-limits-" + std::to_string(::getpid()));
  FakeHost host_;
};

class SlurmLimits : public SlurmInProcess, public ::testing::WithParamInterface<std::string> {
 protected:
  nlohmann::json config(const nlohmann::json& settings) const {
    auto merged = testing::transport_config(GetParam());
    merged.update(settings);
    return merged;
  }
};

TEST_P(SlurmLimits, NoMoreJobsInFlightThanTheCap) {
  SlurmExecutor executor(host_.host(),
                         config({{"poll_interval_s", 0.2}, {"submit_rate_per_s", 1000}, {"max_jobs_in_flight", 2}}));
  constexpr size_t kTasks = 5;
  for (size_t i = 0; i < kTasks; ++i) executor.start(task("t" + std::to_string(i), "sleep 0.5"));

  size_t most_in_flight = 0;
  ASSERT_TRUE(host_.run_until(
      [&] {
        most_in_flight = std::max(most_in_flight, count(WEFT_EVENT_STARTED) - count(WEFT_EVENT_FINISHED));
        return count(WEFT_EVENT_FINISHED) == kTasks;
      },
      std::chrono::seconds(60)))
      << count(WEFT_EVENT_FINISHED) << " of " << kTasks << " finished";

  EXPECT_EQ(most_in_flight, 2u) << "max_jobs_in_flight is 2";
  for (const auto& e : host_.events()) {
    if (e.kind == WEFT_EVENT_FINISHED) {
      EXPECT_EQ(e.exit_code, 0) << e.task_key << ": " << e.error;
    }
  }
}

// Instant jobs and no cap worth the name, so that only the rate can space
// the submissions. The executor reports a task started once its job is
// submitted, and FakeHost runs the predicate right after each report, so the
// times seen here are the submissions' (each plus sbatch's own latency).
// Only a lower bound on the span is checked: a slow machine lengthens it, so
// only an executor that submits faster than the rate can fail it.
TEST_P(SlurmLimits, SubmissionsAreNoFasterThanTheRate) {
  constexpr double kRate = 2;
  SlurmExecutor executor(host_.host(),
                         config({{"poll_interval_s", 0.2}, {"submit_rate_per_s", kRate}, {"max_jobs_in_flight", 100}}));
  constexpr size_t kTasks = 5;
  for (size_t i = 0; i < kTasks; ++i) executor.start(task("t" + std::to_string(i), "true"));

  std::vector<std::chrono::steady_clock::time_point> started_at;
  ASSERT_TRUE(host_.run_until(
      [&] {
        while (started_at.size() < count(WEFT_EVENT_STARTED)) started_at.push_back(std::chrono::steady_clock::now());
        return count(WEFT_EVENT_FINISHED) == kTasks;
      },
      std::chrono::seconds(60)))
      << count(WEFT_EVENT_FINISHED) << " of " << kTasks << " finished";

  ASSERT_EQ(started_at.size(), kTasks);
  // 5 submissions at 2 a second span 2 s; without pacing they would span
  // four sbatch calls, well under a second. The slack covers one submission
  // that returned faster than the one before it.
  const std::chrono::duration<double> span = started_at.back() - started_at.front();
  EXPECT_GE(span.count(), (kTasks - 1) / kRate - 0.4) << "5 submissions at 2 a second";
}

TEST_P(SlurmLimits, ACancelledTaskThatWasNotSubmittedYetEndsAtOnceWithoutAJob) {
  SlurmExecutor executor(host_.host(), config({{"poll_interval_s", 0.2}, {"max_jobs_in_flight", 1}}));
  const auto running = task("running", "sleep 1");
  const auto waiting = task("waiting", "touch ran");
  executor.start(running);
  executor.start(waiting);
  ASSERT_TRUE(executor.cancel(waiting.task_key));
  const auto end = host_.find(waiting.task_key, WEFT_EVENT_FINISHED);
  ASSERT_TRUE(end) << "the cancel of a queued task is reported at once";
  EXPECT_EQ(end->error, "cancelled");
  EXPECT_FALSE(host_.find(waiting.task_key, WEFT_EVENT_STARTED)) << "it was submitted";
  ASSERT_TRUE(host_.run_until([&] { return host_.find(running.task_key, WEFT_EVENT_FINISHED).has_value(); },
                              std::chrono::seconds(60)));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "ran"));
  EXPECT_FALSE(executor.cancel(waiting.task_key)) << "it is forgotten";
}

INSTANTIATE_TEST_SUITE_P(Transports, SlurmLimits, ::testing::ValuesIn(testing::kTransports),
                         [](const auto& info) { return info.param; });

// A transport driven alone, each call answered before the next.
class SlurmTransports : public SlurmInProcess, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    SlurmInProcess::SetUp();
    transport_ = make_transport(host_.host(), SlurmExecutorConfig::parse(testing::transport_config(GetParam())));
  }
  void TearDown() override {
    transport_.reset();
    SlurmInProcess::TearDown();
  }

  template <class Result, class Call>
  Result answer_to(Call call) {
    std::optional<Result> answer;
    call([&](Result result) { answer = std::move(result); });
    EXPECT_TRUE(host_.run_until([&] { return answer.has_value(); }, std::chrono::seconds(30))) << "no answer";
    return answer.value_or(Result{});
  }

  // The states of the array's elements by index, once states(...) holds.
  std::map<int64_t, std::string> elements_once(
      JobId array, const std::function<bool(const std::map<int64_t, std::string>&)>& holds) {
    std::map<int64_t, std::string> states;
    for (int tries = 0; tries < 150; ++tries) {
      const auto listed =
          answer_to<QueryResult>([&](std::function<void(QueryResult)> done) { transport_->query(std::move(done)); });
      EXPECT_EQ(listed.error, "");
      states.clear();
      for (const auto& job : listed.jobs) {
        if (job.array_job_id == array && job.array_task_id >= 0) states[job.array_task_id] = job.state;
      }
      if (holds(states)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return states;
  }

  std::string cancel(CancelTarget target) {
    return answer_to<std::string>(
        [&](std::function<void(std::string)> done) { transport_->cancel(target, std::move(done)); });
  }

  std::unique_ptr<SlurmTransport> transport_;
};

TEST_P(SlurmTransports, AnArrayIsListedByElementAndCancelledOneElementOrWhole) {
  JobRequest request;
  request.name = "array-" + std::to_string(::getpid());
  request.script = "#!/bin/sh\nsleep 60\n";
  request.stdout_path = (dir_ / "%A_%a.out").string();
  request.stderr_path = request.stdout_path;
  request.working_dir = dir_.string();
  request.time_limit_s = 120;
  request.array = "0-2";
  const auto submitted = answer_to<SubmitResult>(
      [&](std::function<void(SubmitResult)> done) { transport_->submit(request, std::move(done)); });
  ASSERT_TRUE(submitted.job_id) << submitted.error;
  const JobId array = *submitted.job_id;

  const auto all_running = [](const std::map<int64_t, std::string>& states) {
    return states.size() == 3 &&
           std::all_of(states.begin(), states.end(), [](const auto& s) { return s.second == "RUNNING"; });
  };
  ASSERT_TRUE(all_running(elements_once(array, all_running)));

  EXPECT_EQ(cancel({array, 1}), "");
  auto states = elements_once(array, [](const auto& s) { return s.count(1) != 0 && s.at(1) == "CANCELLED"; });
  EXPECT_EQ(states[1], "CANCELLED");
  EXPECT_EQ(states[0], "RUNNING") << "cancelling element 1 reached element 0";
  EXPECT_EQ(states[2], "RUNNING") << "cancelling element 1 reached element 2";

  EXPECT_EQ(cancel({array}), "");
  states = elements_once(
      array, [](const auto& s) { return s.count(0) != 0 && s.at(0) == "CANCELLED" && s.at(2) == "CANCELLED"; });
  EXPECT_EQ(states[0], "CANCELLED");
  EXPECT_EQ(states[2], "CANCELLED");
}

INSTANTIATE_TEST_SUITE_P(Transports, SlurmTransports, ::testing::ValuesIn(testing::kTransports),
                         [](const auto& info) { return info.param; });

class SlurmRestTransport : public SlurmInProcess {
 protected:
  // A new JWT for root from slurmctld, as an operator makes one.
  static std::string fresh_token() {
    const std::string command =
        std::string("SLURM_CONF=") + WEFT_SLURM_CONF + " scontrol token username=root lifespan=600";
    std::string printed;
    FILE* out = ::popen(command.c_str(), "r");
    if (out == nullptr) return printed;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, out) != nullptr) printed += buffer;
    ::pclose(out);
    return printed;  // SLURM_JWT=<token>, which the token file may hold as it is
  }

  nlohmann::json config_with_token_file() const {
    auto config = testing::transport_config("rest");
    config["rest"]["token_file"] = token_file_.string();
    config["poll_interval_s"] = 0.2;
    return config;
  }

  void write_token(const std::string& text) const { std::ofstream(token_file_, std::ios::trunc) << text; }

  std::filesystem::path token_file_ = dir_ / "token";
};

TEST_F(SlurmRestTransport, TheTokenFileIsReadAgainWhenItChanges) {
  write_token(fresh_token());
  SlurmExecutor executor(host_.host(), config_with_token_file());
  const auto before = task("before", "true");
  executor.start(before);
  const auto first = finished(before);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->exit_code, 0) << first->error;

  write_token("not-a-token\n");
  const auto refused = task("refused", "true");
  executor.start(refused);
  const auto second = finished(refused);
  ASSERT_TRUE(second);
  EXPECT_NE(second->exit_code, 0) << "submitted with a token that is not one";
  EXPECT_NE(second->error.find("slurmrestd answered HTTP"), std::string::npos) << second->error;

  write_token(fresh_token());
  const auto after = task("after", "true");
  executor.start(after);
  const auto third = finished(after);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->exit_code, 0) << third->error;
}

TEST_F(SlurmRestTransport, SlurmrestdsErrorsEndInTheTasksError) {
  write_token(fresh_token());
  SlurmExecutor executor(host_.host(), config_with_token_file());
  auto misplaced = task("misplaced", "true");
  misplaced.command->executor_options = {{"partition", "no-such-partition"}};
  executor.start(misplaced);
  const auto end = finished(misplaced);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->exit_code, 1);
  EXPECT_NE(end->error.find("Slurm refused the job"), std::string::npos) << end->error;
  EXPECT_NE(end->error.find("Invalid partition name specified"), std::string::npos) << end->error;
}

TEST_F(SlurmRestTransport, ASlurmrestdThatNeverAnswersFailsTheSubmissionAfterTheTimeout) {
  // A listening socket that nobody accepts on: the kernel completes the
  // connection, and the request waits for an answer that never comes.
  const Poco::Net::ServerSocket silent(Poco::Net::SocketAddress("127.0.0.1", 0));
  write_token("any\n");
  auto config = config_with_token_file();
  config["rest"]["url"] = "http://127.0.0.1:" + std::to_string(silent.address().port());
  config["rest"]["request_timeout_s"] = 0.5;
  SlurmExecutor executor(host_.host(), config);
  const auto unanswered = task("unanswered", "true");
  executor.start(unanswered);
  const auto end = finished(unanswered);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->exit_code, 1);
  EXPECT_NE(end->error.find("Slurm refused the job: POST"), std::string::npos) << end->error;
}

}  // namespace
}  // namespace weft::slurm
