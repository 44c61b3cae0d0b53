// `onyx`: run, inspect and benchmark ONNX models from the command line.
//
// Each subcommand lives in its own file and is one row of kCommands; adding
// one (e.g. `optimize`) is a new file plus a row here.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli.h"

namespace {

struct Command {
  const char* name;
  const char* usage;
  const char* summary;
  int (*run)(const std::vector<std::string>& argv);
};

const Command kCommands[] = {
    {"run", "onyx run MODEL [--input NAME=FILE.npy]... [--dim SYMBOL=N]... [--output-dir DIR] [--threads N]",
     "run a model once on .npy or random inputs and summarize its outputs", onyx_cli::cmd_run},
    {"info", "onyx info MODEL", "show opsets, inputs, outputs and the op histogram (no session needed)",
     onyx_cli::cmd_info},
    {"bench", "onyx bench MODEL [input flags] [--threads N] [--iters N] [--warmup N] [--json]",
     "measure session creation, first run, latency percentiles, throughput and peak memory", onyx_cli::cmd_bench},
    {"optimize", "onyx optimize MODEL OUT.onnx [--level disabled|basic|extended|all] [--verbose]",
     "optimize the graph and save it as an ONNX model (fused ops in com.onyx)", onyx_cli::cmd_optimize},
};

void print_help(FILE* f) {
  std::fprintf(f,
               "onyx - run ONNX models with the Onyx inference engine\n\n"
               "usage: onyx COMMAND [ARGS]   (onyx COMMAND --help for its options)\n\n"
               "commands:\n");
  for (const Command& c : kCommands) std::fprintf(f, "  %-8s %s\n", c.name, c.summary);
  std::fprintf(f, "\n");
  for (const Command& c : kCommands) std::fprintf(f, "  %s\n", c.usage);
  std::fprintf(f,
               "\noptions:\n"
               "  -h, --help     show this help\n"
               "  --version      print the library version\n"
               "\nexit status: 0 on success, 1 on a failure (message on stderr), 2 on bad usage\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_help(stderr);
    return 2;
  }
  std::string first = argv[1];
  if (first == "-h" || first == "--help" || first == "help") {
    print_help(stdout);
    return 0;
  }
  if (first == "--version" || first == "-V") {
    try {
      std::printf("onyx %s (C API %d, providers:", onyx::GetVersionString().c_str(), ONYX_API_VERSION);
      for (const std::string& p : onyx::GetAvailableProviders()) std::printf(" %s", p.c_str());
      std::printf(")\n");
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "onyx: error: %s\n", e.what());
      return 1;
    }
  }
  for (const Command& c : kCommands) {
    if (first != c.name) continue;
    std::vector<std::string> rest(argv + 2, argv + argc);
    try {
      return c.run(rest);
    } catch (const onyx_cli::UsageError& e) {
      std::fprintf(stderr, "onyx %s: %s\nusage: %s\n", c.name, e.what(), c.usage);
      return 2;
    } catch (const onyx::Exception& e) {
      std::fprintf(stderr, "onyx %s: error: %s\n", c.name, e.what());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "onyx %s: error: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::string names;
  for (const Command& c : kCommands) names += std::string(names.empty() ? "" : ", ") + c.name;
  std::fprintf(stderr, "onyx: unknown command '%s' (commands: %s; see onyx --help)\n", first.c_str(), names.c_str());
  return 2;
}
