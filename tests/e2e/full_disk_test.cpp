// The state dir's file system full: a tmpfs of a few MB mounted for the test
// (the tests run as root; mount(2) is the honest way to get ENOSPC from
// SQLite, the task logs and everything else at once), filled with a file
// until a write fails, emptied again later.
//
// While it is full weftd keeps serving and /readyz answers 503; a task whose
// log writes fail fails with an error that says the file system is full; what
// happened meanwhile is stored once space returns, and the runs go on; after
// a restart everything reads back as it was.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/mount.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

// A tmpfs mounted at a new temporary directory, unmounted with the object.
class SmallFileSystem {
 public:
  explicit SmallFileSystem(const std::string& size) {
    if (::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, ("size=" + size + ",mode=0750").c_str()) != 0) {
      throw std::runtime_error(std::string("cannot mount a tmpfs at ") + dir_.path().string() + ": " +
                               std::strerror(errno) +
                               ". This test needs root (or CAP_SYS_ADMIN) to mount a small file system it can fill; "
                               "run it as root, or in a container started with --cap-add SYS_ADMIN");
    }
  }
  ~SmallFileSystem() { ::umount2(dir_.path().c_str(), MNT_DETACH); }
  SmallFileSystem(const SmallFileSystem&) = delete;
  SmallFileSystem& operator=(const SmallFileSystem&) = delete;

  const fs::path& path() const { return dir_.path(); }

  // Writes a filler file until the file system says ENOSPC.
  void fill() const {
    std::FILE* filler = std::fopen((path() / "filler").c_str(), "w");
    ASSERT_NE(filler, nullptr) << std::strerror(errno);
    const std::string block(64 * 1024, 'x');
    while (std::fwrite(block.data(), 1, block.size(), filler) == block.size() && std::fflush(filler) == 0) {
    }
    std::fclose(filler);
  }
  void empty() const { fs::remove(path() / "filler"); }

 private:
  TempDir dir_;
};

class FullDisk : public ::testing::Test {
 protected:
  WeftdOptions on_small_fs() const {
    WeftdOptions options;
    // Without tokens: the harness finds the admin token in a state dir of its own.
    options.config = {{"state_dir", (disk_.path() / "state").string()}, {"auth", {{"enabled", false}}}};
    return options;
  }
  bool ready() const { return weftd_.client().get("/readyz").status == 200; }

  SmallFileSystem disk_{"8m"};
  TempDir outside_;  // on a file system with room: where tests and their tasks signal each other
  WeftdProcess weftd_{on_small_fs()};
};

TEST_F(FullDisk, WeftdServesThroughItAndRunsGoOnWhenSpaceReturns) {
  const auto release = outside_.path() / "release";
  // `quiet` writes nothing while it runs; `talker` writes its log after the
  // disk is full, and fails for it.
  const auto quiet = workflow("quiet", {sh("wait", wait_for_file(release)), sh("after", "echo after").after({"wait"})});
  const auto talker = workflow("talker", {sh("talk", wait_for_file(release) + "; echo a line for the log")});
  const std::string quiet_run = weftd_.start_adhoc(quiet);
  const std::string talker_run = weftd_.start_adhoc(talker);
  ASSERT_TRUE(eventually([&] {
    return weftd_.tasks(quiet_run)["wait"]["status"] == "running" &&
           weftd_.tasks(talker_run)["talk"]["status"] == "running";
  }));

  disk_.fill();
  std::ofstream(release).put('\n');
  // Both tasks end; storing that fails, and weftd says it is not ready.
  ASSERT_TRUE(eventually([&] { return !ready(); })) << weftd_.log();
  EXPECT_EQ(weftd_.client().get("/readyz").status, 503);
  EXPECT_EQ(weftd_.client().get("/healthz").status, 200);
  const auto refused = weftd_.client().post("/api/v1/runs", {{"workflow", quiet}});
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("the store cannot be written"));
  EXPECT_EQ(weftd_.client().get("/api/v1/runs/" + quiet_run).status, 200);  // reads go on

  disk_.empty();
  ASSERT_TRUE(eventually([&] { return ready(); }, std::chrono::seconds(30))) << weftd_.log();
  EXPECT_EQ(weftd_.wait_run(quiet_run)["status"], "succeeded");
  EXPECT_EQ(weftd_.tasks(quiet_run)["after"]["status"], "succeeded");
  EXPECT_EQ(weftd_.wait_run(talker_run)["status"], "failed");
  const json talk = weftd_.tasks(talker_run)["talk"];
  EXPECT_THAT(talk["error"].get<std::string>(),
              HasSubstr("is full, so the task's log and output may not have been written"));

  // Nothing stored was lost or half written.
  const auto quiet_tasks = weftd_.tasks(quiet_run);
  const auto talker_tasks = weftd_.tasks(talker_run);
  weftd_.stop();
  weftd_.start();
  EXPECT_EQ(weftd_.tasks(quiet_run), quiet_tasks);
  EXPECT_EQ(weftd_.tasks(talker_run), talker_tasks);
  EXPECT_EQ(weftd_.wait_run(weftd_.start_adhoc(workflow("later", {sh("a", "echo fine")})))["status"], "succeeded");
}

}  // namespace
}  // namespace weft::test
