// The executor conformance suite: GoogleTest tests that every executor
// plugin passes, ours and third parties'. They drive the executor only
// through its C vtable (weft_executor_vtable), with a FakeHost playing the
// daemon's event loop on the test thread, so they test the path weftd takes.
//
// Include this header in exactly one .cpp of a test binary (it defines the
// tests), link GTest, and instantiate it once per executor:
//
//   WEFT_EXECUTOR_CONFORMANCE(Process, weft::sdk::testing::ExecutorUnderTest{
//       .name = "process",
//       .vtable = [] { return weft::sdk::testing::load_executor_vtable("/path/libweft-executor-process.so.2",
//                                                                      "process"); },
//       .fresh_config = [](const std::filesystem::path& /*scratch_dir*/) { return std::string("{}"); }});
//
// What the tests run. Every task is a POSIX shell script, started as the
// command shell_command(script) makes: /bin/sh -c '<script>' unless the
// executor needs more (a container image, executor_options). The scripts
// read and write files under a scratch directory made for each test, by
// absolute path, and write the task's output to output_file (a shell word,
// "$WEFT_OUTPUT" unless the executor tells its tasks the path another way).
// So the tasks must see the test's file system at the same paths: true of a
// local executor, and of a remote one run against a fake or a shared file
// system. The task's stdout and stderr must be in the spec's stdout_path and
// stderr_path, and its output in the FINISHED event, when FINISHED is
// reported; the three paths are handed over as weftd hands them, in a
// directory that does not exist yet. Tests run a few processes each (about
// 20 at most at once); deadlines are generous (kDeadline) and nothing is
// timed.
//
// What the suite pins, from weft_abi.h, where the ABI is silent or leaves a
// choice:
// - a task that runs is reported STARTED (once, with a non-empty external
//   id, the id recover gets), then exactly one FINISHED or LOST, and nothing
//   after it. A start that returns WEFT_ERROR says why and is followed by no
//   event at all.
// - exit codes: the script's own, and 128+N for a script killed by signal N.
//   A task that exited 0 by itself is reported with no error.
// - a cancelled task ends with FINISHED (not LOST), and not as a success
//   (its exit code is not 0, or its error is not empty); every process it
//   started is gone by then (or a zombie), including one that ignores SIGTERM.
//   Cancel of a task the executor does not know is WEFT_NOT_FOUND; cancel of
//   a task that has ended is WEFT_NOT_FOUND or WEFT_OK and reports nothing.
// - a spec the executor cannot run (an empty argv, a program that does not
//   exist, a log path that cannot be created) is refused by start with a
//   message, or ends with FINISHED (non-zero exit code or an error) or LOST
//   (with an error): never a crash, never silence.
// - destroy leaves running tasks running. After a restart (the executor
//   destroyed, a new one created on a new host), recover(spec, external_id)
//   of a task that still runs takes it back and reports its FINISHED as
//   usual (Recovery::takes_back); recover(spec, "") does the same, finding
//   the task by its task_key, unless finds_tasks_by_key is false (then LOST
//   is accepted too). Recover of a task that cannot be found (never started,
//   or an external id that names nothing) is LOST with an error; of a task
//   that ended before the restart, LOST, or its FINISHED again as it was.
//   Executors whose recover is NULL skip these tests.
// - An executor that cannot follow a task to its end once the daemon that
//   started it is gone (the process executor: the task is no longer weftd's
//   child, so its exit status is out of reach) declares
//   Recovery::stops_and_reports_lost: recover stops the task, every process
//   of it, and reports LOST, so that weftd runs it again and never twice at
//   once. That falls short of the ABI's "take the task back"; say so in the
//   executor's documentation.
//
// Over 400 lines on purpose: the whole suite is one header, so that a third
// party instantiates it with one include and one macro.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <weft/abi/weft_abi.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <weft/sdk/task.hpp>
#include <weft/sdk/testing/fake_host.hpp>
#include <weft/sdk/testing/loaded_plugin.hpp>

