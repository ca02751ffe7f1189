// JWTs of an OpenID Connect identity provider as bearer tokens (api.oidc):
// a real weftd, keys made by the test and published by a fake JWKS endpoint
// over HTTPS (or in a file), tokens signed with them; each refusal says why.
#include "api_test_helpers.hpp"
#include "identity_servers.hpp"
#include "signing_key.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <ctime>
#include <fstream>
#include <thread>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using fakes::SigningKey;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr const char* kIssuer = "https://idp.test/realms/weft";

int64_t now_s() { return static_cast<int64_t>(std::time(nullptr)); }

// Claims as Keycloak puts them in an access token.
json claims(const std::string& subject, const json& realm_roles = json::array()) {
  return {{"iss", kIssuer},
          {"aud", json::array({"account", "weft"})},
          {"sub", subject},
          {"iat", now_s()},
          {"exp", now_s() + 300},
          {"scope", "openid profile"},
          {"realm_access", {{"roles", realm_roles}}}};
}

json role_rules() {
  return json::array({{{"claim", "realm_access.roles"}, {"value", "weft-admin"}, {"role", "admin"}},
                      {{"claim", "scope"}, {"value", "weft:operate"}, {"role", "operator"}},
                      {{"claim", "groups"}, {"value", "weft-viewers"}, {"role", "viewer"}}});
}

// The message of an error reply.
std::string message_of(const HttpResponse& response) { return response.json()["error"].value("message", ""); }

// A weftd trusting the keys of a JWK Set file.
WeftdOptions trusting_keys_in(const fs::path& jwks_file) {
  WeftdOptions options;
  options.config = {
      {"api",
       {{"oidc",
         {{"issuer", kIssuer}, {"audience", "weft"}, {"jwks_file", jwks_file.string()}, {"roles", role_rules()}}}}}};
  return options;
}

class ApiOidc : public ::testing::Test {
 protected:
  WeftdOptions options() const {
    WeftdOptions options;
    options.config = {{"api",
                       {{"oidc",
                         {{"issuer", kIssuer},
                          {"audience", "weft"},
                          {"jwks_url", jwks_.url()},
                          {"jwks_ca_file", jwks_.ca_file().string()},
                          {"jwks_min_interval_s", 1},
                          {"leeway_s", 5},
                          {"roles", role_rules()}}}}}};
    return options;
  }
  HttpResponse get(const std::string& token, const std::string& target) const {
    return weftd_.client_with(token).get(target);
  }

  TempDir dir_;
  SigningKey key_{"key-1"};
  fakes::JwksServer jwks_{dir_.path(), fakes::jwk_set({&key_})};
  WeftdProcess weftd_{options()};
};

TEST_F(ApiOidc, EachRoleRuleGrantsItsRole) {
  const std::string admin = key_.sign(claims("alice", {"offline_access", "weft-admin"}));
  auto operate = claims("bob");
  operate["scope"] = "openid weft:operate";
  const std::string operator_token = key_.sign(operate);
  auto view = claims("carol");
  view["groups"] = {"weft-viewers"};
  const std::string viewer = key_.sign(view);

  EXPECT_EQ(get(viewer, "/api/v1/runs").status, 200);
  const auto viewer_applies = weftd_.client_with(viewer).post("/api/v1/workflows", workflow("oidc", {noop("a")}));
  EXPECT_EQ(viewer_applies.status, 403) << viewer_applies.body;
  EXPECT_THAT(message_of(viewer_applies), HasSubstr("role 'viewer'"));

  const auto applied = weftd_.client_with(admin).post("/api/v1/workflows", workflow("oidc", {noop("a")}));
  EXPECT_EQ(applied.status, 201) << applied.body;
  const auto started = weftd_.client_with(operator_token).post("/api/v1/workflows/oidc/runs");
  EXPECT_EQ(started.status, 201) << started.body;
  EXPECT_EQ(weftd_.client_with(operator_token).get("/api/v1/tokens").status, 403);
  EXPECT_EQ(get(admin, "/api/v1/tokens").status, 200);

  // The audit log names the token's subject.
  const auto audit = get(weftd_.token(), "/api/v1/audit").json()["items"];
  const auto applied_by =
      std::find_if(audit.begin(), audit.end(), [](const json& entry) { return entry["action"] == "workflow.apply"; });
  ASSERT_NE(applied_by, audit.end()) << audit;
  EXPECT_EQ((*applied_by)["token_id"], "oidc:alice");
  EXPECT_EQ((*applied_by)["role"], "admin");
}

