// The admin token file: created once, private from birth, reused while the store knows it.
#include "auth/admin_token.hpp"
#include "auth/token_secret.hpp"
#include "memory_store.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace weft::daemon {
namespace {

namespace fs = std::filesystem;

class AdminTokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_dir_ = fs::path(::testing::TempDir()) /
                 ("weft-admin-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(state_dir_);
    fs::create_directories(state_dir_);
  }
  void TearDown() override { fs::remove_all(state_dir_); }

  std::string token_in_file() const {
    std::string secret;
    std::ifstream(state_dir_ / "admin.token") >> secret;
    return secret;
  }

  fs::path state_dir_;
  test::OpenedMemoryStore store_ = test::open_memory_store();
};

TEST_F(AdminTokenTest, FirstStartWritesAnAdminTokenWhoseHashIsStored) {
  ensure_admin_token(*store_.client, state_dir_);
  const auto tokens = store_.client->list_tokens();
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0].role, "admin");
  EXPECT_EQ(tokens[0].hash, token_hash(token_in_file()));
  EXPECT_EQ(token_in_file().size(), 64u);
}

TEST_F(AdminTokenTest, TokenFileIsReadableByItsOwnerOnly) {
  ensure_admin_token(*store_.client, state_dir_);
  struct stat info {};
  ASSERT_EQ(::stat((state_dir_ / "admin.token").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(AdminTokenTest, AWidenedModeIsNarrowedOnTheNextStart) {
  ensure_admin_token(*store_.client, state_dir_);
  const auto first = token_in_file();
  ASSERT_EQ(::chmod((state_dir_ / "admin.token").c_str(), 0644), 0);
  ensure_admin_token(*store_.client, state_dir_);
  struct stat info {};
  ASSERT_EQ(::stat((state_dir_ / "admin.token").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(token_in_file(), first);
}

TEST_F(AdminTokenTest, KnownTokenIsReusedOnTheNextStart) {
  ensure_admin_token(*store_.client, state_dir_);
  const auto first = token_in_file();
  ensure_admin_token(*store_.client, state_dir_);
  EXPECT_EQ(token_in_file(), first);
  EXPECT_EQ(store_.client->list_tokens().size(), 1u);
}

TEST_F(AdminTokenTest, MissingFileGetsANewTokenWhenTokensExist) {
  ensure_admin_token(*store_.client, state_dir_);
  const auto first = token_in_file();
  fs::remove(state_dir_ / "admin.token");
  ensure_admin_token(*store_.client, state_dir_);
  EXPECT_NE(token_in_file(), first);
  EXPECT_EQ(store_.client->list_tokens().size(), 2u);
}

TEST_F(AdminTokenTest, FileWithAnUnknownTokenIsReplaced) {
  std::ofstream(state_dir_ / "admin.token") << "not-a-token\n";
  ensure_admin_token(*store_.client, state_dir_);
  EXPECT_EQ(store_.client->list_tokens().at(0).hash, token_hash(token_in_file()));
}

}  // namespace
}  // namespace weft::daemon