namespace weft::sdk::testing {

// What recover does with a task that still runs after a restart.
enum class Recovery {
  takes_back,              // reports the task's events as usual: its FINISHED when it ends (the ABI's words)
  stops_and_reports_lost,  // stops the task, every process of it, and reports LOST
};

// The command that runs script with the POSIX shell: /bin/sh -c script.
inline Command shell_command(const std::string& script) {
  Command command;
  command.argv = {"/bin/sh", "-c", script};
  return command;
}

// One executor implementation to run the suite against.
struct ExecutorUnderTest {
  std::string name;  // shown in test names: letters, digits and underscores only
  // Returns the vtable to test; called at the start of every test.
  std::function<const weft_executor_vtable*()> vtable;
  // Returns the config JSON of a new executor. scratch_dir is an empty
  // directory made for this test and removed after it. Called once per test:
  // the executor created after a restart gets the same config.
  std::function<std::string(const std::filesystem::path& scratch_dir)> fresh_config;
  // Makes the command that runs a test's shell script. The suite may change
  // the argv of what it returns (to test bad specs) and adds env and cwd.
  std::function<Command(const std::string& script)> make_command = shell_command;
  // A shell word that expands, inside the task, to the file whose content is
  // the task's output.
  std::string output_file = "\"$WEFT_OUTPUT\"";
  Recovery recovery = Recovery::takes_back;
  // Whether recover(spec, "") finds a running task by its task_key, as the
  // ABI asks of executors that can; false: it may report LOST instead.
  bool finds_tasks_by_key = true;
  // Whether tasks are processes of this machine, whose pids the tests may
  // check with kill(pid, 0). false: those checks are left out.
  bool local_processes = true;
  // For an executor with WEFT_EXECUTOR_CAP_WHOLE_RUN (whole_run_conformance.hpp):
  // the command of a node that asks for whole-run submission, as its node
  // type plans it (the argo executor: executor_options.submit = "dag").
  std::function<Command(const std::string& script)> make_whole_run_command = nullptr;
};

inline void PrintTo(const ExecutorUnderTest& executor, std::ostream* out) { *out << executor.name; }

// The vtable of the executor factory type_name of the plugin at path, loaded
// as weftd loads it; throws std::runtime_error naming the file if it cannot.
inline const weft_executor_vtable* load_executor_vtable(const std::string& path, std::string_view type_name) {
  return &LoadedPlugin(path).executor_vtable(type_name);
}

namespace executor_conformance {

// How long anything may take before the test gives up on it. A deadline, not
// a measure: on an idle machine everything here takes well under a second.
inline constexpr std::chrono::milliseconds kDeadline{60000};

// s as one word for /bin/sh.
inline std::string quoted(const std::string& s) {
  std::string q = "'";
  for (const char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}
inline std::string quoted(const std::filesystem::path& p) { return quoted(p.string()); }

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline bool is_end(const RecordedEvent& e) { return e.kind == WEFT_EVENT_FINISHED || e.kind == WEFT_EVENT_LOST; }

inline std::string describe(const RecordedEvent& e) {
  const char* kind = e.kind == WEFT_EVENT_STARTED    ? "STARTED"
                     : e.kind == WEFT_EVENT_FINISHED ? "FINISHED"
                     : e.kind == WEFT_EVENT_LOST     ? "LOST"
                                                     : "unknown kind";
  return nlohmann::json{{"kind", kind},
                        {"task_key", e.task_key},
                        {"external_id", e.external_id},
                        {"exit_code", e.exit_code},
                        {"output_json", e.output_json},
                        {"error", e.error}}
      .dump();
}
inline std::string describe(const std::vector<RecordedEvent>& events) {
  std::string text = "[";
  for (const auto& e : events) text += (text.size() > 1 ? ", " : "") + describe(e);
  return text + "]";
}

// Gone: no such process, or a zombie that nobody reaped (an orphan whose new
// parent does not reap is one forever; it holds no resources but its pid).
inline bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  const std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return true;
  const char state = stat[paren + 2];
  return state == 'Z' || state == 'X';
}

// The pids a task wrote, one a line, once the file is complete (each line is
// written by one echo, ending in a newline).
inline std::vector<pid_t> pids_in(const std::filesystem::path& file) {
  std::vector<pid_t> pids;
  std::istringstream lines(read_text(file));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) pids.push_back(static_cast<pid_t>(std::stol(line)));
  }
  return pids;
}

}  // namespace executor_conformance

class ExecutorConformance : public ::testing::TestWithParam<ExecutorUnderTest> {
 protected:
  // One lifetime of weftd: a host and the executor created on it.
  struct Daemon {
    const weft_executor_vtable* vtable = nullptr;
    std::unique_ptr<FakeHost> host = std::make_unique<FakeHost>();
    void* executor = nullptr;
    // Keys of the starts and recovers answered on this host, each owing one end.
    std::vector<std::string> owed;
    // Keys that start refused: no event may come for them.
    std::vector<std::string> refused;

