// Slurm through its command-line tools: sbatch, squeue and scancel, each run
// as a child process of weftd whose end is waited for through the host's
// watch_fd on a pidfd. Their input and output go through memfds, so a large
// squeue listing never fills a pipe and nothing blocks the event loop.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>
#include <weft/sdk/plugin.hpp>

#include "slurm_transport.hpp"

namespace weft::slurm {

struct CliSettings {
  std::string bin_dir;     // where sbatch, squeue and scancel are; empty: weftd's PATH
  std::string slurm_conf;  // SLURM_CONF for the tools; empty: theirs (/etc/slurm/slurm.conf)
};

// The sbatch arguments for job (the script goes to sbatch's stdin).
std::vector<std::string> sbatch_arguments(const JobRequest& job);
// squeue's listing (the format cli_transport.cpp asks for) as records;
// throws std::invalid_argument naming a line it cannot read.
std::vector<JobRecord> parse_squeue_listing(const std::string& listing);

class CliTransport final : public SlurmTransport {
 public:
  CliTransport(const sdk::Host& host, CliSettings settings);
  // Stops and reaps the tools still running; their callbacks never run.
  ~CliTransport() override;
  CliTransport(const CliTransport&) = delete;
  CliTransport& operator=(const CliTransport&) = delete;

  void submit(const JobRequest& job, std::function<void(SubmitResult)> done) override;
  void query(std::function<void(QueryResult)> done) override;
  void cancel(const CancelTarget& target, std::function<void(std::string error)> done) override;

  const sdk::Host& host() const { return host_; }

 private:
  struct Ended {
    int exit_code = 0;  // -1: killed by a signal
    std::string out;
    std::string err;
  };
  struct Child {
    pid_t pid = 0;
    int stdout_fd = -1;
    int stderr_fd = -1;
    std::function<void(Ended)> done;
  };

  void run(const std::string& tool, const std::vector<std::string>& args, const std::string& input,
           std::function<void(Ended)> done);
  void on_exit(int pidfd) noexcept;

  sdk::Host host_;
  CliSettings settings_;
  std::vector<std::string> environment_;     // weftd's, with SLURM_CONF set
  std::unordered_map<int, Child> children_;  // by pidfd
};

}  // namespace weft::slurm
