#include "api/audit_trail.hpp"

#include "auth/token_secret.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>

namespace weft::daemon {

namespace {

bool kept(const Route& route, const ApiReply& reply) {
  return !route.action.empty() || reply.status == 401 || reply.status == 403;
}

std::string action_of(const Route& route) {
  if (!route.action.empty()) return route.action;
  std::string path;
  for (const auto& segment : route.pattern) path += "/" + segment;
  return route.method + " " + path;
}

nlohmann::json reply_json(const ApiReply& reply) {
  if (reply.stream || reply.content_type != "application/json") return nullptr;
  return nlohmann::json::parse(reply.body, nullptr, false);
}

// What was acted on: what the reply names (a run or token created, a
// workflow applied, an OGC job), else the request's first path parameter.
std::string target_of(const ApiRequest& request, const nlohmann::json& body, int status) {
  if (status < 300 && body.is_object()) {
    for (const char* field : {"id", "name", "jobID"}) {
      const auto found = body.find(field);
      if (found != body.end() && found->is_string()) return found->get<std::string>();
    }
  }
  return request.captures.empty() ? "" : request.captures.front();
}

// The API's error message, or the `detail` of an OGC exception document.
std::string message_of(const nlohmann::json& body, int status) {
  if (status < 300 || !body.is_object()) return {};
  const auto detail = body.find("detail");
  if (detail != body.end() && detail->is_string()) return detail->get<std::string>();
  const auto error = body.find("error");
  if (error == body.end() || !error->is_object()) return {};
  const auto message = error->find("message");
  return message != error->end() && message->is_string() ? message->get<std::string>() : "";
}

}  // namespace

AuditTrail::AuditTrail(Commands& commands, std::function<int64_t()> now_ms)
    : commands_(commands), now_ms_(std::move(now_ms)), instance_(new_token_secret().substr(0, 8)) {}

void AuditTrail::record(const Route& route, const ApiRequest& request, const ApiReply& reply) noexcept {
  if (!kept(route, reply)) return;
  try {
    const auto body = reply_json(reply);
    sdk::AuditRecord entry;
    entry.at = now_ms_();
    entry.id = next_id(entry.at);
    if (request.caller) {
      entry.token_id = request.caller->token_id;
      entry.role = to_string(request.caller->role);
    }
    entry.action = action_of(route);
    entry.target = target_of(request, body, reply.status);
    entry.message = message_of(body, reply.status);
    entry.status = reply.status;
    spdlog::info("audit {}", nlohmann::json{{"id", entry.id},
                                            {"token_id", entry.token_id},
                                            {"role", entry.role},
                                            {"action", entry.action},
                                            {"target", entry.target},
                                            {"status", entry.status},
                                            {"message", entry.message}}
                                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    commands_.record_audit(std::move(entry));
  } catch (const std::exception& e) {
    spdlog::error("cannot record an audit entry for {}: {}", action_of(route), e.what());
  }
}

std::string AuditTrail::next_id(int64_t at) {
  char id[64];
  std::snprintf(id, sizeof id, "%015lld-%s-%08llu", static_cast<long long>(at), instance_.c_str(),
                static_cast<unsigned long long>(sequence_++ % 100000000));
  return id;
}

}  // namespace weft::daemon
