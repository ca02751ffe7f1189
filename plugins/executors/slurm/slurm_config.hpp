// The Slurm executor's configuration (its section of weftd's config) and the
// per-node settings a command's executor_options may carry.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_transport.hpp"
#include "slurmrestd_client.hpp"

namespace weft::slurm {

// Where jobs go; set for every job by the executor's config, and per node by
// the command's executor_options (partition, account and qos replace the
// executor's, extra_args are added to its own).
struct JobPlacement {
  std::string partition;
  std::string account;
  std::string qos;
  std::vector<std::string> extra_args;

  // Throws std::invalid_argument naming a bad or unknown key; `what` names
  // the object in messages.
  static JobPlacement parse(const nlohmann::json& options, const std::string& what);
  JobPlacement overridden_by(const JobPlacement& node) const;
};

// How the executor reaches Slurm: its command-line tools, or slurmrestd.
enum class TransportKind { cli, rest };

struct SlurmExecutorConfig {
  TransportKind transport = TransportKind::cli;
  CliSettings cli;    // transport cli only
  RestSettings rest;  // transport rest only
  JobPlacement placement;
  std::chrono::nanoseconds poll_interval = std::chrono::seconds(5);
  double submit_rate_per_s = 20;
  int64_t max_jobs_in_flight = 10000;
  bool job_arrays = true;         // false: every for_each element is a job of its own
  int64_t max_array_size = 1001;  // the cluster's MaxArraySize (Slurm's default): indices stay below it

  // Throws std::invalid_argument naming a bad or unknown key.
  static SlurmExecutorConfig parse(const nlohmann::json& config);
};

}  // namespace weft::slurm
