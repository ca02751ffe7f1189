// HTTPS on the API (api.tls): a real weftd with certificates the test makes,
// a client that verifies them, the `weft` CLI with --cacert, a streamed reply
// through TLS, and a renewed certificate taken by a reload without a restart.
#include "api_test_helpers.hpp"
#include "child_process.hpp"
#include "fake_https_server.hpp"
#include "workflows.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>

namespace weft::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

struct Certificate {
  fs::path key;
  fs::path cert;
};

Certificate make_certificate(const fs::path& dir, const std::string& name) {
  Certificate made{dir / (name + ".key"), dir / (name + ".pem")};
  fakes::make_certificate(made.key, made.cert);
  return made;
}

// What the client reports when it cannot get an answer.
std::string failure_of(const HttpClient& client) {
  try {
    const auto response = client.get("/healthz");
    return "answered " + std::to_string(response.status);
  } catch (const client::ClientError& error) {
    return error.what();
  }
}

class ApiTls : public ::testing::Test {
 protected:
  WeftdOptions tls_options() {
    WeftdOptions options;
    options.config = {
        {"api", {{"tls", {{"certificate", served_.cert.string()}, {"private_key", served_.key.string()}}}}}};
    options.ca_file = first_.cert;
    return options;
  }

  HttpClient trusting(const fs::path& ca_file) const {
    return HttpClient("https://localhost:" + std::to_string(weftd_.port()), weftd_.token(), std::chrono::seconds(10),
                      ca_file.string());
  }

  // weftd reads its certificate from files the test replaces.
  TempDir dir_;
  Certificate first_ = make_certificate(dir_.path(), "first");
  Certificate served_{dir_.path() / "served.key", dir_.path() / "served.pem"};
  bool copied_ = [this] {
    fs::copy_file(first_.key, served_.key);
    fs::copy_file(first_.cert, served_.cert);
    return true;
  }();
  WeftdProcess weftd_{tls_options()};
};

TEST_F(ApiTls, RunsAWorkflowOverHttpsAndStreamsItsEvents) {
  const HttpClient client = weftd_.client();
  // The log is larger than what the relay holds at once in either direction.
  const auto run_id = weftd_.start_adhoc(
      workflow("tls", {sh("a", "head -c 300000 /dev/zero | tr '\\0' x; echo; echo over tls"), sh("b", "true")}));
  std::string last_run_status;
  client.events("/api/v1/runs/" + run_id + "/events", "", [&](const client::ServerEvent& event) {
    if (event.type == "run") last_run_status = json::parse(event.data).at("status");
    return true;  // the stream ends after the run's final event
  });
  EXPECT_EQ(last_run_status, "succeeded");
  const auto log = client.get("/api/v1/runs/" + run_id + "/tasks/a/logs");
  EXPECT_EQ(log.status, 200);
  EXPECT_GT(log.body.size(), 300'000u);
  EXPECT_THAT(log.body, HasSubstr("over tls"));

  const auto big = client.post("/api/v1/workflows/validate", workflow("big", {noop("a", std::string(300'000, 'x'))}));
  EXPECT_EQ(big.status, 200) << big.body.substr(0, 300);
}

TEST_F(ApiTls, TheCliVerifiesTheCertificateWithCacert) {
  const std::map<std::string, std::string> trusted{{"WEFT_CACERT", first_.cert.string()}};
  const auto listed = run_weft(weftd_, {"runs"}, trusted);
  EXPECT_EQ(listed.exit_code, 0) << listed.output();

  const auto with_option = run_weft(weftd_, {"--cacert", first_.cert.string(), "plugins"});
  EXPECT_EQ(with_option.exit_code, 0) << with_option.output();

  // The system's CAs do not know the test's certificate: an error, not a warning.
  const auto untrusted = run_weft(weftd_, {"runs"});
  EXPECT_EQ(untrusted.exit_code, 1) << untrusted.output();
  EXPECT_THAT(untrusted.err, HasSubstr("cannot reach weftd"));

  const auto over_http = run_weft(weftd_, {"--server", "http://127.0.0.1:" + std::to_string(weftd_.port()), "--cacert",
                                           first_.cert.string(), "runs"});
  EXPECT_EQ(over_http.exit_code, 2) << over_http.output();
  EXPECT_THAT(over_http.err, HasSubstr("https://"));
}

TEST_F(ApiTls, RefusesClientsThatDoNotTrustItOrSpeakPlainHttp) {
  const TempDir other;
  const Certificate stranger = make_certificate(other.path(), "stranger");
  EXPECT_THAT(failure_of(trusting(stranger.cert)), HasSubstr("cannot reach weftd"));

  const HttpClient plain(weftd_.port(), weftd_.token(), std::chrono::seconds(10));
  EXPECT_THAT(failure_of(plain), HasSubstr("cannot reach weftd"));

  // A name the certificate does not carry.
  const HttpClient wrong_name("https://127.0.0.2:" + std::to_string(weftd_.port()), "", std::chrono::seconds(10),
                              first_.cert.string());
  EXPECT_THAT(failure_of(wrong_name), HasSubstr("cannot reach weftd"));

  // None of it hurt weftd.
  EXPECT_EQ(weftd_.client().get("/healthz").status, 200);
}

TEST_F(ApiTls, AReloadServesARenewedCertificateAndKeepsTheOldOneWhenTheNewIsBad) {
  const Certificate renewed = make_certificate(dir_.path(), "renewed");
  fs::copy_file(renewed.key, served_.key, fs::copy_options::overwrite_existing);
  fs::copy_file(renewed.cert, served_.cert, fs::copy_options::overwrite_existing);
  ASSERT_EQ(::kill(weftd_.pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] {
    try {
      return trusting(renewed.cert).get("/healthz").status == 200;
    } catch (const client::ClientError&) {
      return false;
    }
  })) << weftd_.log();
  EXPECT_THAT(failure_of(trusting(first_.cert)), HasSubstr("cannot reach weftd"));
  EXPECT_THAT(weftd_.log(), HasSubstr("the API's TLS files were read again"));

  // A key that is not the certificate's: the reload changes nothing.
  fs::copy_file(first_.key, served_.key, fs::copy_options::overwrite_existing);
  const auto refused = trusting(renewed.cert).post("/api/v1/plugins/reload");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_THAT(refused.body, HasSubstr("api.tls.private_key"));
  EXPECT_EQ(trusting(renewed.cert).get("/healthz").status, 200);
}

TEST(ApiTlsConfig, UnusableFilesStopWeftdFromStartingNamingThem) {
  const TempDir dir;
  const fs::path config = dir.path() / "weftd.json";
  std::ofstream(dir.path() / "not.pem") << "not a certificate\n";
  std::ofstream(config) << json{{"listen", "127.0.0.1:0"},
                                {"state_dir", (dir.path() / "state").string()},
                                {"api",
                                 {{"tls",
                                   {{"certificate", (dir.path() / "not.pem").string()},
                                    {"private_key", (dir.path() / "missing.key").string()}}}}}}
                               .dump();
  const auto missing = run_program(weftd_binary(), {"--config", config.string()});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_THAT(missing.err, HasSubstr("/api/tls/private_key"));
  EXPECT_THAT(missing.err, HasSubstr("missing.key"));

  std::ofstream(dir.path() / "missing.key") << "not a key either\n";
  const auto garbage = run_program(weftd_binary(), {"--config", config.string()});
  EXPECT_NE(garbage.exit_code, 0);
  EXPECT_THAT(garbage.err, HasSubstr("api.tls.certificate"));
}

}  // namespace
}  // namespace weft::test
