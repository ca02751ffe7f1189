// TokenVerifier: a secret's role from the hashes in the store.
#include "auth/token_verifier.hpp"
#include "auth/token_secret.hpp"
#include "memory_store.hpp"

#include <gtest/gtest.h>

namespace weft::daemon {
namespace {

class TokenVerifierTest : public ::testing::Test {
 protected:
  void store_token(const std::string& id, const std::string& secret, const std::string& role, bool revoked = false) {
    WriteBatch batch;
    batch.tokens.push_back({id, token_hash(secret), role, "", 1, revoked});
    store_.client->write(batch);
  }

  test::OpenedMemoryStore store_ = test::open_memory_store();
  TokenVerifier verifier_{*store_.client};
};

TEST_F(TokenVerifierTest, HashIsTheSha256OfTheSecretInHex) {
  EXPECT_EQ(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(TokenVerifierTest, StoredTokenHasItsRole) {
  store_token("t1", "secret-1", "operator");
  EXPECT_EQ(verifier_.verify("secret-1"), Role::operator_);
}

TEST_F(TokenVerifierTest, TokenStoredAfterTheFirstLookupIsFound) {
  EXPECT_EQ(verifier_.verify("secret-1"), std::nullopt);
  store_token("t1", "secret-1", "viewer");
  EXPECT_EQ(verifier_.verify("secret-1"), Role::viewer);
}

TEST_F(TokenVerifierTest, RevokedTokenIsRefusedOnceVerificationsAreForgotten) {
  store_token("t1", "secret-1", "admin");
  ASSERT_EQ(verifier_.verify("secret-1"), Role::admin);
  store_token("t1", "secret-1", "admin", true);
  verifier_.forget_verified();
  EXPECT_EQ(verifier_.verify("secret-1"), std::nullopt);
}

TEST_F(TokenVerifierTest, TokenWithAnUnknownRoleIsRefused) {
  store_token("t1", "secret-1", "superuser");
  EXPECT_EQ(verifier_.verify("secret-1"), std::nullopt);
}

TEST_F(TokenVerifierTest, RolesIncludeTheOnesBelowThem) {
  EXPECT_TRUE(permits(Role::admin, Role::operator_));
  EXPECT_TRUE(permits(Role::operator_, Role::viewer));
  EXPECT_FALSE(permits(Role::viewer, Role::operator_));
}

}  // namespace
}  // namespace weft::daemon
