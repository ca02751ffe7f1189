#include "api/request_target.hpp"

#include "api/api_error.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <Poco/UTF8Encoding.h>

#include <algorithm>
#include <string_view>

namespace weft::daemon {
namespace {

bool is_utf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    const auto lead = static_cast<unsigned char>(text[at]);
    const int length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || text.size() - at < static_cast<size_t>(length) ||
        !Poco::UTF8Encoding::isLegal(reinterpret_cast<const unsigned char*>(text.data() + at), length))
      return false;
    at += static_cast<size_t>(length);
  }
  return true;
}

}  // namespace

RequestTarget RequestTarget::parse(const std::string& target) {
  RequestTarget parsed;
  try {
    const Poco::URI uri(target);
    uri.getPathSegments(parsed.segments);
    for (auto& [name, value] : uri.getQueryParameters()) parsed.query[name] = value;
  } catch (const Poco::Exception& e) {
    raise(ErrorCode::invalid_request, "the request target '" + target + "' is not a valid URI: " + e.message());
  }
  // Names and ids are UTF-8 everywhere else (JSON); refusing other bytes
  // here keeps them out of stores, logs and replies.
  const bool text = std::all_of(parsed.segments.begin(), parsed.segments.end(), is_utf8) &&
                    std::all_of(parsed.query.begin(), parsed.query.end(), [](const auto& parameter) {
                      return is_utf8(parameter.first) && is_utf8(parameter.second);
                    });
  if (!text) raise(ErrorCode::invalid_request, "the request target is not valid UTF-8 once percent-decoded");
  return parsed;
}

}  // namespace weft::daemon