    void destroy() {
      if (executor != nullptr) vtable->destroy(executor);
      executor = nullptr;
    }
    ~Daemon() { destroy(); }
  };

  void SetUp() override {
    std::string scratch_template = (std::filesystem::temp_directory_path() / "weft-executor-XXXXXX").string();
    ASSERT_NE(::mkdtemp(scratch_template.data()), nullptr) << "cannot make a scratch directory";
    scratch_ = scratch_template;
    // Keys unique to this test process: executors may look tasks up by key
    // (recover without external id) across everything that runs on the machine.
    run_id_ = "conformance-" + scratch_.filename().string().substr(std::string("weft-executor-").size());
    std::filesystem::create_directories(scratch_ / "pids");
    vtable_ = GetParam().vtable();
    ASSERT_NE(vtable_, nullptr);
    ASSERT_GE(vtable_->struct_size, WEFT_EXECUTOR_VTABLE_SIZE_2_0) << "the vtable is smaller than ABI 2.0's";
    ASSERT_TRUE(vtable_->create && vtable_->destroy && vtable_->start && vtable_->cancel)
        << "create, destroy, start and cancel are required";
    config_ = GetParam().fresh_config(scratch_);
    ASSERT_NO_FATAL_FAILURE(boot());
  }

  void TearDown() override {
    using namespace executor_conformance;
    // A last task, so that an event owed or reported twice has had its chance
    // to arrive before the counts below.
    if (!HasFatalFailure() && !daemons_.empty() && daemon().executor != nullptr) {
      const TaskSpec sentinel = task("sentinel", "exit 0");
      if (start(sentinel) == WEFT_OK) wait_end(sentinel.task_key);
    }
    for (const auto& d : daemons_) {
      for (const auto& key : d->owed) {
        const auto events = d->host->events_for(key);
        size_t ends = 0;
        for (size_t i = 0; i < events.size(); ++i) {
          if (!is_end(events[i])) continue;
          ++ends;
          EXPECT_EQ(i + 1, events.size()) << "an event after the end of " << key << ": " << describe(events);
        }
        EXPECT_EQ(ends, 1u) << "task " << key << " must end with exactly one FINISHED or LOST: " << describe(events);
      }
      for (const auto& key : d->refused) {
        EXPECT_TRUE(d->host->events_for(key).empty())
            << "start refused " << key << ", so no event may follow: " << describe(d->host->events_for(key));
      }
    }
    kill_leftovers();
    daemons_.clear();  // each executor before its host
    std::error_code ignored;
    if (!scratch_.empty()) std::filesystem::remove_all(scratch_, ignored);
  }

  const ExecutorUnderTest& under_test() const { return GetParam(); }
  const weft_executor_vtable& vtable() const { return *vtable_; }
  const std::string& run_id() const { return run_id_; }
  bool has_recover() const { return vtable_->recover != nullptr; }
  const std::filesystem::path& scratch() const { return scratch_; }
  Daemon& daemon() { return *daemons_.back(); }
  FakeHost& host() { return *daemon().host; }
  void* executor() { return daemon().executor; }

  // Creates an executor on a new host, as a starting weftd does.
  void boot() {
    auto d = std::make_unique<Daemon>();
    d->vtable = vtable_;
    weft_error err{};
    const weft_status status = vtable_->create(d->host->api(), str(config_), &d->executor, &err);
    ASSERT_EQ(status, WEFT_OK) << "create(" << config_ << ") failed: " << err.message;
    ASSERT_NE(d->executor, nullptr) << "create returned WEFT_OK and no executor";
    daemons_.push_back(std::move(d));
  }

  // A restart of weftd: the executor is destroyed (its running tasks stay
  // running) and its host never runs again; a new executor on a new host.
  // Tasks still owed an end on the old host are owed nothing any more.
  void restart() {
    Daemon& old = daemon();
    old.destroy();
    std::vector<std::string> ended;
    for (const auto& key : old.owed) {
      if (end_of(old.host->events_for(key))) ended.push_back(key);
    }
    old.owed = std::move(ended);
    ASSERT_NO_FATAL_FAILURE(boot());
  }

