#include "scheduler/queue_delivery.hpp"

namespace weft::daemon {
namespace {

constexpr std::string_view kPrefix = "queue:";

// Why the run did not succeed: its own error, else its first failed node's.
std::string failure_of(const RunState& run) {
  if (!run.error.empty()) return run.error;
  for (const auto& node : run.nodes) {
    if (node.row.status == TaskStatus::failed) {
      return "node '" + node.spec->id + "' failed" + (node.row.error.empty() ? "" : ": " + node.row.error);
    }
  }
  return "the run " + std::string(to_string(run.status));
}

}  // namespace

std::string queue_run_key(const sdk::MessageRecord& message) {
  return std::string(kPrefix) + message.queue + "/" + std::to_string(message.deliveries) + "/" + message.id;
}

bool is_queue_run_key(std::string_view key) { return key.starts_with(kPrefix); }

std::optional<sdk::MessageRecord> delivery_end(const RunState& run) {
  if (!is_final(run.status) || !is_queue_run_key(run.idempotency_key)) return std::nullopt;
  const std::string_view key = std::string_view(run.idempotency_key).substr(kPrefix.size());
  const auto queue_end = key.find('/');
  const auto delivery_end = queue_end == std::string_view::npos ? queue_end : key.find('/', queue_end + 1);
  if (delivery_end == std::string_view::npos) return std::nullopt;
  sdk::MessageRecord end;
  end.queue = std::string(key.substr(0, queue_end));
  end.id = std::string(key.substr(delivery_end + 1));
  end.run_id = run.id;
  if (run.status == RunStatus::succeeded) {
    end.state = sdk::MessageState::done;
  } else {
    end.state = sdk::MessageState::dead;
    end.error = failure_of(run);
    end.failed_at = run.finished_at;
  }
  return end;
}

}  // namespace weft::daemon
