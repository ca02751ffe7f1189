// The condition node type, built and loaded as the daemon loads it, against
// the node type conformance suite.
#include <weft/sdk/testing/node_conformance.hpp>

namespace {

using nlohmann::json;
using weft::sdk::testing::NodeTypeUnderTest;

NodeTypeUnderTest condition_node() {
  return {
      .name = "condition",
      .plugin_path = WEFT_PLUGIN_FILE,
      .type_name = "condition",
      .valid_params = {{{"expr", true}}, {{"expr", false}}},
      .invalid_params =
          {
              // What a template can render to that is no boolean.
              {{{"expr", "x > 1"}}, "/expr"},
              {{{"expr", 1}}, "/expr"},
              {{{"expr", nullptr}}, "/expr"},
              // Names are written out, never rendered.
              {json::object(), "/expr", false},
              {{{"expr", true}, {"exp", true}}, "/exp", false},
          },
  };
}

}  // namespace

WEFT_NODE_TYPE_CONFORMANCE(Condition, condition_node());
