// The command node type, built and loaded as the daemon loads it, against the
// node type conformance suite.
#include <weft/sdk/testing/node_conformance.hpp>

namespace {

using nlohmann::json;
using weft::sdk::testing::NodeTypeUnderTest;

NodeTypeUnderTest command_node() {
  return {
      .name = "command",
      .plugin_path = WEFT_PLUGIN_FILE,
      .type_name = "command",
      .valid_params =
          {
              {{"argv", {"echo", "hi"}}},
              {{"argv", {"/bin/sh", "-c", "exit 0"}}, {"env", {{"LANG", "C"}, {"EMPTY", ""}}}, {"cwd", "/tmp"}},
              {{"argv", {"printf", "%s\\n", "Grüße"}}, {"env", json::object()}},
          },
      .invalid_params =
          {
              {json::object(), "/argv"},
              {{{"argv", "echo hi"}}, "/argv"},
              {{{"argv", json::array()}}, "/argv"},
              // A whole placeholder may render a non-string into them: plan takes its JSON text.
              {{{"argv", {"echo", {{"a", 1}}}}}, "/argv/1", false},
              {{{"argv", {"true"}}, {"env", {"A=1"}}}, "/env"},
              {{{"argv", {"true"}}, {"env", {{"COUNT", {1, 2}}}}}, "/env/COUNT", false},
              {{{"argv", {"true"}}, {"env", {{"a/b", json::object()}}}}, "/env/a~1b", false},
              {{{"argv", {"true"}}, {"cwd", ""}}, "/cwd"},
              {{{"argv", {"true"}}, {"cwd", json::array()}}, "/cwd", false},
              {{{"argv", {"true"}}, {"args", {"x"}}}, "/args"},
          },
  };
}

}  // namespace

WEFT_NODE_TYPE_CONFORMANCE(Command, command_node());
