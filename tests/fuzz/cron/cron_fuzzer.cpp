// Fuzzes the five-field cron expressions of a workflow's schedule.cron.
#include "fuzz_support.hpp"
#include "workflow/cron.hpp"

using weft::daemon::CronSchedule;
using weft::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto schedule = CronSchedule::parse(weft::fuzz::text_of(data, size));
  if (!schedule) {
    require(!schedule.failure().message.empty(), "a refused expression says why");
    return 0;
  }
  require(schedule->minutes.any() && schedule->hours.any() && schedule->days_of_month.any() && schedule->months.any() &&
              schedule->days_of_week.any(),
          "every field of an accepted expression allows some value");
  require(!schedule->days_of_month[0] && !schedule->months[0], "days of month and months start at 1");
  return 0;
}
