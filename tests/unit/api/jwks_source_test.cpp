// JwksSource: when the identity provider's keys are fetched, with a fetch
// the test plays (counting, failing on demand) on the source's own thread.
#include "auth/jwks_source.hpp"
#include "signing_key.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace weft::daemon {
namespace {

using namespace std::chrono_literals;
using fakes::SigningKey;

class JwksSourceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    first_ = new SigningKey("first", SigningKey::Kind::p256);
    second_ = new SigningKey("second", SigningKey::Kind::p256);
  }
  static void TearDownTestSuite() {
    delete first_;
    delete second_;
  }

  JwksSource::Fetch fetch() {
    return [this] {
      ++fetched_;
      if (failing_) throw std::runtime_error("connection refused");
      const std::lock_guard lock(mutex_);
      return published_;
    };
  }
  void publish(const std::vector<const SigningKey*>& keys) {
    const std::lock_guard lock(mutex_);
    published_ = fakes::jwk_set(keys).dump();
  }
  bool has(JwksSource& source, const std::string& kid) {
    std::string problem;
    const auto keys = source.keys_for(kid, problem);
    return keys && keys->find(kid) != nullptr;
  }

  static SigningKey* first_;
  static SigningKey* second_;
  std::mutex mutex_;
  std::string published_ = fakes::jwk_set({first_}).dump();
  std::atomic<int> fetched_{0};
  std::atomic<bool> failing_{false};
};

SigningKey* JwksSourceTest::first_ = nullptr;
SigningKey* JwksSourceTest::second_ = nullptr;

TEST_F(JwksSourceTest, TheFirstRequestWaitsForTheFirstFetch) {
  JwksSource source(fetch(), {60s, 60s, 5s});
  EXPECT_TRUE(has(source, "first"));
  EXPECT_EQ(fetched_, 1);
}

TEST_F(JwksSourceTest, AnUnknownKidFetchesAgainOnceWithinTheMinimumInterval) {
  JwksSource source(fetch(), {60s, 60s, 5s});
  ASSERT_TRUE(has(source, "first"));
  publish({first_, second_});
  // The first fetch was just now: a kid it lacks waits for the interval.
  EXPECT_FALSE(has(source, "second"));
  EXPECT_FALSE(has(source, "made-up"));
  EXPECT_EQ(fetched_, 1);

  JwksSource eager(fetch(), {60s, 0s, 5s});
  ASSERT_TRUE(has(eager, "first"));
  EXPECT_TRUE(has(eager, "second"));
}

TEST_F(JwksSourceTest, KeysAreFetchedAgainAfterTheRefreshInterval) {
  JwksSource source(fetch(), {20ms, 60s, 5s});
  ASSERT_TRUE(has(source, "first"));
  const int before = fetched_;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (fetched_ < before + 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_GE(fetched_, before + 2);
}

TEST_F(JwksSourceTest, AFailedFetchKeepsTheKeysAndSaysWhy) {
  JwksSource source(fetch(), {60s, 0s, 5s});
  ASSERT_TRUE(has(source, "first"));
  failing_ = true;
  std::string problem;
  const auto keys = source.keys_for("second", problem);
  ASSERT_NE(keys, nullptr);
  EXPECT_NE(keys->find("first"), nullptr);
  EXPECT_EQ(problem, "connection refused");
}

TEST_F(JwksSourceTest, WithoutAnyKeysAFailedFetchSaysWhy) {
  failing_ = true;
  // keys_for waits for the first fetch up to the last figure: long enough for a loaded machine.
  JwksSource source(fetch(), {60s, 60s, 5s});
  std::string problem;
  EXPECT_EQ(source.keys_for("first", problem), nullptr);
  EXPECT_EQ(problem, "connection refused");
}

}  // namespace
}  // namespace weft::daemon
