// CacheLookups alone: lookups gathered in batches while a read is under way,
// answered in order, and a store that cannot be read answering nothing.
#include "scheduler/cache_lookups.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

namespace weft::test {
namespace {

using daemon::CacheLookup;
using daemon::CacheLookups;
using daemon::TaskRecord;

class CacheLookupsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    open_gate();
    reads_.join();
    work_.reset();
    loop_.join();
  }
  // The store: finds the keys that start with "hit", waiting at the gate while it is closed.
  std::vector<std::optional<TaskRecord>> find(const std::vector<CacheLookup>& lookups) {
    std::unique_lock lock(mutex_);
    batches_.push_back(lookups.size());
    changed_.notify_all();
    changed_.wait(lock, [this] { return gate_open_; });
    if (failing_) throw daemon::StoreError("database disk image is malformed");
    std::vector<std::optional<TaskRecord>> found;
    for (const auto& lookup : lookups) {
      if (lookup.cache_key.starts_with("hit")) {
        TaskRecord task;
        task.run_id = "run-" + lookup.cache_key;
        found.emplace_back(task);
      } else {
        found.emplace_back();
      }
    }
    return found;
  }
  // Asks for key on the loop; the answer lands in answers_[key].
  void ask(const std::string& key) {
    boost::asio::post(io_, [this, key] {
      lookups_.find({"wf", key, 0}, [this, key](std::optional<TaskRecord> found) {
        std::lock_guard lock(mutex_);
        answers_[key] = found ? found->run_id : "";
        changed_.notify_all();
      });
    });
  }
  void close_gate() {
    std::lock_guard lock(mutex_);
    gate_open_ = false;
  }
  void open_gate() {
    std::lock_guard lock(mutex_);
    gate_open_ = true;
    changed_.notify_all();
  }
  // A bound on waiting for the other threads, not a timing check.
  template <class Condition>
  bool wait_for(Condition condition) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(30), condition);
  }

  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_{
      boost::asio::make_work_guard(io_)};
  boost::asio::thread_pool reads_{1};
  CacheLookups lookups_{io_, reads_, [this](const std::vector<CacheLookup>& l) { return find(l); }};
  std::thread loop_{[this] { io_.run(); }};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool gate_open_ = true;
  bool failing_ = false;
  std::vector<size_t> batches_;
  std::map<std::string, std::string> answers_;
};

TEST_F(CacheLookupsTest, EachLookupGetsItsOwnAnswer) {
  for (const std::string key : {"hit-1", "miss-1", "hit-2"}) ask(key);
  ASSERT_TRUE(wait_for([this] { return answers_.size() == 3; }));
  EXPECT_EQ(answers_,
            (std::map<std::string, std::string>{{"hit-1", "run-hit-1"}, {"hit-2", "run-hit-2"}, {"miss-1", ""}}));
}

TEST_F(CacheLookupsTest, LookupsAskedDuringAReadGoTogetherInTheNext) {
  close_gate();
  ask("hit-0");
  ASSERT_TRUE(wait_for([this] { return batches_.size() == 1; }));
  for (int i = 1; i <= 5; ++i) ask("hit-" + std::to_string(i));
  std::promise<void> asked;
  boost::asio::post(io_, [&asked] { asked.set_value(); });  // after the five asks
  asked.get_future().wait();
  open_gate();
  ASSERT_TRUE(wait_for([this] { return answers_.size() == 6; }));
  EXPECT_EQ(batches_, (std::vector<size_t>{1, 5}));
}

TEST_F(CacheLookupsTest, ABatchIsAtMostKMaxBatch) {
  close_gate();
  ask("hit-first");
  ASSERT_TRUE(wait_for([this] { return batches_.size() == 1; }));
  const size_t more = CacheLookups::kMaxBatch + 10;
  for (size_t i = 0; i < more; ++i) ask("miss-" + std::to_string(i));
  std::promise<void> asked;
  boost::asio::post(io_, [&asked] { asked.set_value(); });
  asked.get_future().wait();
  open_gate();
  ASSERT_TRUE(wait_for([&] { return answers_.size() == more + 1; }));
  EXPECT_EQ(batches_, (std::vector<size_t>{1, CacheLookups::kMaxBatch, 10}));
}

TEST_F(CacheLookupsTest, AStoreThatCannotBeReadFindsNothingAndTheNextReadGoesOn) {
  {
    std::lock_guard lock(mutex_);
    failing_ = true;
  }
  ask("hit-1");
  ASSERT_TRUE(wait_for([this] { return answers_.size() == 1; }));
  EXPECT_EQ(answers_["hit-1"], "") << "a failed read is a miss: the task runs";
  {
    std::lock_guard lock(mutex_);
    failing_ = false;
  }
  ask("hit-2");
  ASSERT_TRUE(wait_for([this] { return answers_.size() == 2; }));
  EXPECT_EQ(answers_["hit-2"], "run-hit-2");
}

}  // namespace
}  // namespace weft::test
