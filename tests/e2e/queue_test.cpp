// Queues for real: the example consumer (etc/examples/queue-consumer.json)
// takes messages from the example producer (queue_publish) and the API, two
// runs at most at once; a message naming a missing file ends in the dead
// letters with its failure and, once the file exists, is redriven and
// processed. weftd killed
// with -9 while messages are in flight delivers each message to one run.
#include "weftd_process.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

namespace weft::test {
namespace {

using nlohmann::json;

class Queue : public ::testing::Test {
 protected:
  // The example, its outbox and inputs in the test's directory; `copy` waits for release_ when hold is set.
  void apply_consumer(bool hold) {
    json consumer = example_workflow("queue-consumer");
    consumer["params"]["outbox"] = (dir_.path() / "outbox").string();
    if (hold) {
      auto& argv = consumer["nodes"][0]["params"]["argv"];
      argv[2] = wait_for_file(release_) + " && " + argv[2].get<std::string>();
    }
    weftd_.apply(consumer);
  }
  std::string input(const std::string& name) const {
    const auto file = dir_.path() / "in" / name;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file) << name << '\n';
    return file.string();
  }
  std::string push(const json& message) const {
    const auto response = weftd_.client().post("/api/v1/queues/files/messages", message);
    EXPECT_EQ(response.status, 201) << response.body;
    return response.json().value("id", "");
  }
  json queue() const {
    const auto response = weftd_.client().get("/api/v1/queues/files");
    return response.status == 200 ? response.json() : json();
  }
  bool queue_is(int64_t ready, int64_t in_flight, int64_t dead) const {
    return eventually([&] {
      const json q = queue();
      return q.is_object() && q["ready"] == ready && q["in_flight"] == in_flight && q["dead"] == dead;
    });
  }
  std::vector<std::string> processed() const { return read_lines(dir_.path() / "outbox" / "processed"); }
  // The consumer's runs, by the message they were delivered (their idempotency key).
  std::map<std::string, int> runs_by_key() const {
    const json runs = weftd_.client().get("/api/v1/runs?workflow=queue-consumer&limit=1000").json();
    std::map<std::string, int> keys;
    for (const auto& run : runs["items"]) ++keys[run.value("idempotency_key", "")];
    return keys;
  }
  void release() const { std::ofstream(release_).put('\n'); }

