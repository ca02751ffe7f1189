#include "api/peer_forwarding.hpp"

#include "api/api_error.hpp"

#include <weft/client/api_client.hpp>

#include <chrono>

namespace weft::daemon {

namespace {

// A peer that does not answer this soon is taken for dead (its lease then
// runs out): the caller hears so instead of waiting on it.
constexpr std::chrono::seconds kPeerTimeout{10};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool held_elsewhere(const client::Response& response) {
  if (response.status != 409) return false;
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  return body.is_object() && body.contains("error") && body["error"].is_object() &&
         body["error"].value("code", "") == to_string(ErrorCode::held_elsewhere);
}

ApiReply reply_of(client::Response response) {
  ApiReply reply;
  reply.status = response.status;
  reply.content_type = response.content_type.empty() ? "application/json" : response.content_type;
  reply.body = std::move(response.body);
  if (auto retry_after = response.header("Retry-After"); !retry_after.empty()) {
    reply.headers.emplace_back("Retry-After", std::move(retry_after));
  }
  return reply;
}

}  // namespace

std::string run_path(const std::string& run_id, const std::string& task) {
  std::string path = "/api/v1/runs/" + client::path_segment(run_id);
  if (!task.empty()) path += "/tasks/" + client::path_segment(task);
  return path;
}

PeerForwarding::PeerForwarding(const StoreClient& store, PeerSettings settings)
    : store_(store), settings_(std::move(settings)) {}

std::optional<ApiReply> PeerForwarding::ask(const ApiRequest& request, const std::string& target,
                                            std::string& silent) const {
  client::Headers headers{{kForwardedByHeader, settings_.instance}};
  if (!request.authorization.empty()) headers.emplace("Authorization", request.authorization);
  // Heartbeats are on the store's clock; a lease's length of slack covers
  // the difference from this host's.
  const int64_t alive_since = now_ms() - 2 * settings_.lease.count();
  for (const auto& peer : store_.list_instances()) {
    if (peer.id == settings_.instance || peer.heartbeat_at < alive_since) continue;
    try {
      const client::ApiClient client(peer.address, "", kPeerTimeout, settings_.ca_file);
      auto response = client.send(request.method, target, request.body, headers);
      if (!held_elsewhere(response)) return reply_of(std::move(response));
    } catch (const std::exception& e) {  // ClientError, or an address that is no URL
      silent += (silent.empty() ? "" : "; ") + peer.id + " (" + e.what() + ")";
    }
  }
  return std::nullopt;
}

ApiReply PeerForwarding::forward(const ApiRequest& request, const std::string& target) const {
  std::string silent;
  if (auto reply = ask(request, target, silent)) return std::move(*reply);
  raise(ErrorCode::unavailable,
        "the run is held by another weftd instance, and none that renewed its lease lately holds it now" +
            (silent.empty() ? std::string() : ", or it did not answer: " + silent) +
            ". A run stored unheld (every instance was full when it was created) is claimed by the first "
            "instance with room; a run whose holder died is taken over once its lease runs out (instance.lease_s, " +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(settings_.lease).count()) +
            " s, after its last heartbeat); try again then");
}

}  // namespace weft::daemon
