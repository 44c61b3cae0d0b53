// `onyx optimize`: runs the graph optimizer on a model and writes the result
// as an ONNX model (fused ops in the com.onyx domain, see docs/FUSED_OPS.md)
// that Onyx loads back. It is the session option "optimized model file path"
// behind a command: the engine does the writing.
#include <cstdio>

#include "cli.h"

namespace onyx_cli {

namespace {

const char kUsage[] =
    "usage: onyx optimize MODEL OUT.onnx [--level disabled|basic|extended|all] [--verbose]\n\n"
    "Loads MODEL, optimizes its graph at the given level (default: all) and saves\n"
    "the optimized graph to OUT.onnx. --verbose logs what each pass changed.\n";

OnyxGraphOptimizationLevel parse_level(const std::string& s) {
  if (s == "disabled" || s == "0") return ONYX_OPT_DISABLE_ALL;
  if (s == "basic" || s == "1") return ONYX_OPT_ENABLE_BASIC;
  if (s == "extended" || s == "2") return ONYX_OPT_ENABLE_EXTENDED;
  if (s == "all" || s == "99") return ONYX_OPT_ENABLE_ALL;
  throw UsageError("--level '" + s + "' is not one of disabled, basic, extended, all");
}

}  // namespace

int cmd_optimize(const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {"--level"}, {"--verbose"});
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional.size() != 2)
    throw UsageError("expected MODEL and OUT.onnx, got " + std::to_string(args.positional.size()) + " arguments");
  OnyxGraphOptimizationLevel level = ONYX_OPT_ENABLE_ALL;
  for (const auto& [flag, value] : args.flags)
    if (flag == "--level") level = parse_level(value);
  const std::string& model = args.positional[0];
  const std::string& out = args.positional[1];
  if (model == out) throw UsageError("OUT.onnx must differ from MODEL ('" + model + "')");
  onyx::Env env(args.has("--verbose") ? ONYX_LOG_VERBOSE : ONYX_LOG_WARNING);
  onyx::SessionOptions options;
  options.SetGraphOptimizationLevel(level);
  if (args.has("--verbose")) options.SetLogSeverityLevel(ONYX_LOG_VERBOSE);
  options.SetOptimizedModelFilePath(out);
  onyx::Session session(env, model, options);
  std::printf("wrote %s\n", out.c_str());
  return 0;
}

}  // namespace onyx_cli
