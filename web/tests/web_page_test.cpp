// The web page as a person sees it: weftd started for the test, the page in
// a real headless Chromium (page_test.mjs, playwright-core driving
// /usr/bin/chromium), with a viewer's and an operator's token, and signing
// in through a fake identity provider (sign_in_test.mjs). Over plain HTTP:
// the page's headers, its files' caching and whoami.
#include "api_test_helpers.hpp"
#include "child_process.hpp"
#include "identity_provider.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace weft::test {
namespace {

using nlohmann::json;

// prepare lists three items (cached: a later run takes its output from the
// first), fan runs once per item, wait holds until the file named by the
// param gate exists (the browser test creates it), and report ends the run.
json gate_workflow() {
  const auto sh = [](const std::string& script) { return json::array({"sh", "-c", script, "sh"}); };
  auto wait_argv = sh("echo waiting for the gate; while [ ! -e \"$1\" ]; do sleep 0.1; done; echo the gate is open");
  wait_argv.push_back("{{ params.gate }}");
  auto fan_argv = sh("echo element \"$1\"");
  fan_argv.push_back("{{ item }}");
  return {{"name", "web-gate"},
          {"description", "waits for a file, fans out over three items"},
          {"params", {{"gate", ""}}},
          {"nodes",
           {{{"id", "prepare"},
             {"type", "command"},
             {"cache", {{"key", "three-items"}}},
             {"params", {{"argv", sh("echo preparing; echo '[1, 2, 3]' > \"$WEFT_OUTPUT\"")}}}},
            {{"id", "fan"},
             {"type", "command"},
             {"depends_on", {"prepare"}},
             {"for_each", "{{ nodes.prepare.output }}"},
             {"params", {{"argv", fan_argv}}}},
            {{"id", "wait"}, {"type", "command"}, {"depends_on", {"prepare"}}, {"params", {{"argv", wait_argv}}}},
            {{"id", "report"},
             {"type", "command"},
             {"depends_on", {"fan", "wait"}},
             {"params", {{"argv", sh("echo '{\"done\": true}' > \"$WEFT_OUTPUT\"")}}}}}}};
}

std::string issue_token(const WeftdProcess& weftd, const std::string& role, const std::string& workflows = "") {
  json request = {{"role", role}, {"description", "web page test"}};
  if (!workflows.empty()) request["workflows"] = workflows;
  const auto r = weftd.client().post("/api/v1/tokens", request);
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json().value("token", "");
}

class WebPage : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
};

