// Cron expressions as workflow schedules use them, in UTC: five fields
// (minute hour day-of-month month day-of-week), or six with a leading second.
// Text in, a CronSchedule or an error naming the field out; no state, no
// clock, so that it can be fuzzed and tested alone.
#pragma once

#include "core/result.hpp"

#include <bitset>
#include <cstdint>
#include <optional>
#include <string_view>

namespace weft::daemon {

// The values at which a schedule fires, one bit per value of each field.
struct CronSchedule {
  std::bitset<60> seconds;  // five fields: second 0 only
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

  // The first firing strictly after after_ms (milliseconds since the Unix
  // epoch, UTC), on a whole second; nullopt if there is none within the next
  // nine years, which covers every date that exists (a 29 February is at
  // most eight years from the next), so nullopt means "never", as for 30 February.
  std::optional<int64_t> next_after(int64_t after_ms) const;
  // The last firing at or before at_ms, within the same nine years.
  std::optional<int64_t> last_at_or_before(int64_t at_ms) const;
};

}  // namespace weft::daemon
