// The noop node type, built and loaded as the daemon loads it, against the
// node type conformance suite.
#include <weft/sdk/testing/node_conformance.hpp>

namespace {

using nlohmann::json;
using weft::sdk::testing::NodeTypeUnderTest;

NodeTypeUnderTest noop_node() {
  return {
      .name = "noop",
      .plugin_path = WEFT_PLUGIN_FILE,
      .type_name = "noop",
      .valid_params =
          {
              json::object(),
              {{"output", nullptr}},
              {{"output", "text"}},
              {{"output", {{"files", {1, 2}}, {"nested", {{"deeper", {true, false}}}}}}},
              {{"output", {1, "two", 3.5}}},
          },
      // output takes any JSON, so rendering cannot make params invalid: only
      // keys, which are not templates, can be wrong, and weftd refuses those
      // when the workflow is applied, before any plan.
      .invalid_params =
          {
              {{{"outputs", 1}}, "/outputs", false},
              {{{"output", 1}, {"a/b", true}}, "/a~1b", false},
          },
  };
}

}  // namespace

WEFT_NODE_TYPE_CONFORMANCE(Noop, noop_node());