TEST_F(WebPage, ThePageIsServedWithAPolicyThatRunsOnlyItsOwnScripts) {
  const auto page = weftd.client().without_token().get("/");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(page.header("Cache-Control"), "no-cache");
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  const std::string policy = page.header("Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
  EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;

  std::smatch script;
  ASSERT_TRUE(std::regex_search(page.body, script, std::regex(R"(src="(/web/[0-9a-f]{16}/)app\.js")"))) << page.body;
  const std::string files = script[1];
  const auto app = weftd.client().without_token().get(files + "app.js");
  ASSERT_EQ(app.status, 200);
  EXPECT_EQ(app.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(app.header("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(weftd.client().get(files + "app.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(weftd.client().get(files + "layout-worker.js").status, 200);
  EXPECT_TRUE(is_api_error(weftd.client().get("/web/0000000000000000/app.js"), 404, "not_found"));
  EXPECT_TRUE(is_api_error(weftd.client().get(files + "version"), 404, "not_found"));
}

TEST_F(WebPage, WhoamiNamesTheTokensRoleAndScope) {
  const auto admin = weftd.client().get("/api/v1/whoami");
  ASSERT_EQ(admin.status, 200) << admin.body;
  EXPECT_EQ(admin.json().at("role"), "admin");
  EXPECT_EQ(admin.json().at("auth"), true);
  const auto r = weftd.client().post("/api/v1/tokens", {{"role", "operator"}, {"workflows", "etl-*"}});
  ASSERT_EQ(r.status, 201) << r.body;
  const auto operator_ = weftd.client_with(r.json().at("token")).get("/api/v1/whoami").json();
  EXPECT_EQ(operator_.at("role"), "operator");
  EXPECT_EQ(operator_.at("workflows"), "etl-*");
  EXPECT_EQ(operator_.at("token_id"), r.json().at("id"));
  EXPECT_TRUE(is_api_error(weftd.client().without_token().get("/api/v1/whoami"), 401, "unauthorized"));
}

// What page_test.mjs checks is listed at its top; it prints each step.
TEST_F(WebPage, APersonSeesTheRunLiveAndOnlyTheButtonsTheirRoleMayUse) {
  weftd.apply(gate_workflow());
  const TempDir gate_dir;
  const std::filesystem::path artifacts = WEFT_WEB_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  const auto result = run_program("/usr/bin/env", {"node", WEFT_WEB_PAGE_SCRIPT},
                                  {{"WEFT_URL", weftd.url()},
                                   {"WEFT_VIEWER_TOKEN", issue_token(weftd, "viewer")},
                                   {"WEFT_OPERATOR_TOKEN", issue_token(weftd, "operator")},
                                   {"WEFT_SCOPED_OPERATOR_TOKEN", issue_token(weftd, "operator", "etl-*")},
                                   {"WEFT_GATE", (gate_dir.path() / "open").string()},
                                   {"WEFT_ARTIFACTS", artifacts.string()}},
                                  std::chrono::seconds(150));
  // A failed check leaves wait waiting: let it end, so that weftd stops at once.
  std::ofstream(gate_dir.path() / "open").flush();
  EXPECT_EQ(result.exit_code, 0) << result.output() << "\nweftd's log:\n" << weftd.log();
  std::cout << result.out;
}

// weftd trusts the provider's tokens (api.oidc) and names it to the page
// (web_client_id); the provider knows the page as a public client whose
// redirect URI is the page itself.
TEST(WebPageSignIn, APersonSignsInThroughTheIdentityProviderAndForgedAnswersAreRefused) {
  const TempDir dir;
  fakes::IdentityProvider provider(dir.path());
  provider.sign_in_as(
      {{"sub", "5b0e6c1a-alice"}, {"preferred_username", "alice"}, {"realm_access", {{"roles", {"weft-operator"}}}}});
  // Short, so that the test sees a session end; weftd allows no leeway either.
  provider.set_access_token("weft", std::chrono::seconds(10));
  WeftdOptions options;
  options.config = {
      {"api",
       {{"oidc",
         {{"issuer", provider.issuer()},
          {"audience", "weft"},
          {"jwks_url", provider.jwks_url()},
          {"jwks_ca_file", provider.ca_file().string()},
          {"leeway_s", 0},
          {"roles", json::array({{{"claim", "realm_access.roles"}, {"value", "weft-operator"}, {"role", "operator"}}})},
          {"web_client_id", "weft-web"},
          {"web_provider_name", "Test IdP"},
          {"authorization_endpoint", provider.authorization_endpoint()},
          {"token_endpoint", provider.token_endpoint()}}}}}};
  const WeftdProcess weftd(options);
  provider.register_client({"weft-web", weftd.url() + "/", weftd.url()});

  const std::filesystem::path artifacts = WEFT_WEB_ARTIFACTS;
  std::filesystem::create_directories(artifacts);
  const auto result = run_program(
      "/usr/bin/env", {"node", WEFT_SIGN_IN_SCRIPT},
      {{"WEFT_URL", weftd.url()}, {"WEFT_PROVIDER_NAME", "Test IdP"}, {"WEFT_ARTIFACTS", artifacts.string()}},
      std::chrono::seconds(120));
  EXPECT_EQ(result.exit_code, 0) << result.output() << "\nweftd's log:\n" << weftd.log();
  // Two sign-ins got tokens; the forged state never reached /token, the
  // mismatched verifier was refused there.
  EXPECT_EQ(provider.codes_exchanged(), 2);
  std::cout << result.out;
}

}  // namespace
}  // namespace weft::test
