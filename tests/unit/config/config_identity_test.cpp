// api.oidc and api.policy: what they read, and the problems they name.
#include "config/config.hpp"
#include "config/config_changes.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;

json oidc() {
  return {{"issuer", "https://idp.example/realms/weft"},
          {"audience", "weft"},
          {"jwks_url", "https://idp.example/realms/weft/protocol/openid-connect/certs"},
          {"roles", json::array({{{"claim", "realm_access.roles"}, {"value", "weft-admin"}, {"role", "admin"}}})}};
}

std::vector<Problem> problems_of(const json& api) {
  const auto config = parse_config(json{{"api", api}});
  EXPECT_FALSE(config.ok());
  return config.ok() ? std::vector<Problem>{} : config.failure().details;
}

auto problem(const std::string& path, const std::string& message) {
  return Contains(AllOf(Field(&Problem::path, path), Field(&Problem::message, HasSubstr(message))));
}

TEST(ConfigOidc, NoneByDefault) {
  const auto config = parse_config(json::object());
  ASSERT_TRUE(config.ok());
  EXPECT_FALSE(config->api.oidc.enabled());
  EXPECT_FALSE(config->api.policy.enabled());
}

TEST(ConfigOidc, EveryKeyIsRead) {
  auto section = oidc();
  section["audience"] = {"weft", "weft-cli"};
  section["jwks_refresh_s"] = 60;
  section["jwks_min_interval_s"] = 2;
  section["leeway_s"] = 0;
  const auto config = parse_config(json{{"api", {{"oidc", section}}}});
  ASSERT_TRUE(config.ok()) << config.failure().message;
  const OidcSettings& read = config->api.oidc;
  EXPECT_EQ(read.issuer, "https://idp.example/realms/weft");
  EXPECT_EQ(read.audiences, (std::vector<std::string>{"weft", "weft-cli"}));
  EXPECT_EQ(read.jwks_refresh, std::chrono::seconds(60));
  EXPECT_EQ(read.jwks_min_interval, std::chrono::seconds(2));
  EXPECT_EQ(read.leeway, std::chrono::seconds(0));
  ASSERT_EQ(read.roles.size(), 1U);
  EXPECT_EQ(read.roles[0], (ClaimRoleRule{"realm_access.roles", "weft-admin", Role::admin}));
}

TEST(ConfigOidc, RequiredKeysAreNamed) {
  const auto problems = problems_of({{"oidc", json::object()}});
  EXPECT_THAT(problems, problem("/api/oidc/issuer", "is required"));
  EXPECT_THAT(problems, problem("/api/oidc/audience", "is required"));
  EXPECT_THAT(problems, problem("/api/oidc/jwks_url", "exactly one of jwks_url"));
  EXPECT_THAT(problems, problem("/api/oidc/roles", "is required"));
}

TEST(ConfigOidc, BadValuesAreNamedByTheirPointer) {
  auto section = oidc();
  section["jwks_url"] = "ftp://idp.example/certs";
  section["jwks_ca_file"] = "/nonexistent/ca.pem";
  section["roles"] = json::array({{{"claim", "groups"}, {"value", "x"}, {"role", "root"}}, "admin", json::object()});
  section["colour"] = "blue";
  const auto problems = problems_of({{"oidc", section}});
  EXPECT_THAT(problems, problem("/api/oidc/jwks_url", "http:// or https://"));
  EXPECT_THAT(problems, problem("/api/oidc/jwks_ca_file", "cannot read '/nonexistent/ca.pem'"));
  EXPECT_THAT(problems, problem("/api/oidc/roles/0/role", "viewer, operator, admin"));
  EXPECT_THAT(problems, problem("/api/oidc/roles/1", "must be an object"));
  EXPECT_THAT(problems, problem("/api/oidc/roles/2/claim", "is required"));
  EXPECT_THAT(problems, problem("/api/oidc/colour", "unknown key"));
}

TEST(ConfigOidc, BothJwksSourcesAreOneTooMany) {
  auto section = oidc();
  section["jwks_file"] = "/dev/null";
  EXPECT_THAT(problems_of({{"oidc", section}}), problem("/api/oidc/jwks_url", "exactly one"));
}

json web_sign_in() {
  auto section = oidc();
  section["web_client_id"] = "weft-web";
  section["authorization_endpoint"] = "https://idp.example/realms/weft/protocol/openid-connect/auth";
  section["token_endpoint"] = "https://idp.example/realms/weft/protocol/openid-connect/token";
  return section;
}

TEST(ConfigWebSignIn, OffWithoutAClientId) {
  const auto config = parse_config(json{{"api", {{"oidc", oidc()}}}});
  ASSERT_TRUE(config.ok()) << config.failure().message;
  EXPECT_FALSE(config->api.oidc.web.enabled());
}

TEST(ConfigWebSignIn, ScopeDefaultsToOpenidAndTheNameToTheIssuersHost) {
  const auto config = parse_config(json{{"api", {{"oidc", web_sign_in()}}}});
  ASSERT_TRUE(config.ok()) << config.failure().message;
  const WebSignInSettings& web = config->api.oidc.web;
  EXPECT_TRUE(web.enabled());
  EXPECT_EQ(web.client_id, "weft-web");
  EXPECT_EQ(web.scope, "openid");
  EXPECT_EQ(web.provider_name, "idp.example");
  EXPECT_EQ(web.token_endpoint, "https://idp.example/realms/weft/protocol/openid-connect/token");
}

