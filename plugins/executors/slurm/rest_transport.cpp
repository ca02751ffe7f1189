#include "rest_transport.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <limits>
#include <stdexcept>
#include <system_error>

namespace weft::slurm {

namespace {

using nlohmann::json;

// Jobs submitted through slurmrestd do not inherit weftd's environment (the
// REST API requires one to be given): a PATH where the usual tools are.
// Everything else a task needs comes from its command's env.
constexpr const char* kJobPath = "/usr/local/bin:/usr/bin:/bin";

// Above it, an index is one of Slurm's NO_VAL markers, not an index.
constexpr int64_t kLargestIndex = std::numeric_limits<int32_t>::max();

std::string text_field(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string();
}

int64_t integer_field(const json& object, const char* key) {
  const auto found = object.find(key);
  return found != object.end() && found->is_number_integer() ? found->get<int64_t>() : 0;
}

}  // namespace

json rest_job_submission(const JobRequest& job) {
  if (!job.extra_args.empty()) {
    throw std::invalid_argument("extra_args are sbatch options, which the rest transport cannot pass: '" +
                                job.extra_args.front() + "'");
  }
  json description = {{"name", job.name},
                      {"comment", job.comment},
                      {"standard_output", job.stdout_path},
                      {"standard_error", job.stderr_path},
                      {"current_working_directory", job.working_dir},
                      {"environment", {{"PATH", kJobPath}}},
                      // weft retries a lost task itself: a requeued job would run twice.
                      {"requeue", false}};
  // sbatch tells the job what it asked for through these; slurmrestd does not.
  if (job.cpus_per_task > 0) {
    description["cpus_per_task"] = job.cpus_per_task;
    description["environment"]["SLURM_CPUS_PER_TASK"] = std::to_string(job.cpus_per_task);
  }
  if (job.memory_mb > 0) {
    description["memory_per_node"] = job.memory_mb;
    description["environment"]["SLURM_MEM_PER_NODE"] = std::to_string(job.memory_mb);
  }
  if (job.gpus > 0) description["gres"] = "gpu:" + std::to_string(job.gpus);
  // The REST API takes whole minutes only: rounded up, never shorter than asked.
  if (job.time_limit_s > 0) description["time_limit"] = (job.time_limit_s + 59) / 60;
  if (!job.partition.empty()) description["partition"] = job.partition;
  if (!job.account.empty()) description["account"] = job.account;
  if (!job.qos.empty()) description["qos"] = job.qos;
  if (!job.array.empty()) description["array"] = job.array;
  return {{"script", job.script}, {"job", std::move(description)}};
}

std::vector<JobRecord> parse_rest_jobs(const std::string& body, const std::string& user) {
  const json reply = json::parse(body, nullptr, false);
  if (!reply.is_object() || !reply.contains("jobs") || !reply["jobs"].is_array()) {
    throw std::invalid_argument("slurmrestd's list of jobs has no 'jobs' array: " + body.substr(0, 200));
  }
  std::vector<JobRecord> jobs;
  for (const auto& job : reply["jobs"]) {
    if (!job.is_object() || !job.contains("job_id") || !job["job_id"].is_number_integer()) {
      throw std::invalid_argument("slurmrestd listed a job without a job_id: " + job.dump().substr(0, 200));
    }
    if (text_field(job, "user_name") != user) continue;
    JobRecord record;
    record.id = job["job_id"].get<JobId>();
    record.state = text_field(job, "job_state");
    record.reason = text_field(job, "state_reason");
    record.exit_status = static_cast<int>(integer_field(job, "exit_code"));
    record.name = text_field(job, "name");
    record.array_job_id = integer_field(job, "array_job_id");
    if (record.array_job_id != 0) {
      // An element has its index; the remainder not split off yet has null
      // there and its indices in array_task_string.
      const auto index = job.find("array_task_id");
      if (index != job.end() && index->is_number_integer() && index->get<int64_t>() <= kLargestIndex) {
        record.array_task_id = index->get<int64_t>();
      } else {
        record.array_pending = text_field(job, "array_task_string");
      }
    }
    jobs.push_back(std::move(record));
  }
  return jobs;
}

std::string describe_failure(const RestReply& reply) {
  if (reply.status == 0) return reply.error;
  std::string said;
  const json body = json::parse(reply.body, nullptr, false);
  if (body.is_object() && body.contains("errors") && body["errors"].is_array()) {
    for (const auto& error : body["errors"]) {
      if (!error.is_object()) continue;
      std::string text = text_field(error, "error");
      const std::string description = text_field(error, "description");
      if (!description.empty() && description != text) text += (text.empty() ? "" : ": ") + description;
      // Parse errors carry error_code, Slurm's own ones error_number.
      const int64_t number = integer_field(error, "error_number") + integer_field(error, "error_code");
      if (number != 0) text += " (error " + std::to_string(number) + ")";
      said += (said.empty() ? "" : "; ") + text;
    }
  } else {
    said = reply.body.substr(0, 300);
  }
  return "slurmrestd answered HTTP " + std::to_string(reply.status) + (said.empty() ? "" : ": " + said);
}

RestTransport::RestTransport(const sdk::Host& host, RestSettings settings)
    : host_(host), user_(settings.user), client_(std::move(settings)) {
  answers_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (answers_fd_ < 0) {
    throw std::runtime_error("the slurm executor cannot create an eventfd: " + std::system_category().message(errno));
  }
  worker_ = std::thread([this] { work(); });
}

RestTransport::~RestTransport() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
  ::close(answers_fd_);
}

