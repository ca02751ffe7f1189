// The slurm executor's pure parts: what each job state becomes, the sbatch
// arguments a task's resources make, reading squeue, the batch script, and
// the configuration's errors. The executor itself is tested against a real
// Slurm (slurm_conformance_test.cpp).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "../batch_script.hpp"
#include "../cli_transport.hpp"
#include "../job_array.hpp"
#include "../job_outcome.hpp"
#include "../rest_transport.hpp"
#include "../slurm_config.hpp"

namespace weft::slurm {
namespace {

using Kind = JobOutcome::Kind;
using nlohmann::json;

JobRecord job(const std::string& state, int exit_status = 0, const std::string& reason = "None") {
  JobRecord record;
  record.id = 42;
  record.state = state;
  record.reason = reason;
  record.exit_status = exit_status;
  record.name = "run/node/-1/1";
  return record;
}

TEST(JobOutcome, JobsThatHaveNotEndedAreGoing) {
  for (const char* state : {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "REQUEUED"}) {
    EXPECT_EQ(outcome_of(job(state), std::nullopt, false).kind, Kind::going) << state;
  }
}

TEST(JobOutcome, CompletedAndFailedJobsTakeTheRecordedExitCode) {
  const auto completed = outcome_of(job("COMPLETED"), 0, false);
  EXPECT_EQ(completed.kind, Kind::finished);
  EXPECT_EQ(completed.exit_code, 0);
  EXPECT_EQ(completed.error, "");
  const auto failed = outcome_of(job("FAILED", 3 << 8, "NonZeroExitCode"), 3, false);
  EXPECT_EQ(failed.kind, Kind::finished);
  EXPECT_EQ(failed.exit_code, 3);
  EXPECT_EQ(failed.error, "") << "the command's own exit code needs no explaining";
}

TEST(JobOutcome, AFailedJobWithoutMarkerTakesSlurmsExitStatusAndSaysWhy) {
  const auto by_code = outcome_of(job("FAILED", 7 << 8, "NonZeroExitCode"), std::nullopt, false);
  EXPECT_EQ(by_code.exit_code, 7);
  EXPECT_NE(by_code.error.find("NonZeroExitCode"), std::string::npos) << by_code.error;
  EXPECT_EQ(outcome_of(job("FAILED", SIGKILL), std::nullopt, false).exit_code, 128 + SIGKILL);
  EXPECT_EQ(outcome_of(job("FAILED", 0, "JobLaunchFailure"), std::nullopt, false).exit_code, 1) << "never a success";
}

TEST(JobOutcome, SlurmsStopsFinishWithAnErrorAndNeverLookLikeSuccess) {
  const auto cancelled = outcome_of(job("CANCELLED", SIGTERM), std::nullopt, true);
  EXPECT_EQ(cancelled.kind, Kind::finished);
  EXPECT_EQ(cancelled.exit_code, 128 + SIGTERM);
  EXPECT_EQ(cancelled.error, "cancelled");
  EXPECT_NE(outcome_of(job("CANCELLED"), std::nullopt, false).error.find("outside weft"), std::string::npos);
  const auto timeout = outcome_of(job("TIMEOUT"), std::nullopt, false);
  EXPECT_EQ(timeout.kind, Kind::finished);
  EXPECT_NE(timeout.error.find("time limit"), std::string::npos);
  const auto oom = outcome_of(job("OUT_OF_MEMORY"), std::nullopt, false);
  EXPECT_EQ(oom.exit_code, 128 + SIGKILL);
  EXPECT_NE(oom.error.find("out of memory"), std::string::npos);
}

TEST(JobOutcome, NodeFailuresAndPreemptionAreLostSoWeftdRunsTheTaskAgain) {
  for (const char* state : {"NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "SOMETHING_NEW"}) {
    const auto outcome = outcome_of(job(state), std::nullopt, false);
    EXPECT_EQ(outcome.kind, Kind::lost) << state;
    EXPECT_FALSE(outcome.error.empty()) << state;
  }
}

TEST(JobOutcome, AVanishedJobIsResolvedByItsMarkerOrLost) {
  const auto finished = outcome_of_vanished(42, 5, false);
  EXPECT_EQ(finished.kind, Kind::finished);
  EXPECT_EQ(finished.exit_code, 5);
  const auto lost = outcome_of_vanished(42, std::nullopt, false);
  EXPECT_EQ(lost.kind, Kind::lost);
  EXPECT_NE(lost.error.find("MinJobAge"), std::string::npos) << lost.error;
}

// A job asking for everything a transport maps: resources, placement, a time
// limit and an array.
JobRequest request_with_every_setting() {
  JobRequest request;
  request.name = "r/n/-1/1";
  request.comment = "weft run r task r/n/-1/1";
  request.stdout_path = "/shared/o";
  request.stderr_path = "/shared/e";
  request.working_dir = "/shared";
  request.cpus_per_task = 4;
  request.memory_mb = 2048;
  request.gpus = 2;
  request.time_limit_s = 125;
  request.partition = "gpu";
  request.account = "lab";
  request.qos = "high";
  request.array = "0-199%16";
  return request;
}

TEST(SbatchArguments, ResourcesPlacementAndTimeLimitBecomeOptions) {
  JobRequest request = request_with_every_setting();
  request.extra_args = {"--constraint=a100"};
  const auto args = sbatch_arguments(request);
  for (const char* expected :
       {"--parsable", "--job-name=r/n/-1/1", "--comment=weft run r task r/n/-1/1", "--output=/shared/o",
        "--error=/shared/e", "--chdir=/shared", "--no-requeue", "--cpus-per-task=4", "--mem=2048", "--gres=gpu:2",
        "--time=2:5", "--partition=gpu", "--account=lab", "--qos=high", "--constraint=a100", "--array=0-199%16"}) {
    EXPECT_NE(std::find(args.begin(), args.end(), expected), args.end()) << expected;
  }
}

TEST(SbatchArguments, UnsetResourcesAreLeftToSlurm) {
  const auto args = sbatch_arguments(JobRequest{});
  for (const auto& arg : args) {
    for (const char* unset :
         {"--cpus-per-task", "--mem", "--gres", "--time", "--partition", "--account", "--qos", "--array"}) {
      EXPECT_NE(arg.rfind(unset, 0), 0u) << arg;
    }
  }
}

TEST(SqueueListing, FieldsAreReadAndANameMayHoldTheSeparator) {
  const auto jobs =
      parse_squeue_listing("7|7|N/A|FAILED|768|NonZeroExitCode|run/a|b/-1/1\n8|8|N/A|PENDING|0|Priority|x\n");
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].id, 7);
  EXPECT_EQ(jobs[0].state, "FAILED");
  EXPECT_EQ(jobs[0].exit_status, 768);
  EXPECT_EQ(jobs[0].reason, "NonZeroExitCode");
  EXPECT_EQ(jobs[0].name, "run/a|b/-1/1");
  EXPECT_EQ(jobs[1].state, "PENDING");
  EXPECT_EQ(jobs[1].array_job_id, 0) << "a plain job";
  EXPECT_EQ(jobs[1].array_task_id, -1);
}

// As squeue 22.05 prints an array submitted as --array=0-9%2 (job 4) once
// elements 0 and 9 have been split off.
TEST(SqueueListing, ArrayElementsAndThePendingRemainderAreTold) {
  const auto jobs = parse_squeue_listing(
      "4|4|9|RUNNING|0|None|n\n"
      "5|4|0|FAILED|256|NonZeroExitCode|n\n"
      "4|4|1-8%2|PENDING|0|JobArrayTaskLimit|n\n");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].id, 4);
  EXPECT_EQ(jobs[0].array_job_id, 4);
  EXPECT_EQ(jobs[0].array_task_id, 9);
  EXPECT_EQ(jobs[1].id, 5);
  EXPECT_EQ(jobs[1].array_job_id, 4);
  EXPECT_EQ(jobs[1].array_task_id, 0);
  EXPECT_EQ(jobs[1].exit_status, 256);
  EXPECT_EQ(jobs[2].array_job_id, 4);
  EXPECT_EQ(jobs[2].array_task_id, -1);
  EXPECT_EQ(jobs[2].array_pending, "1-8%2");
  EXPECT_EQ(jobs[2].reason, "JobArrayTaskLimit");
}

