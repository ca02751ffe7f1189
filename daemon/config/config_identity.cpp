#include "config/config_identity.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <regex>

#include <unistd.h>

namespace weft::daemon {

namespace {

bool is_http_url(const std::string& url) { return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0; }

void read_readable_file(ConfigReader& section, const char* key, std::string& path) {
  section.read(key, path);
  if (!path.empty() && ::access(path.c_str(), R_OK) != 0) {
    section.report(key, "cannot read '" + path + "': " + std::strerror(errno));
  }
}

void read_audiences(ConfigReader& oidc, std::vector<std::string>& audiences) {
  const nlohmann::json* value = oidc.take("audience");
  if (value == nullptr) {
    oidc.report("audience", "is required with api.oidc: the \"aud\" weftd's tokens carry (a string, or an array)");
  } else if (value->is_string() && !value->get_ref<const std::string&>().empty()) {
    audiences = {value->get<std::string>()};
  } else {
    oidc.read("audience", audiences);
    if (audiences.empty()) oidc.report("audience", "must be a non-empty string or array of strings");
  }
}

void read_jwks(ConfigReader& oidc, OidcSettings& settings) {
  read_readable_file(oidc, "jwks_file", settings.jwks_file);
  oidc.read("jwks_url", settings.jwks_url);
  read_readable_file(oidc, "jwks_ca_file", settings.jwks_ca_file);
  if (settings.jwks_file.empty() == settings.jwks_url.empty()) {
    oidc.report("jwks_url", "api.oidc needs exactly one of jwks_url (the provider's JWKS endpoint) and jwks_file");
  }
  if (!settings.jwks_url.empty() && !is_http_url(settings.jwks_url)) {
    oidc.report("jwks_url", "must be an http:// or https:// URL, not '" + settings.jwks_url + "'");
  }
  long long refresh_s = settings.jwks_refresh.count();
  long long min_interval_s = settings.jwks_min_interval.count();
  oidc.read("jwks_refresh_s", refresh_s, 1LL);
  oidc.read("jwks_min_interval_s", min_interval_s, 1LL);
  settings.jwks_refresh = std::chrono::seconds(refresh_s);
  settings.jwks_min_interval = std::chrono::seconds(min_interval_s);
}

void read_role_rules(ConfigReader& oidc, std::vector<ClaimRoleRule>& rules) {
  for (ConfigReader& rule : oidc.objects_in("roles")) {
    ClaimRoleRule parsed;
    std::string role;
    rule.read("claim", parsed.claim);
    rule.read("value", parsed.value);
    rule.read("role", role);
    rule.reject_unknown_keys();
    if (const auto known = parse_role(role)) {
      parsed.role = *known;
    } else {
      rule.report("role", "must be one of viewer, operator, admin");
    }
    if (parsed.claim.empty()) rule.report("claim", "is required: the claim's name or dotted path");
    if (parsed.value.empty()) rule.report("value", "is required: the value that grants the role");
    rules.push_back(std::move(parsed));
  }
  if (rules.empty()) {
    oidc.report("roles",
                "is required with api.oidc: a non-empty array of {\"claim\", \"value\", \"role\"}, e.g. "
                "{\"claim\": \"realm_access.roles\", \"value\": \"weft-admin\", \"role\": \"admin\"}");
  }
}

bool is_loopback_host(const std::string& host) {
  static const std::regex loopback_v4(R"(127\.\d{1,3}\.\d{1,3}\.\d{1,3})");
  return host == "localhost" || host == "::1" || std::regex_match(host, loopback_v4);
}

// A DNS name or an IP address (v6 without its brackets).
bool is_plain_host(const std::string& host) {
  const auto plain = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':';
  };
  return !host.empty() && std::all_of(host.begin(), host.end(), plain);
}

// The provider's endpoints the browser is sent to: an access token travels
// from them, so plain http only to a provider on the same host (trying it out).
void read_browser_endpoint(ConfigReader& oidc, const char* key, std::string& url) {
  oidc.read(key, url);
  if (url.empty()) {
    oidc.report(key,
                "is required with web_client_id: the provider's endpoint, as its "
                "/.well-known/openid-configuration names it");
    return;
  }
  try {
    const Poco::URI uri(url);
    const bool https = uri.getScheme() == "https";
    const bool local_http = uri.getScheme() == "http" && is_loopback_host(uri.getHost());
    if (!https && !local_http) {
      oidc.report(key, "must be an https:// URL (http:// only to localhost), not '" + url + "'");
    } else if (!is_plain_host(uri.getHost()) || !uri.getUserInfo().empty() || !uri.getFragment().empty()) {
      // The token endpoint's origin goes into the page's Content-Security-Policy as it is.
      oidc.report(key,
                  "must be an absolute URL with a host name or address and no user or #fragment, not '" + url + "'");
    }
  } catch (const Poco::Exception& e) {
    oidc.report(key, "is not a URL ('" + url + "'): " + e.message());
  }
}

// RFC 6749 3.3: scope tokens of printable ASCII but space, '"' and '\'.
bool is_scope(const std::string& scope) {
  const auto allowed = [](char c) { return c == ' ' || (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\'); };
  return std::all_of(scope.begin(), scope.end(), allowed) && scope.find_first_not_of(' ') != std::string::npos;
}

std::string host_of(const std::string& url) {
  try {
    return Poco::URI(url).getHost();
  } catch (const Poco::Exception&) {
    return url;
  }
}

void read_web_sign_in(ConfigReader& oidc, const std::string& issuer, WebSignInSettings& web) {
  oidc.read("web_client_id", web.client_id);
  oidc.read("web_provider_name", web.provider_name);
  oidc.read("web_scope", web.scope);
  if (!web.enabled()) {
    for (const char* key : {"web_provider_name", "web_scope", "authorization_endpoint", "token_endpoint"}) {
      if (oidc.take(key) != nullptr) oidc.report(key, "is used only with web_client_id (the web page's sign-in)");
    }
    return;
  }
  read_browser_endpoint(oidc, "authorization_endpoint", web.authorization_endpoint);
  read_browser_endpoint(oidc, "token_endpoint", web.token_endpoint);
  if (!is_scope(web.scope)) {
    oidc.report("web_scope", "must be scopes separated by spaces (printable ASCII but '\"' and '\\'), e.g. \"openid\"");
  }
  if (web.provider_name.empty()) web.provider_name = host_of(issuer);
}

}  // namespace

void read_oidc(ConfigReader& api, OidcSettings& settings) {
  if (api.take("oidc") == nullptr) return;
  ConfigReader oidc = api.object("oidc");
  oidc.read("issuer", settings.issuer);
  if (settings.issuer.empty()) oidc.report("issuer", "is required with api.oidc: the \"iss\" of the provider's tokens");
  read_audiences(oidc, settings.audiences);
  read_jwks(oidc, settings);
  long long leeway_s = settings.leeway.count();
  oidc.read("leeway_s", leeway_s, 0LL);
  settings.leeway = std::chrono::seconds(leeway_s);
  read_role_rules(oidc, settings.roles);
  read_web_sign_in(oidc, settings.issuer, settings.web);
  oidc.reject_unknown_keys();
}

void read_policy(ConfigReader& api, PolicySettings& settings) {
  if (api.take("policy") == nullptr) return;
  ConfigReader policy = api.object("policy");
  policy.read("url", settings.url);
  if (!is_http_url(settings.url)) {
    policy.report("url",
                  "is required with api.policy: the http:// or https:// URL of the policy's decision, e.g. "
                  "http://127.0.0.1:8181/v1/data/weft/allow");
  }
  read_readable_file(policy, "ca_file", settings.ca_file);
  long long timeout_s = settings.timeout.count();
  policy.read("timeout_s", timeout_s, 1LL);
  settings.timeout = std::chrono::seconds(timeout_s);
  long long cache_ttl_ms = settings.cache_ttl.count();
  policy.read("cache_ttl_ms", cache_ttl_ms, 0LL);
  settings.cache_ttl = std::chrono::milliseconds(cache_ttl_ms);
  std::string on_error = "deny";
  policy.read("on_error", on_error);
  if (on_error != "deny" && on_error != "allow")
    policy.report("on_error", "must be deny or allow, not '" + on_error + "'");
  settings.allow_on_error = on_error == "allow";
  policy.reject_unknown_keys();
}

}  // namespace weft::daemon