  // The first attempt of node `node` of this test's run, running script;
  // its logs and output go to a directory that does not exist yet.
  TaskSpec task(const std::string& node, const std::string& script) const {
    TaskSpec t;
    t.task_key = run_id_ + "/" + node + "/-1/1";
    t.run_id = run_id_;
    t.workflow = "conformance";
    t.node = node;
    t.attempt = 1;
    t.executor = under_test().name;
    const auto dir = scratch_ / "runs" / node;
    t.stdout_path = (dir / "stdout.log").string();
    t.stderr_path = (dir / "stderr.log").string();
    t.output_path = (dir / "output.json").string();
    t.command = under_test().make_command(script);
    return t;
  }

  // Shell text that writes the task's output.
  std::string write_output(const std::string& json_text) const {
    return "printf '%s' " + executor_conformance::quoted(json_text) + " > " + under_test().output_file;
  }
  // Shell text that appends a pid (pid_expression: $$, $!) to the pid file
  // `file`, which the test reads and kill_leftovers() cleans up after.
  std::string record_pid(const std::string& pid_expression, const std::string& file) const {
    return "echo " + pid_expression + " >> " + executor_conformance::quoted(scratch_ / "pids" / file);
  }
  std::filesystem::path pid_file(const std::string& file) const { return scratch_ / "pids" / file; }

  // Starts task, and records what is owed: one end if start returned OK,
  // no event at all if it did not.
  weft_status start(const TaskSpec& t, std::string* message = nullptr) {
    const AbiTaskSpec abi(t);
    weft_error err{};
    const weft_status status = vtable_->start(executor(), abi.get(), &err);
    (status == WEFT_OK ? daemon().owed : daemon().refused).push_back(t.task_key);
    if (message != nullptr) *message = status == WEFT_OK ? "" : err.message;
    return status;
  }
  void start_ok(const TaskSpec& t) {
    std::string message;
    ASSERT_EQ(start(t, &message), WEFT_OK) << "start of " << t.task_key << " failed: " << message;
  }

  weft_status cancel(std::string_view task_key, std::string* message = nullptr) {
    weft_error err{};
    const weft_status status = vtable_->cancel(executor(), str(task_key), &err);
    if (message != nullptr) *message = err.message;
    return status;
  }

  weft_status recover(const TaskSpec& t, std::string_view external_id, std::string* message = nullptr) {
    const AbiTaskSpec abi(t);
    weft_error err{};
    const weft_status status = vtable_->recover(executor(), abi.get(), str(external_id), &err);
    if (status == WEFT_OK) daemon().owed.push_back(t.task_key);
    if (message != nullptr) *message = status == WEFT_OK ? "" : err.message;
    return status;
  }

  static std::optional<RecordedEvent> end_of(const std::vector<RecordedEvent>& events) {
    for (const auto& e : events) {
      if (executor_conformance::is_end(e)) return e;
    }
    return std::nullopt;
  }
  // Runs the loop until the task's FINISHED or LOST; that event.
  std::optional<RecordedEvent> wait_end(const std::string& task_key) {
    host().run_until([&] { return end_of(host().events_for(task_key)).has_value(); }, executor_conformance::kDeadline);
    return end_of(host().events_for(task_key));
  }
  // Runs the loop until the task's FINISHED; fails the test if it ends otherwise.
  RecordedEvent wait_finished(const std::string& task_key) {
    const auto end = wait_end(task_key);
    if (!end) {
      ADD_FAILURE() << "no FINISHED or LOST for " << task_key
                    << " within the deadline: " << executor_conformance::describe(host().events_for(task_key));
      return {};
    }
    EXPECT_EQ(end->kind, WEFT_EVENT_FINISHED) << executor_conformance::describe(*end);
    return *end;
  }
  // Starts the task and waits for its FINISHED.
  RecordedEvent run(const TaskSpec& t) {
    std::string message;
    if (start(t, &message) != WEFT_OK) {
      ADD_FAILURE() << "start of " << t.task_key << " failed: " << message;
      return {};
    }
    return wait_finished(t.task_key);
  }

