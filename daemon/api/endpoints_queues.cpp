// The queue endpoints of docs/api.md: pushing messages, the queues' counts,
// their dead letters and redriving them. Writes go through the scheduler,
// reads to the store.
#include "api/api_error.hpp"
#include "api/endpoints.hpp"
#include "api/query.hpp"
#include "api/representation.hpp"
#include "api/request_body.hpp"
#include "core/json_text.hpp"
#include "workflow/workflow.hpp"

#include <algorithm>
#include <set>

namespace weft::daemon {

namespace {

constexpr int64_t kDefaultPageSize = 50;
constexpr int64_t kMaxPageSize = 1000;

const std::string& queue_name(const ApiRequest& request) {
  const auto& name = request.captures.at(0);
  if (!is_queue_name(name)) {
    raise(ErrorCode::invalid_request, "'" + name + "' is not a queue name: it must match [A-Za-z0-9._-]{1,128}");
  }
  return name;
}

nlohmann::json queue_json(const QueueCounts& queue) {
  return {{"name", queue.queue}, {"ready", queue.ready}, {"in_flight", queue.taken}, {"dead", queue.dead}};
}

nlohmann::json dead_message_json(const MessageRecord& message) {
  return {{"id", message.id},
          {"body", stored_json(message.body_json)},
          {"enqueued_at", timestamp(message.enqueued_at)},
          {"deliveries", message.deliveries},
          {"failure", {{"run_id", message.run_id}, {"error", message.error}, {"at", timestamp(message.failed_at)}}}};
}

}  // namespace

QueueCounts Endpoints::existing_queue(const std::string& name) const {
  if (!context_.store.keeps_queues()) raise(ErrorCode::unavailable, "the storage plugin keeps no queues");
  for (auto& queue : context_.store.list_queues()) {
    if (queue.queue == name) return std::move(queue);
  }
  raise(ErrorCode::not_found, "queue '" + name + "' not found: no message was ever pushed to it");
}

ApiReply Endpoints::list_queues(const ApiRequest&) {
  if (!context_.store.keeps_queues()) raise(ErrorCode::unavailable, "the storage plugin keeps no queues");
  auto items = nlohmann::json::array();
  for (const auto& queue : context_.store.list_queues()) items.push_back(queue_json(queue));
  return json_reply(200, {{"items", std::move(items)}});
}

ApiReply Endpoints::get_queue(const ApiRequest& request) {
  return json_reply(200, queue_json(existing_queue(queue_name(request))));
}

// Oldest first; next_cursor is the id of the page's last message when another page follows.
ApiReply Endpoints::list_dead_messages(const ApiRequest& request) {
  const std::string name = existing_queue(queue_name(request)).queue;
  const auto limit = integer_parameter(request.query, "limit", kDefaultPageSize, 1, kMaxPageSize);
  auto dead = context_.store.list_messages(name, MessageState::dead, text_parameter(request.query, "cursor"),
                                           static_cast<int32_t>(limit + 1));
  const bool more = dead.size() > static_cast<size_t>(limit);
  if (more) dead.resize(static_cast<size_t>(limit));
  auto items = nlohmann::json::array();
  for (const auto& message : dead) items.push_back(dead_message_json(message));
  const auto next_cursor = more ? nlohmann::json(dead.back().id) : nlohmann::json(nullptr);
  return json_reply(200, {{"items", std::move(items)}, {"next_cursor", next_cursor}});
}

// Any JSON value is a message; it is stored as compact JSON text.
ApiReply Endpoints::push_message(const ApiRequest& request) {
  require_unscoped(request, "push messages to queues");
  const std::string& name = queue_name(request);
  auto parsed = parse_json(request.body);
  if (!parsed) {
    raise(ErrorCode::invalid_request, "the message is " + parsed.failure().message + "; a message is any JSON value",
          {{"", parsed.failure().message}});
  }
  const std::string id = value_or_raise(context_.commands.enqueue(name, parsed->dump()));
  return json_reply(201, {{"id", id}, {"queue", name}});
}

// Body: {"ids": [...]} for those dead messages, or nothing (or {}) for all of them.
ApiReply Endpoints::redrive(const ApiRequest& request) {
  require_unscoped(request, "redrive queues");
  const auto body = parse_object_body(request.body, true);
  reject_unknown_fields(body, {"ids"});
  const std::string name = existing_queue(queue_name(request)).queue;
  auto dead = context_.store.list_messages(name, MessageState::dead, "", 0);
  if (body.contains("ids")) {
    const auto& ids = body.at("ids");
    if (!ids.is_array() || ids.empty() ||
        !std::all_of(ids.begin(), ids.end(), [](const auto& id) { return id.is_string(); })) {
      raise(ErrorCode::invalid_request, "field 'ids' must be a non-empty array of message ids",
            {{"/ids", "expected a non-empty array of strings"}});
    }
    std::set<std::string> wanted;
    for (const auto& id : ids) wanted.insert(id.get<std::string>());
    std::erase_if(dead, [&](const auto& message) { return !wanted.count(message.id); });
    if (dead.size() != wanted.size()) {
      for (const auto& id : wanted) {
        if (std::none_of(dead.begin(), dead.end(), [&](const auto& m) { return m.id == id; })) {
          raise(ErrorCode::not_found, "queue '" + name + "' has no dead message '" + id + "'");
        }
      }
    }
  }
  value_or_raise(context_.commands.redrive(name, dead));
  return json_reply(200, {{"queue", name}, {"redriven", dead.size()}});
}

}  // namespace weft::daemon
