// The router's own rules: how paths match, and the registrations it refuses.
#include "api/router.hpp"

#include "api/api_error.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace weft::daemon {
namespace {

ApiReply nothing(const ApiRequest&) { return {}; }

TEST(Router, ARouteThatNeedsATokenCannotBeAnsweredBeforeTokensAreChecked) {
  Router router;
  EXPECT_THROW(router.add("GET", "/api/v1/secret", Role::viewer, nothing, Waits::nothing), std::logic_error);
  EXPECT_TRUE(router.routes().empty());
  router.add("GET", "/healthz", std::nullopt, nothing, Waits::nothing);
  router.add("GET", "/api/v1/secret", Role::viewer, nothing, Waits::store);
  EXPECT_EQ(router.routes().size(), 2u);
}

TEST(Router, CapturesAreNonEmptySegmentsAndOtherMethodsAre405) {
  Router router;
  router.add("GET", "/api/v1/runs/{id}", Role::viewer, nothing);
  const auto found = router.find("GET", {"api", "v1", "runs", "r1"});
  ASSERT_NE(found.route, nullptr);
  EXPECT_EQ(found.captures, std::vector<std::string>{"r1"});
  EXPECT_THROW(router.find("GET", {"api", "v1", "runs", ""}), ApiError);
  try {
    router.find("DELETE", {"api", "v1", "runs", "r1"});
    FAIL() << "DELETE was found";
  } catch (const ApiError& error) {
    EXPECT_EQ(error.status, 405);
  }
}

}  // namespace
}  // namespace weft::daemon
