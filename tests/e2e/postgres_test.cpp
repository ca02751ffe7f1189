// weftd on PostgreSQL (the postgres store), each test with a real server of
// its own: killed with SIGKILL mid-run and started again, and riding out a
// restart of the database mid-run. The server is the harness's
// PostgresServer, Debian's package in a temp dir on a unix socket.
#include "child_process.hpp"
#include "own_postgres.hpp"
#include "recovery_fixture.hpp"

#include <gmock/gmock.h>

#include <fstream>
#include <string>

namespace weft::test {
namespace {

namespace fs = std::filesystem;

class OnPostgres : protected OwnPostgres, public RecoveryFixture {
 protected:
  OnPostgres() : RecoveryFixture(with_config({{"storage", server_.store_config()}})) {}

  int readyz() const { return weftd_.client().get("/readyz").status; }
};

TEST_F(OnPostgres, AKilledRunFinishesAfterARestartWithoutRunningSucceededTasksAgain) {
  expect_killed_chain_finishes_without_rerunning_succeeded_tasks();
  EXPECT_FALSE(fs::exists(weftd_.state_dir() / "weft.db")) << "the state went to SQLite, not PostgreSQL";
}

TEST_F(OnPostgres, ARunOutlivesARestartOfTheDatabaseAndReadyzAnswers503WhileItIsDown) {
  const std::string run_id = weftd_.start_adhoc(chain());
  ASSERT_TRUE(tasks_reach(run_id, {{"first", "succeeded"}, {"second", "succeeded"}, {"held", "running"}}))
      << weftd_.log();
  ASSERT_EQ(readyz(), 200);

  server_.stop();
  release();  // held finishes while the database is down: its end cannot be stored
  EXPECT_TRUE(eventually([&] { return readyz() == 503; })) << weftd_.log();
  EXPECT_EQ(count_lines(ran_, "last"), 0) << "last started on a result that was not stored";

  server_.start();
  EXPECT_TRUE(eventually([&] { return readyz() == 200; }, std::chrono::seconds(30))) << weftd_.log();
  expect_chain_finished(run_id, 1);
}

class SharedStoreStart : protected OwnPostgres, public ::testing::Test {};

// The defaults of instance.id and instance.address name the listen port, and
// port 0 is no port the other instances could reach or tell apart.
TEST_F(SharedStoreStart, AFreePortWithoutAnInstanceIdAndAddressIsRefused) {
  const TempDir dir;
  const fs::path config = dir.path() / "weftd.json";
  std::ofstream(config) << nlohmann::json{
      {"listen", "127.0.0.1:0"},
      {"state_dir", (dir.path() / "state").string()},
      {"storage",
       server_.store_config()}}.dump();
  const auto refused = run_program(weftd_binary(), {"--config", config.string()});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_THAT(refused.err, ::testing::HasSubstr("set instance.id and instance.address"));
}

}  // namespace
}  // namespace weft::test
