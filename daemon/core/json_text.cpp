#include "core/json_text.hpp"

namespace weft::daemon {

namespace {
struct TooDeep {};
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
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."; keep the useful part.
    const std::string what = e.what();
    const auto at = what.find("at line");
    return fail(ErrorCode::invalid_request,
                "not valid JSON (" + (at == std::string::npos ? what : what.substr(at + 3)) + ")");
  }
}

}  // namespace weft::daemon