TEST(SqueueListing, HeterogeneousComponentsAreSkippedAndGarbageIsAnError) {
  EXPECT_TRUE(parse_squeue_listing("12+1|12|N/A|RUNNING|0|None|x\n").empty());
  EXPECT_THROW(parse_squeue_listing("squeue: error: something\n"), std::invalid_argument);
}

TEST(JobArray, PendingIndicesAreReadAsSlurmSpellsThem) {
  EXPECT_TRUE(array_indices_contain("2-9%2", 2));
  EXPECT_TRUE(array_indices_contain("2-9%2", 9));
  EXPECT_FALSE(array_indices_contain("2-9%2", 1));
  EXPECT_FALSE(array_indices_contain("2-9%2", 10));
  EXPECT_TRUE(array_indices_contain("0,4,7-8", 4));
  EXPECT_FALSE(array_indices_contain("0,4,7-8", 5));
  EXPECT_TRUE(array_indices_contain("[1-9:4]", 5));
  EXPECT_FALSE(array_indices_contain("1-9:4", 6));
  EXPECT_FALSE(array_indices_contain("garbage", 0));
}

TEST(JobArray, ElementIdsAndArrayNamesGoBothWays) {
  EXPECT_EQ(element_external_id(12, 3), "12_3");
  EXPECT_EQ(parse_element_external_id("12_3"), std::make_pair(JobId{12}, int64_t{3}));
  for (const char* bad : {"12", "12_", "_3", "12_x", "12_3_4", "-1_3"}) {
    EXPECT_FALSE(parse_element_external_id(bad)) << bad;
  }
  const std::string name = array_job_name("run", "fan", 1, 1001);
  EXPECT_EQ(array_base_of(name, "run", "fan", 1), 1001);
  EXPECT_FALSE(array_base_of(name, "run", "fan", 2));
  EXPECT_FALSE(array_base_of(name, "run", "fa", 1));
  EXPECT_FALSE(array_base_of("run/fan/3/1", "run", "fan", 1));
}

