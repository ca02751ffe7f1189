#include "progress.hpp"

#include <array>
#include <string>
#include <string_view>

namespace weft::cli {
namespace {

constexpr std::array<std::string_view, 5> kFinalTaskStatuses{"succeeded", "failed", "skipped", "cancelled",
                                                             "upstream_failed"};
constexpr long long kBarWidth = 30;

bool is_final_task_status(std::string_view status) {
  for (auto final_status : kFinalTaskStatuses) {
    if (status == final_status) return true;
  }
  return false;
}

std::string bar(const TaskProgress& progress) {
  const long long filled = progress.total == 0 ? 0 : progress.done * kBarWidth / progress.total;
  return "[" + std::string(static_cast<std::size_t>(filled), '#') +
         std::string(static_cast<std::size_t>(kBarWidth - filled), '.') + "]";
}

std::string counts(const TaskProgress& progress) {
  return "tasks " + std::to_string(progress.done) + "/" + std::to_string(progress.total);
}

}  // namespace

TaskProgress task_progress(const nlohmann::json& run) {
  TaskProgress progress;
  if (!run.is_object() || !run.contains("tasks") || !run["tasks"].is_object()) return progress;
  for (const auto& [status, count] : run["tasks"].items()) {
    if (!count.is_number_integer()) continue;
    progress.total += count.get<long long>();
    if (is_final_task_status(status)) progress.done += count.get<long long>();
  }
  return progress;
}

bool is_final_run_status(const std::string& status) {
  return status == "succeeded" || status == "failed" || status == "cancelled";
}

void ProgressDisplay::update(const TaskProgress& progress) {
  if (shown_ && progress == last_) return;
  if (terminal_) {
    out_ << '\r' << bar(progress) << ' ' << counts(progress) << std::flush;
  } else {
    out_ << counts(progress) << '\n' << std::flush;
  }
  shown_ = true;
  last_ = progress;
}

void ProgressDisplay::finish() {
  if (terminal_ && shown_) out_ << '\n';
  shown_ = false;
}

}  // namespace weft::cli
