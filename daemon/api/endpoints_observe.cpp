// The endpoints that watch weftd rather than change it: metrics, live
// events, and the API's own description (docs/api.md).
#include "api/api_error.hpp"
#include "api/embedded.hpp"
#include "api/endpoints.hpp"
#include "api/representation.hpp"

namespace weft::daemon {

namespace {

ApiReply text_reply(std::string_view body, std::string_view content_type) {
  ApiReply reply;
  reply.content_type = content_type;
  reply.body = body;
  return reply;
}

ApiReply event_stream_reply(std::shared_ptr<EventStream> stream) {
  ApiReply reply;
  reply.content_type = "text/event-stream";
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.headers.emplace_back("X-Accel-Buffering", "no");  // a proxy in front must pass events on at once
  reply.stream = std::move(stream);
  return reply;
}

std::optional<std::string> last_event_id(const ApiRequest& request) {
  if (request.last_event_id.empty()) return std::nullopt;
  return request.last_event_id;
}

}  // namespace

ApiReply Endpoints::metrics(const ApiRequest&) {
  MetricsSnapshot snapshot;
  if (auto figures = context_.commands.figures()) snapshot.scheduler = std::move(*figures);
  snapshot.plugins = context_.list_plugins();
  snapshot.event_subscribers = context_.events.subscriber_count();
  return text_reply(context_.metrics.render(snapshot), "text/plain; version=0.0.4; charset=utf-8");
}

ApiReply Endpoints::events(const ApiRequest& request) {
  EventStart start;
  start.last = last_event_id(request);
  start.published = context_.events.published();
  return event_stream_reply(context_.events.subscribe(std::move(start)));
}

// The stream starts with the run's state as stored (unless it resumes), read
// after the point where its live events begin: a change between the two is
// sent twice, never missed.
ApiReply Endpoints::run_events(const ApiRequest& request) {
  EventStart start;
  start.run_id = request.captures.at(0);
  start.last = last_event_id(request);
  start.published = context_.events.published();
  const auto run = existing_run(start.run_id);
  const std::string id = context_.events.id_of(start.published);
  for (const auto& task : context_.store.list_tasks(run.id)) {
    start.snapshot += EventHub::frame(id, "task", task_event_json(task));
  }
  start.snapshot += EventHub::frame(id, "run", run_event_json(run));
  start.run_final = sdk::is_final(run.status);
  return event_stream_reply(context_.events.subscribe(std::move(start)));
}

ApiReply Endpoints::openapi(const ApiRequest&) { return text_reply(openapi_document(), "application/json"); }

ApiReply Endpoints::docs_page(const ApiRequest&) {
  const auto page = docs_file("index.html");
  return text_reply(page->bytes, page->content_type);
}

ApiReply Endpoints::docs_asset(const ApiRequest& request) {
  const auto& name = request.captures.at(0);
  const auto file = docs_file(name);
  if (!file || name == "index.html") raise(ErrorCode::not_found, "the API page has no file '" + name + "'");
  auto reply = text_reply(file->bytes, file->content_type);
  reply.headers.emplace_back("Cache-Control", "public, max-age=86400");
  return reply;
}

}  // namespace weft::daemon
