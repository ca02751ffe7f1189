#include "plugin_host/host_services.hpp"

#include <weft/sdk/plugin.hpp>

#include <spdlog/spdlog.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>

#include <cstdio>
#include <memory>

namespace weft::daemon {

namespace {

std::string_view view(weft_str s) { return s.len ? std::string_view(s.ptr, s.len) : std::string_view(); }

spdlog::level::level_enum to_spdlog(weft_log_level level) {
  switch (level) {
    case WEFT_LOG_TRACE: return spdlog::level::trace;
    case WEFT_LOG_DEBUG: return spdlog::level::debug;
    case WEFT_LOG_INFO: return spdlog::level::info;
    case WEFT_LOG_WARN: return spdlog::level::warn;
    case WEFT_LOG_ERROR: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

void HostServices::deliver(TaskEvent event) const {
  if (sink_) {
    sink_(std::move(event));
  } else {
    spdlog::warn("task event for {} before the scheduler was ready; dropped", event.task_key);
  }
}

// Posted, so that the listener runs on the loop whatever thread the store
// called from; before the loop runs, the call waits in its queue.
void HostServices::work_available() {
  boost::asio::post(io_, [this] {
    if (work_listener_) work_listener_();
  });
}

std::string HostServices::enqueue(std::string queue, std::string id, std::string body_json) const {
  if (!message_sink_) return "this weftd keeps no queues";
  return message_sink_(std::move(queue), std::move(id), std::move(body_json));
}

void HostServices::start_child_run(ChildRunRequest request, ChildRunEnded on_end) const {
  if (child_run_starter_) return child_run_starter_(std::move(request), std::move(on_end));
  boost::asio::post(io_, [on_end = std::move(on_end)] {
    on_end({{}, 0, {}, "this weftd starts no child runs (it has no scheduler)"});
  });
}

PluginContext::PluginContext(HostServices& services, std::string plugin_name)
    : services_(services), plugin_name_(std::move(plugin_name)) {
  api_.struct_size = sizeof api_;
  api_.host_ptr = this;
  api_.log = &PluginContext::log;
  api_.task_event = &PluginContext::task_event;
  api_.watch_fd = &PluginContext::watch_fd;
  api_.work_available = &PluginContext::work_available;
  api_.enqueue = &PluginContext::enqueue;
  api_.start_child_run = &PluginContext::start_child_run;
}

weft_status PluginContext::enqueue(void* host_ptr, weft_str queue, weft_str message_id, weft_str body_json,
                                   weft_error* err) {
  try {
    const std::string refused = static_cast<PluginContext*>(host_ptr)->services_.enqueue(
        std::string(view(queue)), std::string(view(message_id)), std::string(view(body_json)));
    if (refused.empty()) return WEFT_OK;
    sdk::set_error(err, refused);
  } catch (const std::exception& e) {
    sdk::set_error(err, e.what());
  }
  return WEFT_ERROR;
}

weft_status PluginContext::start_child_run(void* host_ptr, weft_str task_key, weft_str workflow, int64_t version,
                                           weft_str params_json, weft_child_run_callback on_end, void* plugin_ptr,
                                           weft_error* err) {
  const auto* self = static_cast<PluginContext*>(host_ptr);
  if (task_key.len == 0 || on_end == nullptr) {
    if (err != nullptr) {
      std::snprintf(err->message, sizeof err->message, "start_child_run needs the task's key and on_end");
    }
    return WEFT_ERROR;
  }
  std::string key(view(task_key));
  ChildRunRequest request{key, std::string(view(workflow)), version, std::string(view(params_json))};
  self->services_.start_child_run(std::move(request), [alive = std::weak_ptr<const bool>(self->alive_), on_end,
                                                       plugin_ptr, key](const ChildRunEnd& end) {
    if (alive.expired()) return;
    on_end(plugin_ptr, weft_str{key.data(), key.size()}, weft_str{end.run_id.data(), end.run_id.size()}, end.status,
           weft_str{end.results_json.data(), end.results_json.size()}, weft_str{end.error.data(), end.error.size()});
  });
  return WEFT_OK;
}

void PluginContext::work_available(void* host_ptr) {
  static_cast<PluginContext*>(host_ptr)->services_.work_available();
}

void PluginContext::log(void* host_ptr, weft_log_level level, weft_str message) {
  const auto* self = static_cast<PluginContext*>(host_ptr);
  spdlog::log(to_spdlog(level), "[{}] {}", self->plugin_name_, view(message));
}

void PluginContext::task_event(void* host_ptr, const weft_task_event* e) {
  const auto* self = static_cast<PluginContext*>(host_ptr);
  // Any size from 2.0's on: a field added later is read only where it is there.
  if (e == nullptr) {
    spdlog::error("[{}] reported a task event without the event; ignored", self->plugin_name_);
    return;
  }
  if (e->struct_size < WEFT_TASK_EVENT_SIZE_2_0) {
    spdlog::error("[{}] reported a task event of {} bytes, at least {} (ABI {}.0) are needed; ignored",
                  self->plugin_name_, e->struct_size, WEFT_TASK_EVENT_SIZE_2_0, WEFT_ABI_MAJOR);
    return;
  }
  if (e->kind != WEFT_EVENT_STARTED && e->kind != WEFT_EVENT_FINISHED && e->kind != WEFT_EVENT_LOST) {
    spdlog::error("[{}] reported a task event of unknown kind {} for task {}; ignored", self->plugin_name_, e->kind,
                  view(e->task_key));
    return;
  }
  TaskEvent event;
  event.kind = static_cast<weft_task_event_kind>(e->kind);
  event.task_key = view(e->task_key);
  event.external_id = view(e->external_id);
  event.exit_code = e->exit_code;
  event.output_json = view(e->output_json);
  event.error = view(e->error);
  self->services_.deliver(std::move(event));
}

// The descriptor borrows the plugin's fd: release() hands it back instead of
// closing it, both when the wait completes and if the loop is torn down first.
weft_status PluginContext::watch_fd(void* host_ptr, int fd, weft_fd_callback on_readable, void* plugin_ptr) {
  auto* self = static_cast<PluginContext*>(host_ptr);
  try {
    auto descriptor = std::shared_ptr<boost::asio::posix::stream_descriptor>(
        new boost::asio::posix::stream_descriptor(self->services_.io(), fd), [](auto* d) {
          d->release();
          delete d;
        });
    descriptor->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [descriptor, on_readable, plugin_ptr, fd](const boost::system::error_code& ec) {
                             if (ec == boost::asio::error::operation_aborted) return;
                             // Deregister first: the callback may watch the same fd again.
                             descriptor->release();
                             on_readable(plugin_ptr, fd);
                           });
    return WEFT_OK;
  } catch (const std::exception& e) {
    spdlog::error("[{}] cannot watch fd {}: {}", self->plugin_name_, fd, e.what());
    return WEFT_ERROR;
  }
}

}  // namespace weft::daemon
