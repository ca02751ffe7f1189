#include "workflow/cron.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

namespace weft::daemon {
namespace {

using ::testing::HasSubstr;

CronSchedule parsed(std::string_view text) {
  auto schedule = CronSchedule::parse(text);
  if (!schedule) ADD_FAILURE() << schedule.failure().message;
  return schedule ? schedule.value() : CronSchedule{};
}

std::string error_of(std::string_view text) {
  auto schedule = CronSchedule::parse(text);
  return schedule ? "parsed" : schedule.failure().message;
}

TEST(Cron, StarSelectsEveryValue) {
  const auto schedule = parsed("* * * * *");
  EXPECT_TRUE(schedule.minutes.all());
  EXPECT_TRUE(schedule.hours.all());
  EXPECT_EQ(schedule.days_of_month.count(), 31u);
  EXPECT_EQ(schedule.months.count(), 12u);
  EXPECT_TRUE(schedule.days_of_week.all());
  EXPECT_FALSE(schedule.days_of_month_restricted);
}

TEST(Cron, ListsRangesAndStepsCombine) {
  const auto schedule = parsed("0,30 9-17/4 */10 * *");
  EXPECT_EQ(schedule.minutes.count(), 2u);
  EXPECT_TRUE(schedule.minutes.test(30));
  EXPECT_EQ(schedule.hours.to_ulong(), (1UL << 9) | (1UL << 13) | (1UL << 17));
  EXPECT_TRUE(schedule.days_of_month.test(1));
  EXPECT_TRUE(schedule.days_of_month.test(31));
  EXPECT_FALSE(schedule.days_of_month.test(2));
}

TEST(Cron, NamesAndSevenMeanTheSameAsNumbers) {
  const auto schedule = parsed("0 0 * jan,Dec sun-tue,7");
  EXPECT_TRUE(schedule.months.test(1));
  EXPECT_TRUE(schedule.months.test(12));
  EXPECT_EQ(schedule.days_of_week.to_ulong(), 0b111UL);
  EXPECT_TRUE(schedule.days_of_week_restricted);
}

TEST(Cron, WrongFieldCountIsAnError) {
  EXPECT_THAT(error_of("* * * *"), HasSubstr("expected 5 fields"));
  EXPECT_THAT(error_of("* * * * * * *"), HasSubstr("or 6 with a leading second, found 7"));
}

TEST(Cron, FiveFieldsFireOnSecondZero) {
  const auto schedule = parsed("* * * * *");
  EXPECT_EQ(schedule.seconds.to_ullong(), 1u);
}

TEST(Cron, SixFieldsLeadWithTheSecond) {
  const auto schedule = parsed("*/15 0 3 * * *");
  EXPECT_EQ(schedule.seconds.count(), 4u);
  EXPECT_TRUE(schedule.seconds.test(45));
  EXPECT_EQ(schedule.minutes.to_ullong(), 1u);
  EXPECT_TRUE(schedule.hours.test(3));
  EXPECT_EQ(error_of("60 * * * * *"), "cron '60 * * * * *': second 60 is out of range 0-59");
}

// Milliseconds since the epoch of a UTC date and time.
int64_t utc(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0) {
  using namespace std::chrono;
  const sys_days date = year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  return duration_cast<milliseconds>(date.time_since_epoch() + hours{hour} + minutes{minute} + seconds{second}).count();
}

TEST(Cron, NextFiringIsStrictlyAfter) {
  const auto daily = parsed("0 3 * * *");
  EXPECT_EQ(daily.next_after(utc(2026, 11, 29, 2, 59, 59)), utc(2026, 11, 29, 3));
  EXPECT_EQ(daily.next_after(utc(2026, 11, 29, 3)), utc(2026, 11, 30, 3));
  EXPECT_EQ(daily.next_after(utc(2026, 11, 29, 3) - 1), utc(2026, 11, 29, 3));
  EXPECT_EQ(daily.next_after(utc(2026, 12, 31, 4)), utc(2027, 1, 1, 3));
}

TEST(Cron, LastFiringIsAtOrBefore) {
  const auto daily = parsed("0 3 * * *");
  EXPECT_EQ(daily.last_at_or_before(utc(2026, 11, 29, 3)), utc(2026, 11, 29, 3));
  EXPECT_EQ(daily.last_at_or_before(utc(2026, 11, 29, 2, 59)), utc(2026, 11, 28, 3));
  EXPECT_EQ(parsed("*/20 * * * * *").last_at_or_before(utc(2026, 1, 1, 0, 0, 59) + 999), utc(2026, 1, 1, 0, 0, 40));
}

TEST(Cron, StepsListsAndNamesChooseTheFirings) {
  // 29 November 2026 is a Sunday.
  const auto weekdays = parsed("30 9-17/4 * * mon-fri");
  EXPECT_EQ(weekdays.next_after(utc(2026, 11, 29, 12)), utc(2026, 11, 30, 9, 30));
  EXPECT_EQ(weekdays.next_after(utc(2026, 11, 30, 9, 30)), utc(2026, 11, 30, 13, 30));
  EXPECT_EQ(weekdays.next_after(utc(2026, 12, 4, 17, 30)), utc(2026, 12, 7, 9, 30));
  EXPECT_EQ(parsed("0 0 1 jan,jul *").next_after(utc(2026, 2, 1)), utc(2026, 7, 1));
  EXPECT_EQ(parsed("*/10 * * * * *").next_after(utc(2026, 1, 1, 23, 59, 55)), utc(2026, 1, 2));
}

TEST(Cron, EitherRestrictedDayFieldFires) {
  // The 13th, or any Friday: after Sunday 29 November 2026 comes Friday 4 December.
  EXPECT_EQ(parsed("0 0 13 * fri").next_after(utc(2026, 11, 29)), utc(2026, 12, 4));
  EXPECT_EQ(parsed("0 0 13 * fri").next_after(utc(2026, 12, 11)), utc(2026, 12, 13));
}

TEST(Cron, LeapDaysAreFoundYearsAhead) {
  EXPECT_EQ(parsed("0 0 29 2 *").next_after(utc(2097, 3, 1)), utc(2104, 2, 29));  // 2100 is no leap year
  EXPECT_EQ(parsed("0 0 29 2 *").last_at_or_before(utc(2103, 1, 1)), utc(2096, 2, 29));
  EXPECT_EQ(parsed("0 0 30 2 *").next_after(0), std::nullopt);
}

TEST(Cron, ValueOutOfRangeNamesTheField) {
  EXPECT_EQ(error_of("60 * * * *"), "cron '60 * * * *': minute 60 is out of range 0-59");
}

TEST(Cron, GarbageIsAnError) {
  EXPECT_EQ(error_of("x * * * *"), "cron 'x * * * *': minute 'x' is not a number");
  EXPECT_THAT(error_of("1,,2 * * * *"), HasSubstr("empty item"));
  EXPECT_THAT(error_of("5-1 * * * *"), HasSubstr("backwards"));
  EXPECT_THAT(error_of("*/0 * * * *"), HasSubstr("out of range"));
}

}  // namespace
}  // namespace weft::daemon
