// weft-bench: starts real weftd processes and measures the workloads of the
// performance issue against a bare posix_spawn loop. Progress goes to stderr;
// the table (or, with --json, the JSON report) to stdout.
#include "event_subscribers.hpp"
#include "report.hpp"
#include "slow_clients.hpp"
#include "weft/harness/postgres_server.hpp"
#include "workloads.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;
using namespace weft::bench;

namespace {

constexpr const char* kUsage =
    "usage: weft-bench [--only W1,W2,...] [--repeat N] [--json[=FILE]] [--build-dir DIR] [--scratch-dir DIR] [--keep]\n"
    "                  [--synchronous full|normal] [--store sqlite|postgres] [--instances N]\n"
    "  --only         workloads to run (default all): fanout, wide, chain, sleeps, layered, noop, cached, runs,\n"
    "                 slow_clients, event_subscribers\n"
    "  --repeat N     run each workload N times and report the medians (default 1)\n"
    "  --json         print the JSON report instead of the table\n"
    "  --json=FILE    print the table and write the JSON report to FILE\n"
    "  --build-dir    the build tree with bin/weftd and lib/weft/plugins (default: the one holding weft-bench)\n"
    "  --scratch-dir  where the session's temp dir is made (default: the system temp dir)\n"
    "  --keep         keep the session's temp dir: each weftd's state, database, log and config\n"
    "  --synchronous  the sqlite store's durability: full (default: fsync every commit) or normal\n"
    "  --store        sqlite (default), or postgres: a PostgreSQL server (Debian's) started in the session's\n"
    "                 temp dir for the session, each weftd in a schema of its own\n"
    "  --instances N  with postgres: N weftd share each workload's schema; the run goes to (and the figures\n"
    "                 are of) the first, the others renew their leases and claim what is free (default 1)\n";

struct Options {
  std::vector<std::string> only;
  int repeat = 1;
  bool json = false;
  std::string json_file;
  bool keep = false;
  bool postgres = false;
  WeftdSettings weftd;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::cerr << "weft-bench: " << message << "\n" << kUsage;
  std::exit(2);
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> parts;
  std::istringstream in(list);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// The workloads of workloads.cpp, then those kept in files of their own.
const std::vector<Workload>& all_workloads() {
  static const std::vector<Workload> all = [] {
    auto list = workloads();
    list.push_back(slow_clients_workload());
    list.push_back(event_subscribers_workload());
    return list;
  }();
  return all;
}

bool known_workload(const std::string& name) {
  return std::any_of(all_workloads().begin(), all_workloads().end(), [&](const Workload& w) { return w.name == name; });
}

Options parse_options(int argc, char** argv) {
  Options options;
  options.weftd.build_dir = fs::canonical("/proc/self/exe").parent_path().parent_path();
  options.weftd.scratch_dir = fs::temp_directory_path();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--only") {
      options.only = split(value());
      for (const auto& name : options.only) {
        if (!known_workload(name)) usage_error("unknown workload '" + name + "'");
      }
    } else if (arg == "--repeat") {
      const std::string text = value();
      options.repeat = std::atoi(text.c_str());
      if (options.repeat < 1) usage_error("--repeat needs a positive number, not '" + text + "'");
    } else if (arg == "--json") {
      options.json = true;
    } else if (arg.rfind("--json=", 0) == 0) {
      options.json_file = arg.substr(7);
    } else if (arg == "--build-dir") {
      options.weftd.build_dir = value();
    } else if (arg == "--scratch-dir") {
      options.weftd.scratch_dir = value();
    } else if (arg == "--keep") {
      options.keep = true;
    } else if (arg == "--synchronous") {
      options.weftd.synchronous = value();
      if (options.weftd.synchronous != "full" && options.weftd.synchronous != "normal") {
        usage_error("--synchronous is full or normal, not '" + options.weftd.synchronous + "'");
      }
    } else if (arg == "--store") {
      const std::string store = value();
      if (store != "sqlite" && store != "postgres") usage_error("--store is sqlite or postgres, not '" + store + "'");
      options.postgres = store == "postgres";
    } else if (arg == "--instances") {
      const std::string count = value();
      if (count.empty() || count.size() > 2 || count.find_first_not_of("0123456789") != std::string::npos ||
          std::stoi(count) < 1) {
        usage_error("--instances is a number from 1 to 99, not '" + count + "'");
      }
      options.weftd.instances = std::stoi(count);
    } else if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  if (options.weftd.instances > 1 && !options.postgres) usage_error("--instances needs --store postgres");
  if (!fs::exists(options.weftd.build_dir / "bin" / "weftd")) {
    usage_error("no weftd in " + (options.weftd.build_dir / "bin").string() + "; build it or pass --build-dir");
  }
  return options;
}

WorkloadResults measure(const Workload& workload, const Options& options) {
  WorkloadResults results{workload.name, workload.description, {}, {}};
  for (int repetition = 1; repetition <= options.repeat; ++repetition) {
    std::cerr << "weft-bench: " << workload.name << " " << repetition << "/" << options.repeat << "\n";
    try {
      results.repetitions.push_back(workload.run(options.weftd));
    } catch (const std::exception& e) {
      results.error = e.what();
      results.repetitions.clear();
      std::cerr << "weft-bench: " << workload.name << " failed: " << e.what() << "\n";
      break;
    }
  }
  return results;
}

}  // namespace

// One temp dir for the whole session, removed only at the end: removing
// thousands of task files between workloads would slow the next workload's
// file creation (ext4 without a journal skips recently freed inodes).
fs::path make_session_dir(const fs::path& parent) {
  std::string pattern = (parent / "weft-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) usage_error("cannot create a temp dir under " + parent.string());
  return pattern;
}

int main(int argc, char** argv) {
  Options options = parse_options(argc, argv);
  const fs::path session_dir = make_session_dir(options.weftd.scratch_dir);
  options.weftd.scratch_dir = session_dir;
  // Declared before the workloads run, so that it outlives every weftd on it.
  std::optional<weft::harness::PostgresServer> postgres;
  if (options.postgres) {
    // The server's user (postgres, when the bench runs as root) must reach its directory.
    fs::permissions(session_dir, fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add);
    fs::create_directory(session_dir / "postgres");
    postgres.emplace(session_dir / "postgres");
    try {
      postgres->start();
    } catch (const std::exception& e) {
      std::cerr << "weft-bench: " << e.what() << "\n";
      postgres.reset();
      fs::remove_all(session_dir);
      return 2;
    }
    options.weftd.postgres = postgres->store_config();
  }
  const std::set<std::string> chosen(options.only.begin(), options.only.end());
  std::vector<WorkloadResults> results;
  for (const auto& workload : all_workloads()) {
    if (chosen.empty() || chosen.count(workload.name)) results.push_back(measure(workload, options));
  }
  const Machine machine = this_machine();
  const std::string json = format_json(results, targets(), machine, options.repeat).dump(2) + "\n";
  if (!options.json_file.empty() && !(std::ofstream(options.json_file) << json)) {
    std::cerr << "weft-bench: cannot write " << options.json_file << "\n";
  }
  std::cout << (options.json ? json : format_table(results, targets(), machine, options.repeat));
  if (postgres) postgres->stop();
  std::error_code ignored;
  if (options.keep) {
    std::cerr << "weft-bench: kept " << session_dir.string() << "\n";
  } else {
    fs::remove_all(session_dir, ignored);
  }
  const bool failed = std::any_of(results.begin(), results.end(), [](const auto& r) { return !r.error.empty(); });
  return failed ? 1 : 0;
}
