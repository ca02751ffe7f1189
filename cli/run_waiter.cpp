#include <chrono>
#include <thread>

#include "commands.hpp"
#include "progress.hpp"
#include "views.hpp"

namespace weft::cli {
namespace {

constexpr std::chrono::milliseconds kPollInterval(300);

}  // namespace

int wait_for_run(CommandContext& context, const std::string& run_id) {
  const bool show_progress = !context.json_output();
  ProgressDisplay progress(context.console.out, context.console.terminal);
  nlohmann::json run = context.api.get(run_path(run_id)).checked().json();
  while (!is_final_run_status(run.value("status", ""))) {
    if (show_progress) progress.update(task_progress(run));
    std::this_thread::sleep_for(kPollInterval);
    run = context.api.get(run_path(run_id)).checked().json();
  }
  if (show_progress) {
    progress.update(task_progress(run));
    progress.finish();
  }
  const std::string status = run.value("status", "");
  if (context.json_output()) {
    context.print_json(run);
  } else {
    context.console.out << "run " << run_id << ' ' << status << '\n';
  }
  if (status == "succeeded") return 0;
  print_failed_tasks(context.console.err, context.api.get(run_path(run_id) + "/tasks").checked().json());
  return 1;
}

}  // namespace weft::cli
