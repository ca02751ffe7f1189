#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "token.hpp"

namespace weft::cli {
namespace {

// Each test starts with none of the variables set and a private directory.
class TokenDiscovery : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) unsetenv(name);
    dir_ = std::filesystem::temp_directory_path() / ("weft-token-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_ / "state");
    write("weftd.json", R"({"state_dir": ")" + (dir_ / "state").string() + R"("})");
    setenv("WEFT_CONFIG", (dir_ / "weftd.json").c_str(), 1);
  }

  void TearDown() override {
    for (const char* name : kVariables) unsetenv(name);
    std::filesystem::remove_all(dir_);
  }

  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }

  static constexpr const char* kVariables[] = {"WEFT_TOKEN", "WEFT_TOKEN_FILE", "WEFT_CONFIG"};
  std::filesystem::path dir_;
};

TEST_F(TokenDiscovery, WeftTokenComesFirst) {
  setenv("WEFT_TOKEN", "from-env", 1);
  setenv("WEFT_TOKEN_FILE", write("token", "from-file").c_str(), 1);
  write("state/admin.token", "from-state-dir");
  EXPECT_EQ(discover_token(), "from-env");
}

TEST_F(TokenDiscovery, ThenTheTokenFileTrimmed) {
  setenv("WEFT_TOKEN_FILE", write("token", "  from-file\n").c_str(), 1);
  write("state/admin.token", "from-state-dir");
  EXPECT_EQ(discover_token(), "from-file");
}

TEST_F(TokenDiscovery, ThenTheAdminTokenInTheConfiguredStateDir) {
  write("state/admin.token", "from-state-dir\n");
  EXPECT_EQ(discover_token(), "from-state-dir");
}

TEST_F(TokenDiscovery, AnUnreadableTokenFileMeansNoToken) {
  setenv("WEFT_TOKEN_FILE", (dir_ / "absent").c_str(), 1);
  write("state/admin.token", "from-state-dir");
  EXPECT_EQ(discover_token(), std::nullopt);
}

TEST_F(TokenDiscovery, NothingFoundMeansNoToken) { EXPECT_EQ(discover_token(), std::nullopt); }

TEST_F(TokenDiscovery, AnEmptyWeftTokenIsIgnored) {
  setenv("WEFT_TOKEN", "", 1);
  write("state/admin.token", "from-state-dir");
  EXPECT_EQ(discover_token(), "from-state-dir");
}

TEST_F(TokenDiscovery, WithoutStateDirInTheConfigTheDefaultIsUsed) {
  write("weftd.json", "{}");
  EXPECT_EQ(admin_token_path(), "/var/lib/weft/admin.token");
}

TEST_F(TokenDiscovery, AMissingConfigMeansTheDefaultStateDir) {
  setenv("WEFT_CONFIG", (dir_ / "absent.json").c_str(), 1);
  EXPECT_EQ(admin_token_path(), "/var/lib/weft/admin.token");
}

}  // namespace
}  // namespace weft::cli