TEST_F(ApiOidc, ATokenThatFailsVerificationIs401SayingWhy) {
  const auto refused = [&](const json& c, const SigningKey& by = SigningKey("key-1")) {
    const auto response = get(by.sign(c), "/api/v1/runs");
    EXPECT_EQ(response.status, 401) << response.body;
    EXPECT_EQ(response.header("WWW-Authenticate"), "Bearer");
    return message_of(response);
  };
  auto expired = claims("alice", {"weft-admin"});
  expired["exp"] = now_s() - 60;
  EXPECT_THAT(refused(expired, key_), HasSubstr("expired at"));
  auto wrong_issuer = claims("alice", {"weft-admin"});
  wrong_issuer["iss"] = "https://other.test";
  EXPECT_THAT(refused(wrong_issuer, key_), HasSubstr("issued by 'https://other.test'"));
  auto wrong_audience = claims("alice", {"weft-admin"});
  wrong_audience["aud"] = "account";
  EXPECT_THAT(refused(wrong_audience, key_), HasSubstr("audience"));
  // A stranger's key under the provider's kid.
  EXPECT_THAT(refused(claims("alice", {"weft-admin"})), HasSubstr("signature is not the identity provider's"));
}

TEST_F(ApiOidc, AValidTokenWhoseClaimsGrantNoRoleIs403) {
  const auto response = get(key_.sign(claims("dave", {"offline_access"})), "/api/v1/runs");
  EXPECT_EQ(response.status, 403) << response.body;
  EXPECT_THAT(message_of(response), HasSubstr("grants no weft role"));
}

TEST_F(ApiOidc, ARotatedKeyIsFetchedOnceForItsUnknownKidAndMadeUpKidsAreRateLimited) {
  ASSERT_EQ(get(key_.sign(claims("alice", {"weft-admin"})), "/api/v1/runs").status, 200);
  const uint64_t fetched = jwks_.fetches();

  const SigningKey rotated("key-2", SigningKey::Kind::p256);
  jwks_.publish(fakes::jwk_set({&key_, &rotated}));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // jwks_min_interval_s since the last fetch
  const auto response = get(rotated.sign(claims("alice", {"weft-admin"})), "/api/v1/runs");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(jwks_.fetches(), fetched + 1);

  // Tokens of a key the provider does not list fetch the keys at most once
  // within jwks_min_interval_s.
  const SigningKey stranger("key-3");
  for (int i = 0; i < 3; ++i) {
    const auto refused = get(stranger.sign(claims("eve", {"weft-admin"})), "/api/v1/runs");
    EXPECT_EQ(refused.status, 401);
    EXPECT_THAT(message_of(refused), HasSubstr("kid 'key-3'"));
  }
  EXPECT_LE(jwks_.fetches(), fetched + 2);
}

TEST_F(ApiOidc, WeftTokensStillWorkBesideJwts) {
  EXPECT_EQ(get(weftd_.token(), "/api/v1/tokens").status, 200);
  EXPECT_EQ(get("0123456789abcdef", "/api/v1/runs").status, 401);
}

TEST(ApiOidcFile, KeysFromAFileAndRoleRulesChangedByReload) {
  const TempDir dir;
  const SigningKey key("file-key", SigningKey::Kind::p256);
  const fs::path jwks_file = dir.path() / "jwks.json";
  std::ofstream(jwks_file) << fakes::jwk_set({&key}).dump();
  WeftdOptions options;
  options.config = {{"api",
                     {{"oidc",
                       {{"issuer", kIssuer},
                        {"audience", json::array({"weft"})},
                        {"jwks_file", jwks_file.string()},
                        {"roles", role_rules()}}}}}};
  const WeftdProcess weftd(options);
  auto grouped = claims("frank");
  grouped["groups"] = {"ops"};
  const std::string token = key.sign(grouped);
  EXPECT_EQ(weftd.client_with(token).get("/api/v1/runs").status, 403);

  json config = json::parse(std::ifstream(weftd.config_path()));
  config["api"]["oidc"]["roles"].push_back({{"claim", "groups"}, {"value", "ops"}, {"role", "operator"}});
  std::ofstream(weftd.config_path()) << config.dump(2);
  ASSERT_EQ(::kill(weftd.pid(), SIGHUP), 0);
  EXPECT_TRUE(eventually([&] { return weftd.client_with(token).get("/api/v1/runs").status == 200; })) << weftd.log();

  // A reload that meets a file that is no JWK Set changes nothing.
  const fs::path broken = dir.path() / "broken.json";
  std::ofstream(broken) << "{}";
  config["api"]["oidc"]["jwks_file"] = broken.string();
  std::ofstream(weftd.config_path()) << config.dump(2);
  const auto reloaded = weftd.client().post("/api/v1/plugins/reload");
  EXPECT_EQ(reloaded.status, 400) << reloaded.body;
  EXPECT_THAT(message_of(reloaded), HasSubstr("nothing was reloaded: api.oidc.jwks_file"));
  EXPECT_EQ(weftd.client_with(token).get("/api/v1/runs").status, 200);

  // A JWT without api.oidc is refused as such.
  const WeftdProcess plain;
  const auto refused = plain.client_with(token).get("/api/v1/runs");
  EXPECT_EQ(refused.status, 401);
  EXPECT_THAT(message_of(refused), HasSubstr("trusts no identity provider"));
}