void RestTransport::submit(const JobRequest& job, std::function<void(SubmitResult)> done) {
  send("POST", "/job/submit", rest_job_submission(job).dump(), [done = std::move(done)](const RestReply& reply) {
    const json body = json::parse(reply.body, nullptr, false);
    if (reply.status == 200 && body.is_object() && body.contains("job_id") && body["job_id"].is_number_integer()) {
      return done({body["job_id"].get<JobId>(), {}});
    }
    done({std::nullopt, describe_failure(reply)});
  });
}

void RestTransport::query(std::function<void(QueryResult)> done) {
  send("GET", "/jobs", "", [done = std::move(done), user = user_](const RestReply& reply) {
    if (reply.status != 200) return done({{}, describe_failure(reply)});
    try {
      done({parse_rest_jobs(reply.body, user), {}});
    } catch (const std::invalid_argument& e) {
      done({{}, e.what()});
    }
  });
}

void RestTransport::cancel(const CancelTarget& target, std::function<void(std::string)> done) {
  // As scancel: job/123 ends every element of array 123, job/123_4 only element 4.
  std::string id = std::to_string(target.job);
  if (target.array_task_id >= 0) id += "_" + std::to_string(target.array_task_id);
  send("DELETE", "/job/" + id, "", [done = std::move(done)](const RestReply& reply) {
    done(reply.status == 200 ? std::string() : describe_failure(reply));
  });
}

void RestTransport::send(std::string method, std::string path, std::string body,
                         std::function<void(const RestReply&)> answered) {
  {
    const std::lock_guard lock(mutex_);
    to_send_.push_back({std::move(method), std::move(path), std::move(body), std::move(answered), {}});
  }
  wake_.notify_all();
  if (calls_out_++ == 0) host_.watch_fd<RestTransport, &RestTransport::on_answers>(answers_fd_, this);
}

void RestTransport::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !to_send_.empty(); });
    if (stopping_) return;
    Call call = std::move(to_send_.front());
    to_send_.pop_front();
    lock.unlock();
    call.reply = client_.request(call.method, call.path, call.body);
    lock.lock();
    answers_.push_back(std::move(call));
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(answers_fd_, &one, sizeof one);
  }
}

void RestTransport::on_answers(int fd) noexcept {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = ::read(fd, &count, sizeof count);
  std::vector<Call> answers;
  {
    const std::lock_guard lock(mutex_);
    answers.swap(answers_);
  }
  calls_out_ -= answers.size();
  try {
    if (calls_out_ > 0) host_.watch_fd<RestTransport, &RestTransport::on_answers>(answers_fd_, this);
  } catch (const std::exception& e) {
    host_.error(std::string("the slurm executor cannot wait for slurmrestd: ") + e.what());
  }
  for (auto& call : answers) {
    try {
      call.answered(call.reply);
    } catch (const std::exception& e) {
      host_.error(std::string("the slurm executor failed to handle what slurmrestd said: ") + e.what());
    }
  }
}

}  // namespace weft::slurm