  // Runs the loop (serving the executor) until file holds `lines` complete lines.
  bool wait_for_lines(const std::filesystem::path& file, size_t lines) {
    return host().run_until(
        [&] {
          const std::string text = executor_conformance::read_text(file);
          return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) >= lines;
        },
        executor_conformance::kDeadline);
  }
  // Runs the loop until every process pid is gone (or a zombie).
  bool wait_gone(const std::vector<pid_t>& pids) {
    return host().run_until(
        [&] {
          for (const pid_t pid : pids) {
            if (!executor_conformance::process_gone(pid)) return false;
          }
          return true;
        },
        executor_conformance::kDeadline);
  }

  // The task that the restart tests run: records its pid, waits (at most two
  // minutes) for the file go to appear, then writes the file done and its
  // output, and exits with code 3.
  TaskSpec waiting_task(const std::string& node) const {
    using executor_conformance::quoted;
    const auto go = scratch_ / (node + ".go");
    const auto done = scratch_ / (node + ".done");
    return task(node, record_pid("$$", node + ".pid") + "\ni=0\nwhile [ ! -e " + quoted(go) +
                          " ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done\n[ -e " + quoted(go) +
                          " ] || exit 99\necho done > " + quoted(done) + "\n" + write_output(R"({"recovered":true})") +
                          "\nexit 3\n");
  }
  void let_go(const std::string& node) const { std::ofstream(scratch_ / (node + ".go")) << "go\n"; }
  bool is_done(const std::string& node) const { return std::filesystem::exists(scratch_ / (node + ".done")); }

  // The restart tests: a task that runs through a restart of weftd, then
  // recover(spec, external_id) (or with an empty external id).
  void expect_recovered_through_a_restart(const std::string& node, bool with_external_id) {
    using namespace executor_conformance;
    if (!has_recover()) GTEST_SKIP() << "recover is NULL: weftd reports such tasks lost";
    const TaskSpec t = waiting_task(node);
    ASSERT_NO_FATAL_FAILURE(start_ok(t));
    const auto started = host().wait_for(t.task_key, WEFT_EVENT_STARTED, kDeadline);
    ASSERT_TRUE(started) << "no STARTED for " << t.task_key << ": " << describe(host().events_for(t.task_key));
    ASSERT_TRUE(wait_for_lines(pid_file(node + ".pid"), 1)) << "the task did not start running";
    const auto pids = pids_in(pid_file(node + ".pid"));

    ASSERT_NO_FATAL_FAILURE(restart());
    if (under_test().local_processes) {
      for (const pid_t pid : pids) EXPECT_FALSE(process_gone(pid)) << "destroying the executor stopped the task";
    }
    std::string message;
    ASSERT_EQ(recover(t, with_external_id ? started->external_id : "", &message), WEFT_OK) << message;

    const bool may_be_lost = !with_external_id && !under_test().finds_tasks_by_key;
    if (under_test().recovery == Recovery::takes_back) {
      let_go(node);
      const auto end = wait_end(t.task_key);
      ASSERT_TRUE(end) << "no FINISHED or LOST after recover: " << describe(host().events_for(t.task_key));
      if (may_be_lost && end->kind == WEFT_EVENT_LOST) return;  // kill_leftovers() stops the task
      ASSERT_EQ(end->kind, WEFT_EVENT_FINISHED) << "the recovered task still ran, yet: " << describe(*end);
      EXPECT_EQ(end->exit_code, 3);
      EXPECT_EQ(nlohmann::json::parse(end->output_json, nullptr, false), nlohmann::json({{"recovered", true}}))
          << end->output_json;
      EXPECT_TRUE(is_done(node));
    } else {
      const auto end = wait_end(t.task_key);
      ASSERT_TRUE(end) << "no FINISHED or LOST after recover: " << describe(host().events_for(t.task_key));
      ASSERT_EQ(end->kind, WEFT_EVENT_LOST) << describe(*end);
      EXPECT_FALSE(end->error.empty()) << "LOST must say why";
      if (may_be_lost) return;
      // Stopped, so that weftd may run it again: it must not go on.
      if (under_test().local_processes) {
        EXPECT_TRUE(wait_gone(pids)) << "recover reported LOST, and the task still runs";
      }
      let_go(node);
      EXPECT_FALSE(is_done(node)) << "recover reported LOST, and the task went on";
    }
  }

  // A spec the executor cannot run: refused by start with a message, or
  // ended with an error. Never silence.
  void expect_refused_or_failed(const TaskSpec& t) {
    using namespace executor_conformance;
    std::string message;
    const weft_status status = start(t, &message);
    if (status != WEFT_OK) {
      EXPECT_EQ(status, WEFT_ERROR) << message;
      EXPECT_FALSE(message.empty()) << "start refused the task without saying why";
      return;
    }
    const auto end = wait_end(t.task_key);
    ASSERT_TRUE(end) << "start accepted a task it cannot run, and it never ended: "
                     << describe(host().events_for(t.task_key));
    if (end->kind == WEFT_EVENT_FINISHED) {
      EXPECT_TRUE(end->exit_code != 0 || !end->error.empty()) << "reported as a success: " << describe(*end);
    } else {
      EXPECT_FALSE(end->error.empty()) << "LOST must say why: " << describe(*end);
    }
  }

 private:
  // Stops what a failed test left running, by the pids the tasks recorded.
  void kill_leftovers() {
    if (!under_test().local_processes || scratch_.empty()) return;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(scratch_ / "pids", ec)) {
      for (const pid_t pid : executor_conformance::pids_in(entry.path())) {
        if (pid > 1 && !executor_conformance::process_gone(pid)) ::kill(pid, SIGKILL);
      }
    }
  }

  std::filesystem::path scratch_;
  std::string run_id_;
  const weft_executor_vtable* vtable_ = nullptr;
  std::string config_;
  std::vector<std::unique_ptr<Daemon>> daemons_;  // the current one last
};

