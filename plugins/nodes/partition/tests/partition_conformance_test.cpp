// The partition node type, built and loaded as the daemon loads it, against
// the node type conformance suite.
#include <weft/sdk/testing/node_conformance.hpp>

namespace {

using nlohmann::json;
using weft::sdk::testing::NodeTypeUnderTest;

NodeTypeUnderTest partition_node() {
  return {
      .name = "partition",
      .plugin_path = WEFT_PLUGIN_FILE,
      .type_name = "partition",
      .valid_params =
          {
              {{"strategy", "chunk"}, {"size", 2}, {"items", {1, 2, 3}}},
              {{"strategy", "count"}, {"count", 4}, {"items", json::array()}},
              {{"strategy", "by_key"}, {"key", "k"}, {"items", {{{"k", 1}}, {{"k", 2}}}}},
              {{"strategy", "by_glob"}, {"patterns", {"*.csv"}}, {"items", {"a.csv", "b.txt"}}},
          },
      .invalid_params =
          {
              // A template can render to any of these.
              {{{"strategy", "chunk"}, {"size", 2}, {"items", "a, b"}}, "/items"},
              {{{"strategy", "chunk"}, {"size", 0}, {"items", {1}}}, "/size"},
              {{{"strategy", "count"}, {"count", "3"}, {"items", {1}}}, "/count"},
              {{{"strategy", "by_key"}, {"key", 3}, {"items", {1}}}, "/key"},
              {{{"strategy", "by_glob"}, {"patterns", {"*", ""}}, {"items", {"a"}}}, "/patterns/1"},
              // Names and the strategy are written out, never rendered.
              {{{"strategy", "chunk"}, {"items", {1}}}, "/size", false},
              {{{"strategy", "sort"}, {"items", {1}}}, "/strategy", false},
              {{{"strategy", "chunk"}, {"size", 1}, {"key", "k"}, {"items", {1}}}, "/key", false},
          },
  };
}

}  // namespace

WEFT_NODE_TYPE_CONFORMANCE(Partition, partition_node());
