// Whatever arrives on the API's port, weftd keeps serving and stores nothing
// half-read. These talk raw TCP: an HTTP client would not send such things.
#include "api_test_helpers.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <random>

namespace weft::test {
namespace {

// Sends `bytes` on a new connection, stops sending, and returns what weftd
// answered before it closed the connection (or a few seconds passed).
std::string exchange(uint16_t port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    ADD_FAILURE() << "cannot connect to weftd on port " << port;
    return answer;
  }
  // weftd may close the connection before it has read everything: sending
  // then fails, which is fine; what matters is that it keeps serving.
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::array<char, 4096> buffer{};
  for (ssize_t n; (n = ::recv(fd, buffer.data(), buffer.size(), 0)) > 0;)
    answer.append(buffer.data(), static_cast<size_t>(n));
  ::close(fd);
  return answer;
}

class Garbage : public ::testing::Test {
 protected:
  const WeftdProcess& weftd = shared_weftd();
  HttpClient client = weftd.client();

  void TearDown() override {
    const auto health = client.without_token().get("/healthz");
    EXPECT_EQ(health.status, 200) << "weftd stopped serving; its log:\n" << weftd.log();
  }

  std::string post_head(const std::string& path, size_t content_length) const {
    return post_head_with(path, "Content-Length: " + std::to_string(content_length) + "\r\n");
  }
  std::string post_head_with(const std::string& path, const std::string& headers) const {
    return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + weftd.token() +
           "\r\nContent-Type: application/json\r\n" + headers + "\r\n";
  }
  std::string get_request(const std::string& target) const {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + weftd.token() + "\r\n\r\n";
  }
};

// The error of an answer with this status, in docs/api.md's JSON form; its
// body must parse, so it is valid UTF-8 whatever the request echoed.
nlohmann::json error_in(const std::string& answer, int status) {
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 " + std::to_string(status) + " ")) << answer.substr(0, 300);
  const auto body_start = answer.find("\r\n\r\n");
  if (body_start == std::string::npos) return nullptr;
  const auto body = nlohmann::json::parse(answer.substr(body_start + 4), nullptr, false);
  EXPECT_TRUE(body.contains("error")) << answer.substr(0, 300);
  return body.contains("error") ? body["error"] : nullptr;
}

TEST_F(Garbage, RandomBytesAreNotARequest) {
  std::mt19937 random(20260101);
  std::string bytes(64 * 1024, '\0');
  for (auto& byte : bytes) byte = static_cast<char>(random());
  const auto answer = exchange(weftd.port(), bytes);
  EXPECT_TRUE(answer.empty() || answer.starts_with("HTTP/1.1 4")) << answer;
}

TEST_F(Garbage, AHugeRequestLineIsRefused) {
  const auto answer = exchange(weftd.port(), "GET /" + std::string(1024 * 1024, 'a') + " HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer.substr(0, 200);
  EXPECT_THAT(answer, ::testing::HasSubstr("the request head is larger than"));
}

TEST_F(Garbage, AFloodOfHeadersIsRefused) {
  std::string request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 50000; ++i) request += "X-Flood-" + std::to_string(i) + ": " + std::string(20, 'v') + "\r\n";
  const auto answer = exchange(weftd.port(), request + "\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer.substr(0, 200);
  EXPECT_THAT(answer, ::testing::HasSubstr("the request head is larger than"));
}

TEST_F(Garbage, AContentLengthOverTheLimitIsRefusedWithoutWaitingForTheBody) {
  const auto answer = exchange(weftd.port(), post_head("/api/v1/workflows", 1'000'000'000) + R"({"name": "x)");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 413")) << answer;
}

TEST_F(Garbage, ABodyCutShortStoresNothing) {
  const std::string name = test_workflow_name();
  const std::string document = shell_workflow(name, "true").dump();
  const auto answer = exchange(
      weftd.port(), post_head("/api/v1/workflows", document.size()) + document.substr(0, document.size() - 10));
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
}

// Not garbage, but only visible on the wire: an error's status line must not
// read "404 OK".
TEST_F(Garbage, AnErrorsStatusLineCarriesItsOwnReason) {
  const auto answer =
      exchange(weftd.port(), "GET /no/such/path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 404 Not Found\r\n")) << answer;
}

TEST_F(Garbage, AClientThatHangsUpMidRequestIsForgotten) {
  const auto answer = exchange(weftd.port(), "POST /api/v1/workflows HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le");
  EXPECT_TRUE(answer.empty() || answer.starts_with("HTTP/1.1 4")) << answer;
}

TEST_F(Garbage, InvalidUtf8InAPathIsRefusedInTheErrorForm) {
  for (const std::string target : {"/api/v1/runs/\xff\xfe", "/api/v1/runs/%ff%fe", "/api/v1/workflows/\xc3"}) {
    const auto error = error_in(exchange(weftd.port(), get_request(target)), 400);
    EXPECT_EQ(error.value("code", ""), "invalid_request") << target;
    EXPECT_NE(error.value("message", "").find("UTF-8"), std::string::npos) << error;
  }
}

TEST_F(Garbage, InvalidUtf8InAQueryIsRefusedInTheErrorForm) {
  for (const std::string target : {"/api/v1/runs?cursor=\xff\xff", "/api/v1/runs?status=%ff", "/api/v1/runs?\xfe=1"}) {
    const auto error = error_in(exchange(weftd.port(), get_request(target)), 400);
    EXPECT_EQ(error.value("code", ""), "invalid_request") << target;
  }
}

TEST_F(Garbage, InvalidUtf8InABodyIsRefusedInTheErrorForm) {
  const std::string body = "{\"name\": \"\xff\xfe\"}";
  const auto error = error_in(exchange(weftd.port(), post_head("/api/v1/workflows", body.size()) + body), 400);
  EXPECT_EQ(error.value("code", ""), "invalid_request");
  EXPECT_NE(error.value("message", "").find("UTF-8"), std::string::npos) << error;
}

TEST_F(Garbage, ANumberOutOfRangeIsRefusedAs400) {
  const std::string name = test_workflow_name();
  const std::string body = R"({"name": ")" + name + R"(", "nodes": [{"id": "a", "type": "noop", "timeout_s": 1e400}]})";
  const auto error = error_in(exchange(weftd.port(), post_head("/api/v1/workflows", body.size()) + body), 400);
  EXPECT_EQ(error.value("code", ""), "invalid_request");
  EXPECT_NE(error.value("message", "").find("1e400"), std::string::npos) << error;
  EXPECT_EQ(client.get("/api/v1/workflows/" + name).status, 404);
}

TEST_F(Garbage, AContentLengthThatIsNotANumberIsRefused) {
  for (const std::string length : {"abc", "+2", "0x2", "-1", "99999999999999999999999"}) {
    const auto answer = exchange(
        weftd.port(), post_head_with("/api/v1/workflows/validate", "Content-Length: " + length + "\r\n") + "{}");
    EXPECT_EQ(error_in(answer, 400).value("code", ""), "invalid_request") << length;
  }
}

// A proxy in front of weftd could take the body to end elsewhere than weftd
// does, and pass a second request hidden in the first one's body.
TEST_F(Garbage, AmbiguousBodyLengthsAreRefused) {
  const std::string hidden = "GET /api/v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string body = "{}" + hidden;
  for (const std::string& framing : std::vector<std::string>{
           "Content-Length: 2\r\nContent-Length: " + std::to_string(body.size()) + "\r\n",
           "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip, chunked\r\n",
           "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"}) {
    const auto answer = exchange(weftd.port(), post_head_with("/api/v1/workflows/validate", framing) + body);
    const auto error = error_in(answer, 400);
    EXPECT_EQ(error.value("code", ""), "invalid_request") << framing;
    EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << "the hidden request was served:\n" << answer;
  }
}

}  // namespace
}  // namespace weft::test
