// The http plugin's CallPool starts its threads as calls need them: weftd
// loads the plugin whether or not any workflow sends a request. Threads are
// counted in /proc/self/task, so this is a test binary of its own: no other
// test's servers start or end threads meanwhile.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "call_pool.hpp"

namespace {

using namespace std::chrono_literals;
using weft::nodes::http::Call;
using weft::nodes::http::CallPool;
using weft::nodes::http::Outcome;

std::ptrdiff_t threads_of_this_process() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return std::distance(begin(tasks), end(tasks));
}

// Performs calls that wait until released, and records the reports.
class Calls {
 public:
  Outcome perform(const Call& call) {
    std::unique_lock lock(mutex_);
    ++sending_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return released_; });
    return {0, R"({"key": ")" + call.task_key + R"("})", ""};
  }
  void report(const Call& call, const Outcome& outcome) {
    const std::lock_guard lock(mutex_);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.error;
    reported_.insert(call.task_key);
    changed_.notify_all();
  }
  void release() {
    const std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  bool wait_sending(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return sending_ >= count; });
  }
  bool wait_reported(std::size_t count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 10s, [&] { return reported_.size() >= count; });
  }
  int sending() {
    const std::lock_guard lock(mutex_);
    return sending_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int sending_ = 0;
  bool released_ = false;
  std::set<std::string> reported_;
};

std::shared_ptr<Call> call_named(const std::string& key) {
  auto call = std::make_shared<Call>();
  call->task_key = key;
  call->deadline = Call::Clock::now() + 60s;
  return call;
}

class CallPoolTest : public ::testing::Test {
 protected:
  std::unique_ptr<CallPool> pool_of(std::size_t workers) {
    return std::make_unique<CallPool>(
        workers, [this](Call& call) { return calls_.perform(call); },
        [this](const Call& call, const Outcome& outcome) { calls_.report(call, outcome); });
  }

  Calls calls_;
  const std::ptrdiff_t threads_before_ = threads_of_this_process();
};

TEST_F(CallPoolTest, APoolWithNoCallHasNoThread) {
  const auto pool = pool_of(4);
  EXPECT_EQ(threads_of_this_process(), threads_before_);
}

// Counted from the first call on (here and below): a sanitizer's runtime may
// start a thread of its own with the first thread the process makes.
TEST_F(CallPoolTest, CallsOneAtATimeReuseTheFirstCallsWorker) {
  const auto pool = pool_of(4);
  calls_.release();
  pool->submit(call_named("run-1/one/-1/1"));
  ASSERT_TRUE(calls_.wait_reported(1));
  const auto threads_after_first = threads_of_this_process();
  for (std::size_t i = 2; i <= 4; ++i) {
    pool->submit(call_named("run-1/one/-1/" + std::to_string(i)));
    ASSERT_TRUE(calls_.wait_reported(i)) << "call " << i << " was not reported";
  }
  EXPECT_EQ(threads_of_this_process(), threads_after_first);
}

TEST_F(CallPoolTest, CallsAtOnceStartWorkersUpToThePoolsSize) {
  const auto pool = pool_of(3);
  pool->submit(call_named("run-1/many/-1/1"));
  ASSERT_TRUE(calls_.wait_sending(1));
  const auto threads_for_one = threads_of_this_process();
  for (int i = 2; i <= 5; ++i) pool->submit(call_named("run-1/many/-1/" + std::to_string(i)));
  ASSERT_TRUE(calls_.wait_sending(3));
  EXPECT_EQ(calls_.sending(), 3) << "more calls under way than the pool has workers";
  EXPECT_EQ(threads_of_this_process(), threads_for_one + 2) << "two more workers, and no more";
  calls_.release();
  EXPECT_TRUE(calls_.wait_reported(5)) << "the queued calls were not sent once workers were free";
}

}  // namespace
