// The fake identity provider holds a client to the authorization code flow
// with PKCE as a real provider does: a code goes back only to the client's
// redirect URI, is exchanged once, with its verifier, by its client; the
// token endpoint's answer is readable only from the client's web origin.
#include "identity_provider.hpp"

#include <Poco/URI.h>
#include <gtest/gtest.h>
#include <weft/client/api_client.hpp>
#include <weft/harness/weftd_process.hpp>

namespace weft::fakes {
namespace {

using nlohmann::json;

// SHA-256 of the verifier, base64url, computed apart from the fake (Python's hashlib).
constexpr const char* kVerifier = "the-web-page-test-verifier-0123456789abcdefghij";
constexpr const char* kChallenge = "qngiNGS742OoqvOftGQvsaMSMxmprnyXbqjbUjONPvs";
constexpr const char* kRedirect = "http://127.0.0.1:8080/";
constexpr const char* kOrigin = "http://127.0.0.1:8080";

std::string form(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    std::string encoded;
    Poco::URI::encode(value, "!#$&'()*+,/:;=?@[]", encoded);
    body += (body.empty() ? "" : "&") + name + "=" + encoded;
  }
  return body;
}

class IdentityProviderTest : public ::testing::Test {
 protected:
  IdentityProviderTest() {
    provider_.register_client({"weft-web", kRedirect, kOrigin});
    provider_.sign_in_as({{"sub", "alice"}});
  }

  client::Response authorize(const std::string& client_id, const std::string& redirect_uri,
                             const std::string& challenge = kChallenge) const {
    Poco::URI target(Poco::URI(provider_.authorization_endpoint()).getPath());
    for (const auto& [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"response_type", "code"},
                                                          {"client_id", client_id},
                                                          {"redirect_uri", redirect_uri},
                                                          {"scope", "openid"},
                                                          {"state", "s1"},
                                                          {"code_challenge", challenge},
                                                          {"code_challenge_method", "S256"}}) {
      target.addQueryParameter(name, value);
    }
    return client_.get(target.toString());
  }
  // The parameters the browser is sent back with.
  static std::map<std::string, std::string> sent_back(const client::Response& response) {
    EXPECT_EQ(response.status, 302) << response.body;
    const Poco::URI location(response.header("Location"));
    EXPECT_EQ(location.getScheme() + "://" + location.getAuthority() + location.getPath(), kRedirect);
    std::map<std::string, std::string> params;
    for (const auto& [name, value] : location.getQueryParameters()) params[name] = value;
    return params;
  }
  client::Response exchange(const std::string& code, const std::string& verifier = kVerifier,
                            const std::string& origin = kOrigin) const {
    return client_.send("POST", Poco::URI(provider_.token_endpoint()).getPath(),
                        form({{"grant_type", "authorization_code"},
                              {"code", code},
                              {"redirect_uri", kRedirect},
                              {"client_id", "weft-web"},
                              {"code_verifier", verifier}}),
                        {{"Content-Type", "application/x-www-form-urlencoded"}, {"Origin", origin}});
  }

  harness::TempDir dir_;
  IdentityProvider provider_{dir_.path()};
  client::ApiClient client_{"https://localhost:" + std::to_string(Poco::URI(provider_.issuer()).getPort()), "",
                            std::chrono::seconds(10), provider_.ca_file().string(), "the identity provider"};
};

TEST_F(IdentityProviderTest, ACodeIsExchangedOnceForTokensOfTheSignedInUser) {
  const auto back = sent_back(authorize("weft-web", kRedirect));
  EXPECT_EQ(back.at("state"), "s1");
  const auto tokens = exchange(back.at("code"));
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(tokens.header("Access-Control-Allow-Origin"), kOrigin);
  EXPECT_EQ(tokens.json().at("token_type"), "Bearer");
  EXPECT_EQ(tokens.json().at("expires_in"), 300);
  EXPECT_EQ(tokens.json().at("access_token").get<std::string>().substr(0, 3), "eyJ");
  const auto again = exchange(back.at("code"));
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.json().at("error"), "invalid_grant");
  EXPECT_EQ(provider_.codes_exchanged(), 1);
}

TEST_F(IdentityProviderTest, AVerifierThatDoesNotMatchTheChallengeIsRefused) {
  const auto back = sent_back(authorize("weft-web", kRedirect, std::string(43, 'A')));
  const auto refused = exchange(back.at("code"));
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.json().at("error"), "invalid_grant");
  EXPECT_NE(refused.json().at("error_description").get<std::string>().find("code_verifier"), std::string::npos);
  // The code is spent all the same.
  EXPECT_EQ(exchange(back.at("code")).json().at("error_description"), "the code is unknown or was used already");
}

TEST_F(IdentityProviderTest, AnUnknownClientOrRedirectUriIsNotSentBack) {
  const auto stranger = authorize("other", kRedirect);
  EXPECT_EQ(stranger.status, 400);
  EXPECT_EQ(stranger.header("Location"), "");
  EXPECT_EQ(authorize("weft-web", "https://evil.example/").status, 400);
  // Without an S256 challenge the browser goes back with the error.
  const auto back = sent_back(authorize("weft-web", kRedirect, "plain"));
  EXPECT_EQ(back.at("error"), "invalid_request");
  EXPECT_EQ(back.at("state"), "s1");
}

TEST_F(IdentityProviderTest, AnotherOriginCannotReadTheTokenEndpointsAnswer) {
  const auto back = sent_back(authorize("weft-web", kRedirect));
  const auto answered = exchange(back.at("code"), kVerifier, "https://evil.example");
  EXPECT_EQ(answered.header("Access-Control-Allow-Origin"), "");
}

}  // namespace
}  // namespace weft::fakes