TEST(JobArray, TheScriptRunsEachElementWithItsOwnFilesAndTheLimitIsTheNodes) {
  JobRequest a;
  a.script = "#!/bin/sh\necho a\n";
  a.stdout_path = "/o/a";
  a.stderr_path = "/e/a";
  a.working_dir = "/w";
  a.memory_mb = 10;
  JobRequest b = a;
  b.script = "#!/bin/sh\necho b\n";
  b.stdout_path = "/o/it's b";
  EXPECT_EQ(array_settings_of(a), array_settings_of(b)) << "they differ only where elements may";
  b.memory_mb = 20;
  EXPECT_NE(array_settings_of(a), array_settings_of(b));

  const JobRequest array = array_request({{0, &a}, {1, &a}, {2, &b}, {5, &b}}, 16, "r/n/array-from-3/1");
  EXPECT_EQ(array.array, "0-2,5%16");
  EXPECT_EQ(array.name, "r/n/array-from-3/1");
  EXPECT_EQ(array.memory_mb, 10);
  EXPECT_NE(array.script.find("5)\nexec >'/o/it'\\''s b' 2>'/e/a'\ncd '/w' || exit 1\necho b\n;;"), std::string::npos)
      << array.script;
  EXPECT_EQ(array_request({{0, &a}, {1, &a}}, 0, "x").array, "0-1") << "no limit without max_parallel";
}

sdk::TaskSpec shell_task(const std::filesystem::path& dir, const std::string& script) {
  sdk::TaskSpec task;
  task.task_key = "run/node/-1/1";
  task.run_id = "run";
  task.node = "node";
  task.output_path = (dir / "node.1.output.json").string();
  task.command = sdk::Command{{"/bin/sh", "-c", script}, {{"GREETING", "it's \"here\" $HOME"}}, "", "", json::object()};
  return task;
}