  TempDir dir_;
  std::filesystem::path release_ = dir_.path() / "release";
  WeftdProcess weftd_;
};

// The producer example pushes one message per file of its inbox; late.txt
// is a link to a file not there yet, so its message fails and goes dead.
TEST_F(Queue, AFailingMessageIsDeadWithItsFailureAndARedriveProcessesIt) {
  apply_consumer(false);
  const std::string present = input("a.txt");
  const auto target = dir_.path() / "later" / "late.txt";
  const auto missing = dir_.path() / "in" / "late.txt";
  std::filesystem::create_symlink(target, missing);
  json producer = example_workflow("queue-producer");
  producer["params"]["inbox"] = (dir_.path() / "in").string();
  weftd_.apply(producer);
  EXPECT_EQ(weftd_.wait_run(weftd_.start_run("queue-producer"))["status"], "succeeded") << weftd_.log();
  ASSERT_TRUE(queue_is(0, 0, 1)) << queue() << weftd_.log();
  EXPECT_EQ(processed(), std::vector<std::string>{present});

  const json dead = weftd_.client().get("/api/v1/queues/files/dead").json();
  ASSERT_EQ(dead["items"].size(), 1u) << dead;
  const json& letter = dead["items"][0];
  EXPECT_EQ(letter["body"], (json{{"file", missing.string()}}));
  EXPECT_EQ(letter["deliveries"], 1);
  EXPECT_THAT(letter["failure"]["error"].get<std::string>(), ::testing::HasSubstr("copy"));
  EXPECT_EQ(weftd_.wait_run(letter["failure"]["run_id"].get<std::string>())["status"], "failed");

  std::filesystem::create_directories(target.parent_path());  // the cause fixed: the file is there now
  std::ofstream(target) << "late\n";
  const auto redriven = weftd_.client().post("/api/v1/queues/files/dead/redrive", {{"ids", {letter["id"]}}});
  ASSERT_EQ(redriven.status, 200) << redriven.body;
  EXPECT_EQ(redriven.json()["redriven"], 1);
  ASSERT_TRUE(queue_is(0, 0, 0)) << queue() << weftd_.log();
  EXPECT_EQ(processed(), (std::vector<std::string>{present, missing.string()}));
  EXPECT_EQ(runs_by_key().size(), 3u) << "one run per delivery: two messages, one of them twice";
}

TEST_F(Queue, AtMostMaxParallelRunsAtOnceTheRestWaitInTheQueue) {
  apply_consumer(true);
  for (int i = 0; i < 5; ++i) push({{"file", input("f" + std::to_string(i))}});
  ASSERT_TRUE(queue_is(3, 2, 0)) << queue() << weftd_.log();
  const json running = weftd_.client().get("/api/v1/runs?workflow=queue-consumer&limit=100").json();
  EXPECT_EQ(running["items"].size(), 2u) << "max_parallel 2: only two runs exist while both are held";
  release();
  ASSERT_TRUE(queue_is(0, 0, 0)) << queue() << weftd_.log();
  EXPECT_EQ(processed().size(), 5u);
}

TEST_F(Queue, KilledWhileMessagesAreInFlightEachMessageIsProcessedOnce) {
  apply_consumer(true);
  std::vector<std::string> files;
  for (int i = 0; i < 6; ++i) {
    files.push_back(input("k" + std::to_string(i)));
    push({{"file", files.back()}});
  }
  ASSERT_TRUE(queue_is(4, 2, 0)) << queue() << weftd_.log();
  weftd_.kill_hard();
  weftd_.start();
  release();
  ASSERT_TRUE(queue_is(0, 0, 0)) << queue() << weftd_.log();
  auto lines = processed();
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, files) << "each message's record ran once";
  const auto keys = runs_by_key();
  EXPECT_EQ(keys.size(), 6u);
  for (const auto& [key, count] : keys) EXPECT_EQ(count, 1) << key;
}

TEST_F(Queue, BadInputIsRefusedClearly) {
  const auto& client = weftd_.client();
  const auto bad_name = client.post("/api/v1/queues/no%20spaces/messages", {{"n", 1}});
  EXPECT_EQ(bad_name.status, 400);
  EXPECT_THAT(bad_name.body, ::testing::HasSubstr("[A-Za-z0-9._-]{1,128}"));
  const auto not_json = client.send("POST", "/api/v1/queues/files/messages", "{\"unclosed\": ");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_THAT(not_json.body, ::testing::HasSubstr("any JSON value"));
  EXPECT_EQ(client.post("/api/v1/queues/nowhere/dead/redrive").status, 404);
  EXPECT_EQ(client.get("/api/v1/queues/nowhere").status, 404);
  const auto huge = client.post("/api/v1/queues/files/messages", {{"blob", std::string(1100000, 'x')}});
  EXPECT_EQ(huge.status, 413) << huge.body;
  push({{"n", 1}});  // no consumer: it waits
  EXPECT_EQ(client.post("/api/v1/queues/files/dead/redrive", {{"ids", {"no-such-message"}}}).status, 404);
  EXPECT_EQ(client.post("/api/v1/queues/files/dead/redrive", {{"ids", "all"}}).status, 400);
  const json queues = client.get("/api/v1/queues").json();
  ASSERT_EQ(queues["items"].size(), 1u) << queues;
  EXPECT_EQ(queues["items"][0], (json{{"name", "files"}, {"ready", 1}, {"in_flight", 0}, {"dead", 0}}));
}

}  // namespace
}  // namespace weft::test
