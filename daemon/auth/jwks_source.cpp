#include "auth/jwks_source.hpp"

#include <weft/client/api_client.hpp>

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

namespace weft::daemon {

namespace {

constexpr std::chrono::seconds kFetchTimeout{5};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

JwksSource::Fetch fetch_from_url(const OidcSettings& settings) {
  auto client = std::make_shared<client::ApiClient>(settings.jwks_url, "", kFetchTimeout, settings.jwks_ca_file,
                                                    "the identity provider");
  return [client, url = settings.jwks_url] {
    const auto response = client->get("");
    if (response.status != 200) throw std::runtime_error(url + " answered HTTP " + std::to_string(response.status));
    return response.body;
  };
}

}  // namespace

std::unique_ptr<JwksSource> JwksSource::open(const OidcSettings& settings) {
  using std::chrono::milliseconds;
  const Timing timing{milliseconds(settings.jwks_refresh), milliseconds(settings.jwks_min_interval),
                      milliseconds(kFetchTimeout)};
  if (settings.jwks_file.empty()) return std::make_unique<JwksSource>(fetch_from_url(settings), timing);
  Fetch fetch = [path = settings.jwks_file] { return read_file(path); };
  std::shared_ptr<const JwksKeys> initial;
  try {
    initial = std::make_shared<const JwksKeys>(JwksKeys::parse(fetch()));
  } catch (const std::exception& e) {
    throw std::runtime_error("api.oidc.jwks_file '" + settings.jwks_file + "' " + e.what());
  }
  return std::make_unique<JwksSource>(std::move(fetch), timing, std::move(initial));
}

JwksSource::JwksSource(Fetch fetch, Timing timing, std::shared_ptr<const JwksKeys> initial)
    : fetch_(std::move(fetch)), timing_(timing), keys_(std::move(initial)) {
  wanted_ = !keys_;
  last_fetch_ = Clock::now();
  thread_ = std::thread([this] { run(); });
}

JwksSource::~JwksSource() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

uint64_t JwksSource::fetches() const {
  const std::lock_guard lock(mutex_);
  return fetches_;
}

bool JwksSource::may_fetch_again(Clock::time_point now) const {
  return fetches_ == 0 || now - last_fetch_ >= timing_.min_interval;
}

std::shared_ptr<const JwksKeys> JwksSource::keys_for(const std::string& kid, std::string& problem) {
  std::unique_lock lock(mutex_);
  const auto has_key = [&] { return keys_ && keys_->find(kid) != nullptr; };
  if (!has_key() && (fetching_ || wanted_ || may_fetch_again(Clock::now()))) {
    wanted_ = wanted_ || !fetching_;
    changed_.notify_all();
    // Waits for the fetch under way or asked for; a fetch that answers
    // without the key ends the wait too.
    const uint64_t awaited = fetches_ + 1;
    changed_.wait_for(lock, timing_.max_wait, [&] { return stopping_ || fetches_ >= awaited; });
  }
  problem = problem_;
  return keys_;
}

void JwksSource::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    changed_.wait_for(lock, timing_.refresh, [this] { return stopping_ || wanted_; });
    if (stopping_) break;
    if (!wanted_ && Clock::now() - last_fetch_ < timing_.refresh) continue;
    wanted_ = false;
    fetching_ = true;
    last_fetch_ = Clock::now();
    lock.unlock();
    std::shared_ptr<const JwksKeys> fetched;
    std::string problem;
    try {
      fetched = std::make_shared<const JwksKeys>(JwksKeys::parse(fetch_()));
    } catch (const std::exception& e) {
      problem = e.what();
    }
    lock.lock();
    if (fetched) {
      keys_ = std::move(fetched);
    } else {
      spdlog::warn("the identity provider's keys (api.oidc) could not be fetched: {}; the keys had before stay",
                   problem);
    }
    problem_ = std::move(problem);
    fetching_ = false;
    ++fetches_;
    changed_.notify_all();
  }
}

}  // namespace weft::daemon
