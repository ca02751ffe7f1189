// Private to weft_workflow. Reads one JSON object of a workflow document: each
// read takes a key (marking it known), checks its type and range and records a
// Problem at the key's JSON pointer when it is wrong; report_unknown_keys()
// then names every key nobody took, so that a typo never passes silently.
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon {

class DocumentReader {
 public:
  // `object` must be a JSON object and outlive the reader; `problems` collects what every reader finds.
  DocumentReader(const nlohmann::json& object, std::string pointer, std::vector<Problem>& problems);

  // The value at `key`, or nullptr when absent.
  const nlohmann::json* take(std::string_view key);
  // Each returns nullopt / nullptr when the key is absent or wrong (and then records a problem);
  // `required` keys that are absent are problems too.
  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t minimum);
  // A number above `minimum`, or at least `minimum` when `minimum_allowed`.
  std::optional<double> number(std::string_view key, double minimum, bool minimum_allowed);
  const nlohmann::json* object(std::string_view key, bool required = false);
  const nlohmann::json* array(std::string_view key, bool required = false);

  std::string pointer(std::string_view key) const;
  const std::string& pointer() const { return pointer_; }
  void problem(std::string_view key, std::string message);
  void report_unknown_keys();

 private:
  const nlohmann::json* take_typed(std::string_view key, bool required,
                                   bool (nlohmann::json::*is_type)() const noexcept, const char* type_name);

  const nlohmann::json& object_;
  std::string pointer_;
  std::vector<Problem>& problems_;
  std::set<std::string, std::less<>> taken_;
};

// Records a problem and returns false when `value` is not an object.
bool expect_object(const nlohmann::json& value, const std::string& pointer, std::vector<Problem>& problems);

}  // namespace weft::daemon
