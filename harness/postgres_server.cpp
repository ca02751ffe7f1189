#include "weft/harness/postgres_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace weft::harness {

namespace fs = std::filesystem;

namespace {

constexpr int kPort = 5432;  // only names the socket file: the server listens on no TCP port
constexpr const char* kUser = "weft";
constexpr const char* kDatabase = "weft";
constexpr const char* kOwnerWhenRoot = "postgres";  // the account Debian's package makes

const char* const kHowToSetUp =
    "The tests run Debian's PostgreSQL server (package postgresql, which scripts/install-deps.sh installs) from "
    "/usr/lib/postgresql/<version>/bin; as root they run it as the user 'postgres', which the package creates.";

// The newest installed server's bin directory.
fs::path server_bin_dir() {
  std::vector<fs::path> found;
  std::error_code error;
  for (const auto& version : fs::directory_iterator("/usr/lib/postgresql", error)) {
    if (fs::exists(version.path() / "bin" / "pg_ctl")) found.push_back(version.path() / "bin");
  }
  if (found.empty()) throw std::runtime_error(std::string("no PostgreSQL server found. ") + kHowToSetUp);
  return *std::max_element(found.begin(), found.end(), [](const fs::path& a, const fs::path& b) {
    return std::stoi(a.parent_path().filename().string()) < std::stoi(b.parent_path().filename().string());
  });
}

std::string tail_of(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > 4000 ? all.substr(all.size() - 4000) : all;
}

// The account the server runs as: ourselves, or postgres when we are root.
struct Owner {
  uid_t uid;
  gid_t gid;
};

Owner owner() {
  if (geteuid() != 0) return {geteuid(), getegid()};
  const passwd* account = getpwnam(kOwnerWhenRoot);
  if (account == nullptr) {
    throw std::runtime_error(std::string("running as root, and there is no user 'postgres' to run the server as. ") +
                             kHowToSetUp);
  }
  return {account->pw_uid, account->pw_gid};
}

}  // namespace

PostgresServer::PostgresServer(fs::path dir) : dir_(std::move(dir)) {}

PostgresServer::~PostgresServer() {
  if (!started_) return;
  try {
    stop();
  } catch (const std::exception&) {
    // Nothing better to do in a destructor; the directory's logs tell.
  }
}

void PostgresServer::run(const std::string& what, const std::vector<std::string>& arguments) const {
  const Owner account = owner();
  const fs::path program = server_bin_dir() / arguments.front();
  const fs::path log = dir_ / "ctl.log";
  std::vector<std::string> argv_strings = arguments;
  argv_strings.front() = program.string();
  std::vector<char*> argv;
  for (auto& argument : argv_strings) argv.push_back(argument.data());
  argv.push_back(nullptr);
  // Client programs (createdb) find the password here, as they would in PGPASSFILE.
  std::vector<std::string> env_strings;
  for (char** entry = environ; *entry != nullptr; ++entry) env_strings.emplace_back(*entry);
  std::ifstream password(dir_ / "password");
  std::string line;
  if (std::getline(password, line)) env_strings.push_back("PGPASSWORD=" + line);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("cannot fork to run " + program.string());
  if (pid == 0) {
    // The child: only calls that are safe after fork, then exec.
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
    if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setgid(account.gid) != 0 || setuid(account.uid) != 0)) {
      _exit(126);
    }
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  throw std::runtime_error("PostgreSQL for the tests: " + what + " failed in " + dir_.string() + ".\n" + tail_of(log) +
                           tail_of(dir_ / "server.log") + "\n" + kHowToSetUp);
}

void PostgresServer::start() {
  const Owner account = owner();
  const fs::path data = dir_ / "data";
  const fs::path password = dir_ / "password";
  if (chown(dir_.c_str(), account.uid, account.gid) != 0) {
    throw std::runtime_error("cannot hand " + dir_.string() + " to the server's user");
  }
  const bool first_start = !fs::exists(data / "PG_VERSION");
  if (first_start) {
    { std::ofstream(password) << "weft-test-" << getpid() << '\n'; }
    fs::permissions(password, fs::perms::owner_read | fs::perms::owner_write);
    if (chown(password.c_str(), account.uid, account.gid) != 0) {
      throw std::runtime_error("cannot hand " + password.string() + " to the server's user");
    }
    run("initdb",
        {"initdb", "-D", data.string(), "-U", kUser, "--pwfile=" + password.string(), "--auth-local=scram-sha-256",
         "--auth-host=scram-sha-256", "--locale=C", "-E", "UTF8", "--no-sync", "--no-instructions"});
  }
  run("start", {"pg_ctl", "-D", data.string(), "-l", (dir_ / "server.log").string(), "-w", "-t", "60", "-o",
                "-k " + dir_.string() + " -c listen_addresses= -p " + std::to_string(kPort), "start"});
  started_ = true;
  if (first_start) {
    run("createdb", {"createdb", "-h", dir_.string(), "-p", std::to_string(kPort), "-U", kUser, kDatabase});
  }
}

void PostgresServer::stop() {
  run("stop", {"pg_ctl", "-D", (dir_ / "data").string(), "-m", "fast", "-w", "-t", "60", "stop"});
  started_ = false;
}

bool PostgresServer::running() const {
  return fs::exists(dir_ / (".s.PGSQL." + std::to_string(kPort))) && fs::exists(dir_ / "data" / "postmaster.pid");
}

nlohmann::json PostgresServer::store_config(const std::string& schema) const {
  return {{"plugin", "postgres"}, {"host", dir_.string()}, {"port", kPort},
          {"dbname", kDatabase},  {"user", kUser},         {"password_file", (dir_ / "password").string()},
          {"schema", schema}};
}

}  // namespace weft::harness
