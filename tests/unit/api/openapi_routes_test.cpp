// docs/openapi.json (and, for the routes under /ogc, the OGC face's own
// description, daemon/api/ogc/openapi.json) against the router: every route
// weftd serves is in its document with its method and the role it needs
// (x-weft-role), and every operation a document describes is served. A failure names the route and
// method, so that whoever adds a route knows what to describe. The document
// is read as weftd serves it, which also shows that the built-in copy is the
// one in docs/.
#include "api/api_server.hpp"
#include "memory_store.hpp"
#include "test_node_catalog.hpp"
#include "weft/client/api_client.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace weft::daemon {
namespace {

using nlohmann::json;

// The router is all this test needs of the server: no command is sent.
class NoCommands : public Commands {
 public:
  Result<WorkflowApplied> apply_workflow(const json&, const std::optional<std::string>&) override { return refused(); }
  Status delete_workflow(const std::string&) override { return refused(); }
  Result<RunCreated> create_run(const RunRequest&) override { return refused(); }
  Status start_run(const std::string&) override { return refused(); }
  Status cancel_run(const std::string&) override { return refused(); }
  Status retry_run(const std::string&) override { return refused(); }
  Result<RunCreated> run_node_again(const NodeRunRequest&) override { return refused(); }
  Status pause_run(const std::string&) override { return refused(); }
  Status resume_run(const std::string&) override { return refused(); }
  Result<ScheduleView> set_schedule_enabled(const std::string&, bool) override { return refused(); }
  std::vector<ScheduleView> schedules() const override { return {}; }
  Result<SchedulerFigures> figures() override { return refused(); }
  Status store_token(const sdk::TokenRecord&) override { return refused(); }
  Result<std::string> enqueue(const std::string&, const std::string&) override { return refused(); }
  Status redrive(const std::string&, const std::vector<weft::sdk::MessageRecord>&) override { return refused(); }
  void record_audit(sdk::AuditRecord) override {}

 private:
  static Failure refused() { return Failure{ErrorCode::unavailable, "no scheduler in this test", {}}; }
};

std::string pattern_text(const Route& route) {
  std::string text;
  for (const auto& segment : route.pattern) text += "/" + segment;
  return text.empty() ? "/" : text;  // the root has no segment
}

// Under /ogc, paths are described relative to the face's server URL, /ogc.
constexpr std::string_view kOgcPrefix = "/ogc";
bool is_ogc(const std::string& path) { return path == kOgcPrefix || path.starts_with("/ogc/"); }
std::string ogc_relative(const std::string& path) { return path == kOgcPrefix ? "/" : path.substr(kOgcPrefix.size()); }

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

class OpenApiRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    state_dir_ = std::filesystem::path(::testing::TempDir()) / "weft-openapi-routes";
    std::filesystem::create_directories(state_dir_);
    ApiSettings settings;
    settings.listen = "127.0.0.1:0";
    settings.state_dir = state_dir_;
    settings.threads = 2;
    server_ = std::make_unique<ApiServer>(
        commands_, *store_.client, catalog_, [] { return std::vector<PluginInfo>{}; }, [] { return true; }, settings);
    server_->start();
    const auto reply = client::ApiClient(server_->port(), "").get("/api/v1/openapi.json");
    ASSERT_EQ(reply.status, 200) << reply.body;
    served_text_ = reply.body;
    document_ = json::parse(reply.body);
    const auto ogc = client::ApiClient(server_->port(), "").get("/ogc/api");
    ASSERT_EQ(ogc.status, 200) << ogc.body;
    ogc_served_text_ = ogc.body;
    ogc_document_ = json::parse(ogc.body);
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(state_dir_);
  }

  NoCommands commands_;
  test::OpenedMemoryStore store_ = test::open_memory_store();
  TestCatalog catalog_;
  std::filesystem::path state_dir_;
  std::unique_ptr<ApiServer> server_;
  std::string served_text_;
  json document_;
  std::string ogc_served_text_;
  json ogc_document_;
};

