#include "weftd_process.hpp"

#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace weft::test {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path build_dir() { return WEFT_BUILD_DIR; }
fs::path source_dir() { return WEFT_SOURCE_DIR; }

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "weft-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

json HttpResponse::json() const {
  auto parsed = json::parse(body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << body;
  return parsed;
}

HttpResponse HttpClient::send(const std::string& method, const std::string& path, const std::string& body,
                              const std::map<std::string, std::string>& headers) const {
  Poco::Net::HTTPClientSession session("127.0.0.1", port_);
  session.setTimeout(Poco::Timespan(60, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!token_.empty()) request.set("Authorization", "Bearer " + token_);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!request.has("Content-Type")) request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  HttpResponse out;
  out.status = static_cast<int>(response.getStatus());
  out.content_type = response.getContentType();
  Poco::StreamCopier::copyToString(in, out.body);
  return out;
}

HttpResponse HttpClient::get(const std::string& path) const { return send("GET", path, ""); }
HttpResponse HttpClient::del(const std::string& path) const { return send("DELETE", path, ""); }
HttpResponse HttpClient::post(const std::string& path, const json& body) const {
  return send("POST", path, body.dump());
}
HttpResponse HttpClient::put(const std::string& path, const json& body) const { return send("PUT", path, body.dump()); }

uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
    throw std::runtime_error("cannot bind a loopback port");
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

WeftdProcess::WeftdProcess(WeftdOptions options)
    : state_dir_(dir_.path() / "state"),
      config_path_(dir_.path() / "weftd.json"),
      log_path_(dir_.path() / "weftd.log"),
      options_(std::move(options)) {
  start();
}

WeftdProcess::~WeftdProcess() {
  if (running()) stop();
}

void WeftdProcess::start() {
  port_ = free_port();
  json plugin_dirs = json::array({(build_dir() / "lib" / "weft" / "plugins").string()});
  for (const auto& d : options_.extra_plugin_dirs) plugin_dirs.push_back(d.string());
  json config = {{"listen", "127.0.0.1:" + std::to_string(port_)},
                 {"state_dir", state_dir_.string()},
                 {"plugin_dirs", plugin_dirs},
                 {"log", {{"level", "debug"}}}};
  config.merge_patch(options_.config);
  std::ofstream(config_path_) << config.dump(2);

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& [name, value] : options_.env) env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  const std::string weftd = (build_dir() / "bin" / "weftd").string();
  const std::string config_arg = config_path_.string();
  std::vector<char*> argv = {const_cast<char*>(weftd.c_str()), const_cast<char*>("--config"),
                             const_cast<char*>(config_arg.c_str()), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  const int rc = posix_spawn(&pid_, weftd.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(rc, 0) << "cannot start " << weftd;
  const bool up = eventually([&] {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    try {
      return HttpClient(port_, "").get("/healthz").status == 200;
    } catch (...) {
      return false;
    }
  });
  ASSERT_TRUE(up && pid_ > 0) << "weftd did not come up; its log:\n" << log();
}

int WeftdProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const bool exited = eventually([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, std::chrono::seconds(30));
  if (!exited) {
    ADD_FAILURE() << "weftd did not stop within 30 s of SIGTERM; its log:\n" << log();
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return status;
}

void WeftdProcess::kill_hard() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string WeftdProcess::token() const {
  std::ifstream in(state_dir_ / "admin.token");
  std::string token;
  std::getline(in, token);
  return token;
}

std::string WeftdProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WeftdProcess::apply(const json& workflow) const {
  const auto r = client().post("/api/v1/workflows", workflow);
  ASSERT_TRUE(r.status == 201 || r.status == 200) << r.status << " " << r.body;
}

std::string WeftdProcess::start_run(const std::string& workflow, const json& params) const {
  const auto r = client().post("/api/v1/workflows/" + workflow + "/runs", {{"params", params}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.json().at("id").get<std::string>() : std::string();
}

std::string WeftdProcess::start_adhoc(const json& workflow, const json& params) const {
  const auto r = client().post("/api/v1/runs", {{"workflow", workflow}, {"params", params}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.status == 201 ? r.json().at("id").get<std::string>() : std::string();
}

json WeftdProcess::wait_run(const std::string& run_id, std::chrono::seconds timeout) const {
  json run;
  const bool final = eventually(
      [&] {
        const auto r = client().get("/api/v1/runs/" + run_id);
        if (r.status != 200) return false;
        run = r.json();
        const std::string status = run.value("status", "");
        return status == "succeeded" || status == "failed" || status == "cancelled";
      },
      timeout);
  EXPECT_TRUE(final) << "run " << run_id << " did not finish: " << run.dump() << "\nweftd log:\n" << log();
  return run;
}

std::map<std::string, json> WeftdProcess::tasks(const std::string& run_id) const {
  std::map<std::string, json> out;
  const auto r = client().get("/api/v1/runs/" + run_id + "/tasks");
  EXPECT_EQ(r.status, 200) << r.body;
  const json body = r.json();  // the loop below must not iterate a temporary's member
  for (const auto& item : body.at("items")) out[item.at("id").get<std::string>()] = item;
  return out;
}

json WeftdProcess::results(const std::string& run_id) const {
  const auto r = client().get("/api/v1/runs/" + run_id + "/results");
  EXPECT_EQ(r.status, 200) << r.body;
  return r.json();
}

}  // namespace weft::test
