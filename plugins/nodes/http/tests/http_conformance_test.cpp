// The http node type, built and loaded as the daemon loads it, against the
// node type conformance suite. Its valid examples are planned, so they are
// sent: to a port nothing listens on, which refuses them at once.
#include <weft/sdk/testing/node_conformance.hpp>

namespace {

using nlohmann::json;
using weft::sdk::testing::NodeTypeUnderTest;

NodeTypeUnderTest http_node() {
  const std::string nowhere = "http://127.0.0.1:1/";
  return {
      .name = "http",
      .plugin_path = WEFT_PLUGIN_FILE,
      .type_name = "http",
      .valid_params =
          {
              {{"url", nowhere}},
              {{"method", "POST"}, {"url", nowhere + "items?x=1"}, {"json", {{"a", 1}}}, {"timeout_s", 5}},
              {{"method", "PUT"},
               {"url", nowhere},
               {"body", "text"},
               {"headers", {{"X-Id", "7"}}},
               {"expected_status", {200, "4xx"}},
               {"verify_tls", false}},
          },
      .invalid_params =
          {
              // A template can render to any of these.
              {{{"url", "ftp://example.com/"}}, "/url"},
              {{{"url", nowhere}, {"method", "FETCH"}}, "/method"},
              {{{"url", nowhere}, {"timeout_s", -1}}, "/timeout_s"},
              {{{"url", nowhere}, {"expected_status", {200, 99}}}, "/expected_status/1"},
              {{{"url", nowhere}, {"headers", {{"X-Id", 7}}}}, "/headers/X-Id"},
              {{{"url", nowhere}, {"body", 3}}, "/body"},
              // Written out, never rendered.
              {json::object(), "/url", false},
              {{{"url", nowhere}, {"verb", "GET"}}, "/verb", false},
              {{{"url", nowhere}, {"secret_headers", {{"Authorization", "Bearer ${nope}"}}}},
               "/secret_headers/Authorization",
               false},
          },
  };
}

}  // namespace

WEFT_NODE_TYPE_CONFORMANCE(Http, http_node());