TEST_F(OpenApiRoutes, EveryRouteServedIsDescribedWithItsMethodAndRole) {
  for (const auto& route : server_->router().routes()) {
    const std::string served = pattern_text(route);
    const bool ogc = is_ogc(served);
    const std::string path = ogc ? ogc_relative(served) : served;
    const std::string file = ogc ? "daemon/api/ogc/openapi.json" : "docs/openapi.json";
    const auto& paths = (ogc ? ogc_document_ : document_).at("paths");
    const std::string method = lower(route.method);
    if (!paths.contains(path)) {
      ADD_FAILURE() << route.method << " " << served << " is served but " << file << " has no path '" << path << "'";
      continue;
    }
    if (!paths[path].contains(method)) {
      ADD_FAILURE() << route.method << " " << served << " is served but " << file << "'s path '" << path << "' has no '"
                    << method << "' operation";
      continue;
    }
    const auto& role = paths[path][method].value("x-weft-role", json());
    const json expected = route.required_role ? json(to_string(*route.required_role)) : json();
    EXPECT_EQ(role, expected) << route.method << " " << served << ": " << file << "'s x-weft-role is " << role
                              << ", the router asks for " << expected;
  }
}

TEST_F(OpenApiRoutes, EveryOperationDescribedIsServed) {
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : server_->router().routes()) served.emplace(lower(route.method), pattern_text(route));
  const std::set<std::string> methods{"get", "put", "post", "delete", "patch", "head", "options", "trace"};
  for (const auto* document : {&document_, &ogc_document_}) {
    const bool ogc = document == &ogc_document_;
    for (const auto& [path, item] : document->at("paths").items()) {
      const std::string full = ogc ? std::string(kOgcPrefix) + (path == "/" ? "" : path) : path;
      for (const auto& [method, operation] : item.items()) {
        if (!methods.contains(method)) continue;
        EXPECT_TRUE(served.contains({method, full}))
            << (ogc ? "daemon/api/ogc/openapi.json" : "docs/openapi.json") << " describes " << method << " " << path
            << ", which weftd does not serve";
      }
    }
  }
}

TEST_F(OpenApiRoutes, TheServedDocumentIsTheOneInDocs) {
  std::ifstream in(std::filesystem::path(WEFT_SOURCE_DIR) / "docs" / "openapi.json");
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(served_text_, text.str());
  std::ifstream ogc(std::filesystem::path(WEFT_SOURCE_DIR) / "daemon" / "api" / "ogc" / "openapi.json");
  std::ostringstream ogc_text;
  ogc_text << ogc.rdbuf();
  EXPECT_EQ(ogc_served_text_, ogc_text.str());
}

// The page and every file it loads are served by weftd itself: nothing comes
// from another host, so it works with no network.
TEST_F(OpenApiRoutes, TheDocsPageLoadsOnlyFilesWeftdServes) {
  const client::ApiClient api(server_->port(), "");
  const auto page = api.get("/api/docs");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  size_t loaded = 0;
  for (const std::string attribute : {"src=\"", "href=\""}) {
    for (size_t at = page.body.find(attribute); at != std::string::npos; at = page.body.find(attribute, at + 1)) {
      const auto start = at + attribute.size();
      const std::string target = page.body.substr(start, page.body.find('"', start) - start);
      EXPECT_EQ(target.rfind("/api/docs/", 0), 0U) << "the page loads " << target << " from elsewhere";
      const auto file = api.get(target);
      EXPECT_EQ(file.status, 200) << target;
      EXPECT_GT(file.body.size(), 100U) << target;
      ++loaded;
    }
  }
  EXPECT_EQ(loaded, 3U);  // the stylesheet, Swagger UI's bundle, and the script that starts it on our document
  EXPECT_NE(api.get("/api/docs/init.js").body.find("/api/v1/openapi.json"), std::string::npos);
  EXPECT_EQ(api.get("/api/docs/nothing.js").status, 404);
}

}  // namespace
}  // namespace weft::daemon
