#include "slurm_config.hpp"

#include <stdexcept>

namespace weft::slurm {

namespace {

using nlohmann::json;

std::string string_of(const json& value, const std::string& key, const std::string& what) {
  if (!value.is_string()) throw std::invalid_argument("'" + key + "' of " + what + " must be a string");
  return value.get<std::string>();
}

double number_of(const json& value, const std::string& key, double low, double high) {
  if (!value.is_number() || value.get<double>() < low || value.get<double>() > high) {
    throw std::invalid_argument("config key '" + key + "' of the slurm executor must be a number from " +
                                json(low).dump() + " to " + json(high).dump());
  }
  return value.get<double>();
}

// The "rest" object: every key but request_timeout_s is required.
RestSettings parse_rest(const json& value) {
  const std::string what = "'rest' of the slurm executor's config";
  if (!value.is_object()) throw std::invalid_argument(what + " must be a JSON object");
  RestSettings rest;
  for (const auto& [key, field] : value.items()) {
    if (key == "url") {
      rest.url = string_of(field, key, what);
    } else if (key == "user") {
      rest.user = string_of(field, key, what);
    } else if (key == "token_file") {
      rest.token_file = string_of(field, key, what);
    } else if (key == "request_timeout_s") {
      rest.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::duration<double>(number_of(field, "rest.request_timeout_s", 0.1, 600)));
    } else {
      throw std::invalid_argument("unknown key '" + key + "' in " + what +
                                  " (known: url, user, token_file, request_timeout_s)");
    }
  }
  for (const auto& [key, text] :
       {std::pair{"url", &rest.url}, {"user", &rest.user}, {"token_file", &rest.token_file}}) {
    if (text->empty()) throw std::invalid_argument(what + " needs '" + key + "'");
  }
  return rest;
}

bool is_placement_key(const std::string& key) {
  return key == "partition" || key == "account" || key == "qos" || key == "extra_args";
}

}  // namespace

JobPlacement JobPlacement::parse(const json& options, const std::string& what) {
  if (!options.is_object()) throw std::invalid_argument(what + " must be a JSON object");
  JobPlacement placement;
  for (const auto& [key, value] : options.items()) {
    if (key == "partition") {
      placement.partition = string_of(value, key, what);
    } else if (key == "account") {
      placement.account = string_of(value, key, what);
    } else if (key == "qos") {
      placement.qos = string_of(value, key, what);
    } else if (key == "extra_args") {
      if (!value.is_array()) throw std::invalid_argument("'extra_args' of " + what + " must be an array of strings");
      for (const auto& arg : value) {
        const std::string text = string_of(arg, "extra_args", what);
        if (text.rfind('-', 0) != 0) {
          throw std::invalid_argument("'extra_args' of " + what + " holds sbatch options, each starting with '-': '" +
                                      text + "'");
        }
        placement.extra_args.push_back(text);
      }
    } else {
      throw std::invalid_argument("unknown key '" + key + "' in " + what +
                                  " (known: partition, account, qos, extra_args)");
    }
  }
  return placement;
}

JobPlacement JobPlacement::overridden_by(const JobPlacement& node) const {
  JobPlacement merged = *this;
  if (!node.partition.empty()) merged.partition = node.partition;
  if (!node.account.empty()) merged.account = node.account;
  if (!node.qos.empty()) merged.qos = node.qos;
  merged.extra_args.insert(merged.extra_args.end(), node.extra_args.begin(), node.extra_args.end());
  return merged;
}

SlurmExecutorConfig SlurmExecutorConfig::parse(const json& config) {
  if (!config.is_object()) throw std::invalid_argument("the slurm executor's config must be a JSON object");
  SlurmExecutorConfig parsed;
  json placement = json::object();
  const json* rest = nullptr;
  std::vector<std::string> cli_keys;
  for (const auto& [key, value] : config.items()) {
    const std::string what = "the slurm executor's config";
    if (key == "slurm_conf" || key == "bin_dir") cli_keys.push_back(key);
    if (is_placement_key(key)) {
      placement[key] = value;
    } else if (key == "slurm_conf") {
      parsed.cli.slurm_conf = string_of(value, key, what);
    } else if (key == "bin_dir") {
      parsed.cli.bin_dir = string_of(value, key, what);
    } else if (key == "transport") {
      const std::string kind = string_of(value, key, what);
      if (kind != "cli" && kind != "rest") {
        throw std::invalid_argument("config key 'transport' of the slurm executor must be \"cli\" or \"rest\"");
      }
      parsed.transport = kind == "rest" ? TransportKind::rest : TransportKind::cli;
    } else if (key == "rest") {
      rest = &value;
    } else if (key == "poll_interval_s") {
      parsed.poll_interval = std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(number_of(value, key, 0.05, 3600)));
    } else if (key == "submit_rate_per_s") {
      parsed.submit_rate_per_s = number_of(value, key, 0.01, 10000);
    } else if (key == "max_jobs_in_flight") {
      if (!value.is_number_integer() || value.get<int64_t>() < 1) {
        throw std::invalid_argument("config key 'max_jobs_in_flight' of the slurm executor must be an integer >= 1");
      }
      parsed.max_jobs_in_flight = value.get<int64_t>();
    } else if (key == "job_arrays") {
      if (!value.is_boolean())
        throw std::invalid_argument("config key 'job_arrays' of the slurm executor must be true or false");
      parsed.job_arrays = value.get<bool>();
    } else if (key == "max_array_size") {
      if (!value.is_number_integer() || value.get<int64_t>() < 2) {
        throw std::invalid_argument(
            "config key 'max_array_size' of the slurm executor must be an integer >= 2 (the cluster's MaxArraySize)");
      }
      parsed.max_array_size = value.get<int64_t>();
    } else {
      throw std::invalid_argument("unknown config key '" + key +
                                  "' for the slurm executor (known: transport, slurm_conf, bin_dir, rest, partition, "
                                  "account, qos, extra_args, poll_interval_s, submit_rate_per_s, max_jobs_in_flight, "
                                  "job_arrays, max_array_size)");
    }
  }
  parsed.placement = JobPlacement::parse(placement, "the slurm executor's config");
  if (parsed.transport == TransportKind::cli) {
    if (rest != nullptr) {
      throw std::invalid_argument("'rest' of the slurm executor's config needs \"transport\": \"rest\"");
    }
    return parsed;
  }
  if (!cli_keys.empty()) {
    throw std::invalid_argument("config key '" + cli_keys.front() +
                                "' of the slurm executor is for the cli transport, not \"transport\": \"rest\"");
  }
  if (rest == nullptr) {
    throw std::invalid_argument("\"transport\": \"rest\" needs the 'rest' object (url, user, token_file)");
  }
  if (!parsed.placement.extra_args.empty()) {
    throw std::invalid_argument(
        "'extra_args' of the slurm executor's config are sbatch options, which the rest "
        "transport cannot pass");
  }
  parsed.rest = parse_rest(*rest);
  return parsed;
}

}  // namespace weft::slurm
