// Queue triggers: RunScheduler's part (see run_scheduler.hpp).
//
// A workflow with trigger.queue consumes its queue: each message is
// delivered to a run of its own, with params.message set to its body. The
// store claims a message and writes its run in one transaction
// (claim_messages), at most trigger.max_parallel messages of the queue
// taken at once, across every instance sharing the store; the run's final
// state ends the message (run_state.cpp). Nothing polls: a claim follows an
// enqueue here, a notice from the store of one elsewhere (work_available),
// the end of one of the queue's runs, a new consumer, and weftd's start.
#include "core/json_text.hpp"
#include "scheduler/in_loop.hpp"
#include "scheduler/queue_delivery.hpp"
#include "scheduler/run_scheduler.hpp"

#include <spdlog/spdlog.h>

namespace weft::daemon {

using nlohmann::json;

void RunScheduler::recover_queues() {
  if (!store_.keeps_queues()) return;
  for (const auto& record : store_.list_workflows()) {
    if (record.document_json.find("\"trigger\"") == std::string::npos) continue;
    auto parsed = parse_workflow_text(record.document_json, runtime_);
    if (!parsed || !parsed->trigger_queue) continue;
    consume(std::make_shared<const Workflow>(std::move(parsed.value())), record.version);
  }
}

void RunScheduler::consume(const std::shared_ptr<const Workflow>& workflow, int64_t version) {
  stop_consuming(workflow->name);
  if (!workflow->trigger_queue || !store_.keeps_queues()) return;
  const std::string& queue = *workflow->trigger_queue;
  auto& consumer = consumers_[queue];
  consumer.workflow = workflow;
  consumer.version = version;
  boost::asio::post(io_, [this, queue] { claim_messages_of(queue); });
}

void RunScheduler::stop_consuming(std::string_view workflow) {
  std::erase_if(consumers_, [&](const auto& entry) { return entry.second.workflow->name == workflow; });
}

void RunScheduler::claim_every_queue() {
  for (const auto& entry : consumers_) claim_messages_of(entry.first);
}

// One claim per queue at a time; a wake-up meanwhile claims again after it.
void RunScheduler::claim_messages_of(const std::string& queue) {
  const auto found = consumers_.find(queue);
  if (found == consumers_.end() || draining_) return;
  QueueConsumer& consumer = found->second;
  if (consumer.claiming) {
    consumer.again = true;
    return;
  }
  consumer.claiming = true;
  consumer.again = false;
  // Runs made ready here, on the loop; the store's claim fills in each one's message.
  auto prepared = std::make_shared<std::vector<std::unique_ptr<RunState>>>();
  for (int i = 0; i < consumer.workflow->trigger_max_parallel; ++i) {
    prepared->push_back(new_run(consumer.workflow, consumer.version, json::object(), {}, true));
  }
  struct Outcome {
    size_t delivered = 0;
    std::string error;
  };
  auto outcome = std::make_shared<Outcome>();
  writer_.call(
      [this, queue, prepared, outcome] {
        try {
          size_t next = 0;
          const auto max_taken = static_cast<int32_t>(prepared->size());
          outcome->delivered =
              store_
                  .claim_messages(queue, max_taken,
                                  [&](const MessageRecord& message) -> std::optional<WriteBatch> {
                                    if (next == prepared->size()) return std::nullopt;
                                    RunState& run = *(*prepared)[next++];
                                    const json body = json::parse(message.body_json, nullptr, false);
                                    run.params = effective_run_params(*run.workflow, json{{"message", body}});
                                    run.params_text = run.params.dump();
                                    run.idempotency_key = queue_run_key(message);
                                    WriteBatch batch;
                                    run.append_to(batch);
                                    for (const auto& node : run.nodes) node.row.append_to(batch);
                                    return batch;
                                  })
                  .size();
        } catch (const std::exception& e) {
          outcome->error = e.what();
        }
      },
      [this, queue, prepared, outcome] {
        const auto found = consumers_.find(queue);
        const bool again = found != consumers_.end() && found->second.again;
        if (found != consumers_.end()) found->second.claiming = false;
        if (!outcome->error.empty()) spdlog::error("queue {}: cannot claim messages: {}", queue, outcome->error);
        for (size_t i = 0; i < outcome->delivered; ++i) {
          RunState& run = *(*prepared)[i];
          spdlog::info("run {} of workflow {} started by a message of queue {}", run.id, run.workflow->name, queue);
          runs_.emplace(run.id, std::move((*prepared)[i]));
          start(run);
        }
        if (again) claim_messages_of(queue);
      });
}

Result<std::string> RunScheduler::enqueue(const std::string& queue, const std::string& body_json) {
  if (!store_.keeps_queues()) return fail(ErrorCode::unavailable, "the storage plugin keeps no queues");
  // It becomes a run's params.message: refused now rather than when its run would start.
  if (const std::size_t most = limits().max_params_bytes; body_json.size() > most) {
    return fail(ErrorCode::payload_too_large, "the message is " + std::to_string(body_json.size()) +
                                                  " bytes as JSON; limits.max_params_bytes allows " +
                                                  std::to_string(most));
  }
  return in_loop<std::string>([this, queue, body_json](auto reply) {
    if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
    WriteBatch batch;
    const int64_t now = clock_.now_ms();
    batch.messages.push_back({queue, message_ids_.next(now), body_json, now});
    const std::string id = batch.messages.back().id;
    journal_.write(std::move(batch), [this, queue, id, reply](const Status& written) {
      if (!written)
        return reply(fail(written.failure().code, "the message was not stored: " + written.failure().message));
      reply(id);
      claim_messages_of(queue);
    });
  });
}

std::string RunScheduler::enqueue_from_task(const std::string& queue, std::string id, std::string body_json) {
  if (!store_.keeps_queues()) return "the storage plugin keeps no queues";
  if (!is_queue_name(queue)) return "'" + queue + "' is not a queue name: it must match [A-Za-z0-9._-]{1,128}";
  if (id.empty()) return "the message id is empty";
  if (auto parsed = parse_json(body_json); !parsed) return "the message is " + parsed.failure().message;
  if (const std::size_t most = limits().max_params_bytes; body_json.size() > most) {
    return "the message is " + std::to_string(body_json.size()) + " bytes as JSON; limits.max_params_bytes allows " +
           std::to_string(most);
  }
  journal_.mark_final([message = MessageRecord{queue, std::move(id), std::move(body_json), clock_.now_ms()}](
                          WriteBatch& batch) { batch.messages.push_back(message); });
  journal_.after_durable([this, queue] { claim_messages_of(queue); });
  return {};
}

Status RunScheduler::redrive(const std::string& queue, const std::vector<MessageRecord>& dead) {
  if (!store_.keeps_queues()) return fail(ErrorCode::unavailable, "the storage plugin keeps no queues");
  return in_loop<Done>([this, queue, dead](auto reply) {
    if (auto writable = store_is_writable(); !writable) return reply(writable.failure());
    WriteBatch batch;
    for (const auto& message : dead)
      batch.messages.push_back({queue, message.id, message.body_json, message.enqueued_at});
    journal_.write(std::move(batch), [this, queue, reply](const Status& written) {
      if (!written)
        return reply(fail(written.failure().code, "the redrive was not stored: " + written.failure().message));
      reply(Done{});
      claim_messages_of(queue);
    });
  });
}

}  // namespace weft::daemon
