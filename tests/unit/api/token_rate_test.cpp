#include "api/token_rate.hpp"

#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(TokenRate, NoLimitAdmitsEverything) {
  TokenRate rate;
  const auto now = TokenRate::Clock::now();
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(rate.admit("t", now));
}

TEST(TokenRate, ASecondsWorthPassesAtOnceThenTheRateHolds) {
  TokenRate rate;
  rate.set_limit(3);
  const auto start = TokenRate::Clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(rate.admit("t", start)) << i;
  EXPECT_EQ(rate.admit("t", start), seconds(1));
  EXPECT_EQ(rate.admit("t", start + milliseconds(200)), seconds(1));  // 0.6 of a request back: not enough
  EXPECT_FALSE(rate.admit("t", start + milliseconds(400)));           // 1.2 back
  EXPECT_EQ(rate.admit("t", start + milliseconds(400)), seconds(1));
}

TEST(TokenRate, EachTokenHasItsOwnBucket) {
  TokenRate rate;
  rate.set_limit(1);
  const auto now = TokenRate::Clock::now();
  EXPECT_FALSE(rate.admit("a", now));
  EXPECT_TRUE(rate.admit("a", now));
  EXPECT_FALSE(rate.admit("b", now));
}

TEST(TokenRate, RetryAfterIsWholeSecondsUntilTheNextRequest) {
  TokenRate rate;
  rate.set_limit(1);
  const auto now = TokenRate::Clock::now();
  EXPECT_FALSE(rate.admit("a", now));
  EXPECT_EQ(rate.admit("a", now + milliseconds(100)), seconds(1));
  EXPECT_FALSE(rate.admit("a", now + milliseconds(1000)));
}

TEST(TokenRate, ANewLimitStartsFromFullBuckets) {
  TokenRate rate;
  rate.set_limit(1);
  const auto now = TokenRate::Clock::now();
  EXPECT_FALSE(rate.admit("a", now));
  EXPECT_TRUE(rate.admit("a", now));
  rate.set_limit(2);
  EXPECT_FALSE(rate.admit("a", now));
  EXPECT_FALSE(rate.admit("a", now));
  EXPECT_TRUE(rate.admit("a", now));
  rate.set_limit(0);
  EXPECT_FALSE(rate.admit("a", now));
}

}  // namespace
}  // namespace weft::daemon
