// Requests on a run that another weftd instance sharing the store holds:
// sent on to that instance, which carries them out and whose answer is the
// caller's. The caller's credentials go with the request, so the instance
// that holds the run checks them as if it had been asked directly.
#pragma once

#include "api/api_settings.hpp"
#include "api/exchange.hpp"
#include "store/store_client.hpp"

#include <optional>
#include <string>

namespace weft::daemon {

// The header a forwarded request carries: the instance that sent it on. An
// instance that does not hold the run either answers it held_elsewhere
// rather than forward it again.
inline constexpr const char* kForwardedByHeader = "X-Weft-Forwarded-By";

// "/api/v1/runs/<run_id>[/tasks/<task>]", the ids percent-encoded, for a
// request to another instance.
std::string run_path(const std::string& run_id, const std::string& task = "");

class PeerForwarding {
 public:
  PeerForwarding(const StoreClient& store, PeerSettings settings);

  // Sends request (to target, its path) to the other instances that renewed
  // their leases lately, one after the other, and answers with the reply of
  // the first that does not answer held_elsewhere: the one that holds the
  // run. The store does not say which one holds a run, and instances are
  // few. Throws ApiError 503 when none does: the holder may have died, and
  // its runs pass to another instance once its lease runs out.
  ApiReply forward(const ApiRequest& request, const std::string& target) const;
  // As forward(), but nullopt when no instance answered other than
  // held_elsewhere; `silent` then says which did not answer, and why.
  std::optional<ApiReply> ask(const ApiRequest& request, const std::string& target, std::string& silent) const;

 private:
  const StoreClient& store_;
  PeerSettings settings_;
};

}  // namespace weft::daemon
