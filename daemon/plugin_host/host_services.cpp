#include "plugin_host/host_services.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/posix/stream_descriptor.hpp>

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

PluginContext::PluginContext(HostServices& services, std::string plugin_name)
    : services_(services), plugin_name_(std::move(plugin_name)) {
  api_.struct_size = sizeof api_;
  api_.host_ptr = this;
  api_.log = &PluginContext::log;
  api_.task_event = &PluginContext::task_event;
  api_.watch_fd = &PluginContext::watch_fd;
}

void PluginContext::log(void* host_ptr, weft_log_level level, weft_str message) {
  const auto* self = static_cast<PluginContext*>(host_ptr);
  spdlog::log(to_spdlog(level), "[{}] {}", self->plugin_name_, view(message));
}

void PluginContext::task_event(void* host_ptr, const weft_task_event* e) {
  const auto* self = static_cast<PluginContext*>(host_ptr);
  if (e == nullptr || e->struct_size < sizeof(weft_task_event)) {
    spdlog::error("[{}] reported a malformed task event; ignored", self->plugin_name_);
    return;
  }
  self->services_.deliver(TaskEvent{e->kind, std::string(view(e->task_key)), std::string(view(e->external_id)),
                                    e->exit_code, std::string(view(e->output_json)), std::string(view(e->error))});
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