// ---- start, exit codes, output, logs ----------------------------------------

TEST_P(ExecutorConformance, StartReportsStartedWithAnExternalIdThenOneFinished) {
  const TaskSpec t = task("ok", "exit 0");
  run(t);
  const auto events = host().events_for(t.task_key);
  ASSERT_GE(events.size(), 2u) << executor_conformance::describe(events);
  EXPECT_EQ(events.front().kind, WEFT_EVENT_STARTED)
      << "STARTED must come first: " << executor_conformance::describe(events);
  EXPECT_FALSE(events.front().external_id.empty()) << "STARTED must name the task in the executor";
  EXPECT_EQ(events.size(), 2u) << "one STARTED and one FINISHED: " << executor_conformance::describe(events);
}

TEST_P(ExecutorConformance, ExitCodeZeroIsReportedWithoutAnError) {
  const auto finished = run(task("zero", "exit 0"));
  EXPECT_EQ(finished.exit_code, 0);
  EXPECT_EQ(finished.error, "");
}

TEST_P(ExecutorConformance, ANonZeroExitCodeIsReported) {
  EXPECT_EQ(run(task("three", "exit 3")).exit_code, 3);
  EXPECT_EQ(run(task("max", "exit 125")).exit_code, 125);
}

TEST_P(ExecutorConformance, ATaskKilledBySignalNIsReportedAs128PlusN) {
  EXPECT_EQ(run(task("terminated", "kill -TERM $$")).exit_code, 128 + SIGTERM);
}

TEST_P(ExecutorConformance, WhatTheTaskWritesToItsOutputFileIsItsOutputJson) {
  const nlohmann::json output = {{"rows", 3}, {"names", {"a", "b"}}, {"text", "Grüße, 東京"}};
  const auto finished = run(task("output", write_output(output.dump())));
  EXPECT_EQ(nlohmann::json::parse(finished.output_json, nullptr, false), output) << finished.output_json;
}

TEST_P(ExecutorConformance, NoOutputFileMeansEmptyOutputJson) {
  EXPECT_EQ(run(task("no-output", "exit 0")).output_json, "");
}

TEST_P(ExecutorConformance, StdoutAndStderrLandInTheirFiles) {
  using executor_conformance::read_text;
  const TaskSpec t = task("logs", "echo to-stdout; echo to-stderr >&2");
  run(t);
  const std::string out = read_text(t.stdout_path);
  const std::string err = read_text(t.stderr_path);
  EXPECT_NE(out.find("to-stdout\n"), std::string::npos) << "stdout: " << out;
  EXPECT_EQ(out.find("to-stderr"), std::string::npos) << "stdout: " << out;
  EXPECT_NE(err.find("to-stderr\n"), std::string::npos) << "stderr: " << err;
  EXPECT_EQ(err.find("to-stdout"), std::string::npos) << "stderr: " << err;
}

TEST_P(ExecutorConformance, TheCommandsEnvAndCwdAreHonoured) {
  const auto workdir = scratch() / "work dir";
  std::filesystem::create_directories(workdir);
  TaskSpec t = task("env-cwd", R"(printf '%s|%s' "$WEFT_CONFORMANCE_A" "$WEFT_CONFORMANCE_B" > seen.txt)");
  t.command->env = {{"WEFT_CONFORMANCE_A", "a value with spaces"}, {"WEFT_CONFORMANCE_B", "x=y;'z'"}};
  t.command->cwd = workdir.string();
  const auto finished = run(t);
  EXPECT_EQ(finished.exit_code, 0) << executor_conformance::read_text(t.stderr_path);
  EXPECT_EQ(executor_conformance::read_text(workdir / "seen.txt"), "a value with spaces|x=y;'z'")
      << "the task did not run in cwd with env";
}

