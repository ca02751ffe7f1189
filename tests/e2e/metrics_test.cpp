// GET /metrics against a real weftd: the answer follows the rules of
// Prometheus' text exposition format (checked by the strict parser below),
// and its figures move with a real run.
#include "api_test_helpers.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace weft::test {
namespace {

using nlohmann::json;

// One exposition, parsed by the format's rules (version 0.0.4): every
// family's TYPE before its samples, a family's samples together, names and
// label names of the allowed characters, label values escaped, no series
// twice, histograms' buckets cumulative and ending at +Inf with _count.
// A violation throws, naming the line.
class Exposition {
 public:
  explicit Exposition(const std::string& text) {
    if (text.empty() || text.back() != '\n') throw std::runtime_error("the text does not end with a newline");
    std::istringstream lines(text);
    int number = 0;
    for (std::string line; std::getline(lines, line);) {
      ++number;
      try {
        parse_line(line);
      } catch (const std::exception& e) {
        throw std::runtime_error("line " + std::to_string(number) + " '" + line + "': " + e.what());
      }
    }
    check_histograms();
  }

  // The value of the series, nullopt when it is not there.
  std::optional<double> value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    const auto found = samples_.find({name, labels});
    if (found == samples_.end()) return std::nullopt;
    return found->second;
  }
  double value_or_zero(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
    return value(name, labels).value_or(0);
  }
  const std::map<std::string, std::string>& types() const { return types_; }

 private:
  using Series = std::pair<std::string, std::map<std::string, std::string>>;

  void parse_line(const std::string& line) {
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*))");
    static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped))");
    static const std::regex sample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?[0-9]+)?)");
    std::smatch match;
    if (line.empty()) return;
    if (line.starts_with("# HELP ")) {
      if (!std::regex_match(line, match, help)) throw std::runtime_error("a malformed HELP");
      if (!helped_.insert(match[1]).second) throw std::runtime_error("a second HELP");
      return;
    }
    if (line.starts_with("# TYPE ")) {
      if (!std::regex_match(line, match, type)) throw std::runtime_error("a malformed TYPE");
      if (types_.contains(match[1])) throw std::runtime_error("a second TYPE");
      if (sampled_families_.contains(match[1])) throw std::runtime_error("TYPE after the family's samples");
      types_[match[1]] = match[2];
      current_family_ = match[1];
      return;
    }
    if (line.starts_with("#")) return;  // a comment
    if (!std::regex_match(line, match, sample)) throw std::runtime_error("a malformed sample");
    const std::string name = match[1];
    const std::string family = family_of(name);
    if (family != current_family_) {
      if (sampled_families_.contains(family)) throw std::runtime_error("the family's samples are not together");
      current_family_ = family;
    }
    sampled_families_.insert(family);
    Series series{name, parse_labels(match[3])};
    const double parsed = parse_value(match[4]);
    if (!samples_.emplace(series, parsed).second) throw std::runtime_error("the series appears twice");
    order_.push_back(series);
  }

  // A histogram's _bucket, _sum and _count belong to its family.
  std::string family_of(const std::string& name) const {
    for (const std::string suffix : {"_bucket", "_sum", "_count"}) {
      if (name.ends_with(suffix)) {
        auto base = name.substr(0, name.size() - suffix.size());
        if (types_.contains(base) && types_.at(base) == "histogram") return base;
      }
    }
    if (types_.contains(name) && types_.at(name) == "histogram") throw std::runtime_error("a bare histogram sample");
    return name;
  }

  static std::map<std::string, std::string> parse_labels(const std::string& text) {
    static const std::regex label_name("[a-zA-Z_][a-zA-Z0-9_]*");
    std::map<std::string, std::string> labels;
    size_t at = 0;
    while (at < text.size()) {
      const auto equals = text.find('=', at);
      if (equals == std::string::npos) throw std::runtime_error("a label without '='");
      const std::string name = text.substr(at, equals - at);
      if (!std::regex_match(name, label_name) || name.starts_with("__")) throw std::runtime_error("label name " + name);
      if (equals + 1 >= text.size() || text[equals + 1] != '"') throw std::runtime_error("an unquoted label value");
      std::string value;
      size_t i = equals + 2;
      for (; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\n') throw std::runtime_error("a raw newline in a label value");
        if (text[i] != '\\') {
          value += text[i];
          continue;
        }
        if (++i >= text.size()) throw std::runtime_error("an escape at the end");
        if (text[i] == 'n') {
          value += '\n';
        } else if (text[i] == '\\' || text[i] == '"') {
          value += text[i];
        } else {
          throw std::runtime_error(std::string("the escape \\") + text[i]);
        }
      }
      if (i >= text.size()) throw std::runtime_error("an unterminated label value");
      if (!labels.emplace(name, value).second) throw std::runtime_error("label " + name + " twice");
      at = i + 1;
      if (at < text.size()) {
        if (text[at] != ',') throw std::runtime_error("labels not separated by ','");
        ++at;
      }
    }
    return labels;
  }

  static double parse_value(const std::string& text) {
    if (text == "+Inf") return INFINITY;
    if (text == "-Inf") return -INFINITY;
    if (text == "NaN") return NAN;
    static const std::regex number(R"([-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?)");
    if (!std::regex_match(text, number)) throw std::runtime_error("the value " + text);
    return std::stod(text);
  }

  void check_histograms() const {
    for (const auto& [family, type] : types_) {
      if (type != "histogram") continue;
      double last = 0;
      bool inf = false;
      for (const auto& [name, labels] : order_) {
        if (name != family + "_bucket") continue;
        if (!labels.contains("le")) throw std::runtime_error(family + ": a bucket without le");
        const double count = samples_.at({name, labels});
        if (count < last) throw std::runtime_error(family + ": buckets are not cumulative");
        last = count;
        inf = labels.at("le") == "+Inf";
      }
      if (!inf) throw std::runtime_error(family + ": the last bucket is not +Inf");
      if (value(family + "_count") != last) throw std::runtime_error(family + ": _count is not the +Inf bucket");
      if (!value(family + "_sum")) throw std::runtime_error(family + ": no _sum");
    }
  }

  std::set<std::string> helped_;
  std::map<std::string, std::string> types_;
  std::set<std::string> sampled_families_;
  std::string current_family_;
  std::map<Series, double> samples_;
  std::vector<Series> order_;
};

