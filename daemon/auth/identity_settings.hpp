// What weftd's configuration says about callers that are not weft's own
// tokens: JWTs of an OpenID Connect identity provider (api.oidc), and the
// policy engine asked about every request (api.policy). docs/securing.md.
#pragma once

#include "auth/role.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace weft::daemon {

// A JWT whose claim at `claim` holds `value` is granted `role`. The claim is
// a top-level name, else a dotted path into nested objects
// ("realm_access.roles"); a string claim is a space-separated list (as
// "scope"), an array claim a list of strings (as "groups").
struct ClaimRoleRule {
  std::string claim;
  std::string value;
  Role role = Role::viewer;
  bool operator==(const ClaimRoleRule&) const = default;
};

// The web page's sign-in through the provider (authorization code with PKCE,
// docs/web.md): the page is a public client, so nothing here is secret, and
// GET /api/v1/sign-in tells it all of it.
struct WebSignInSettings {
  std::string client_id;               // "": the page offers only the token form
  std::string provider_name;           // its button says "Sign in with <provider_name>"
  std::string authorization_endpoint;  // the browser is sent there to sign in
  std::string token_endpoint;          // the page exchanges the code there (fetch: CORS, and the page's CSP)
  std::string scope = "openid";        // space-separated, as OAuth's "scope"
  bool enabled() const { return !client_id.empty(); }
  bool operator==(const WebSignInSettings&) const = default;
};

struct OidcSettings {
  std::string issuer;                  // the "iss" a token must carry, exactly
  std::vector<std::string> audiences;  // its "aud" must hold one of them
  // Where the identity provider's public keys (a JWK Set) come from: a file,
  // or a URL fetched in the background (https checked against jwks_ca_file,
  // or the system's CAs when it is empty). Exactly one is set.
  std::string jwks_file;
  std::string jwks_url;
  std::string jwks_ca_file;
  std::chrono::seconds jwks_refresh{300};      // the keys are fetched again this often
  std::chrono::seconds jwks_min_interval{10};  // a token of an unknown key fetches them at most this often
  std::chrono::seconds leeway{30};             // allowed clock difference for "exp" and "nbf"
  std::vector<ClaimRoleRule> roles;            // a token's role: the highest any rule grants
  WebSignInSettings web;
  bool enabled() const { return !issuer.empty(); }
  bool operator==(const OidcSettings&) const = default;
};

struct PolicySettings {
  std::string url;      // OPA's data API: POST {"input": …} answers {"result": bool}; "" for no hook
  std::string ca_file;  // for an https url; "" for the system's CAs
  std::chrono::seconds timeout{2};
  bool allow_on_error = false;                // what an unanswered or malformed decision means
  std::chrono::milliseconds cache_ttl{5000};  // a decision is reused this long for the same input
  bool enabled() const { return !url.empty(); }
  bool operator==(const PolicySettings&) const = default;
};

}  // namespace weft::daemon
