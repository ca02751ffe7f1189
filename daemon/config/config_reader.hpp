// Walks one JSON object of the configuration: each read consumes a key, checks
// its type and range, and records a Problem at the key's JSON pointer when it
// is wrong; the keys nobody read are then reported as unknown.
#pragma once

#include <algorithm>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.hpp"

namespace weft::daemon {

class ConfigReader {
 public:
  // `object` must outlive the reader; `problems` collects what every reader finds.
  ConfigReader(const nlohmann::json& object, std::string pointer, std::vector<Problem>& problems);

  // The value at `key`, or nullptr when absent; marks the key as known.
  const nlohmann::json* take(std::string_view key);

  // Each leaves `target` unchanged (its default) when the key is absent or wrong.
  void read(std::string_view key, std::string& target);
  void read(std::string_view key, bool& target);
  void read(std::string_view key, std::vector<std::string>& target);
  template <class Integer>
  void read(std::string_view key, Integer& target, Integer minimum) {
    constexpr auto largest = std::numeric_limits<Integer>::max();
    const auto maximum = std::min<unsigned long long>(largest, std::numeric_limits<long long>::max());
    if (auto value = read_integer(key, minimum, static_cast<long long>(maximum))) {
      target = static_cast<Integer>(*value);
    }
  }

  // A reader of the object at `key`; absent or not an object gives an empty one.
  ConfigReader object(std::string_view key);
  // A reader of each object in the array at `key`; an item that is no object
  // is reported, as is a value that is no array. Absent gives none.
  std::vector<ConfigReader> objects_in(std::string_view key);

  void report(std::string_view key, std::string message);
  std::string pointer_to(std::string_view key) const;

  // Reports every key that no take()/read()/object() asked for.
  void reject_unknown_keys();

 private:
  std::optional<long long> read_integer(std::string_view key, long long minimum, long long maximum);

  const nlohmann::json& object_;
  std::string pointer_;
  std::vector<Problem>& problems_;
  std::set<std::string, std::less<>> known_;
};

}  // namespace weft::daemon
