// Who may use the API: a bearer token for everything but the health checks,
// and the admin token that weftd writes on first start for its owner only.
#include "api_test_helpers.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

namespace weft::test {
namespace {

class Auth : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();
};

TEST_F(Auth, ARequestWithoutATokenIsUnauthorized) {
  EXPECT_TRUE(is_api_error(client.without_token().get("/api/v1/workflows"), 401, "unauthorized"));
  EXPECT_TRUE(is_api_error(client.without_token().get("/api/v1/runs"), 401, "unauthorized"));
}

TEST_F(Auth, AnUnknownTokenIsUnauthorized) {
  const HttpClient stranger(weftd.port(), "weft_not-a-token-anyone-issued");
  EXPECT_TRUE(is_api_error(stranger.get("/api/v1/workflows"), 401, "unauthorized"));
}

TEST_F(Auth, AnotherSchemeThanBearerIsUnauthorized) {
  const auto response =
      client.without_token().send("GET", "/api/v1/workflows", "", {{"Authorization", "Basic " + weftd.token()}});
  EXPECT_TRUE(is_api_error(response, 401, "unauthorized"));
}

TEST_F(Auth, AnUnauthorizedRequestStoresNothing) {
  const std::string name = test_workflow_name();
  EXPECT_EQ(client.without_token().post("/api/v1/workflows", shell_workflow(name, "true")).status, 401);
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
}

TEST_F(Auth, HealthAndReadinessNeedNoToken) {
  const auto health = client.without_token().get("/healthz");
  ASSERT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(health.json(), nlohmann::json({{"status", "ok"}}));
  EXPECT_EQ(client.without_token().get("/readyz").status, 200);
}

TEST_F(Auth, TheAdminTokenFileIsReadableAndWritableByItsOwnerOnly) {
  struct stat file {};
  ASSERT_EQ(::stat((weftd.state_dir() / "admin.token").c_str(), &file), 0);
  EXPECT_EQ(file.st_mode & 0777, 0600);
  EXPECT_FALSE(weftd.token().empty());
}

}  // namespace
}  // namespace weft::test
