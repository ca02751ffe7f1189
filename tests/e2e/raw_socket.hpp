// A raw TCP connection to weftd's API, for the clients an HTTP library would
// not be: slow, silent, hanging up, or coming from another loopback address
// (all of 127.0.0.0/8 reaches a server on 127.0.0.1). Header-only: the API's
// unit tests use it too.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace weft::test {

class RawSocket {
 public:
  // Connects to 127.0.0.1:port, from `source` when given. connected() says whether it worked.
  explicit RawSocket(uint16_t port, const std::string& source = "") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    if (!source.empty()) {
      sockaddr_in from{};
      from.sin_family = AF_INET;
      ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
        close();
        return;
      }
    }
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) close();
  }
  ~RawSocket() { close(); }
  RawSocket(RawSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)), eof_(other.eof_) {}
  RawSocket& operator=(RawSocket&& other) noexcept {
    close();
    fd_ = std::exchange(other.fd_, -1);
    eof_ = other.eof_;
    return *this;
  }

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // All of bytes; false once the connection is gone.
  bool send(std::string_view bytes) {
    while (!bytes.empty() && fd_ >= 0) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return fd_ >= 0;
  }

  // What arrives until done(all received so far) holds, the peer closes, or
  // the timeout passes.
  std::string receive_until(const std::function<bool(const std::string&)>& done, std::chrono::milliseconds timeout) {
    std::string received;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 16 * 1024> buffer{};
    while (fd_ >= 0 && !eof_ && !done(received)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      pollfd in{fd_, POLLIN, 0};
      if (::poll(&in, 1, static_cast<int>(left)) <= 0) continue;
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        eof_ = true;  // closed, or reset
        break;
      }
      received.append(buffer.data(), static_cast<size_t>(n));
    }
    return received;
  }

  // Everything until the peer closes (or the timeout passes).
  std::string receive_all(std::chrono::milliseconds timeout) {
    return receive_until([](const std::string&) { return false; }, timeout);
  }

  // A whole response head, or what came before the timeout.
  std::string receive_head(std::chrono::milliseconds timeout) {
    return receive_until([](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; }, timeout);
  }

  // Whether the peer has closed the connection (reading and dropping what it sent first).
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    receive_all(timeout);
    return eof_;
  }

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool eof_ = false;
};

}  // namespace weft::test
