#include "config/config_reader.hpp"

namespace weft::daemon {
namespace {

// RFC 6901: "~" and "/" inside a key are escaped in a pointer.
std::string escape_pointer_token(std::string_view key) {
  std::string escaped;
  for (char c : key) {
    if (c == '~') {
      escaped += "~0";
    } else if (c == '/') {
      escaped += "~1";
    } else {
      escaped += c;
    }
  }
  return escaped;
}

const nlohmann::json& empty_object() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}

// nlohmann stores non-negative integers as unsigned; those beyond long long do not fit.
std::optional<long long> as_long_long(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto unsigned_value = value.get<unsigned long long>();
    if (unsigned_value > static_cast<unsigned long long>(std::numeric_limits<long long>::max())) return std::nullopt;
    return static_cast<long long>(unsigned_value);
  }
  if (value.is_number_integer()) return value.get<long long>();
  return std::nullopt;
}

}  // namespace

ConfigReader::ConfigReader(const nlohmann::json& object, std::string pointer, std::vector<Problem>& problems)
    : object_(object), pointer_(std::move(pointer)), problems_(problems) {}

const nlohmann::json* ConfigReader::take(std::string_view key) {
  known_.emplace(key);
  auto found = object_.find(key);
  return found == object_.end() ? nullptr : &*found;
}

void ConfigReader::read(std::string_view key, std::string& target) {
  const nlohmann::json* value = take(key);
  if (!value) return;
  if (!value->is_string() || value->get_ref<const std::string&>().empty()) {
    report(key, "must be a non-empty string");
    return;
  }
  target = value->get<std::string>();
}

void ConfigReader::read(std::string_view key, bool& target) {
  const nlohmann::json* value = take(key);
  if (!value) return;
  if (!value->is_boolean()) {
    report(key, "must be true or false");
    return;
  }
  target = value->get<bool>();
}

void ConfigReader::read(std::string_view key, std::vector<std::string>& target) {
  const nlohmann::json* value = take(key);
  if (!value) return;
  if (!value->is_array()) {
    report(key, "must be an array of strings");
    return;
  }
  std::vector<std::string> items;
  bool all_strings = true;
  for (std::size_t i = 0; i < value->size(); ++i) {
    const nlohmann::json& item = (*value)[i];
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      problems_.push_back({pointer_to(key) + "/" + std::to_string(i), "must be a non-empty string"});
      all_strings = false;
      continue;
    }
    items.push_back(item.get<std::string>());
  }
  if (all_strings) target = std::move(items);
}

std::optional<long long> ConfigReader::read_integer(std::string_view key, long long minimum, long long maximum) {
  const nlohmann::json* value = take(key);
  if (!value) return std::nullopt;
  std::optional<long long> integer = as_long_long(*value);
  if (!integer || *integer < minimum || *integer > maximum) {
    report(key, "must be an integer from " + std::to_string(minimum) + " to " + std::to_string(maximum));
    return std::nullopt;
  }
  return integer;
}

ConfigReader ConfigReader::object(std::string_view key) {
  const nlohmann::json* value = take(key);
  if (value && !value->is_object()) report(key, "must be an object");
  const nlohmann::json& object = value && value->is_object() ? *value : empty_object();
  return ConfigReader(object, pointer_to(key), problems_);
}

std::vector<ConfigReader> ConfigReader::objects_in(std::string_view key) {
  std::vector<ConfigReader> readers;
  const nlohmann::json* value = take(key);
  if (!value) return readers;
  if (!value->is_array()) {
    report(key, "must be an array of objects");
    return readers;
  }
  for (std::size_t i = 0; i < value->size(); ++i) {
    const std::string item = pointer_to(key) + "/" + std::to_string(i);
    if ((*value)[i].is_object()) {
      readers.emplace_back((*value)[i], item, problems_);
    } else {
      problems_.push_back({item, "must be an object"});
    }
  }
  return readers;
}

void ConfigReader::report(std::string_view key, std::string message) {
  problems_.push_back({pointer_to(key), std::move(message)});
}

std::string ConfigReader::pointer_to(std::string_view key) const { return pointer_ + "/" + escape_pointer_token(key); }

void ConfigReader::reject_unknown_keys() {
  for (const auto& [key, value] : object_.items()) {
    if (!known_.contains(key)) report(key, "unknown key");
  }
}

}  // namespace weft::daemon
