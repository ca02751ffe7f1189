// A scripted stand-in for weftd's API on a real loopback socket: each
// "METHOD /path?query" answers with its queued responses in turn, the last one
// repeating; every request is recorded.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <nlohmann/json.hpp>

namespace weft::cli::testing {

struct RecordedRequest {
  std::string method;
  std::string uri;
  std::string authorization;  // "" when absent
  nlohmann::json body;        // null when empty
  std::string last_event_id;  // "" when absent
};

class FakeWeftd {
 public:
  struct Answer {
    int status;
    nlohmann::json body;
    std::string events;  // when not empty: a text/event-stream body instead of body
  };

  FakeWeftd()
      : server_(new Factory(*this), Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0)),
                new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~FakeWeftd() { server_.stopAll(true); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  void answer(const std::string& method_and_uri, int status, nlohmann::json body) {
    std::lock_guard lock(mutex_);
    answers_[method_and_uri].push_back({status, std::move(body), ""});
  }

  // A 200 text/event-stream reply whose body is `events`.
  void answer_events(const std::string& method_and_uri, std::string events) {
    std::lock_guard lock(mutex_);
    answers_[method_and_uri].push_back({200, nullptr, std::move(events)});
  }

  std::vector<RecordedRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  Answer respond(const RecordedRequest& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    auto& queued = answers_[request.method + " " + request.uri];
    if (queued.empty()) return {404, {{"error", {{"code", "not_found"}, {"message", "no route " + request.uri}}}}, ""};
    Answer next = queued.front();
    if (queued.size() > 1) queued.erase(queued.begin());
    return next;
  }

  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(FakeWeftd& fake) : fake_(fake) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) override {
      std::string text;
      Poco::StreamCopier::copyToString(request.stream(), text);
      const Answer answer = fake_.respond({request.getMethod(), request.getURI(), request.get("Authorization", ""),
                                           text.empty() ? nlohmann::json() : nlohmann::json::parse(text),
                                           request.get("Last-Event-ID", "")});
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(answer.status));
      if (!answer.events.empty()) {
        response.setContentType("text/event-stream");
        response.send() << answer.events;
        return;
      }
      response.setContentType("application/json");
      response.send() << answer.body.dump();
    }

   private:
    FakeWeftd& fake_;
  };

  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(FakeWeftd& fake) : fake_(fake) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
      return new Handler(fake_);
    }

   private:
    FakeWeftd& fake_;
  };

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Answer>> answers_;
  std::vector<RecordedRequest> requests_;
  Poco::Net::HTTPServer server_;  // last: stopped before the state its handlers use goes away
};

}  // namespace weft::cli::testing
