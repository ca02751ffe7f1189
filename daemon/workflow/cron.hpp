// Five-field cron expressions (minute hour day-of-month month day-of-week, UTC)
// as workflow schedules use them.
#pragma once

#include "core/result.hpp"

#include <bitset>
#include <string_view>

namespace weft::daemon {

// The values at which a schedule fires, one bit per value of each field.
struct CronSchedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days_of_month;  // bits 1-31
  std::bitset<13> months;         // bits 1-12
  std::bitset<7> days_of_week;    // 0 = Sunday; 7 in the text also means Sunday
  // As in cron(8): when both day fields are restricted (not '*'), a day
  // matching either one fires.
  bool days_of_month_restricted = false;
  bool days_of_week_restricted = false;

  // Accepts per field: '*', numbers, ranges a-b, lists a,b, steps */n and a-b/n,
  // and the names JAN-DEC and SUN-SAT (any case). Failure (invalid_request)
  // names the field: "cron '0 25 * * *': hour 25 is out of range 0-23".
  static Result<CronSchedule> parse(std::string_view expression);
};

}  // namespace weft::daemon
