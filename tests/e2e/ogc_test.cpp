// The OGC API – Processes face (/ogc, docs/ogc.md) of a real weftd over real
// HTTP: the requests of the official test suite's plan
// (docs/ogc-certification.md) with the shipped echo process, dismiss,
// failures, roles and scopes. Every JSON answer is also checked against the
// standard's own schemas (tests/fixtures/ogcapi-processes) by
// scripts/npm/check-ogc.mjs.
#include "api_test_helpers.hpp"
#include "child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

namespace weft::test {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kOgcExceptions = "http://www.opengis.net/def/exceptions/ogcapi-processes-1/1.0/";
constexpr const char* kResultsRel = "http://www.opengis.net/def/rel/ogc/1.0/results";
const client::Headers kJson = {{"Accept", "application/json"}, {"Content-Type", "application/json; charset=UTF-8"}};

json echo_workflow() {
  std::ifstream in(source_dir() / "etc" / "examples" / "echo.json");
  return json::parse(in);
}

// The suite's default request: every plain string input "teststring", every
// output by value, no `response`.
json default_request() {
  json outputs = json::object();
  for (const char* id : {"stringInput", "doubleInput", "arrayInput", "boundingBoxInput", "mixedInput"}) {
    outputs[id] = {{"transmissionMode", "value"}};
  }
  return {{"inputs", {{"stringInput", "teststring"}}}, {"outputs", outputs}};
}

class Ogc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto applied = shared_weftd().client().post("/api/v1/workflows", echo_workflow());
    ASSERT_TRUE(applied.status == 201 || applied.status == 200) << applied.body;
  }
  void TearDown() override {
    if (answers.empty()) return;
    const TempDir dir;
    const auto file = dir.path() / "answers.json";
    std::ofstream(file) << answers.dump();
    const auto checked = run_program(
        "/usr/bin/env",
        {"node", (source_dir() / "scripts" / "npm" / "check-ogc.mjs").string(),
         (source_dir() / "tests" / "fixtures" / "ogcapi-processes" / "core" / "openapi" / "schemas").string(),
         file.string()});
    EXPECT_EQ(checked.exit_code, 0) << checked.output()
                                    << "(this check needs node and the packages of scripts/npm: "
                                       "scripts/install-deps.sh installs them)";
  }

  // Sends the request; a JSON answer is kept to be checked against `schema`
  // (an exception document for every status of 400 and above; none of a
  // success when `schema` is empty).
  HttpResponse call(const std::string& method, const std::string& target, const std::string& schema,
                    const json& body = nullptr, const client::Headers& headers = kJson,
                    const HttpClient* as = nullptr) {
    auto response = (as != nullptr ? *as : admin).send(method, target, body.is_null() ? "" : body.dump(), headers);
    const bool checked = response.status >= 400 || !schema.empty();
    if (checked && response.content_type.starts_with("application/json")) {
      answers.push_back({{"what", method + " " + target + " " + std::to_string(response.status)},
                         {"schema", response.status >= 400 ? "exception" : schema},
                         {"body", json::parse(response.body, nullptr, false)}});
    }
    return response;
  }
  // A 201 is a status info; a 200 has the results, which no strict validator
  // can pass in document form (the standard's results schema has oneOfs
  // whose alternatives overlap: 7 is both a number and an integer).
  HttpResponse execute(const json& request, const client::Headers& headers = kJson,
                       const std::string& process = "echo") {
    const bool async = headers.contains("Prefer");
    return call("POST", "/ogc/processes/" + process + "/execution", async ? "statusInfo" : "", request, headers);
  }
  // The path of an absolute URL of this weftd.
  std::string path_of(const std::string& url) const {
    EXPECT_THAT(url, StartsWith(admin.server()));
    return url.substr(admin.server().size());
  }
  // Polls the job until `done` says so, as the suite does (about 20 s at most).
  json poll(const std::string& job, const std::function<bool(const json&)>& done) {
    for (int i = 0; i < 400; ++i) {
      const auto status = call("GET", job, "statusInfo", nullptr, {});
      EXPECT_EQ(status.status, 200) << status.body;
      auto info = status.json();
      if (done(info)) return info;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << job << " never got there";
    return json::object();
  }
  static bool is_exception(const HttpResponse& response, int status, const std::string& type) {
    if (response.status != status || !response.content_type.starts_with("application/json")) return false;
    const auto body = response.json();
    return body.value("type", "") == type && body.value("status", 0) == status && body.contains("title") &&
           body.contains("detail");
  }
  static std::string ogc_type(const char* name) { return std::string(kOgcExceptions) + name; }
  // The newest audit entry that matches, once the journal has stored it.
  json audited(const std::function<bool(const json&)>& matches) const {
    for (int i = 0; i < 200; ++i) {
      const auto page = admin.get("/api/v1/audit?limit=1000").json();
      for (const auto& entry : page.at("items")) {
        if (matches(entry)) return entry;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "no such audit entry";
    return json::object();
  }

  const WeftdProcess& weftd = shared_weftd();
  HttpClient admin = weftd.client();
  json answers = json::array();
};

TEST_F(Ogc, DescribesItselfItsProcessesAndItsConformance) {
  for (const char* target : {"/ogc", "/ogc/", "//ogc//"}) {
    const auto landing = call("GET", target, "landingPage");
    ASSERT_EQ(landing.status, 200) << target << ": " << landing.body;
    std::vector<std::string> rels;
    const auto page = landing.json();
    for (const auto& link : page.at("links")) {
      rels.push_back(link.at("rel"));
      EXPECT_THAT(link.at("href").get<std::string>(), StartsWith(admin.server() + "/ogc"));
    }
    EXPECT_THAT(rels,
                ::testing::IsSupersetOf({"self", "service-desc", "http://www.opengis.net/def/rel/ogc/1.0/conformance",
                                         "http://www.opengis.net/def/rel/ogc/1.0/processes"}));
  }
  const auto conformance = call("GET", "/ogc/conformance", "confClasses");
  EXPECT_THAT(conformance.json().at("conformsTo"),
              ::testing::Contains("http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core"));
  const auto description = admin.get("/ogc/api");
  ASSERT_EQ(description.status, 200);
  EXPECT_EQ(description.content_type, "application/vnd.oai.openapi+json;version=3.0");
  answers.push_back({{"what", "GET /ogc/api"}, {"schema", "openapi"}, {"body", json::parse(description.body)}});

  admin.post("/api/v1/workflows", shell_workflow("ogc-second", "true"));
  const auto one = call("GET", "/ogc/processes?limit=1", "processList");
  ASSERT_EQ(one.status, 200) << one.body;
  const auto first = one.json();
  ASSERT_EQ(first.at("processes").size(), 1U);
  const auto& links = first.at("links");
  const auto next = std::find_if(links.begin(), links.end(), [](const json& link) { return link["rel"] == "next"; });
  ASSERT_NE(next, links.end()) << one.body;
  const auto second = call("GET", path_of(next->at("href")), "processList");
  EXPECT_NE(second.json().at("processes").at(0).at("id"), first["processes"][0]["id"]);
  const auto all = call("GET", "/ogc/processes", "processList").json();
  EXPECT_GE(all.at("processes").size(), 2U);

  const auto echo = call("GET", "/ogc/processes/echo", "process");
  ASSERT_EQ(echo.status, 200) << echo.body;
  const auto process = json::parse(echo.body);
  EXPECT_EQ(process.at("jobControlOptions"), json({"sync-execute", "async-execute", "dismiss"}));
  EXPECT_EQ(process.at("outputTransmission"), json({"value"}));
  // The order the suite relies on: nlohmann's json sorts keys, so read it from the text.
  EXPECT_LT(echo.body.find("\"stringInput\""), echo.body.find("\"doubleInput\""));
  EXPECT_EQ(process["inputs"]["stringInput"]["minOccurs"], 1);
  EXPECT_EQ(process["inputs"]["pause"]["minOccurs"], 0);
  EXPECT_EQ(process["inputs"]["mixedInput"]["schema"]["oneOf"].size(), 2U);
  EXPECT_EQ(process["outputs"]["stringInput"]["schema"], json({{"type", "string"}}));

  EXPECT_TRUE(is_exception(call("GET", "/ogc/processes/invalid-process-1", ""), 404, ogc_type("no-such-process")));
  EXPECT_TRUE(is_exception(call("GET", "/ogc/jobs/invalid-job-1", ""), 404, ogc_type("no-such-job")));
  EXPECT_TRUE(is_exception(call("GET", "/ogc/jobs/invalid-job-1/results", ""), 404, ogc_type("no-such-job")));
  EXPECT_TRUE(is_exception(call("GET", "/ogc/nothing", ""), 404, "urn:weft:error:not_found"));
  EXPECT_TRUE(is_exception(call("PUT", "/ogc/jobs", ""), 405, "urn:weft:error:method_not_allowed"));
}

TEST_F(Ogc, SynchronousExecutionAnswersTheResultsRaw) {
  const auto all = execute(default_request());
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_THAT(all.content_type, StartsWith("multipart/related; boundary="));
  EXPECT_THAT(all.content_type, HasSubstr("type=\"text/plain\""));
  EXPECT_THAT(all.body, HasSubstr("Content-ID: <stringInput>\r\nContent-Type: text/plain\r\n\r\nteststring\r\n"));
  EXPECT_THAT(all.body, ::testing::Not(HasSubstr("doubleInput")));  // not given: left out
  EXPECT_EQ(all.header("Link"), "");
  EXPECT_EQ(all.header("Location"), "");

  json one = default_request();
  one["outputs"] = {{"stringInput", {{"transmissionMode", "value"}}}};
  const auto raw = execute(one);
  EXPECT_EQ(raw.status, 200);
  EXPECT_THAT(raw.content_type, StartsWith("text/plain"));
  EXPECT_EQ(raw.body, "teststring");

  json array = {{"inputs", {{"stringInput", "teststring"}, {"arrayInput", {1, 2, 3}}}},
                {"outputs", {{"arrayInput", json::object()}}}};
  const auto numbers = execute(array);
  EXPECT_EQ(numbers.status, 200);
  EXPECT_EQ(json::parse(numbers.body), json({1, 2, 3}));

  json document = {
      {"inputs",
       {{"stringInput", "teststring"},
        {"doubleInput", 2.5},
        {"mixedInput", {{"value", 7}}},
        {"boundingBoxInput", {{"bbox", {51.9, 7, 52, 7.1}}, {"crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}}}},
      {"response", "document"}};
  const auto results = execute(document);
  ASSERT_EQ(results.status, 200) << results.body;
  EXPECT_EQ(results.json(),
            json({{"stringInput", "teststring"},
                  {"doubleInput", 2.5},
                  {"mixedInput", 7},
                  {"boundingBoxInput",
                   {{"bbox", {51.9, 7, 52, 7.1}}, {"crs", "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}}}));
}

TEST_F(Ogc, AsynchronousExecutionMakesAJobToFollow) {
  auto headers = kJson;
  headers["Prefer"] = "respond-async ";
  const auto created = execute(default_request(), headers);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("Preference-Applied"), "respond-async");
  const std::string location = created.header("Location");
  EXPECT_THAT(location, ::testing::MatchesRegex(".*/ogc/jobs/[^/?]+"));
  const std::string job = path_of(location);
  EXPECT_EQ(created.json().at("jobID"), job.substr(job.rfind('/') + 1));
  const std::string job_id = created.json().at("jobID");
  EXPECT_EQ(audited([&](const json& e) { return e["target"] == job_id; }).value("action", ""), "run.create");

  const auto info = poll(job, [](const json& i) { return i["status"] == "successful" || i["status"] == "failed"; });
  EXPECT_EQ(info.value("status", ""), "successful");
  EXPECT_EQ(info.value("processID", ""), "echo");
  EXPECT_EQ(info.value("progress", -1), 100);
  for (const char* time : {"created", "started", "finished", "updated"}) EXPECT_TRUE(info.contains(time)) << time;
  std::string results;
  for (const auto& link : info.value("links", json::array())) {
    if (link["rel"] == kResultsRel) results = link["href"];
  }
  ASSERT_FALSE(results.empty()) << info;
  const auto got = call("GET", path_of(results), "results", nullptr, {});
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.json(), json({{"stringInput", "teststring"}}));

  const auto jobs = call("GET", "/ogc/jobs?processID=echo&status=successful&limit=1000", "jobList");
  ASSERT_EQ(jobs.status, 200) << jobs.body;
  const auto listed = jobs.json().at("jobs");
  EXPECT_TRUE(std::any_of(listed.begin(), listed.end(), [&](const json& j) { return j["jobID"] == info["jobID"]; }));
  const auto page = call("GET", "/ogc/jobs?limit=1", "jobList").json();
  EXPECT_EQ(page.at("jobs").size(), 1U);
  EXPECT_TRUE(is_exception(call("GET", "/ogc/jobs?status=asleep", ""), 400, "urn:weft:error:invalid_request"));
}

TEST_F(Ogc, ARunningJobHasNoResultsYetAndCanBeDismissed) {
  auto headers = kJson;
  headers["Prefer"] = "respond-async";
  const auto created = execute({{"inputs", {{"stringInput", "teststring"}, {"pause", 30}}}}, headers);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string job = path_of(created.header("Location"));
  poll(job, [](const json& i) { return i["status"] == "running"; });
  EXPECT_TRUE(is_exception(call("GET", job + "/results", ""), 404, ogc_type("result-not-ready")));

  const auto dismissed = call("DELETE", job, "statusInfo");
  ASSERT_EQ(dismissed.status, 200) << dismissed.body;
  EXPECT_EQ(dismissed.json().at("status"), "dismissed");
  const auto info = poll(job, [](const json& i) { return i["status"] != "running"; });
  EXPECT_EQ(info.value("status", ""), "dismissed");
  EXPECT_TRUE(is_exception(call("GET", job + "/results", ""), 404, ogc_type("no-such-job")));
  EXPECT_TRUE(is_exception(call("DELETE", "/ogc/jobs/invalid-job-1", ""), 404, ogc_type("no-such-job")));
}

// A run that outlasts the synchronous wait (kept within api.answer_timeout_s)
// is answered as a job to follow, without Preference-Applied.
TEST_F(Ogc, ASynchronousExecutionThatTakesTooLongBecomesAJob) {
  const WeftdProcess own(with_config({{"api", {{"answer_timeout_s", 1}}}}));
  own.apply(echo_workflow());
  const HttpClient client = own.client();
  const json request = {{"inputs", {{"stringInput", "teststring"}, {"pause", 30}}}};
  const auto answer = client.send("POST", "/ogc/processes/echo/execution", request.dump(), kJson);
  ASSERT_EQ(answer.status, 201) << answer.body;
  EXPECT_EQ(answer.header("Preference-Applied"), "");
  const std::string job = "/ogc/jobs/" + answer.json().at("jobID").get<std::string>();
  EXPECT_EQ(answer.header("Location"), client.server() + job);
  EXPECT_EQ(client.del(job).status, 200);
  own.wait_run(answer.json().at("jobID"));
}

TEST_F(Ogc, AFailedProcessIsAFailedJobWithAnException) {
  ASSERT_EQ(admin.post("/api/v1/workflows", shell_workflow("ogc-fails", "echo broken >&2; exit 3")).status, 201);
  const auto sync = execute(json::object(), kJson, "ogc-fails");
  EXPECT_TRUE(is_exception(sync, 500, "urn:weft:error:job_failed")) << sync.body;
  EXPECT_THAT(sync.json().value("detail", ""), HasSubstr("exited with code 3"));

  auto headers = kJson;
  headers["Prefer"] = "respond-async";
  const auto created = execute(json::object(), headers, "ogc-fails");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string job = path_of(created.header("Location"));
  const auto info = poll(job, [](const json& i) { return i["status"] == "failed"; });
  EXPECT_EQ(info.value("message", ""), "node 'main' failed: exited with code 3");
  const auto results = call("GET", job + "/results", "");
  EXPECT_TRUE(is_exception(results, 500, "urn:weft:error:job_failed")) << results.body;
  EXPECT_THAT(results.json().value("detail", ""), HasSubstr("node 'main' failed: exited with code 3"));
}

TEST_F(Ogc, InvalidInputsAreRefusedNamingTheInputBeforeAJobIsMade) {
  const auto jobs_before = admin.get("/api/v1/runs?workflow=echo&limit=1000").json().at("items").size();
  const auto refused = [&](const json& request, const std::string& input, const std::string& says) {
    const auto response = execute(request);
    EXPECT_TRUE(is_exception(response, 400, "urn:weft:error:invalid_parameter_value")) << response.body;
    EXPECT_THAT(response.json().value("detail", ""), HasSubstr(says));
    EXPECT_EQ(response.json()["details"][0]["path"], "/inputs/" + input);
  };
  refused({{"invalid-execute-request", "true)"}}, "stringInput", "input 'stringInput' is required");
  refused({{"inputs", {{"stringInput", "a"}, {"doubleInput", 20}}}}, "doubleInput", "above the maximum 10");
  refused({{"inputs", {{"stringInput", "a"}, {"arrayInput", {1, "x"}}}}}, "arrayInput", "/1 is a string");
  refused({{"inputs", {{"stringInput", 3}}}}, "stringInput", "is an integer, not a string");
  refused({{"inputs", {{"stringInput", "a"}, {"mixedInput", {{"type", "wrong/type"}}}}}}, "mixedInput", "matches none");
  refused({{"inputs", {{"stringInput", "a"}, {"nope", 1}}}}, "nope", "'nope' is not an input of process 'echo'");
  refused({{"inputs", {{"stringInput", {{"href", "https://example.org/x"}}}}}}, "stringInput", "by reference");
  EXPECT_EQ(admin.get("/api/v1/runs?workflow=echo&limit=1000").json().at("items").size(), jobs_before);
}

TEST_F(Ogc, RolesAndScopesAreThoseOfTheRestOfTheApi) {
  const auto issue = [&](const json& request) {
    const auto created = admin.post("/api/v1/tokens", request);
    EXPECT_EQ(created.status, 201) << created.body;
    return HttpClient(weftd.port(), created.json().at("token").get<std::string>());
  };
  const HttpClient viewer = issue({{"role", "viewer"}});
  const auto refused = call("POST", "/ogc/processes/echo/execution", "", default_request(), kJson, &viewer);
  EXPECT_TRUE(is_exception(refused, 403, "urn:weft:error:forbidden")) << refused.body;
  const auto refusal = audited([](const json& e) { return e["status"] == 403 && e["target"] == "echo"; });
  EXPECT_EQ(refusal.value("action", ""), "run.create");
  EXPECT_THAT(refusal.value("message", ""), HasSubstr("may not do this"));
  EXPECT_EQ(call("GET", "/ogc/processes/echo", "process", nullptr, kJson, &viewer).status, 200);
  const HttpClient anonymous = admin.without_token();
  EXPECT_TRUE(
      is_exception(call("GET", "/ogc/jobs", "", nullptr, kJson, &anonymous), 401, "urn:weft:error:unauthorized"));
  EXPECT_EQ(call("GET", "/ogc", "landingPage", nullptr, kJson, &anonymous).status, 200);

  ASSERT_EQ(admin.post("/api/v1/workflows", shell_workflow("ogc-elsewhere", "true")).status / 100, 2);
  const std::string other_job = weftd.start_run("ogc-elsewhere");
  const HttpClient scoped = issue({{"role", "operator"}, {"workflows", "ech?"}});
  const auto processes = call("GET", "/ogc/processes", "processList", nullptr, kJson, &scoped).json();
  ASSERT_EQ(processes.at("processes").size(), 1U) << processes;
  EXPECT_EQ(processes["processes"][0]["id"], "echo");
  EXPECT_TRUE(is_exception(call("GET", "/ogc/processes/ogc-elsewhere", "", nullptr, kJson, &scoped), 404,
                           ogc_type("no-such-process")));
  EXPECT_TRUE(is_exception(call("POST", "/ogc/processes/ogc-elsewhere/execution", "", json::object(), kJson, &scoped),
                           404, ogc_type("no-such-process")));
  EXPECT_TRUE(
      is_exception(call("GET", "/ogc/jobs/" + other_job, "", nullptr, kJson, &scoped), 404, ogc_type("no-such-job")));
  const auto jobs = call("GET", "/ogc/jobs?limit=10000", "jobList", nullptr, kJson, &scoped).json().at("jobs");
  EXPECT_TRUE(std::all_of(jobs.begin(), jobs.end(), [](const json& j) { return j["processID"] == "echo"; }));
  EXPECT_EQ(call("POST", "/ogc/processes/echo/execution", "", default_request(), kJson, &scoped).status, 200);
  weftd.wait_run(other_job);
}

}  // namespace
}  // namespace weft::test
