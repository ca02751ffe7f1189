#include "api/request_target.hpp"

#include "api/api_error.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace weft::daemon {

RequestTarget RequestTarget::parse(const std::string& target) {
  try {
    const Poco::URI uri(target);
    RequestTarget parsed;
    uri.getPathSegments(parsed.segments);
    for (auto& [name, value] : uri.getQueryParameters()) parsed.query[name] = value;
    return parsed;
  } catch (const Poco::Exception& e) {
    raise(ErrorCode::invalid_request, "the request target '" + target + "' is not a valid URI: " + e.message());
  }
}

}  // namespace weft::daemon
