// Slurm through slurmrestd's REST API (slurmrestd_client.hpp): POST
// job/submit, one GET jobs for all jobs, DELETE job/{id}. The requests run
// one at a time on a worker thread of the transport's own; their answers
// come back to the daemon's event loop through an eventfd that the host's
// watch_fd waits on, and the callbacks run there. So nothing blocks the
// event loop but the destructor, which waits for a request under way (at
// most the request timeout).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>
#include <weft/sdk/plugin.hpp>

#include "slurm_transport.hpp"
#include "slurmrestd_client.hpp"

namespace weft::slurm {

// The body of POST job/submit for job. Throws std::invalid_argument for what
// the REST API cannot take (sbatch options in extra_args).
nlohmann::json rest_job_submission(const JobRequest& job);
// The jobs of user in the body of a GET jobs reply; throws
// std::invalid_argument if the body is not such a reply.
std::vector<JobRecord> parse_rest_jobs(const std::string& body, const std::string& user);
// What went wrong, in slurmrestd's words (its errors array) when it said
// any: "HTTP 500: Invalid partition name specified (error 2000)".
std::string describe_failure(const RestReply& reply);

class RestTransport final : public SlurmTransport {
 public:
  // Throws std::invalid_argument for settings it cannot use.
  RestTransport(const sdk::Host& host, RestSettings settings);
  // Waits for the request under way; the callbacks of the others never run.
  ~RestTransport() override;
  RestTransport(const RestTransport&) = delete;
  RestTransport& operator=(const RestTransport&) = delete;

  void submit(const JobRequest& job, std::function<void(SubmitResult)> done) override;
  void query(std::function<void(QueryResult)> done) override;
  void cancel(const CancelTarget& target, std::function<void(std::string error)> done) override;

  const sdk::Host& host() const { return host_; }

 private:
  struct Call {
    std::string method;
    std::string path;
    std::string body;
    std::function<void(const RestReply&)> answered;  // runs on the event loop
    RestReply reply;
  };

  void send(std::string method, std::string path, std::string body, std::function<void(const RestReply&)> answered);
  void work();
  void on_answers(int fd) noexcept;

  sdk::Host host_;
  std::string user_;
  SlurmrestdClient client_;  // the worker's only
  int answers_fd_ = -1;      // eventfd: the worker has answers for the event loop
  size_t calls_out_ = 0;     // sent and not answered on the event loop yet; the event loop's only

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Call> to_send_;
  std::vector<Call> answers_;
  std::thread worker_;
};

}  // namespace weft::slurm
