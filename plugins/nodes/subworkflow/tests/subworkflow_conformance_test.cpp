// The subworkflow node type, built and loaded as the daemon loads it, against
// the node type conformance suite.
#include <weft/sdk/testing/node_conformance.hpp>

namespace {

using nlohmann::json;
using weft::sdk::testing::NodeTypeUnderTest;

NodeTypeUnderTest subworkflow_node() {
  return {
      .name = "subworkflow",
      .plugin_path = WEFT_PLUGIN_FILE,
      .type_name = "subworkflow",
      .valid_params = {{{"workflow", "child"}},
                       {{"workflow", "etl.daily"}, {"version", 3}, {"params", {{"day", "2024-01-01"}}}}},
      .invalid_params =
          {
              {{{"workflow", "Not A Name"}}, "/workflow"},
              {{{"workflow", 7}}, "/workflow"},
              {{{"workflow", "child"}, {"version", 0}}, "/version"},
              {{{"workflow", "child"}, {"version", "2"}}, "/version"},
              {{{"workflow", "child"}, {"params", json::array()}}, "/params"},
              // Names are written out, never rendered.
              {json::object(), "/workflow", false},
              {{{"workflow", "child"}, {"param", json::object()}}, "/param", false},
          },
  };
}

}  // namespace

WEFT_NODE_TYPE_CONFORMANCE(Subworkflow, subworkflow_node());