Exposition scrape(const HttpClient& client) {
  const auto reply = client.get("/metrics");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.content_type, "text/plain; version=0.0.4; charset=utf-8");
  return Exposition(reply.body);
}

TEST(MetricsFormat, TheParserRefusesWhatTheFormatForbids) {
  EXPECT_NO_THROW(Exposition("# TYPE a counter\na_total 1\na{x=\"q\\\"\\\\\\n\"} 2\n"));
  for (const std::string bad :
       {"a 1", "# TYPE a gauge\na 1\n# TYPE a gauge\n", "a{x=\"1\"} 1\nb 1\na{x=\"2\"} 1\n", "a 1\na 1\n", "a{x=1} 1\n",
        "a{x=\"\\t\"} 1\n", "a one\n", "9a 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n"}) {
    EXPECT_ANY_THROW(Exposition{bad}) << bad;
  }
}

TEST(Metrics, FollowARealRun) {
  WeftdProcess weftd;
  const auto client = weftd.client();
  EXPECT_TRUE(is_api_error(client.without_token().get("/metrics"), 401, "unauthorized"));
  const auto before = scrape(client);
  EXPECT_EQ(before.value("weft_scheduler_up"), 1);
  const auto plugins = client.get("/api/v1/plugins").json();  // a temporary's items would die before the loop
  for (const auto& plugin : plugins.at("items")) {
    EXPECT_EQ(
        before.value("weft_plugin_loaded",
                     {{"plugin", plugin.at("name")}, {"kind", plugin.at("kind")}, {"version", plugin.at("version")}}),
        plugin.at("status") == "loaded" ? 1 : 0)
        << plugin;
  }
  EXPECT_GT(before.value_or_zero("process_resident_memory_bytes"), 1e6);
  EXPECT_GT(before.value_or_zero("process_open_fds"), 3);
  EXPECT_GT(before.value_or_zero("process_start_time_seconds"), 1.7e9);
  EXPECT_EQ(before.types().at("weft_task_duration_seconds"), "histogram");

  // A run whose task waits for a file: it is seen running, then finished.
  const TempDir dir;
  const auto go = dir.path() / "go";
  weftd.apply(shell_workflow("gauge", "while [ ! -e '" + go.string() + "' ]; do sleep 0.05; done"));
  const std::string run_id = weftd.start_run("gauge");
  ASSERT_TRUE(eventually([&] {
    const auto now = scrape(client);
    return now.value("weft_runs", {{"workflow", "gauge"}, {"status", "running"}}) == 1 &&
           now.value("weft_tasks", {{"workflow", "gauge"}, {"status", "running"}}) == 1 &&
           now.value("weft_running_tasks") == 1;
  }));
  std::ofstream(go) << "go\n";  // the task waits for this file
  EXPECT_EQ(weftd.wait_run(run_id)["status"], "succeeded");

  const std::map<std::string, std::string> succeeded{{"workflow", "gauge"}, {"status", "succeeded"}};
  ASSERT_TRUE(eventually([&] { return scrape(client).value("weft_runs_finished_total", succeeded) == 1; }));
  const auto after = scrape(client);
  EXPECT_FALSE(after.value("weft_runs", {{"workflow", "gauge"}, {"status", "running"}}));
  EXPECT_EQ(after.value("weft_running_tasks"), 0);
  const std::map<std::string, std::string> process_succeeded{{"executor", "process"}, {"status", "succeeded"}};
  EXPECT_EQ(after.value_or_zero("weft_tasks_finished_total", process_succeeded) -
                before.value_or_zero("weft_tasks_finished_total", process_succeeded),
            1);
  EXPECT_EQ(after.value_or_zero("weft_task_duration_seconds_count") -
                before.value_or_zero("weft_task_duration_seconds_count"),
            1);
  EXPECT_GT(after.value_or_zero("weft_task_duration_seconds_sum"), 0);
  EXPECT_EQ(after.value_or_zero("weft_task_dispatch_latency_seconds_count") -
                before.value_or_zero("weft_task_dispatch_latency_seconds_count"),
            1);
  EXPECT_GT(after.value_or_zero("weft_store_commit_seconds_count"),
            before.value_or_zero("weft_store_commit_seconds_count"));
  EXPECT_GE(after.value_or_zero("process_cpu_seconds_total"), before.value_or_zero("process_cpu_seconds_total"));
}

TEST(Metrics, ARefusedSubmissionIsCountedByExecutor) {
  WeftdProcess weftd;
  const auto client = weftd.client();
  // The process executor cannot start a program that does not exist.
  const json workflow = {
      {"name", "refused"},
      {"nodes", {{{"id", "main"}, {"type", "command"}, {"params", {{"argv", {"/nonexistent/program"}}}}}}}};
  weftd.apply(workflow);
  weftd.wait_run(weftd.start_run("refused"));
  EXPECT_TRUE(eventually([&] {
    return scrape(client).value_or_zero("weft_executor_submit_errors_total", {{"executor", "process"}}) >= 1;
  }));
}

}  // namespace
}  // namespace weft::test
