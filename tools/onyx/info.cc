// `onyx info`: what a model file declares, read without compiling it, so it
// works on models whose ops have no kernel yet.
#include <cstdio>

#include "cli.h"

namespace onyx_cli {

namespace {

const char kUsage[] =
    "usage: onyx info MODEL\n\n"
    "Shows the model's IR version, producer, opsets, inputs and outputs (types and\n"
    "symbolic shapes), initializers and a histogram of its ops (subgraphs included).\n"
    "No session is created: works for models with ops Onyx cannot run.\n";

// "[batch,3,224,224]", "[?]" for an unknown rank, "?" for an unknown dim.
std::string type_shape(const onyx::TypeInfo& t) {
  int64_t rank = t.Rank();
  if (rank < 0) return t.Kind() == ONYX_KIND_TENSOR ? "[?]" : "";
  std::vector<int64_t> dims = t.Shape();
  std::vector<std::string> syms = t.SymbolicDims();
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    s += i ? "," : "";
    s += dims[i] >= 0 ? std::to_string(dims[i]) : syms[i].empty() ? "?" : syms[i];
  }
  return s + "]";
}

void print_io(const char* title, size_t count, const onyx::ModelInfo& info, bool inputs) {
  std::printf("%s (%zu)\n", title, count);
  size_t width = 4;
  for (size_t i = 0; i < count; ++i) width = std::max(width, (inputs ? info.InputName(i) : info.OutputName(i)).size());
  for (size_t i = 0; i < count; ++i) {
    std::string name = inputs ? info.InputName(i) : info.OutputName(i);
    onyx::TypeInfo t = inputs ? info.InputTypeInfo(i) : info.OutputTypeInfo(i);
    std::printf("  %-*s  %s%s\n", static_cast<int>(width), name.c_str(), t.TypeString().c_str(),
                type_shape(t).c_str());
  }
}

}  // namespace

int cmd_info(const std::vector<std::string>& argv) {
  Args args = parse_args(argv, {}, {});
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional.size() != 1)
    throw UsageError(args.positional.empty() ? "missing MODEL" : "expected one MODEL, got " +
                                                                     std::to_string(args.positional.size()) + " arguments");
  const std::string& model = args.positional[0];
  onyx::ModelInfo info(model);
  onyx::ModelMetadata meta = info.GetModelMetadata();

  std::printf("model       %s\n", model.c_str());
  std::printf("ir_version  %lld\n", static_cast<long long>(info.IrVersion()));
  std::string producer = meta.ProducerName();
  if (!meta.ProducerVersion().empty()) producer.append(" ").append(meta.ProducerVersion());
  std::printf("producer    %s\n", producer.empty() ? "(not set)" : producer.c_str());
  if (!meta.GraphName().empty()) std::printf("graph       %s\n", meta.GraphName().c_str());
  if (!meta.Domain().empty()) std::printf("domain      %s\n", meta.Domain().c_str());
  if (meta.Version() != 0) std::printf("version     %lld\n", static_cast<long long>(meta.Version()));
  if (!meta.Description().empty()) std::printf("description %s\n", meta.Description().c_str());
  std::string opsets;
  for (const auto& [domain, version] : info.Opsets())
    opsets += (opsets.empty() ? "" : ", ") + (domain.empty() ? std::string("ai.onnx") : domain) + " " +
              std::to_string(version);
  std::printf("opsets      %s\n", opsets.c_str());
  for (const auto& [key, value] : meta.CustomMetadata()) std::printf("metadata    %s = %s\n", key.c_str(), value.c_str());

  print_io("inputs", info.InputCount(), info, true);
  print_io("outputs", info.OutputCount(), info, false);
  std::printf("initializers %zu (%s)\n", info.InitializerCount(),
              human_bytes(static_cast<double>(info.InitializerBytes())).c_str());

  std::vector<onyx::ModelInfo::OpCount> ops = info.OpHistogram();
  std::printf("nodes %zu, %zu op types\n", info.NodeCount(), ops.size());
  size_t width = 2;
  for (const auto& op : ops) width = std::max(width, op.op_type.size() + (op.domain.empty() ? 0 : op.domain.size() + 1));
  for (const auto& op : ops) {
    std::string name = op.domain.empty() ? op.op_type : op.domain + "." + op.op_type;
    std::printf("  %-*s  %zu\n", static_cast<int>(width), name.c_str(), op.count);
  }
  return 0;
}

}  // namespace onyx_cli
