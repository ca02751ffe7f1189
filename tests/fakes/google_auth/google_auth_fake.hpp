// The two ways a Google Cloud client gets an OAuth 2 access token, played
// for the fakes of Google APIs (tests/fakes/cloudrun_server):
//
// - the metadata server's token path
//   (GET /computeMetadata/v1/instance/service-accounts/default/token, which
//   requires the header "Metadata-Flavor: Google"), as on a GCE VM or in
//   Cloud Run;
// - the token URI of a service-account key file (POST /token, form
//   grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=<JWT>),
//   where the JWT must be RS256-signed by the key file's private key, name
//   the key's client_email as iss, the token URI as aud, a scope, and iat/exp
//   at most an hour apart around now (RFC 7523, as Google's OAuth server
//   checks it).
//
// Both hand out tokens that live `lifetime`; authorized() tells whether a
// request carries one that is still alive. Thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "fake_https_server.hpp"

namespace weft::fakes {

class GoogleAuthFake {
 public:
  // The service-account key file goes in dir, its token_uri being
  // `server_url` + "/token".
  GoogleAuthFake(const std::filesystem::path& dir, const std::string& server_url, const std::string& project);

  // The key file, with a fresh RSA key made the first time it is asked for
  // (a test that needs none does not wait for one).
  const std::filesystem::path& key_file();
  const std::string& client_email() const { return client_email_; }

  // The reply to a request for a token; nullopt when the request is not one.
  std::optional<FakeReply> handle(const FakeRequest& request);
  // Whether the request carries "Authorization: Bearer <a live token>".
  bool authorized(const FakeRequest& request) const;

  // Tokens handed out from now on live this long.
  void set_lifetime(std::chrono::milliseconds lifetime);
  // Every token handed out so far stops working, as when a key is rotated or a token revoked.
  void revoke_all();
  // How many tokens were handed out: "metadata" or "jwt".
  int issued(const std::string& how) const;

 private:
  using Clock = std::chrono::steady_clock;
  FakeReply issue(const std::string& how);
  FakeReply exchange(const FakeRequest& request);
  void make_key();

  std::filesystem::path key_file_;
  std::filesystem::path private_key_file_;
  std::string client_email_;
  std::string token_uri_;
  std::string project_;
  std::once_flag key_made_;

  mutable std::mutex mutex_;
  std::chrono::milliseconds lifetime_{std::chrono::hours(1)};
  std::map<std::string, Clock::time_point> tokens_;  // token -> when it dies
  std::map<std::string, int> issued_;
  uint64_t next_ = 1;
};

}  // namespace weft::fakes
