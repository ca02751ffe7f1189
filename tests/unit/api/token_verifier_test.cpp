// TokenVerifier: who holds a secret, from the hashes in the store, on an
// injected clock (expiry and the cache's recheck, without sleeping).
#include "auth/token_verifier.hpp"
#include "auth/token_scope.hpp"
#include "auth/token_secret.hpp"
#include "memory_store.hpp"

#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

using Outcome = Verification::Outcome;

constexpr int64_t kStart = 1700000000000;

class TokenVerifierTest : public ::testing::Test {
 protected:
  void store_token(const std::string& id, const std::string& secret, const std::string& role, bool revoked = false,
                   int64_t expires_at = 0, const std::string& workflows = "") {
    WriteBatch batch;
    batch.tokens.push_back({id, token_hash(secret), role, "", 1, revoked, expires_at, workflows});
    store_.client->write(batch);
  }
  std::optional<Role> role_of(const std::string& secret) const {
    const auto verified = verifier_.verify(secret);
    if (verified.outcome != Outcome::valid) return std::nullopt;
    return verified.caller.role;
  }

  int64_t now_ = kStart;
  test::OpenedMemoryStore store_ = test::open_memory_store();
  TokenVerifier verifier_{*store_.client, [this] { return now_; }};
};

TEST_F(TokenVerifierTest, HashIsTheSha256OfTheSecretInHex) {
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(TokenVerifierTest, StoredTokenHasItsRoleIdAndScope) {
  store_token("t1", "secret-1", "operator", false, 0, "etl-*");
  const auto verified = verifier_.verify("secret-1");
  EXPECT_EQ(verified.outcome, Outcome::valid);
  EXPECT_EQ(verified.caller.role, Role::operator_);
  EXPECT_EQ(verified.caller.token_id, "t1");
  EXPECT_EQ(verified.caller.workflows, "etl-*");
}

TEST_F(TokenVerifierTest, TokenStoredElsewhereAfterALookupIsFoundOnceTheStoreIsReadAgain) {
  EXPECT_EQ(role_of("secret-1"), std::nullopt);
  store_token("t1", "secret-1", "viewer");
  // Unknown secrets read the store at most once per kUnknownRereadMs.
  now_ += TokenVerifier::kUnknownRereadMs - 1;
  EXPECT_EQ(role_of("secret-1"), std::nullopt);
  now_ += 1;
  EXPECT_EQ(role_of("secret-1"), Role::viewer);
}

TEST_F(TokenVerifierTest, TokenIssuedHereIsFoundAtOnce) {
  EXPECT_EQ(role_of("secret-1"), std::nullopt);
  store_token("t1", "secret-1", "viewer");
  verifier_.forget_verified();  // what the API does when it issues one
  EXPECT_EQ(role_of("secret-1"), Role::viewer);
}

TEST_F(TokenVerifierTest, RevokedTokenIsRefusedOnceVerificationsAreForgotten) {
  store_token("t1", "secret-1", "admin");
  ASSERT_EQ(role_of("secret-1"), Role::admin);
  store_token("t1", "secret-1", "admin", true);
  verifier_.forget_verified();
  EXPECT_EQ(verifier_.verify("secret-1").outcome, Outcome::unknown);
}

// Another instance sharing the store revoked it: this one learns within the recheck.
TEST_F(TokenVerifierTest, TokenRevokedBehindItsBackIsRefusedOnceTheCacheIsRechecked) {
  store_token("t1", "secret-1", "operator");
  ASSERT_EQ(role_of("secret-1"), Role::operator_);
  store_token("t1", "secret-1", "operator", true);
  now_ += TokenVerifier::kRecheckMs - 1;
  EXPECT_EQ(role_of("secret-1"), Role::operator_);
  now_ += 1;
  EXPECT_EQ(verifier_.verify("secret-1").outcome, Outcome::unknown);
}

TEST_F(TokenVerifierTest, TokenIsValidUntilItsExpiryAndExpiredFromThenOn) {
  store_token("t1", "secret-1", "operator", false, kStart + 1000);
  EXPECT_EQ(verifier_.verify("secret-1").outcome, Outcome::valid);
  now_ = kStart + 999;
  EXPECT_EQ(verifier_.verify("secret-1").outcome, Outcome::valid);
  now_ = kStart + 1000;
  const auto verified = verifier_.verify("secret-1");
  EXPECT_EQ(verified.outcome, Outcome::expired);
  EXPECT_EQ(verified.caller.token_id, "t1");
  EXPECT_EQ(verified.caller.expires_at, kStart + 1000);
}

TEST_F(TokenVerifierTest, TokenWithAnUnknownRoleIsRefused) {
  store_token("t1", "secret-1", "superuser");
  EXPECT_EQ(verifier_.verify("secret-1").outcome, Outcome::unknown);
}

TEST_F(TokenVerifierTest, RolesIncludeTheOnesBelowThem) {
  EXPECT_TRUE(permits(Role::admin, Role::operator_));
  EXPECT_TRUE(permits(Role::operator_, Role::viewer));
  EXPECT_FALSE(permits(Role::viewer, Role::operator_));
}

TEST(TokenScope, AGlobMatchesWorkflowNamesAndAnEmptyScopeMatchesAll) {
  EXPECT_TRUE(in_scope("etl-*", "etl-nightly"));
  EXPECT_FALSE(in_scope("etl-*", "report"));
  EXPECT_TRUE(in_scope("report-[ab]", "report-a"));
  EXPECT_FALSE(in_scope("report-[ab]", "report-c"));
  EXPECT_TRUE(in_scope("", "anything"));
}

TEST(TokenScope, BadPatternsAreNamedAndGoodOnesAccepted) {
  EXPECT_EQ(scope_problem("etl-*"), std::nullopt);
  EXPECT_EQ(scope_problem("report-[ab]?"), std::nullopt);
  EXPECT_EQ(scope_problem(""), "is empty");
  EXPECT_EQ(scope_problem("etl-[ab"), "has a '[' without its ']'");
  EXPECT_EQ(scope_problem("a/b"), "holds a control character or '/'");
  EXPECT_EQ(scope_problem(std::string(257, 'a')), "is longer than 256 characters");
}

}  // namespace
}  // namespace weft::daemon