TEST(BatchScript, RunsTheCommandWithItsEnvAndRecordsItsExitCode) {
  const auto dir = std::filesystem::temp_directory_path() / ("weft-slurm-script-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto task = shell_task(dir, R"(printf '%s' "$GREETING" > "$WEFT_OUTPUT"; exit 4)");
  const auto script_path = dir / "job.sh";
  std::ofstream(script_path) << batch_script(task);
  const int status = std::system(("/bin/sh " + script_path.string()).c_str());
  EXPECT_EQ(WEXITSTATUS(status), 4);
  EXPECT_EQ(read_exit_marker(exit_marker_path(task)), 4);
  std::ifstream output(task.output_path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(output), {}), "it's \"here\" $HOME");
  std::filesystem::remove_all(dir);
}

TEST(BatchScript, AnEnvNameTheShellCannotExportIsRefused) {
  auto task = shell_task("/tmp", "true");
  task.command->env = {{"BAD-NAME", "x"}};
  EXPECT_THROW(batch_script(task), std::invalid_argument);
}

TEST(Config, DefaultsAndEveryKey) {
  const auto config = SlurmExecutorConfig::parse(json::parse(R"({
    "slurm_conf": "/etc/slurm/other.conf", "partition": "p", "extra_args": ["--exclusive"],
    "poll_interval_s": 0.5, "submit_rate_per_s": 3, "max_jobs_in_flight": 7, "job_arrays": false,
    "max_array_size": 40001})"));
  EXPECT_EQ(config.cli.slurm_conf, "/etc/slurm/other.conf");
  EXPECT_EQ(config.placement.partition, "p");
  EXPECT_EQ(config.placement.extra_args, std::vector<std::string>{"--exclusive"});
  EXPECT_EQ(config.poll_interval, std::chrono::milliseconds(500));
  EXPECT_EQ(config.submit_rate_per_s, 3);
  EXPECT_EQ(config.max_jobs_in_flight, 7);
  EXPECT_FALSE(config.job_arrays);
  EXPECT_EQ(config.max_array_size, 40001);
  const auto defaults = SlurmExecutorConfig::parse(json::object());
  EXPECT_TRUE(defaults.job_arrays);
  EXPECT_EQ(defaults.max_array_size, 1001) << "Slurm's default MaxArraySize";
}

