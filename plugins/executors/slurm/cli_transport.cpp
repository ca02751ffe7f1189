#include "cli_transport.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace weft::slurm {

namespace {

std::string error_text(int error) { return std::system_category().message(error); }

// Fixed-width-free fields, '|' between them, the name last: it is the only
// field that may hold a '|'. JobID is the job's own numeric id, also for an
// array element; ArrayTaskID is the element's index, the remainder's indices
// ("5-199%16"), or "N/A" for a plain job.
constexpr const char* kSqueueFormat = "JobID:|,ArrayJobID:|,ArrayTaskID:|,State:|,exit_code:|,Reason:|,Name:";
constexpr int kSqueueFieldsBeforeName = 6;

// The whole of text as a number; std::invalid_argument otherwise.
int64_t whole_number(const std::string& text) {
  size_t used = 0;
  const int64_t number = std::stoll(text, &used);
  if (used != text.size()) throw std::invalid_argument("not a number");
  return number;
}

int make_memfd(const char* name) {
  const int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("cannot create a memfd: ") + error_text(errno));
  return fd;
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) throw std::runtime_error(std::string("cannot write a memfd: ") + error_text(errno));
    done += static_cast<size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
}

std::string read_all(int fd) {
  std::string text;
  ::lseek(fd, 0, SEEK_SET);
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  return text;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// A tool's failure in its own words, or its exit code when it said nothing.
std::string failure_of(const std::string& tool, int exit_code, const std::string& err) {
  const std::string said = trimmed(err);
  if (!said.empty()) return tool + ": " + said;
  return tool + (exit_code < 0 ? " was killed by a signal" : " exited with code " + std::to_string(exit_code));
}

class FdCloser {
 public:
  explicit FdCloser(std::vector<int> fds) : fds_(std::move(fds)) {}
  ~FdCloser() {
    for (const int fd : fds_) ::close(fd);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  void release() { fds_.clear(); }

 private:
  std::vector<int> fds_;
};

}  // namespace

std::vector<std::string> sbatch_arguments(const JobRequest& job) {
  std::vector<std::string> args = {"--parsable", "--job-name=" + job.name, "--comment=" + job.comment,
                                   "--output=" + job.stdout_path, "--error=" + job.stderr_path,
                                   "--chdir=" + job.working_dir,
                                   // weft retries a lost task itself: a requeued job would run twice.
                                   "--no-requeue"};
  if (job.cpus_per_task > 0) args.push_back("--cpus-per-task=" + std::to_string(job.cpus_per_task));
  if (job.memory_mb > 0) args.push_back("--mem=" + std::to_string(job.memory_mb));
  if (job.gpus > 0) args.push_back("--gres=gpu:" + std::to_string(job.gpus));
  if (job.time_limit_s > 0) {
    // minutes:seconds, which sbatch takes as given.
    args.push_back("--time=" + std::to_string(job.time_limit_s / 60) + ":" + std::to_string(job.time_limit_s % 60));
  }
  if (!job.partition.empty()) args.push_back("--partition=" + job.partition);
  if (!job.account.empty()) args.push_back("--account=" + job.account);
  if (!job.qos.empty()) args.push_back("--qos=" + job.qos);
  if (!job.array.empty()) args.push_back("--array=" + job.array);
  args.insert(args.end(), job.extra_args.begin(), job.extra_args.end());
  return args;
}

std::vector<JobRecord> parse_squeue_listing(const std::string& listing) {
  std::vector<JobRecord> jobs;
  size_t line_start = 0;
  while (line_start < listing.size()) {
    size_t line_end = listing.find('\n', line_start);
    if (line_end == std::string::npos) line_end = listing.size();
    const std::string line = listing.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (line.empty()) continue;
    std::vector<std::string> fields;
    size_t field_start = 0;
    for (int i = 0; i < kSqueueFieldsBeforeName; ++i) {
      const size_t bar = line.find('|', field_start);
      if (bar == std::string::npos) throw std::invalid_argument("squeue printed a line weft cannot read: " + line);
      fields.push_back(line.substr(field_start, bar - field_start));
      field_start = bar + 1;
    }
    JobRecord job;
    const std::string& array_task = fields[2];
    try {
      job.id = whole_number(fields[0]);
      job.exit_status = static_cast<int>(whole_number(fields[4]));
      if (array_task != "N/A") {
        job.array_job_id = whole_number(fields[1]);
        if (array_task.find_first_not_of("0123456789") == std::string::npos) {
          job.array_task_id = whole_number(array_task);
        } else {
          job.array_pending = array_task;
        }
      }
    } catch (const std::exception&) {
      // A heterogeneous job's component (123+1): not one weft submits.
      continue;
    }
    job.state = fields[3];
    job.reason = fields[5];
    job.name = line.substr(field_start);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

CliTransport::CliTransport(const sdk::Host& host, CliSettings settings) : host_(host), settings_(std::move(settings)) {
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (!settings_.slurm_conf.empty() && std::strncmp(*variable, "SLURM_CONF=", 11) == 0) continue;
    environment_.emplace_back(*variable);
  }
  if (!settings_.slurm_conf.empty()) environment_.push_back("SLURM_CONF=" + settings_.slurm_conf);
}

CliTransport::~CliTransport() {
  for (auto& [pidfd, child] : children_) {
    ::kill(child.pid, SIGKILL);
    ::waitpid(child.pid, nullptr, 0);
    ::close(pidfd);
    ::close(child.stdout_fd);
    ::close(child.stderr_fd);
  }
}

void CliTransport::submit(const JobRequest& job, std::function<void(SubmitResult)> done) {
  run("sbatch", sbatch_arguments(job), job.script, [done = std::move(done)](const Ended& ended) {
    if (ended.exit_code != 0) return done({std::nullopt, failure_of("sbatch", ended.exit_code, ended.err)});
    // --parsable: "<id>" or "<id>;<cluster>".
    const std::string out = trimmed(ended.out);
    try {
      size_t used = 0;
      const JobId id = std::stoll(out, &used);
      if (used == out.size() || out[used] == ';') return done({id, {}});
    } catch (const std::exception&) {  // handled below
    }
    done({std::nullopt, "sbatch printed no job id: '" + out + "'"});
  });
}

void CliTransport::query(std::function<void(QueryResult)> done) {
  run("squeue", {"--noheader", "--me", "--states=all", "--Format=" + std::string(kSqueueFormat)}, "",
      [done = std::move(done)](const Ended& ended) {
        if (ended.exit_code != 0) return done({{}, failure_of("squeue", ended.exit_code, ended.err)});
        try {
          done({parse_squeue_listing(ended.out), {}});
        } catch (const std::invalid_argument& e) {
          done({{}, e.what()});
        }
      });
}

void CliTransport::cancel(const CancelTarget& target, std::function<void(std::string)> done) {
  // scancel 123 ends every element of array 123; 123_4 only element 4.
  std::string id = std::to_string(target.job);
  if (target.array_task_id >= 0) id += "_" + std::to_string(target.array_task_id);
  run("scancel", {id}, "", [done = std::move(done)](const Ended& ended) {
    done(ended.exit_code == 0 ? std::string() : failure_of("scancel", ended.exit_code, ended.err));
  });
}

void CliTransport::run(const std::string& tool, const std::vector<std::string>& args, const std::string& input,
                       std::function<void(Ended)> done) {
  const std::string program = settings_.bin_dir.empty() ? tool : settings_.bin_dir + "/" + tool;
  const int stdin_fd = make_memfd("weft-slurm-in");
  FdCloser close_stdin({stdin_fd});
  write_all(stdin_fd, input);
  const int stdout_fd = make_memfd("weft-slurm-out");
  const int stderr_fd = make_memfd("weft-slurm-err");
  FdCloser close_outputs({stdout_fd, stderr_fd});

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, stdin_fd, STDIN_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&actions, stderr_fd, STDERR_FILENO);
  std::vector<char*> argv = {const_cast<char*>(program.c_str())};
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& variable : environment_) envp.push_back(const_cast<char*>(variable.c_str()));
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int error = ::posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  if (error != 0) throw std::runtime_error("cannot run " + program + ": " + error_text(error));

  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int open_error = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    throw std::runtime_error("cannot watch " + program + ": " + error_text(open_error));
  }
  children_[pidfd] = Child{pid, stdout_fd, stderr_fd, std::move(done)};
  close_outputs.release();
  host_.watch_fd<CliTransport, &CliTransport::on_exit>(pidfd, this);
}

void CliTransport::on_exit(int pidfd) noexcept {
  const auto found = children_.find(pidfd);
  if (found == children_.end()) return;
  Child child = std::move(found->second);
  children_.erase(found);
  int status = 0;
  ::waitpid(child.pid, &status, 0);  // the pidfd is readable: it has ended
  ::close(pidfd);
  Ended ended{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_all(child.stdout_fd), read_all(child.stderr_fd)};
  ::close(child.stdout_fd);
  ::close(child.stderr_fd);
  try {
    child.done(std::move(ended));
  } catch (const std::exception& e) {
    host_.error(std::string("the Slurm executor failed to handle what a Slurm tool said: ") + e.what());
  }
}

}  // namespace weft::slurm
