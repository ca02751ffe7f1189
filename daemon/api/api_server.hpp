// weftd's HTTP API (docs/api.md), served by Poco's HTTP server on threads of its
// own. State changes go through Commands, reads to the store.
#pragma once

#include "api/api_settings.hpp"
#include "api/endpoints.hpp"
#include "api/exchange.hpp"
#include "api/router.hpp"
#include "auth/token_verifier.hpp"

#include <atomic>
#include <cstdint>
#include <memory>

namespace Poco {
class ThreadPool;
namespace Net {
class HTTPServer;
class HTTPServerRequest;
class HTTPServerResponse;
}  // namespace Net
}  // namespace Poco

namespace weft::daemon {

class ApiServer {
 public:
  // Binds the listen address at once; throws std::runtime_error naming it if
  // that fails. Every argument outlives the server.
  ApiServer(Commands& commands, const StoreClient& store, const NodeCatalog& catalog, PluginLister list_plugins,
            ReadinessCheck is_ready, ApiSettings settings);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  void start();
  // Stops accepting, ends log streams and waits for the requests being
  // served. Idempotent; the destructor calls it.
  void stop();
  // The port bound, also when the listen address asked for port 0.
  uint16_t port() const;

 private:
  class RequestHandler;
  class RequestHandlerFactory;

  // Answers one request; never throws.
  void serve(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
  ApiReply answer(Poco::Net::HTTPServerRequest& request);
  void authorize(const Poco::Net::HTTPServerRequest& request, Role needed) const;
  std::string read_body(Poco::Net::HTTPServerRequest& request) const;
  bool declares_too_large(const Poco::Net::HTTPServerRequest& request) const;

  const ApiSettings settings_;
  std::atomic<bool> stopping_{false};
  TokenVerifier verifier_;
  Endpoints endpoints_;
  Router router_;
  std::unique_ptr<Poco::ThreadPool> threads_;  // outlives server_, whose connections run on it
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  bool stopped_ = false;
};

}  // namespace weft::daemon
