// The `queue_publish` node type: pushes a message to a durable named queue,
// whose consumer (a workflow with trigger.queue) starts a run for it.
//
// params: {"queue": "<name>", "message": <any JSON value>}
// plan:   enqueues the message through the host, then
//         Plan::output_of({"queue": ..., "id": ...}).
//
// The message's id is the task's own (run id, node, index), and the host
// stores the message with the task's outcome: a task planned again after a
// crash enqueues nothing twice.
#include <string>
#include <vector>
#include <weft/sdk/node_type.hpp>
#include <weft/sdk/params.hpp>

namespace weft::nodes {

namespace {

using nlohmann::json;
using weft::sdk::Plan;
using weft::sdk::Problem;

const char* const kParamsSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "queue_publish node params",
  "type": "object",
  "properties": {
    "queue": {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,128}$", "description": "the queue to push to"},
    "message": {"description": "the message: any JSON value, templates rendered"}
  },
  "required": ["queue", "message"],
  "additionalProperties": false
})";

constexpr size_t kLongestQueueName = 128;

bool is_queue_name(const std::string& name) {
  if (name.empty() || name.size() > kLongestQueueName) return false;
  for (const char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

// Before rendering, a template may stand for the queue's name; after, it must be one.
std::vector<Problem> check_params(const json& params, bool rendered) {
  if (!params.is_object()) return {{"", "must be an object"}};
  std::vector<Problem> problems;
  for (const auto& [name, value] : params.items()) {
    if (name != "queue" && name != "message") {
      problems.push_back(
          {weft::sdk::param_pointer(name), "is not a param of queue_publish nodes (they take queue and message)"});
    }
  }
  if (!params.contains("queue")) {
    problems.push_back({"/queue", "is required: the name of the queue to push to"});
  } else if (const auto& queue = params.at("queue"); !queue.is_string()) {
    problems.push_back({"/queue", "must be a string, not " + weft::sdk::type_name_of(queue)});
  } else if (const auto name = queue.get<std::string>();
             !is_queue_name(name) && (rendered || name.find("{{") == std::string::npos)) {
    problems.push_back({"/queue", "'" + name + "' is not a queue name: it must match [A-Za-z0-9._-]{1,128}"});
  }
  if (!params.contains("message")) {
    problems.push_back({"/message", "is required: the message, any JSON value such as {\"file\": \"...\"}"});
  }
  return problems;
}

}  // namespace

class QueuePublishNode final : public weft::sdk::NodeType {
 public:
  QueuePublishNode(const weft::sdk::Host& host, const json& /*config*/) : host_(host) {}

  std::vector<Problem> validate(const json& params) const override { return check_params(params, false); }

  Plan plan(const weft::sdk::TaskSpec& task) override {
    const auto problems = check_params(task.params, true);
    if (!problems.empty()) return Plan::failure(weft::sdk::describe_rendered_problems(problems));
    const std::string queue = task.params.at("queue").get<std::string>();
    const std::string id = task.run_id + "/" + task.node + (task.index ? "[" + std::to_string(*task.index) + "]" : "");
    try {
      host_.enqueue(queue, id, task.params.at("message").dump());
    } catch (const std::exception& e) {
      return Plan::failure("cannot push to queue '" + queue + "': " + e.what());
    }
    return Plan::output_of({{"queue", queue}, {"id", id}});
  }

 private:
  weft::sdk::Host host_;
};

}  // namespace weft::nodes

WEFT_PLUGIN("queue_publish", "0.1.0",
            weft::sdk::node_type<weft::nodes::QueuePublishNode>("queue_publish", weft::nodes::kParamsSchema))
