// The endpoints that manage who may do what: API tokens, their workflow
// scopes, and the audit log of what they did (docs/api.md "Authentication
// and roles").
#include "api/api_error.hpp"
#include "api/endpoints.hpp"
#include "api/query.hpp"
#include "api/representation.hpp"
#include "api/request_body.hpp"
#include "auth/token_scope.hpp"
#include "auth/token_secret.hpp"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>

#include <algorithm>

namespace weft::daemon {

namespace {

constexpr int64_t kDefaultAuditPage = 50;
constexpr int64_t kMaxAuditPage = 1000;
// A token that lives longer than this is as good as one that never expires.
constexpr int64_t kLongestLifetimeS = 100LL * 366 * 24 * 3600;

nlohmann::json token_view(const TokenRecord& token, int64_t now_ms) {
  return {{"id", token.id},
          {"role", token.role},
          {"description", token.description},
          {"created_at", timestamp(token.created_at)},
          {"expires_at", timestamp(token.expires_at)},
          {"expired", token.expires_at != 0 && token.expires_at <= now_ms},
          {"workflows", token.workflows.empty() ? nlohmann::json(nullptr) : nlohmann::json(token.workflows)},
          {"revoked", token.revoked}};
}

nlohmann::json audit_view(const AuditRecord& entry) {
  return {{"id", entry.id},         {"at", timestamp(entry.at)}, {"token_id", entry.token_id},
          {"role", entry.role},     {"action", entry.action},    {"target", entry.target},
          {"status", entry.status}, {"message", entry.message}};
}

[[noreturn]] void invalid_field(const std::string& field, const std::string& message) {
  raise(ErrorCode::invalid_request, "'" + field + "' " + message, {{"/" + field, message}});
}

// expires_in_s (seconds from now) or expires_at (RFC 3339); 0: never.
int64_t expiry_of(const nlohmann::json& body, int64_t now_ms) {
  const bool in = body.contains("expires_in_s");
  const bool at = body.contains("expires_at");
  if (in && at) invalid_field("expires_at", "cannot be given together with 'expires_in_s'");
  if (in) {
    const auto& seconds = body["expires_in_s"];
    if (!seconds.is_number_integer() || seconds.get<int64_t>() < 1 || seconds.get<int64_t>() > kLongestLifetimeS) {
      invalid_field("expires_in_s", "must be a whole number of seconds from 1 to " + std::to_string(kLongestLifetimeS));
    }
    return now_ms + seconds.get<int64_t>() * 1000;
  }
  if (!at) return 0;
  const auto& text = body["expires_at"];
  if (!text.is_string()) invalid_field("expires_at", "must be an RFC 3339 time, e.g. 2030-01-31T12:00:00Z");
  int zone = 0;
  Poco::DateTime parsed;
  try {
    if (!Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FRAC_FORMAT, text.get<std::string>(), parsed,
                                        zone)) {
      invalid_field("expires_at", "must be an RFC 3339 time, e.g. 2030-01-31T12:00:00Z");
    }
  } catch (const Poco::Exception&) {
    invalid_field("expires_at", "must be an RFC 3339 time, e.g. 2030-01-31T12:00:00Z");
  }
  parsed.makeUTC(zone);
  const int64_t expires_at = parsed.timestamp().epochMicroseconds() / 1000;
  if (expires_at <= now_ms) invalid_field("expires_at", "is in the past");
  return expires_at;
}

std::string scope_of(const nlohmann::json& body) {
  if (!body.contains("workflows")) return {};
  const auto& pattern = body["workflows"];
  if (!pattern.is_string()) invalid_field("workflows", "must be a glob on workflow names, e.g. \"etl-*\"");
  if (const auto problem = scope_problem(pattern.get<std::string>())) invalid_field("workflows", *problem);
  return pattern.get<std::string>();
}

}  // namespace

void Endpoints::require_scope(const ApiRequest& request, const std::string& workflow) {
  if (!request.caller || in_scope(request.caller->workflows, workflow)) return;
  raise(ErrorCode::forbidden, "this token is scoped to the workflows matching '" + request.caller->workflows +
                                  "'; it may not act on workflow '" + workflow + "'");
}

void Endpoints::require_unscoped(const ApiRequest& request, const std::string& what) {
  if (!request.caller || request.caller->workflows.empty()) return;
  raise(ErrorCode::forbidden, "this token is scoped to the workflows matching '" + request.caller->workflows +
                                  "'; it may not " + what + ", which needs a token without a workflow scope");
}

// Only a scoped token costs the read of the run.
void Endpoints::require_run_in_scope(const ApiRequest& request) const {
  if (!request.caller || request.caller->workflows.empty()) return;
  require_scope(request, existing_run(request.captures.at(0)).workflow);
}

ApiReply Endpoints::create_token(const ApiRequest& request) {
  require_unscoped(request, "issue tokens");
  const auto body = parse_object_body(request.body);
  reject_unknown_fields(body, {"role", "description", "expires_in_s", "expires_at", "workflows"});
  const std::string role = string_field(body, "role", "");
  if (!parse_role(role)) invalid_field("role", "must be one of viewer, operator, admin");
  const int64_t now = context_.now_ms();
  const std::string secret = new_token_secret();
  TokenRecord token{new_token_secret().substr(0, 16),
                    token_hash(secret),
                    role,
                    string_field(body, "description", ""),
                    now,
                    false,
                    expiry_of(body, now),
                    scope_of(body)};
  value_or_raise(context_.commands.store_token(token));
  context_.tokens_changed();
  auto view = token_view(token, now);
  view["token"] = secret;
  return json_reply(201, view);
}

ApiReply Endpoints::list_tokens(const ApiRequest&) {
  const int64_t now = context_.now_ms();
  auto items = nlohmann::json::array();
  for (const auto& token : context_.store.list_tokens()) items.push_back(token_view(token, now));
  return json_reply(200, {{"items", std::move(items)}});
}

// Revoking a revoked token changes nothing and answers as the first time.
ApiReply Endpoints::revoke_token(const ApiRequest& request) {
  require_unscoped(request, "revoke tokens");
  const auto& id = request.captures.at(0);
  auto tokens = context_.store.list_tokens();
  const auto found = std::find_if(tokens.begin(), tokens.end(), [&](const TokenRecord& t) { return t.id == id; });
  if (found == tokens.end()) raise(ErrorCode::not_found, "token '" + id + "' not found");
  if (!found->revoked) {
    found->revoked = true;
    value_or_raise(context_.commands.store_token(*found));
    context_.tokens_changed();
  }
  return json_reply(200, token_view(*found, context_.now_ms()));
}

// Newest first, paged as runs are: one entry more than the page tells
// whether another page follows.
ApiReply Endpoints::list_audit(const ApiRequest& request) {
  if (!context_.store.keeps_audit()) {
    raise(ErrorCode::conflict, "the storage plugin keeps no audit log; it needs a store of ABI 2.1 or later");
  }
  const auto limit = integer_parameter(request.query, "limit", kDefaultAuditPage, 1, kMaxAuditPage);
  auto entries = context_.store.list_audit(text_parameter(request.query, "before"), static_cast<int32_t>(limit + 1));
  const bool more = entries.size() > static_cast<size_t>(limit);
  if (more) entries.resize(static_cast<size_t>(limit));
  auto items = nlohmann::json::array();
  for (const auto& entry : entries) items.push_back(audit_view(entry));
  const auto next = more ? nlohmann::json(entries.back().id) : nlohmann::json(nullptr);
  return json_reply(200, {{"items", std::move(items)}, {"next_cursor", next}});
}

}  // namespace weft::daemon
