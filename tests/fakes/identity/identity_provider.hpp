// An OpenID Connect identity provider for the web page's sign-in tests, over
// HTTPS (FakeHttpsServer), laid out as Keycloak's realm "test": its JWKS, and
// the authorization code flow with PKCE for one public client (RFC 6749 4.1,
// RFC 7636). /authorize signs in the configured user at once (no login
// form) and sends the browser back with a code; /token exchanges it, once,
// for an access token and an ID token signed by the provider's key, when the
// code_verifier matches the code_challenge (S256), and answers the page's
// fetch with CORS headers for the client's origin.
#pragma once

#include "fake_https_server.hpp"
#include "signing_key.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

namespace weft::fakes {

// The client registered at the provider: a public client (no secret).
struct PublicClient {
  std::string client_id;
  std::string redirect_uri;  // exactly: /authorize and /token compare it as a string
  std::string web_origin;    // answered with Access-Control-Allow-Origin
};

class IdentityProvider {
 public:
  // Its certificate and key go in dir, which must exist. Signs with a key of its own.
  explicit IdentityProvider(const std::filesystem::path& dir);

  void register_client(PublicClient client);
  // Who /authorize signs in: their claims (at least "sub") go into both tokens.
  void sign_in_as(nlohmann::json user_claims);
  // The access token's "aud" and how long the tokens are valid.
  void set_access_token(std::string audience, std::chrono::seconds lifetime);

  std::string issuer() const;  // the tokens' "iss"
  std::string jwks_url() const;
  std::string authorization_endpoint() const;
  std::string token_endpoint() const;
  const std::filesystem::path& ca_file() const { return server_.ca_file(); }
  int codes_exchanged() const;  // tokens issued by /token

 private:
  struct IssuedCode {
    std::string client_id;
    std::string redirect_uri;
    std::string code_challenge;
    std::string scope;
    std::chrono::steady_clock::time_point expires;
  };

  FakeReply answer(const FakeRequest& request);
  FakeReply authorize(const FakeRequest& request);
  FakeReply exchange(const FakeRequest& request);
  FakeReply tokens_for(const IssuedCode& code);  // mutex_ held
  std::map<std::string, std::string> cors(const std::string& origin) const;

  SigningKey key_;
  mutable std::mutex mutex_;
  PublicClient client_;                      // guarded by mutex_
  nlohmann::json user_;                      // guarded by mutex_
  std::string audience_ = "weft";            // guarded by mutex_
  std::chrono::seconds lifetime_{300};       // guarded by mutex_
  std::map<std::string, IssuedCode> codes_;  // not exchanged yet; guarded by mutex_
  int exchanged_ = 0;                        // guarded by mutex_
  FakeHttpsServer server_;
};

}  // namespace weft::fakes
