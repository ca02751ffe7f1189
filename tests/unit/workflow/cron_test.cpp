#include "workflow/cron.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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

TEST(Cron, WrongFieldCountIsAnError) { EXPECT_THAT(error_of("* * * * * *"), HasSubstr("expected 5 fields")); }

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
