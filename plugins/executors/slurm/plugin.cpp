// The plugin's entry point: one executor type, "slurm".
#include "slurm_executor.hpp"

namespace {

constexpr const char* kConfigSchema = R"schema({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "slurm executor",
  "type": "object",
  "properties": {
    "transport": {"enum": ["cli", "rest"], "default": "cli",
                  "description": "cli: sbatch, squeue and scancel; rest: slurmrestd's REST API with a JWT"},
    "rest": {"type": "object", "description": "slurmrestd, for transport rest",
             "properties": {
               "url": {"type": "string", "description": "http://host:port of slurmrestd"},
               "user": {"type": "string", "description": "X-SLURM-USER-NAME: the user the jobs run as"},
               "token_file": {"type": "string", "description": "file holding the user's JWT; read again when it changes"},
               "request_timeout_s": {"type": "number", "minimum": 0.1, "maximum": 600, "default": 10}},
             "required": ["url", "user", "token_file"], "additionalProperties": false},
    "slurm_conf": {"type": "string", "description": "SLURM_CONF for sbatch, squeue and scancel; default theirs"},
    "bin_dir": {"type": "string", "description": "directory of sbatch, squeue and scancel; default weftd's PATH"},
    "partition": {"type": "string", "description": "sbatch --partition for every job; a node may override it"},
    "account": {"type": "string", "description": "sbatch --account for every job; a node may override it"},
    "qos": {"type": "string", "description": "sbatch --qos for every job; a node may override it"},
    "extra_args": {"type": "array", "items": {"type": "string"}, "description": "more sbatch options for every job"},
    "poll_interval_s": {"type": "number", "minimum": 0.05, "maximum": 3600, "default": 5,
                        "description": "seconds between two listings of the jobs (one squeue for all)"},
    "submit_rate_per_s": {"type": "number", "minimum": 0.01, "maximum": 10000, "default": 20,
                          "description": "at most this many sbatch a second"},
    "max_jobs_in_flight": {"type": "integer", "minimum": 1, "default": 10000,
                           "description": "jobs submitted and not ended, at most; more tasks wait in weftd"}
  },
  "additionalProperties": false
})schema";

}  // namespace

WEFT_PLUGIN("slurm", "0.1.0", weft::sdk::executor<weft::slurm::SlurmExecutor>("slurm", kConfigSchema))
