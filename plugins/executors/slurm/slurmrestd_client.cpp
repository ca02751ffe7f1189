#include "slurmrestd_client.hpp"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace weft::slurm {

SlurmrestdClient::SlurmrestdClient(RestSettings settings) : settings_(std::move(settings)) {
  Poco::URI uri;
  try {
    uri = Poco::URI(settings_.url);
  } catch (const Poco::Exception& e) {
    throw std::invalid_argument("the slurmrestd url '" + settings_.url + "' is not a URL: " + e.displayText());
  }
  // slurmrestd itself speaks plain HTTP; TLS is a proxy's business, in front of it.
  if (uri.getScheme() != "http" || uri.getHost().empty()) {
    throw std::invalid_argument("the slurmrestd url '" + settings_.url + "' must be http://host:port");
  }
  host_ = uri.getHost();
  port_ = uri.getPort();
  base_path_ = uri.getPath();
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
}

const std::string& SlurmrestdClient::token() {
  struct stat info {};
  if (::stat(settings_.token_file.c_str(), &info) != 0) {
    throw std::runtime_error("cannot read the token file " + settings_.token_file + ": " +
                             std::system_category().message(errno));
  }
  if (info.st_ino == token_inode_ && info.st_size == token_size_ && info.st_mtim.tv_sec == token_mtime_.tv_sec &&
      info.st_mtim.tv_nsec == token_mtime_.tv_nsec) {
    return token_;
  }
  std::ifstream in(settings_.token_file);
  std::stringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  // As scontrol prints it: SLURM_JWT=<token>.
  if (token.rfind("SLURM_JWT=", 0) == 0) token.erase(0, 10);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
  if (!in || token.empty()) throw std::runtime_error("the token file " + settings_.token_file + " is empty");
  token_ = std::move(token);
  token_inode_ = info.st_ino;
  token_size_ = info.st_size;
  token_mtime_ = info.st_mtim;
  return token_;
}

RestReply SlurmrestdClient::request(const std::string& method, const std::string& path, const std::string& body) {
  const std::string target = base_path_ + kSlurmrestdApi + path;
  try {
    Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("X-SLURM-USER-NAME", settings_.user);
    request.set("X-SLURM-USER-TOKEN", token());
    request.set("Accept", "application/json");
    if (!body.empty()) {
      request.setContentType("application/json");
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    // A connection per request: a POST sent on a connection the server had
    // closed would leave weft not knowing whether the job was submitted.
    Poco::Net::HTTPClientSession session(host_, port_);
    session.setTimeout(
        Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(settings_.request_timeout).count()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    RestReply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& e) {
    return {0, {}, method + " " + target + " of " + settings_.url + ": " + e.displayText()};
  } catch (const std::exception& e) {
    return {0, {}, method + " " + target + " of " + settings_.url + ": " + e.what()};
  }
}

}  // namespace weft::slurm
