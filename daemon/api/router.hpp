// Finds the endpoint of a method and path. Patterns are paths whose "{…}"
// segments match any one segment, captured in order.
#pragma once

#include "api/exchange.hpp"
#include "auth/role.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::daemon {

using Endpoint = std::function<ApiReply(const ApiRequest&)>;

// What an endpoint may wait for. It decides where the request is answered
// (one that waits for nothing is answered on the connection loop, never
// queued behind slow requests) and what a client is told when the wait takes
// too long.
enum class Waits { nothing, store, scheduler };

struct Route {
  std::string method;
  std::vector<std::string> pattern;   // segments; "{…}" captures
  std::optional<Role> required_role;  // nullopt: served without a token
  Endpoint endpoint;
  Waits waits = Waits::store;
  // What the audit log calls a request that changes something, e.g.
  // "run.start"; empty for reads (their refusals are logged as "METHOD /path").
  std::string action{};
};

struct RouteMatch {
  const Route* route = nullptr;
  std::vector<std::string> captures;
};

class Router {
 public:
  // Register before serving; lookups then run from any thread. A route that
  // needs a role cannot wait for nothing: such routes are answered on the
  // connection loop before any token is checked (std::logic_error).
  void add(std::string method, std::string_view pattern, std::optional<Role> required_role, Endpoint endpoint,
           Waits waits = Waits::store, std::string action = {});

  // Throws ApiError: 404 not_found when no pattern matches the path, 405
  // method_not_allowed with an Allow header when patterns match the path but
  // not for this method.
  RouteMatch find(std::string_view method, const std::vector<std::string>& segments) const;

  // Every route, in the order added (for the API's description to be checked against).
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace weft::daemon
