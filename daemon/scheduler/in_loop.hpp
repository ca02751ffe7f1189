// RunScheduler::in_loop, for the files of RunScheduler that post commands
// into the loop (see run_scheduler.hpp).
#pragma once

#include "scheduler/run_scheduler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include <future>
#include <memory>
#include <string>

namespace weft::daemon {

// Runs body on the loop and waits for its reply, up to command_timeout. What
// body throws is caught here, where the work was posted: the loop's state is
// the body's to keep consistent, and a bug answers 500 instead of ending weftd.
template <class T, class Body>
Result<T> RunScheduler::in_loop(Body&& body) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  boost::asio::post(io_, [promise, body = std::forward<Body>(body)]() mutable {
    try {
      body([promise](Result<T> result) { promise->set_value(std::move(result)); });
    } catch (const std::exception& e) {
      spdlog::error("command failed unexpectedly: {}", e.what());
      promise->set_value(fail(ErrorCode::internal, e.what()));
    }
  });
  if (future.wait_for(settings_.command_timeout) != std::future_status::ready) {
    return fail(ErrorCode::unavailable, "weftd's scheduler did not take the command within " +
                                            std::to_string(settings_.command_timeout.count() / 1000) +
                                            " s; it may still be carried out");
  }
  return future.get();
}

}  // namespace weft::daemon
