// api.oidc and api.policy: the identity provider whose JWTs weftd accepts,
// and the policy engine it asks about each request (docs/configuration.md).
#pragma once

#include "auth/identity_settings.hpp"
#include "config/config_reader.hpp"

namespace weft::daemon {

// Each reads its section of api, if present, reporting every problem to api.
void read_oidc(ConfigReader& api, OidcSettings& oidc);
void read_policy(ConfigReader& api, PolicySettings& policy);

}  // namespace weft::daemon