TEST(Config, BadKeysAndValuesAreNamed) {
  const auto message_of = [](const char* text) {
    try {
      SlurmExecutorConfig::parse(json::parse(text));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message_of(R"({"partiton": "p"})").find("partiton"), std::string::npos);
  EXPECT_NE(message_of(R"({"poll_interval_s": 0})").find("poll_interval_s"), std::string::npos);
  EXPECT_NE(message_of(R"({"max_jobs_in_flight": 0})").find("max_jobs_in_flight"), std::string::npos);
  EXPECT_NE(message_of(R"({"extra_args": ["oops"]})").find("extra_args"), std::string::npos);
  EXPECT_NE(message_of(R"({"job_arrays": "yes"})").find("job_arrays"), std::string::npos);
  EXPECT_NE(message_of(R"({"max_array_size": 1})").find("MaxArraySize"), std::string::npos);
  EXPECT_NE(message_of(R"([])").find("JSON object"), std::string::npos);
}

TEST(Placement, TheNodesOptionsOverrideTheExecutorsAndAddArguments) {
  const auto defaults = JobPlacement::parse(json{{"partition", "a"}, {"qos", "q"}, {"extra_args", {"--x"}}}, "c");
  const auto merged =
      defaults.overridden_by(JobPlacement::parse(json{{"partition", "b"}, {"extra_args", {"--y"}}}, "n"));
  EXPECT_EQ(merged.partition, "b");
  EXPECT_EQ(merged.qos, "q");
  EXPECT_EQ(merged.extra_args, (std::vector<std::string>{"--x", "--y"}));
}

TEST(RestJobSubmission, ResourcesPlacementAndTimeLimitBecomeJobFields) {
  JobRequest request = request_with_every_setting();
  request.script = "#!/bin/sh\ntrue\n";
  const json body = rest_job_submission(request);
  EXPECT_EQ(body["script"], request.script);
  const json& job = body["job"];
  EXPECT_EQ(job["name"], "r/n/-1/1");
  EXPECT_EQ(job["comment"], "weft run r task r/n/-1/1");
  EXPECT_EQ(job["standard_output"], "/shared/o");
  EXPECT_EQ(job["standard_error"], "/shared/e");
  EXPECT_EQ(job["current_working_directory"], "/shared");
  EXPECT_EQ(job["requeue"], false);
  EXPECT_EQ(job["cpus_per_task"], 4);
  EXPECT_EQ(job["memory_per_node"], 2048);
  EXPECT_EQ(job["gres"], "gpu:2");
  EXPECT_EQ(job["time_limit"], 3) << "minutes, rounded up";
  EXPECT_EQ(job["partition"], "gpu");
  EXPECT_EQ(job["account"], "lab");
  EXPECT_EQ(job["qos"], "high");
  EXPECT_EQ(job["array"], "0-199%16");
  EXPECT_TRUE(job["environment"].contains("PATH")) << "slurmrestd requires an environment";
  EXPECT_EQ(job["environment"]["SLURM_CPUS_PER_TASK"], "4");
  EXPECT_EQ(job["environment"]["SLURM_MEM_PER_NODE"], "2048");
}

TEST(RestJobSubmission, UnsetResourcesAreLeftToSlurmAndSbatchOptionsAreRefused) {
  const json job = rest_job_submission(JobRequest{})["job"];
  for (const char* unset :
       {"cpus_per_task", "memory_per_node", "gres", "time_limit", "partition", "account", "qos", "array"}) {
    EXPECT_FALSE(job.contains(unset)) << unset;
  }
  JobRequest with_options;
  with_options.extra_args = {"--constraint=a100"};
  EXPECT_THROW(rest_job_submission(with_options), std::invalid_argument);
}

TEST(RestJobsReply, OnlyTheUsersOwnJobsAreListedWithTheirArrayFields) {
  // As slurmrestd 22.05 lists them: an element has its index, the remainder
  // of an array not split off yet null there and its indices in array_task_string.
  const auto jobs = parse_rest_jobs(R"({"errors": [], "jobs": [
    {"job_id": 7, "job_state": "FAILED", "state_reason": "NonZeroExitCode", "exit_code": 768, "name": "run/a/-1/1",
     "user_name": "weft", "array_job_id": 0, "array_task_id": null, "array_task_string": ""},
    {"job_id": 8, "job_state": "RUNNING", "state_reason": "None", "exit_code": 0, "name": "x", "user_name": "other",
     "array_job_id": 0},
    {"job_id": 9, "job_state": "RUNNING", "name": "y", "user_name": "weft", "array_job_id": 5, "array_task_id": 1,
     "array_task_string": ""},
    {"job_id": 5, "job_state": "PENDING", "name": "y", "user_name": "weft", "array_job_id": 5, "array_task_id": null,
     "array_task_string": "2-9%2"}]})",
                                    "weft");
  ASSERT_EQ(jobs.size(), 3u);
  EXPECT_EQ(jobs[0].array_job_id, 0);
  EXPECT_EQ(jobs[0].array_task_id, -1);
  EXPECT_EQ(jobs[1].id, 9);
  EXPECT_EQ(jobs[1].array_job_id, 5);
  EXPECT_EQ(jobs[1].array_task_id, 1);
  EXPECT_EQ(jobs[1].array_pending, "");
  EXPECT_EQ(jobs[2].id, 5);
  EXPECT_EQ(jobs[2].array_task_id, -1);
  EXPECT_EQ(jobs[2].array_pending, "2-9%2");
  EXPECT_EQ(jobs[0].id, 7);
  EXPECT_EQ(jobs[0].state, "FAILED");
  EXPECT_EQ(jobs[0].reason, "NonZeroExitCode");
  EXPECT_EQ(jobs[0].exit_status, 768);
  EXPECT_EQ(jobs[0].name, "run/a/-1/1");
  EXPECT_THROW(parse_rest_jobs("<html>proxy error</html>", "weft"), std::invalid_argument);
  EXPECT_THROW(parse_rest_jobs(R"({"jobs": [{"name": "no id"}]})", "weft"), std::invalid_argument);
}

