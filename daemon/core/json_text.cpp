#include "core/json_text.hpp"

namespace weft::daemon {

namespace {

struct TooDeep {};

// nlohmann's what() is "[json.exception.<kind>.<id>] <message>"; the message is what a user needs.
std::string without_exception_id(const std::string& what) {
  const auto end = what.find("] ");
  return end == std::string::npos ? what : what.substr(end + 2);
}

}  // namespace

Result<nlohmann::json> parse_json(std::string_view text, int max_depth) {
  try {
    return nlohmann::json::parse(text, [max_depth](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
      if (depth > max_depth) throw TooDeep{};
      return true;
    });
  } catch (const TooDeep&) {
    return fail(ErrorCode::invalid_request, "nested deeper than " + std::to_string(max_depth) + " levels");
  } catch (const nlohmann::json::parse_error& e) {
    // "parse error at line 1, column 2: ...": keep from the position on.
    const std::string message = without_exception_id(e.what());
    const auto at = message.find("at line");
    return fail(ErrorCode::invalid_request,
                "not valid JSON (" + (at == std::string::npos ? message : message.substr(at + 3)) + ")");
  } catch (const nlohmann::json::out_of_range& e) {
    // A number beyond a double's range, such as 1e400.
    return fail(ErrorCode::invalid_request, "not valid JSON (" + without_exception_id(e.what()) + ")");
  }
}

}  // namespace weft::daemon
