// The queue_publish node type, built and loaded as the daemon loads it,
// against the node type conformance suite.
#include <weft/sdk/testing/node_conformance.hpp>

namespace {

using nlohmann::json;
using weft::sdk::testing::NodeTypeUnderTest;

NodeTypeUnderTest queue_publish_node() {
  return {
      .name = "queue_publish",
      .plugin_path = WEFT_PLUGIN_FILE,
      .type_name = "queue_publish",
      .valid_params = {{{"queue", "files"}, {"message", {{"file", "/data/a.csv"}}}},
                       {{"queue", "jobs.v2"}, {"message", 42}}},
      .invalid_params =
          {
              {{{"queue", "no spaces"}, {"message", 1}}, "/queue"},
              {{{"queue", 7}, {"message", 1}}, "/queue"},
              // Names are written out, never rendered.
              {{{"queue", "files"}}, "/message", false},
              {{{"queue", "files"}, {"message", 1}, {"mesage", 1}}, "/mesage", false},
          },
  };
}

}  // namespace

WEFT_NODE_TYPE_CONFORMANCE(QueuePublish, queue_publish_node());