TEST(RestFailure, SlurmrestdsErrorsOfBothShapesAreQuoted) {
  const auto text = describe_failure({500,
                                      R"({"errors": [
    {"error_code": 2000, "error": "Invalid partition name specified"},
    {"error_number": 2017, "error": "Invalid job id specified", "description": "unable to kill JobId=9",
     "source": "slurm_kill_job"}]})",
                                      {}});
  EXPECT_EQ(text,
            "slurmrestd answered HTTP 500: Invalid partition name specified (error 2000); Invalid job id specified: "
            "unable to kill JobId=9 (error 2017)");
  EXPECT_EQ(describe_failure({401, "Authentication failure", {}}),
            "slurmrestd answered HTTP 401: Authentication failure");
  EXPECT_EQ(describe_failure({0, {}, "Connection refused"}), "Connection refused");
}

TEST(Config, TheRestTransportAndItsSettings) {
  const auto config = SlurmExecutorConfig::parse(json::parse(R"({"transport": "rest", "partition": "p",
    "rest": {"url": "http://127.0.0.1:6820", "user": "weft", "token_file": "/etc/weft/slurm.jwt",
             "request_timeout_s": 2.5}})"));
  EXPECT_EQ(config.transport, TransportKind::rest);
  EXPECT_EQ(config.rest.url, "http://127.0.0.1:6820");
  EXPECT_EQ(config.rest.user, "weft");
  EXPECT_EQ(config.rest.token_file, "/etc/weft/slurm.jwt");
  EXPECT_EQ(config.rest.request_timeout, std::chrono::milliseconds(2500));
  EXPECT_EQ(SlurmExecutorConfig::parse(json::object()).transport, TransportKind::cli) << "the default";
}

TEST(Config, TheExampleConfigsAreTaken) {
  for (const char* file : {"weftd-slurm.json", "weftd-slurmrestd.json"}) {
    std::ifstream in(std::string(WEFT_EXAMPLES_DIR) + "/" + file);
    ASSERT_TRUE(in) << file;
    EXPECT_NO_THROW(SlurmExecutorConfig::parse(json::parse(in)["executors"]["slurm"])) << file;
  }
}

TEST(Config, TheRestTransportsMistakesAreNamed) {
  const auto message_of = [](const char* text) {
    try {
      SlurmExecutorConfig::parse(json::parse(text));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string rest = R"("rest": {"url": "http://h:1", "user": "u", "token_file": "/t"})";
  EXPECT_NE(message_of(R"({"transport": "ssh"})").find("transport"), std::string::npos);
  EXPECT_NE(message_of(R"({"transport": "rest"})").find("'rest'"), std::string::npos);
  EXPECT_NE(message_of(R"({"transport": "rest", "rest": {"url": "http://h:1", "user": "u"}})").find("token_file"),
            std::string::npos);
  EXPECT_NE(
      message_of(R"({"transport": "rest", "rest": {"url": "http://h:1", "user": "u", "token": "x"}})").find("'token'"),
      std::string::npos);
  EXPECT_NE(message_of(("{\"transport\": \"rest\", \"bin_dir\": \"/usr/bin\", " + rest + "}").c_str()).find("bin_dir"),
            std::string::npos);
  EXPECT_NE(
      message_of(("{\"transport\": \"rest\", \"extra_args\": [\"--x\"], " + rest + "}").c_str()).find("extra_args"),
      std::string::npos);
  EXPECT_NE(message_of(("{" + rest + "}").c_str()).find("transport"), std::string::npos);
}

TEST(SlurmrestdClient, OnlyPlainHttpUrlsAreTaken) {
  EXPECT_NO_THROW(SlurmrestdClient({"http://127.0.0.1:6820/prefix/", "u", "/t"}));
  EXPECT_THROW(SlurmrestdClient({"https://slurm:6820", "u", "/t"}), std::invalid_argument);
  EXPECT_THROW(SlurmrestdClient({"127.0.0.1:6820", "u", "/t"}), std::invalid_argument);
}

}  // namespace
}  // namespace weft::slurm
