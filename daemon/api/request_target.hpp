// The target of a request line ("/api/v1/runs?limit=5"), decoded into what
// the router and the endpoints read.
#pragma once

#include "api/query.hpp"

#include <string>
#include <vector>

namespace weft::daemon {

struct RequestTarget {
  std::vector<std::string> segments;  // the path's, decoded, empty ones left out
  Query query;                        // decoded

  // Throws ApiError 400 invalid_request naming the target when it is not a valid URI.
  static RequestTarget parse(const std::string& target);
};

}  // namespace weft::daemon
