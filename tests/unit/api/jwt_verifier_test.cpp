// JwtVerifier and the claim mapping: a JWT's signature, issuer, audience and
// validity on an injected clock, with keys made by the test; which weft role
// its claims grant.
#include "auth/jwt_verifier.hpp"
#include "auth/claim_roles.hpp"
#include "signing_key.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using fakes::SigningKey;
using nlohmann::json;
using ::testing::HasSubstr;

constexpr int64_t kNow = 1'800'000'000;

OidcSettings settings() {
  OidcSettings oidc;
  oidc.issuer = "https://idp.example/realms/weft";
  oidc.audiences = {"weft", "weft-cli"};
  oidc.leeway = std::chrono::seconds(30);
  return oidc;
}

// One RSA and one P-256 key, made once: RSA keys take a while to make.
class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new SigningKey("rsa-1");
    p256_ = new SigningKey("ec-1", SigningKey::Kind::p256);
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete p256_;
  }

  static json claims() {
    return {{"iss", "https://idp.example/realms/weft"},
            {"aud", "weft"},
            {"sub", "alice"},
            {"iat", kNow - 10},
            {"exp", kNow + 300}};
  }
  JwtCheck verify(const std::string& token) const { return verifier_.verify(token); }

  static SigningKey* rsa_;
  static SigningKey* p256_;
  int64_t now_ = kNow;
  std::shared_ptr<const JwksKeys> keys_ =
      std::make_shared<const JwksKeys>(JwksKeys::parse(fakes::jwk_set({rsa_, p256_}).dump()));
  JwtVerifier verifier_{settings(), [this](const std::string&, std::string&) { return keys_; },
                        [this] { return now_; }};
};

SigningKey* JwtVerifierTest::rsa_ = nullptr;
SigningKey* JwtVerifierTest::p256_ = nullptr;

TEST_F(JwtVerifierTest, AcceptsATokenSignedWithRs256AndGivesItsClaims) {
  const auto check = verify(rsa_->sign(claims()));
  EXPECT_TRUE(check.valid) << check.problem;
  EXPECT_EQ(check.claims.at("sub"), "alice");
}

TEST_F(JwtVerifierTest, AcceptsATokenSignedWithEs256) {
  // Many tokens: now and then r or s has leading zero bytes, which JWS keeps.
  for (int i = 0; i < 50; ++i) {
    auto c = claims();
    c["jti"] = i;
    const auto check = verify(p256_->sign(c));
    ASSERT_TRUE(check.valid) << i << ": " << check.problem;
  }
}

TEST_F(JwtVerifierTest, AcceptsAnyConfiguredAudienceInAnArray) {
  auto c = claims();
  c["aud"] = json::array({"account", "weft-cli"});
  EXPECT_TRUE(verify(rsa_->sign(c)).valid);
}

TEST_F(JwtVerifierTest, RefusesAnotherAudience) {
  auto c = claims();
  c["aud"] = json::array({"account"});
  EXPECT_THAT(verify(rsa_->sign(c)).problem, HasSubstr("audience"));
}

TEST_F(JwtVerifierTest, RefusesAnotherIssuerNamingIt) {
  auto c = claims();
  c["iss"] = "https://evil.example";
  const auto check = verify(rsa_->sign(c));
  EXPECT_FALSE(check.valid);
  EXPECT_THAT(check.problem, HasSubstr("issued by 'https://evil.example'"));
}

TEST_F(JwtVerifierTest, ExpiryAllowsTheLeewayAndNoMore) {
  const std::string token = rsa_->sign(claims());
  now_ = kNow + 300 + 29;
  EXPECT_TRUE(verify(token).valid);
  now_ = kNow + 300 + 30;
  const auto check = verify(token);
  EXPECT_FALSE(check.valid);
  EXPECT_THAT(check.problem, HasSubstr("expired at 2027-01-15T08:05:00Z"));
}

TEST_F(JwtVerifierTest, NotBeforeAllowsTheLeewayAndNoMore) {
  auto c = claims();
  c["nbf"] = kNow + 60;
  const std::string token = rsa_->sign(c);
  EXPECT_THAT(verify(token).problem, HasSubstr("not valid before"));
  now_ = kNow + 30;
  EXPECT_TRUE(verify(token).valid);
}

TEST_F(JwtVerifierTest, RefusesATokenWithoutExpiryOrSubject) {
  auto c = claims();
  c.erase("exp");
  EXPECT_THAT(verify(rsa_->sign(c)).problem, HasSubstr("no expiry"));
  c = claims();
  c.erase("sub");
  EXPECT_THAT(verify(rsa_->sign(c)).problem, HasSubstr("no subject"));
}

TEST_F(JwtVerifierTest, RefusesATokenWhosePayloadWasChanged) {
  const std::string token = rsa_->sign(claims());
  auto c = claims();
  c["sub"] = "mallory";
  const std::string other = rsa_->sign(c);
  // Alice's header and signature around Mallory's payload.
  const auto first_dot = token.find('.');
  const auto last_dot = token.rfind('.');
  const std::string forged = token.substr(0, first_dot) +
                             other.substr(other.find('.'), other.rfind('.') - other.find('.')) + token.substr(last_dot);
  EXPECT_THAT(verify(forged).problem, HasSubstr("signature is not the identity provider's"));
}

