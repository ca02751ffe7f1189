// weft-bench-web: how long the web page takes to show a run of 2,000 nodes
// and to follow it live, in Debian's headless Chromium. It starts a weftd
// (WeftdInstance), stores a layered workflow of noop nodes, creates a run
// without starting it, and hands the page to web_page.mjs, which opens the
// run, starts it and prints what it measured (see README.md "The web page").
#include "weftd_instance.hpp"

#include "weft/harness/weftd_process.hpp"

#include <nlohmann/json.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

extern char** environ;

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// `layers` layers of `width` nodes; each node after the first layer
// depends on two nodes of the layer before, its neighbour and one further
// off, as fan-in pipelines do.
json layered_workflow(int layers, int width) {
  json nodes = json::array();
  const auto name = [](int layer, int i) { return "l" + std::to_string(layer) + "-n" + std::to_string(i); };
  for (int layer = 0; layer < layers; ++layer) {
    for (int i = 0; i < width; ++i) {
      json node = {{"id", name(layer, i)}, {"type", "noop"}};
      if (layer > 0) {
        node["depends_on"] = {name(layer - 1, i), name(layer - 1, (i * 7 + 3) % width)};
        if (node["depends_on"][0] == node["depends_on"][1]) node["depends_on"].erase(1);
      }
      nodes.push_back(std::move(node));
    }
  }
  return {{"name", "web-bench"}, {"nodes", std::move(nodes)}};
}

int run_page_bench(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::vector<std::string> copy = args;
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) {
    std::cerr << "weft-bench-web: could not start node\n";
    return 1;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

}  // namespace

int main(int argc, char** argv) {
  int layers = 40;
  int width = 50;
  int repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--layers")
      layers = std::stoi(argv[i + 1]);
    else if (arg == "--width")
      width = std::stoi(argv[i + 1]);
    else if (arg == "--repeat")
      repeat = std::stoi(argv[i + 1]);
    else {
      std::cerr << "usage: weft-bench-web [--layers N] [--width N] [--repeat N]   (default 40 x 50 nodes, 3 times)\n";
      return 2;
    }
  }
  try {
    weft::harness::TempDir scratch;
    weft::bench::WeftdSettings settings;
    settings.build_dir = fs::canonical("/proc/self/exe").parent_path().parent_path();
    settings.scratch_dir = scratch.path();
    settings.synchronous = "normal";
    const weft::bench::WeftdInstance weftd(settings);
    const auto applied = weftd.api().post("/api/v1/workflows", layered_workflow(layers, width));
    if (!applied.ok()) throw std::runtime_error("storing the workflow failed: " + applied.body);
    std::cerr << "weft-bench-web: " << layers * width << " nodes, " << repeat << " runs\n";
    const std::string url = "http://127.0.0.1:" + std::to_string(weftd.port());
    return run_page_bench(
        {"/usr/bin/env", "node", WEFT_WEB_BENCH_SCRIPT, url, weftd.token(), "web-bench", std::to_string(repeat)});
  } catch (const std::exception& e) {
    std::cerr << "weft-bench-web: " << e.what() << "\n";
    return 1;
  }
}
