#include <chrono>
#include <thread>

#include "commands.hpp"
#include "progress.hpp"
#include "run_events.hpp"
#include "views.hpp"

namespace weft::cli {
namespace {

// How long weftd may be away (restarting) before a follower gives up.
constexpr std::chrono::seconds kReconnectFor(60);
constexpr std::chrono::seconds kReconnectDelay(1);

}  // namespace

void RunView::apply(const client::ServerEvent& event) {
  if (event.type == "reset") {
    task_status_.clear();  // the state follows afresh
    return;
  }
  if (event.type != "run" && event.type != "task") return;
  const auto data = nlohmann::json::parse(event.data, nullptr, false);
  if (!data.is_object()) return;
  if (event.type == "run") {
    run_ = data;
  } else {
    task_status_[data.value("id", "")] = data.value("status", "");
  }
}

TaskProgress RunView::progress() const {
  auto counts = nlohmann::json::object();
  for (const auto& [id, status] : task_status_) counts[status] = counts.value(status, 0) + 1;
  return task_progress({{"tasks", counts}});
}

void follow_run(const ApiClient& api, const std::string& run_id, RunView& view,
                const std::function<void(const client::ServerEvent&)>& on_event) {
  std::string last_id;
  auto reachable_at = std::chrono::steady_clock::now();
  while (!view.ended()) {
    try {
      api.events(run_path(run_id) + "/events", last_id, [&](const client::ServerEvent& event) {
        if (!event.id.empty()) last_id = event.id;
        view.apply(event);
        on_event(event);
        reachable_at = std::chrono::steady_clock::now();
        return !view.ended();
      });
    } catch (const client::ClientError&) {
      if (std::chrono::steady_clock::now() - reachable_at > kReconnectFor) throw;
    }
    // The stream ends before the run only when weftd stops: wait for it to come back.
    if (!view.ended()) std::this_thread::sleep_for(kReconnectDelay);
  }
}

int wait_for_run(CommandContext& context, const std::string& run_id) {
  const bool show_progress = !context.json_output();
  ProgressDisplay progress(context.console.out, context.console.terminal);
  RunView view;
  follow_run(context.api, run_id, view, [&](const client::ServerEvent&) {
    if (show_progress) progress.update(view.progress());
  });
  if (show_progress) progress.finish();
  const std::string status = view.run().value("status", "");
  if (context.json_output()) {
    context.print_json(context.api.get(run_path(run_id)).checked().json());
  } else {
    context.console.out << "run " << run_id << ' ' << status << '\n';
  }
  if (status == "succeeded") return 0;
  print_failed_tasks(context.console.err, context.api.get(run_path(run_id) + "/tasks").checked().json());
  return 1;
}

}  // namespace weft::cli
