// The web page at / (docs/web.md) and what it asks first: who the caller
// is. The page's files are built into weftd (embedded.hpp) and served
// without a token, as the API's description is; everything the page shows
// comes from the API with the caller's token.
#include "api/api_error.hpp"
#include "api/embedded.hpp"
#include "api/endpoints.hpp"
#include "api/representation.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>

namespace weft::daemon {

namespace {

// The page runs only the scripts and styles weftd serves, talks only to
// weftd (and, to sign in, to the identity provider's token endpoint), and is
// never framed: an injected <script> or style attribute is not run, and no
// other site can put the page under a user's click.
std::string page_policy(const WebSignInSettings& web) {
  std::string connect = "'self'";
  if (web.enabled()) {
    // The config checked the URL: an http(s) scheme and a host of its own.
    try {
      const Poco::URI token(web.token_endpoint);
      connect += " " + token.getScheme() + "://" + token.getAuthority();
    } catch (const Poco::Exception&) {
      // not reachable from the page, then: sign-in fails with the browser's message
    }
  }
  return "default-src 'none'; script-src 'self'; worker-src 'self'; style-src 'self'; img-src 'self' data:; "
         "connect-src " +
         connect + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

ApiReply page_file_reply(const EmbeddedFile& file, const char* cache_control) {
  ApiReply reply;
  reply.content_type = file.content_type;
  reply.body = file.bytes;
  reply.headers.emplace_back("Cache-Control", cache_control);
  reply.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return reply;
}

}  // namespace

// Asked again on every load (no-cache), so that a new weftd's page, which
// names its files under a new version, is seen at once.
ApiReply Endpoints::web_page(const ApiRequest&) {
  auto reply = page_file_reply(web_page_index(), "no-cache");
  reply.headers.emplace_back("Content-Security-Policy", page_policy(context_.web_sign_in()));
  reply.headers.emplace_back("Referrer-Policy", "no-referrer");
  reply.headers.emplace_back("X-Frame-Options", "DENY");
  return reply;
}

// A file's contents never change under one version, so it may be kept for
// good; another version than this weftd's is not served rather than served
// with other contents.
ApiReply Endpoints::web_page_asset(const ApiRequest& request) {
  const auto& version = request.captures.at(0);
  const auto& name = request.captures.at(1);
  const auto file = web_page_file(name);
  if (!file || version != web_page_version()) {
    raise(ErrorCode::not_found, "the web page has no file '" + version + "/" + name + "'");
  }
  return page_file_reply(*file, "public, max-age=31536000, immutable");
}

// A public client's settings (RFC 7636, OAuth 2.0 for Browser-Based Apps):
// the page sends the browser to the provider and exchanges the code itself.
ApiReply Endpoints::sign_in(const ApiRequest&) {
  const WebSignInSettings web = context_.web_sign_in();
  nlohmann::json provider;
  if (web.enabled()) {
    provider = {{"name", web.provider_name},
                {"client_id", web.client_id},
                {"authorization_endpoint", web.authorization_endpoint},
                {"token_endpoint", web.token_endpoint},
                {"scope", web.scope}};
  }
  return json_reply(200, {{"identity_provider", provider}});
}

// Without auth every request acts as an admin.
ApiReply Endpoints::whoami(const ApiRequest& request) {
  if (!request.caller) {
    return json_reply(200, {{"auth", false},
                            {"role", to_string(Role::admin)},
                            {"token_id", nullptr},
                            {"workflows", nullptr},
                            {"expires_at", nullptr}});
  }
  const Caller& caller = *request.caller;
  return json_reply(200, {{"auth", true},
                          {"role", to_string(caller.role)},
                          {"token_id", caller.token_id},
                          {"workflows", caller.workflows.empty() ? nlohmann::json() : nlohmann::json(caller.workflows)},
                          {"expires_at", timestamp(caller.expires_at)}});
}

}  // namespace weft::daemon