// The page's Content-Security-Policy's connect-src.
std::string connect_src(const WeftdProcess& weftd) {
  const std::string policy = weftd.client().without_token().get("/").header("Content-Security-Policy");
  const auto start = policy.find("connect-src ");
  return start == std::string::npos ? policy : policy.substr(start, policy.find(';', start) - start);
}

TEST(ApiOidcWebSignIn, ThePageIsToldTheProviderWithoutATokenAndMayReachOnlyItsTokenEndpoint) {
  const TempDir dir;
  const SigningKey key("file-key", SigningKey::Kind::p256);
  const fs::path jwks_file = dir.path() / "jwks.json";
  std::ofstream(jwks_file) << fakes::jwk_set({&key}).dump();
  const WeftdProcess weftd(trusting_keys_in(jwks_file));
  const auto anonymous = weftd.client().without_token();
  EXPECT_EQ(anonymous.get("/api/v1/sign-in").json(), (json{{"identity_provider", nullptr}}));
  EXPECT_EQ(connect_src(weftd), "connect-src 'self'");

  json config = json::parse(std::ifstream(weftd.config_path()));
  config["api"]["oidc"]["web_client_id"] = "weft-web";
  config["api"]["oidc"]["authorization_endpoint"] = "https://idp.test:8443/realms/weft/protocol/openid-connect/auth";
  config["api"]["oidc"]["token_endpoint"] = "https://idp.test:8443/realms/weft/protocol/openid-connect/token";
  std::ofstream(weftd.config_path()) << config.dump(2);
  const auto reloaded = weftd.client().post("/api/v1/plugins/reload");
  ASSERT_EQ(reloaded.status, 200) << reloaded.body;
  EXPECT_THAT(reloaded.json()["applied"].dump(), HasSubstr("api.oidc"));

  const auto sign_in = anonymous.get("/api/v1/sign-in");
  ASSERT_EQ(sign_in.status, 200) << sign_in.body;
  EXPECT_EQ(sign_in.json()["identity_provider"],
            (json{{"name", "idp.test"},
                  {"client_id", "weft-web"},
                  {"authorization_endpoint", "https://idp.test:8443/realms/weft/protocol/openid-connect/auth"},
                  {"token_endpoint", "https://idp.test:8443/realms/weft/protocol/openid-connect/token"},
                  {"scope", "openid"}}));
  EXPECT_EQ(connect_src(weftd), "connect-src 'self' https://idp.test:8443");

  // A bad key in the file is named, and the running settings stay.
  config["api"]["oidc"]["token_endpoint"] = "http://idp.test/token";
  std::ofstream(weftd.config_path()) << config.dump(2);
  const auto refused = weftd.client().post("/api/v1/plugins/reload");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("/api/oidc/token_endpoint"));
  EXPECT_EQ(connect_src(weftd), "connect-src 'self' https://idp.test:8443");
}

TEST(ApiOidcConfig, AJwksFileThatIsNoJwkSetStopsStartupNamingIt) {
  const TempDir dir;
  const fs::path jwks_file = dir.path() / "jwks.json";
  std::ofstream(jwks_file) << R"({"keys": "none"})";
  const WeftdOptions options = trusting_keys_in(jwks_file);
  try {
    const WeftdProcess weftd(options);
    FAIL() << "weftd started";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("api.oidc.jwks_file '" + jwks_file.string() + "' is not a JWK Set"));
  }
}

}  // namespace
}  // namespace weft::test