TEST(ConfigWebSignIn, EveryKeyIsRead) {
  auto section = web_sign_in();
  section["web_provider_name"] = "Keycloak";
  section["web_scope"] = "openid profile weft:api";
  section["token_endpoint"] = "http://localhost:8081/token";  // a provider on the same host
  const auto config = parse_config(json{{"api", {{"oidc", section}}}});
  ASSERT_TRUE(config.ok()) << config.failure().message;
  EXPECT_EQ(config->api.oidc.web.provider_name, "Keycloak");
  EXPECT_EQ(config->api.oidc.web.scope, "openid profile weft:api");
  EXPECT_EQ(config->api.oidc.web.token_endpoint, "http://localhost:8081/token");
}

TEST(ConfigWebSignIn, TheEndpointsAreRequiredAndMustBeHttps) {
  auto section = oidc();
  section["web_client_id"] = "weft-web";
  EXPECT_THAT(problems_of({{"oidc", section}}), problem("/api/oidc/authorization_endpoint", "is required"));
  EXPECT_THAT(problems_of({{"oidc", section}}), problem("/api/oidc/token_endpoint", "is required"));
  section["authorization_endpoint"] = "http://idp.example/auth";
  section["token_endpoint"] = "https://idp.example/token#here";
  section["web_scope"] = "openid \"quoted\"";
  const auto problems = problems_of({{"oidc", section}});
  EXPECT_THAT(problems, problem("/api/oidc/authorization_endpoint", "must be an https:// URL"));
  EXPECT_THAT(problems, problem("/api/oidc/token_endpoint", "no user or #fragment"));
  EXPECT_THAT(problems, problem("/api/oidc/web_scope", "scopes separated by spaces"));
  section["authorization_endpoint"] = "http://127.evil.example/auth";  // a name, not the loopback address
  EXPECT_THAT(problems_of({{"oidc", section}}), problem("/api/oidc/authorization_endpoint", "must be an https:// URL"));
  section = web_sign_in();
  section["token_endpoint"] = "not a url";
  EXPECT_THAT(problems_of({{"oidc", section}}), problem("/api/oidc/token_endpoint", "must be an https:// URL"));
  section["web_scope"] = "  ";
  EXPECT_THAT(problems_of({{"oidc", section}}), problem("/api/oidc/web_scope", "scopes separated by spaces"));
}

TEST(ConfigWebSignIn, ItsKeysNeedAClientId) {
  auto section = web_sign_in();
  section.erase("web_client_id");
  section["web_scope"] = "openid";
  const auto problems = problems_of({{"oidc", section}});
  EXPECT_THAT(problems, problem("/api/oidc/token_endpoint", "only with web_client_id"));
  EXPECT_THAT(problems, problem("/api/oidc/web_scope", "only with web_client_id"));
}

TEST(ConfigWebSignIn, ChangesApplyOnReload) {
  const Config running = *parse_config(json{{"api", {{"oidc", oidc()}}}});
  const Config reread = *parse_config(json{{"api", {{"oidc", web_sign_in()}}}});
  const auto changes = config_changes(running, reread, {});
  EXPECT_THAT(changes.applied, Contains("api.oidc"));
  EXPECT_TRUE(changes.restart_required.empty());
}

TEST(ConfigPolicy, DefaultsAndValues) {
  auto config = parse_config(json{{"api", {{"policy", {{"url", "http://127.0.0.1:8181/v1/data/weft/allow"}}}}}});
  ASSERT_TRUE(config.ok()) << config.failure().message;
  EXPECT_EQ(config->api.policy.timeout, std::chrono::seconds(2));
  EXPECT_FALSE(config->api.policy.allow_on_error);
  EXPECT_EQ(config->api.policy.cache_ttl, std::chrono::milliseconds(5000));
  config = parse_config(json{{"api",
                              {{"policy",
                                {{"url", "https://opa:8181/v1/data/weft/allow"},
                                 {"timeout_s", 1},
                                 {"on_error", "allow"},
                                 {"cache_ttl_ms", 0}}}}}});
  ASSERT_TRUE(config.ok()) << config.failure().message;
  EXPECT_TRUE(config->api.policy.allow_on_error);
  EXPECT_EQ(config->api.policy.cache_ttl, std::chrono::milliseconds(0));
}

TEST(ConfigPolicy, ProblemsAreNamed) {
  const auto problems = problems_of({{"policy", {{"on_error", "maybe"}, {"timeout_s", 0}}}});
  EXPECT_THAT(problems, problem("/api/policy/url", "is required"));
  EXPECT_THAT(problems, problem("/api/policy/on_error", "deny or allow"));
  EXPECT_THAT(problems, problem("/api/policy/timeout_s", "from 1"));
}

TEST(ConfigIdentity, ChangesApplyOnReload) {
  Config running = *parse_config(json::object());
  Config reread = *parse_config(json{{"api", {{"oidc", oidc()}, {"policy", {{"url", "http://opa/v1/data/x"}}}}}});
  const auto changes = config_changes(running, reread, {});
  EXPECT_THAT(changes.applied, Contains("api.oidc"));
  EXPECT_THAT(changes.applied, Contains("api.policy"));
  EXPECT_TRUE(changes.restart_required.empty());
}

TEST(ShippedConfig, EtcWeftdOidcJsonIsValidButForItsFiles) {
  const auto config = load_config(std::filesystem::path(WEFT_SOURCE_DIR) / "etc" / "weftd-oidc.json");
  ASSERT_FALSE(config.ok());  // the certificates and the CA are the operator's
  for (const auto& problem : config.failure().details) {
    EXPECT_THAT(problem.message, HasSubstr("cannot read")) << problem.path;
  }
}

}  // namespace
}  // namespace weft::daemon