TEST_F(JwtVerifierTest, RefusesATokenSignedByAStrangerWithAKnownKid) {
  const SigningKey stranger("rsa-1");
  EXPECT_THAT(verify(stranger.sign(claims())).problem, HasSubstr("signature"));
}

TEST_F(JwtVerifierTest, RefusesAnUnknownKidSayingSo) {
  const SigningKey other("rsa-2", SigningKey::Kind::p256);
  EXPECT_THAT(verify(other.sign(claims())).problem, HasSubstr("kid 'rsa-2'"));
}

TEST_F(JwtVerifierTest, RefusesUnsignedAndHmacTokens) {
  for (const char* alg : {"none", "HS256"}) {
    const json header{{"alg", alg}, {"kid", "rsa-1"}};
    const std::string token = fakes::base64url(header.dump()) + "." + fakes::base64url(claims().dump()) + ".";
    EXPECT_TRUE(JwtVerifier::looks_like_jwt(token));
    EXPECT_THAT(verify(token).problem, HasSubstr("algorithm")) << alg;
  }
}

TEST_F(JwtVerifierTest, TellsJwtsFromWeftTokensAndGarbage) {
  EXPECT_TRUE(JwtVerifier::looks_like_jwt(rsa_->sign(claims())));
  EXPECT_FALSE(JwtVerifier::looks_like_jwt(std::string(64, 'a')));
  EXPECT_FALSE(JwtVerifier::looks_like_jwt("a.b.c"));
  EXPECT_FALSE(JwtVerifier::looks_like_jwt(".."));
  EXPECT_FALSE(verify("not.a.jwt").valid);
}

TEST(JwksKeys, ParsesRsaAndP256KeysAndSkipsOthers) {
  const SigningKey rsa("r");
  const json set{{"keys",
                  {rsa.jwk(),
                   {{"kty", "oct"}, {"kid", "secret"}, {"k", "AAAA"}},
                   {{"kty", "RSA"}, {"kid", "enc"}, {"use", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}}}}};
  const auto keys = JwksKeys::parse(set.dump());
  EXPECT_EQ(keys.size(), 1U);
  EXPECT_NE(keys.find("r"), nullptr);
  EXPECT_NE(keys.find(""), nullptr);  // the only key, for a token without kid
  EXPECT_EQ(keys.find("secret"), nullptr);
}

TEST(JwksKeys, SaysWhatIsWrongWithABadSet) {
  EXPECT_THROW(JwksKeys::parse("{}"), std::invalid_argument);
  EXPECT_THROW(JwksKeys::parse(R"({"keys": []})"), std::invalid_argument);
  try {
    JwksKeys::parse(R"({"keys": [{"kty": "RSA", "kid": "x", "n": "***", "e": "AQAB"}]})");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_THAT(e.what(), HasSubstr("key 0"));
  }
}

TEST(ClaimRoles, ScopeIsASpaceSeparatedList) {
  const json claims{{"scope", "openid weft:operator profile"}};
  EXPECT_EQ(role_of(claims, {{"scope", "weft:operator", Role::operator_}}), Role::operator_);
  EXPECT_EQ(role_of(claims, {{"scope", "weft:op", Role::operator_}}), std::nullopt);
}

TEST(ClaimRoles, KeycloakRealmRolesByDottedPath) {
  const json claims{{"realm_access", {{"roles", {"offline_access", "weft-admin"}}}}};
  EXPECT_EQ(role_of(claims, {{"realm_access.roles", "weft-admin", Role::admin}}), Role::admin);
}

TEST(ClaimRoles, AClaimNamedWithDotsIsTakenWhole) {
  const json claims{{"https://weft.example/roles", {"ops"}}};
  EXPECT_EQ(role_of(claims, {{"https://weft.example/roles", "ops", Role::operator_}}), Role::operator_);
}

TEST(ClaimRoles, TheHighestRoleAnyRuleGrantsWins) {
  const json claims{{"groups", {"viewers", "admins"}}};
  const std::vector<ClaimRoleRule> rules{
      {"groups", "admins", Role::admin}, {"groups", "viewers", Role::viewer}, {"groups", "ops", Role::operator_}};
  EXPECT_EQ(role_of(claims, rules), Role::admin);
}

TEST(ClaimRoles, NoMatchingClaimGrantsNothing) {
  const std::vector<ClaimRoleRule> rules{{"groups", "admins", Role::admin}};
  EXPECT_EQ(role_of(json{{"groups", "admins-not"}}, rules), std::nullopt);
  EXPECT_EQ(role_of(json{{"groups", {{"admins", true}}}}, rules), std::nullopt);
  EXPECT_EQ(role_of(json{{"other", "admins"}}, rules), std::nullopt);
  EXPECT_EQ(role_of(json{{"groups", 42}}, rules), std::nullopt);
}

}  // namespace
}  // namespace weft::daemon
