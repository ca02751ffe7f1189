#include "workflow/cron.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace weft::daemon {
namespace {

struct CronField {
  const char* name;
  int minimum;
  int maximum;
  std::array<std::string_view, 12> value_names;  // value_names[i] means minimum + i
};

constexpr CronField second_field{"second", 0, 59, {}};
constexpr std::array<CronField, 5> fields = {{
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day of month", 1, 31, {}},
    {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day of week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}};

struct CronError {
  std::string reason;
};

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t end = text.find(separator); end != std::string_view::npos; end = text.find(separator, start)) {
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t position = 0;
  while (position < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[position]))) {
      ++position;
      continue;
    }
    const auto start = position;
    while (position < text.size() && !std::isspace(static_cast<unsigned char>(text[position]))) ++position;
    words.push_back(text.substr(start, position - start));
  }
  return words;
}

std::optional<int> named_value(const CronField& field, std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::size_t i = 0; i < field.value_names.size(); ++i) {
    if (!field.value_names[i].empty() && field.value_names[i] == lower) return field.minimum + static_cast<int>(i);
  }
  return std::nullopt;
}

int parse_value(const CronField& field, std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (parsed.ec != std::errc() || parsed.ptr != end) {
    if (auto named = named_value(field, text)) return *named;
    throw CronError{std::string(field.name) + " '" + std::string(text) + "' is not a number"};
  }
  if (value < field.minimum || value > field.maximum) {
    throw CronError{std::string(field.name) + " " + std::string(text) + " is out of range " +
                    std::to_string(field.minimum) + "-" + std::to_string(field.maximum)};
  }
  return value;
}

// Sets the bits one comma-separated item selects.
void parse_item(const CronField& field, std::string_view item, std::bitset<64>& bits) {
  const auto slash = item.find('/');
  const auto range = item.substr(0, slash);
  int step = 1;
  if (slash != std::string_view::npos) {
    step = parse_value(CronField{field.name, 1, field.maximum, {}}, item.substr(slash + 1));
  }
  int first = field.minimum;
  int last = field.maximum;
  if (range != "*") {
    const auto dash = range.find('-');
    first = parse_value(field, range.substr(0, dash));
    last = dash == std::string_view::npos ? (slash == std::string_view::npos ? first : field.maximum)
                                          : parse_value(field, range.substr(dash + 1));
  }
  if (first > last) throw CronError{std::string(field.name) + " range '" + std::string(range) + "' is backwards"};
  for (int value = first; value <= last; value += step) bits.set(static_cast<std::size_t>(value));
}

std::bitset<64> parse_field(const CronField& field, std::string_view text) {
  std::bitset<64> bits;
  for (const auto item : split(text, ',')) {
    if (item.empty()) throw CronError{std::string(field.name) + " '" + std::string(text) + "' has an empty item"};
    parse_item(field, item, bits);
  }
  return bits;
}

template <std::size_t N>
std::bitset<N> narrow(const std::bitset<64>& bits) {
  return std::bitset<N>(bits.to_ullong() & ((1ULL << N) - 1));
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view expression) {
  auto words = split_spaces(expression);
  const auto prefix = "cron '" + std::string(expression) + "': ";
  if (words.size() != fields.size() && words.size() != fields.size() + 1) {
    return fail(
        ErrorCode::invalid_request,
        prefix + "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with a leading second, found " +
            std::to_string(words.size()));
  }
  try {
    CronSchedule schedule;
    schedule.seconds.set(0);
    if (words.size() > fields.size()) {
      schedule.seconds = narrow<60>(parse_field(second_field, words.front()));
      words.erase(words.begin());
    }
    std::array<std::bitset<64>, 5> bits;
    for (std::size_t i = 0; i < fields.size(); ++i) bits[i] = parse_field(fields[i], words[i]);
    schedule.minutes = narrow<60>(bits[0]);
    schedule.hours = narrow<24>(bits[1]);
    schedule.days_of_month = narrow<32>(bits[2]);
    schedule.months = narrow<13>(bits[3]);
    if (bits[4].test(7)) bits[4].set(0);
    schedule.days_of_week = narrow<7>(bits[4]);
    schedule.days_of_month_restricted = words[2] != "*";
    schedule.days_of_week_restricted = words[4] != "*";
    return schedule;
  } catch (const CronError& error) {
    return fail(ErrorCode::invalid_request, prefix + error.reason);
  }
}

namespace {

constexpr int64_t seconds_per_day = 86400;
// Nine years of days: every calendar date recurs within them.
constexpr int64_t search_days = 9 * 366;

// The first value set in bits from `from` on, going by step (+1 or -1).
template <std::size_t N>
std::optional<int> next_bit(const std::bitset<N>& bits, int from, int step) {
  for (int value = from; value >= 0 && value < static_cast<int>(N); value += step) {
    if (bits.test(static_cast<std::size_t>(value))) return value;
  }
  return std::nullopt;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }

// Walks day by day from the bound in the direction of step (+1: forward,
// -1: back), then within the first matching day by hour, minute and second:
// at most nine years of days, each a few bit tests.
std::optional<int64_t> search(const CronSchedule& cron, int64_t bound_second, int step) {
  const int64_t first_day = floor_div(bound_second, seconds_per_day);
  const auto day_matches = [&cron](int64_t day) {
    const std::chrono::sys_days date{std::chrono::days{day}};
    const std::chrono::year_month_day ymd{date};
    if (!cron.months.test(static_cast<unsigned>(ymd.month()))) return false;
    const bool day_of_month = cron.days_of_month.test(static_cast<unsigned>(ymd.day()));
    const bool day_of_week = cron.days_of_week.test(std::chrono::weekday{date}.c_encoding());
    if (cron.days_of_month_restricted && cron.days_of_week_restricted) return day_of_month || day_of_week;
    return day_of_month && day_of_week;
  };
  const auto time_of_day = [&cron, step](int bound) -> std::optional<int> {
    const int hour0 = bound / 3600;
    const int minute0 = bound / 60 % 60;
    const int edge = step > 0 ? 0 : 59;
    for (auto hour = next_bit(cron.hours, hour0, step); hour; hour = next_bit(cron.hours, *hour + step, step)) {
      const int minute_from = *hour == hour0 ? minute0 : edge;
      for (auto minute = next_bit(cron.minutes, minute_from, step); minute;
           minute = next_bit(cron.minutes, *minute + step, step)) {
        const int second_from = *hour == hour0 && *minute == minute0 ? bound % 60 : edge;
        if (auto second = next_bit(cron.seconds, second_from, step)) return *hour * 3600 + *minute * 60 + *second;
      }
    }
    return std::nullopt;
  };
  for (int64_t i = 0; i < search_days; ++i) {
    const int64_t day = first_day + i * step;
    if (!day_matches(day)) continue;
    const int64_t bound = i == 0 ? bound_second - day * seconds_per_day : (step > 0 ? 0 : seconds_per_day - 1);
    if (auto second = time_of_day(static_cast<int>(bound))) return (day * seconds_per_day + *second) * 1000;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> CronSchedule::next_after(int64_t after_ms) const {
  return search(*this, floor_div(after_ms, 1000) + 1, +1);
}

std::optional<int64_t> CronSchedule::last_at_or_before(int64_t at_ms) const {
  return search(*this, floor_div(at_ms, 1000), -1);
}

}  // namespace weft::daemon