// ---- cancel -------------------------------------------------------------------

TEST_P(ExecutorConformance, CancelStopsTheWholeProcessTreeAndReportsFinished) {
  // The shell, a child, and a child that ignores SIGTERM.
  const TaskSpec t =
      task("cancelled", "sleep 300 &\n" + record_pid("$!", "tree.pid") + "\n(trap '' TERM; exec sleep 300) &\n" +
                            record_pid("$!", "tree.pid") + "\n" + record_pid("$$", "tree.pid") + "\nwait\n");
  ASSERT_NO_FATAL_FAILURE(start_ok(t));
  ASSERT_TRUE(wait_for_lines(pid_file("tree.pid"), 3)) << "the task did not start its children";
  std::string message;
  ASSERT_EQ(cancel(t.task_key, &message), WEFT_OK) << message;
  const auto end = wait_end(t.task_key);
  ASSERT_TRUE(end) << "no FINISHED after cancel: " << executor_conformance::describe(host().events_for(t.task_key));
  EXPECT_EQ(end->kind, WEFT_EVENT_FINISHED) << "cancel's FINISHED follows: " << executor_conformance::describe(*end);
  EXPECT_TRUE(end->exit_code != 0 || !end->error.empty())
      << "a cancelled task must not look like a success: " << executor_conformance::describe(*end);
  if (under_test().local_processes) {
    EXPECT_TRUE(wait_gone(executor_conformance::pids_in(pid_file("tree.pid"))))
        << "processes of the cancelled task are still running";
  }
}

TEST_P(ExecutorConformance, CancelOfAnUnknownTaskIsNotFound) {
  std::string message;
  EXPECT_EQ(cancel(task("no-such-task", "exit 0").task_key, &message), WEFT_NOT_FOUND) << message;
}

TEST_P(ExecutorConformance, CancelOfATaskThatEndedReportsNothing) {
  const TaskSpec t = task("ended", "exit 0");
  run(t);
  std::string message;
  const weft_status status = cancel(t.task_key, &message);
  EXPECT_TRUE(status == WEFT_NOT_FOUND || status == WEFT_OK) << "status " << status << ": " << message;
  // TearDown checks that no second end follows.
}

// ---- many at once -------------------------------------------------------------

TEST_P(ExecutorConformance, ManyTasksAtOnceEachEndOnceWithTheirOwnResult) {
  constexpr int kTasks = 20;
  std::vector<TaskSpec> tasks;
  for (int i = 0; i < kTasks; ++i) {
    tasks.push_back(task("many-" + std::to_string(i),
                         write_output(nlohmann::json{{"i", i}}.dump()) + "; exit " + std::to_string(i % 4)));
  }
  for (const auto& t : tasks) ASSERT_NO_FATAL_FAILURE(start_ok(t));
  std::set<std::string> external_ids;
  for (int i = 0; i < kTasks; ++i) {
    const auto finished = wait_finished(tasks[i].task_key);
    EXPECT_EQ(finished.exit_code, i % 4) << tasks[i].task_key;
    EXPECT_EQ(nlohmann::json::parse(finished.output_json, nullptr, false), nlohmann::json({{"i", i}}))
        << tasks[i].task_key << ": " << finished.output_json;
    if (const auto started = host().find(tasks[i].task_key, WEFT_EVENT_STARTED)) {
      EXPECT_TRUE(external_ids.insert(started->external_id).second)
          << "two tasks share the external id " << started->external_id;
    }
  }
  EXPECT_EQ(external_ids.size(), size_t{kTasks}) << "every task is reported STARTED with its own external id";
}

// ---- bad specs ----------------------------------------------------------------

TEST_P(ExecutorConformance, AnEmptyArgvIsRefusedOrFails) {
  TaskSpec t = task("empty-argv", "exit 0");
  t.command->argv.clear();
  expect_refused_or_failed(t);
}

TEST_P(ExecutorConformance, AProgramThatDoesNotExistIsRefusedOrFails) {
  TaskSpec t = task("no-program", "exit 0");
  t.command->argv = {(scratch() / "no-such-program").string(), "--flag"};
  expect_refused_or_failed(t);
}

