#include "workflow/document_reader.hpp"

#include "workflow/json_pointer_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>

namespace weft::daemon {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const auto above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_key_message(std::string_view key, const std::set<std::string, std::less<>>& known) {
  const auto closest = std::min_element(known.begin(), known.end(), [&](const auto& a, const auto& b) {
    return edit_distance(key, a) < edit_distance(key, b);
  });
  std::string message = "unknown key '" + std::string(key) + "'";
  if (closest != known.end() && edit_distance(key, *closest) <= 2)
    return message + "; did you mean '" + *closest + "'?";
  std::string names;
  for (const auto& name : known) names += (names.empty() ? "" : ", ") + name;
  return message + "; known keys: " + names;
}

// A value as a problem message shows it: short, whatever its size.
std::string shown(const nlohmann::json& value) {
  constexpr std::size_t longest = 40;
  auto text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > longest) text = text.substr(0, longest) + "...";
  return text;
}

}  // namespace

DocumentReader::DocumentReader(const nlohmann::json& object, std::string pointer, std::vector<Problem>& problems)
    : object_(object), pointer_(std::move(pointer)), problems_(problems) {}

const nlohmann::json* DocumentReader::take(std::string_view key) {
  taken_.emplace(key);
  const auto found = object_.find(key);
  return found == object_.end() ? nullptr : &*found;
}

const nlohmann::json* DocumentReader::take_typed(std::string_view key, bool required,
                                                 bool (nlohmann::json::*is_type)() const noexcept,
                                                 const char* type_name) {
  const auto* value = take(key);
  if (value == nullptr) {
    if (required) problem(key, "is required");
    return nullptr;
  }
  if (!(value->*is_type)()) {
    problem(key, std::string("must be ") + type_name + ", not " + value->type_name());
    return nullptr;
  }
  return value;
}

std::optional<std::string> DocumentReader::string(std::string_view key, bool required) {
  const auto* value = take_typed(key, required, &nlohmann::json::is_string, "a string");
  if (value == nullptr) return std::nullopt;
  return value->get<std::string>();
}

std::optional<bool> DocumentReader::boolean(std::string_view key) {
  const auto* value = take_typed(key, false, &nlohmann::json::is_boolean, "a boolean");
  if (value == nullptr) return std::nullopt;
  return value->get<bool>();
}

std::optional<std::int64_t> DocumentReader::integer(std::string_view key, std::int64_t minimum) {
  const auto* value = take(key);
  if (value == nullptr) return std::nullopt;
  const bool in_range = value->is_number_integer() &&
                        (value->is_number_unsigned() ? value->get<std::uint64_t>() <= INT64_MAX : true) &&
                        value->get<std::int64_t>() >= minimum;
  if (!in_range) {
    problem(key, "must be an integer >= " + std::to_string(minimum) + ", not " + shown(*value));
    return std::nullopt;
  }
  return value->get<std::int64_t>();
}

std::optional<double> DocumentReader::number(std::string_view key, double minimum, bool minimum_allowed) {
  const auto* value = take(key);
  if (value == nullptr) return std::nullopt;
  const double number = value->is_number() ? value->get<double>() : NAN;
  const bool in_range = std::isfinite(number) && (minimum_allowed ? number >= minimum : number > minimum);
  if (!in_range) {
    const auto bound = std::floor(minimum) == minimum ? std::to_string(static_cast<long long>(minimum))
                                                      : nlohmann::json(minimum).dump();
    problem(key,
            std::string("must be a number ") + (minimum_allowed ? ">= " : "> ") + bound + ", not " + shown(*value));
    return std::nullopt;
  }
  return number;
}

const nlohmann::json* DocumentReader::object(std::string_view key, bool required) {
  return take_typed(key, required, &nlohmann::json::is_object, "an object");
}

const nlohmann::json* DocumentReader::array(std::string_view key, bool required) {
  return take_typed(key, required, &nlohmann::json::is_array, "an array");
}

std::string DocumentReader::pointer(std::string_view key) const { return child_pointer(pointer_, key); }

void DocumentReader::problem(std::string_view key, std::string message) {
  problems_.push_back({pointer(key), std::move(message)});
}

void DocumentReader::report_unknown_keys() {
  for (const auto& [key, value] : object_.items()) {
    if (!taken_.contains(key)) problem(key, unknown_key_message(key, taken_));
  }
}

bool expect_object(const nlohmann::json& value, const std::string& pointer, std::vector<Problem>& problems) {
  if (value.is_object()) return true;
  problems.push_back({pointer, std::string("must be an object, not ") + value.type_name()});
  return false;
}

}  // namespace weft::daemon