TEST_P(ExecutorConformance, ALogPathThatCannotBeCreatedIsRefusedOrFails) {
  // Its parent is a regular file, which no one (not even root) can make a directory.
  std::ofstream(scratch() / "a-file") << "not a directory\n";
  TaskSpec t = task("bad-log", "echo hello");
  t.stdout_path = (scratch() / "a-file" / "stdout.log").string();
  expect_refused_or_failed(t);
}

// ---- restarts -----------------------------------------------------------------

TEST_P(ExecutorConformance, DestroyLeavesRunningTasksRunning) {
  const TaskSpec t = waiting_task("outlives");
  ASSERT_NO_FATAL_FAILURE(start_ok(t));
  ASSERT_TRUE(wait_for_lines(pid_file("outlives.pid"), 1)) << "the task did not start running";
  ASSERT_NO_FATAL_FAILURE(restart());
  let_go("outlives");
  EXPECT_TRUE(host().run_until([&] { return is_done("outlives"); }, executor_conformance::kDeadline))
      << "the task stopped when its executor was destroyed";
}

TEST_P(ExecutorConformance, RecoverByExternalIdTakesBackATaskThatRanThroughARestart) {
  expect_recovered_through_a_restart("recovered", true);
}

TEST_P(ExecutorConformance, RecoverWithoutExternalIdFindsTheTaskByItsKey) {
  expect_recovered_through_a_restart("unconfirmed", false);
}

TEST_P(ExecutorConformance, RecoverOfATaskThatNeverStartedIsLost) {
  if (!has_recover()) GTEST_SKIP() << "recover is NULL: weftd reports such tasks lost";
  const TaskSpec t = task("never-started", "exit 0");
  std::string message;
  ASSERT_EQ(recover(t, "", &message), WEFT_OK) << message;
  const auto end = wait_end(t.task_key);
  ASSERT_TRUE(end) << "recover reported nothing";
  EXPECT_EQ(end->kind, WEFT_EVENT_LOST) << executor_conformance::describe(*end);
  EXPECT_FALSE(end->error.empty()) << "LOST must say why";
  EXPECT_FALSE(std::filesystem::exists(t.stdout_path)) << "recover ran the task";
}

TEST_P(ExecutorConformance, RecoverWithAnExternalIdThatNamesNothingIsLostOrRefused) {
  if (!has_recover()) GTEST_SKIP() << "recover is NULL: weftd reports such tasks lost";
  const TaskSpec t = task("unknown-id", "exit 0");
  std::string message;
  const weft_status status = recover(t, "weft-conformance-names-nothing", &message);
  if (status != WEFT_OK) {
    EXPECT_EQ(status, WEFT_ERROR) << message;
    EXPECT_FALSE(message.empty()) << "recover failed without saying why";
    return;
  }
  const auto end = wait_end(t.task_key);
  ASSERT_TRUE(end) << "recover reported nothing";
  EXPECT_EQ(end->kind, WEFT_EVENT_LOST) << executor_conformance::describe(*end);
  EXPECT_FALSE(end->error.empty()) << "LOST must say why";
}

TEST_P(ExecutorConformance, RecoverOfATaskThatEndedBeforeTheRestartIsLostOrItsFinishedAgain) {
  if (!has_recover()) GTEST_SKIP() << "recover is NULL: weftd reports such tasks lost";
  const TaskSpec t = task("ended-before", "exit 5");
  const auto first = run(t);
  const auto started = host().find(t.task_key, WEFT_EVENT_STARTED);
  ASSERT_TRUE(started);
  ASSERT_NO_FATAL_FAILURE(restart());
  std::string message;
  ASSERT_EQ(recover(t, started->external_id, &message), WEFT_OK) << message;
  const auto end = wait_end(t.task_key);
  ASSERT_TRUE(end) << "recover reported nothing";
  if (end->kind == WEFT_EVENT_LOST) {
    EXPECT_FALSE(end->error.empty()) << "LOST must say why";
  } else {
    EXPECT_EQ(end->exit_code, first.exit_code) << "a FINISHED after recover must be the task's own";
  }
}

}  // namespace weft::sdk::testing

// Runs the suite against one executor, or several: prefix names the
// instantiation, the rest are ExecutorUnderTest values. Use at namespace scope.
#define WEFT_EXECUTOR_CONFORMANCE(prefix, ...)                                          \
  using weft::sdk::testing::ExecutorConformance;                                        \
  INSTANTIATE_TEST_SUITE_P(prefix, ExecutorConformance, ::testing::Values(__VA_ARGS__), \
                           [](const auto& info) { return info.param.name; })
