// `onyx run`: one run of a model on .npy or random inputs; prints a summary
// of each output and optionally writes the outputs as .npy files.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>

#include "inputs.h"
#include "json_value.h"

namespace onyx_cli {

namespace {

const char kUsage[] =
    "usage: onyx run MODEL [--input NAME=FILE.npy|FILE.json]... [--dim SYMBOL=N]... [--output-dir DIR] [--threads N] "
    "[--seed N]\n\n"
    "Runs MODEL once and prints each output's type, shape, min/max/mean and first values\n"
    "(sequences item by item, maps as {key: value} entries).\n"
    "  --input NAME=FILE.npy  feed input NAME from a .npy file (repeatable)\n"
    "  --input NAME=FILE.json feed a sequence, map or optional input (or a tensor) as JSON:\n"
    "                         [item, ...], {\"key\": value, ...}, null, nested number arrays or\n"
    "                         {\"type\": \"float32\", \"shape\": [2], \"data\": [1, 2]} (docs/CLI.md)\n"
    "  --dim SYMBOL=N         size of symbolic dim SYMBOL for generated inputs (default 1)\n"
    "  --output-dir DIR       write each tensor output to DIR/<name>.npy, and each sequence,\n"
    "                         map or optional output to DIR/<name>.json in the --input form\n"
    "                         (characters outside [A-Za-z0-9._-] in the name become '_')\n"
    "  --threads N            intra-op threads (default: one per core)\n"
    "  --seed N               seed of the random inputs (default 0)\n"
    "Inputs not given are random: floats uniform in [-1,1), integers in [0,10)\n"
    "(inputs named like masks get 1, token_type/segment ids get 0).\n";

constexpr size_t kShown = 8;  // values printed per output

// Element i of a numeric tensor as double; false for types not summarized.
bool element(const void* data, OnyxElementType type, size_t i, double& out) {
  switch (type) {
    case ONYX_ELEMENT_FLOAT: out = static_cast<const float*>(data)[i]; return true;
    case ONYX_ELEMENT_DOUBLE: out = static_cast<const double*>(data)[i]; return true;
    case ONYX_ELEMENT_FLOAT16: out = onyx::Float16::ToFloat(static_cast<const uint16_t*>(data)[i]); return true;
    case ONYX_ELEMENT_BFLOAT16: out = onyx::BFloat16::ToFloat(static_cast<const uint16_t*>(data)[i]); return true;
    case ONYX_ELEMENT_INT8: out = static_cast<const int8_t*>(data)[i]; return true;
    case ONYX_ELEMENT_UINT8: out = static_cast<const uint8_t*>(data)[i]; return true;
    case ONYX_ELEMENT_INT16: out = static_cast<const int16_t*>(data)[i]; return true;
    case ONYX_ELEMENT_UINT16: out = static_cast<const uint16_t*>(data)[i]; return true;
    case ONYX_ELEMENT_INT32: out = static_cast<const int32_t*>(data)[i]; return true;
    case ONYX_ELEMENT_UINT32: out = static_cast<const uint32_t*>(data)[i]; return true;
    case ONYX_ELEMENT_INT64: out = static_cast<double>(static_cast<const int64_t*>(data)[i]); return true;
    case ONYX_ELEMENT_UINT64: out = static_cast<double>(static_cast<const uint64_t*>(data)[i]); return true;
    case ONYX_ELEMENT_BOOL: out = static_cast<const uint8_t*>(data)[i] ? 1 : 0; return true;
    default: return false;
  }
}

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    if (c == '\n') {
      q += "\\n";
      continue;
    }
    q += c;
  }
  return q + "\"";
}

void summarize_tensor(const onyx::Value& v, const std::string& indent) {
  OnyxElementType type = v.ElementType();
  size_t n = v.ElementCount();
  std::printf("%s%s%s", indent.c_str(), onyx::ElementTypeName(type).c_str(), shape_str(v.Shape()).c_str());
  if (n == 0) {
    std::printf("  (empty)\n");
    return;
  }
  if (type == ONYX_ELEMENT_STRING) {
    std::printf("\n%s  values:", indent.c_str());
    for (size_t i = 0; i < n && i < kShown; ++i) std::printf(" %s", quote(v.GetString(i)).c_str());
    std::printf("%s\n", n > kShown ? " ..." : "");
    return;
  }
  const void* data = v.GetTensorRawData();
  double first;
  if (!element(data, type, 0, first)) {
    std::printf("  (%s: not summarized)\n", human_bytes(static_cast<double>(v.SizeInBytes())).c_str());
    return;
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
  size_t nan = 0, inf = 0, finite = 0;
  for (size_t i = 0; i < n; ++i) {
    double x;
    element(data, type, i, x);
    if (std::isnan(x)) {
      ++nan;
      continue;
    }
    if (std::isinf(x)) ++inf;
    else {
      sum += x;
      ++finite;
    }
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  std::printf("  min %s  max %s  mean %s", fmt_number(lo).c_str(), fmt_number(hi).c_str(),
              finite ? fmt_number(sum / static_cast<double>(finite)).c_str() : "nan");
  if (nan) std::printf("  nan %zu", nan);
  if (inf) std::printf("  inf %zu", inf);
  std::printf("\n%s  values:", indent.c_str());
  for (size_t i = 0; i < n && i < kShown; ++i) {
    double x;
    element(data, type, i, x);
    std::printf(" %s", type == ONYX_ELEMENT_BOOL ? (x != 0 ? "true" : "false") : fmt_number(x).c_str());
  }
  std::printf("%s\n", n > kShown ? " ..." : "");
}

void summarize(const onyx::Value& v, const std::string& indent) {
  switch (v.Kind()) {
    case ONYX_KIND_TENSOR: summarize_tensor(v, indent); return;
    case ONYX_KIND_SEQUENCE: {
      size_t n = v.SequenceLength();
      std::printf("%ssequence of %zu (%s)\n", indent.c_str(), n, v.GetTypeInfo().TypeString().c_str());
      for (size_t i = 0; i < n && i < kShown; ++i) {
        std::printf("%s  [%zu]\n", indent.c_str(), i);
        summarize(v.GetSequenceItem(i), indent + "    ");
      }
      if (n > kShown) std::printf("%s  ...\n", indent.c_str());
      return;
    }
    case ONYX_KIND_MAP: {
      // ai.onnx.ml maps (ZipMap's class -> probability ...) are small: print the entries.
      onyx::Value keys = v.MapKeys(), values = v.MapValues();
      size_t n = keys.ElementCount();
      std::printf("%s%s, %zu entries: {", indent.c_str(), v.GetTypeInfo().TypeString().c_str(), n);
      bool string_keys = keys.ElementType() == ONYX_ELEMENT_STRING;
      std::vector<double> kd = string_keys ? std::vector<double>{} : keys.GetTensorDataAsDouble();
      bool string_values = values.ElementType() == ONYX_ELEMENT_STRING;
      std::vector<double> vd = string_values ? std::vector<double>{} : values.GetTensorDataAsDouble();
      for (size_t i = 0; i < n && i < kShown; ++i) {
        std::string k = string_keys ? quote(keys.GetString(i)) : fmt_number(kd[i]);
        std::string val = string_values ? quote(values.GetString(i)) : fmt_number(vd[i]);
        std::printf("%s%s: %s", i ? ", " : "", k.c_str(), val.c_str());
      }
      std::printf("%s}\n", n > kShown ? ", ..." : "");
      return;
    }
    default:
      std::printf("%s%s\n", indent.c_str(), v.HasValue() ? "(value of unknown kind)" : "none (empty optional)");
  }
}

std::string sanitize(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) c = '_';
  }
  return s.empty() ? "_" : s;
}

class OutputWriter {
 public:
  explicit OutputWriter(std::string dir) : dir_(std::move(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec || !std::filesystem::is_directory(dir_))
      throw CliError("--output-dir '" + dir_ + "': cannot create the directory" + (ec ? ": " + ec.message() : ""));
  }

  void write(const std::string& name, const onyx::Value& v) {
    if (v.Kind() == ONYX_KIND_TENSOR) write_tensor(name, sanitize(name), v);
    else write_json(name, sanitize(name), v);  // sequences, maps, empty optionals
  }

 private:
  // Distinct names can sanitize to one file name: keep both files.
  std::string unique_file(const std::string& name, const std::string& base, const char* ext) {
    std::string file = base;
    for (int k = 2; !used_.insert(file).second; ++k) file = base + "_" + std::to_string(k);
    if (file != base)
      std::fprintf(stderr, "note: output '%s' written as %s%s (%s%s is taken)\n", name.c_str(), file.c_str(), ext,
                   base.c_str(), ext);
    return (std::filesystem::path(dir_) / (file + ext)).string();
  }

  void write_json(const std::string& name, const std::string& base, const onyx::Value& v) {
    std::string path = unique_file(name, base, ".json");
    std::ofstream f(path, std::ios::binary);
    f << value_to_json(v) << "\n";
    f.close();
    if (!f) throw CliError("cannot write '" + path + "' (output '" + name + "')");
    std::printf("wrote %s\n", path.c_str());
  }

  void write_tensor(const std::string& name, std::string base, const onyx::Value& v) {
    std::string path = unique_file(name, base, ".npy");
    OnyxElementType type = v.ElementType();
    if (type == ONYX_ELEMENT_STRING) {
      npy_write_strings(path, v.Shape(), v.GetStrings());
    } else if (type == ONYX_ELEMENT_BFLOAT16) {
      // numpy has no bfloat16: widen to float32 (exact).
      size_t n = v.ElementCount();
      const auto* src = static_cast<const uint16_t*>(v.GetTensorRawData());
      std::vector<float> wide(n);
      for (size_t i = 0; i < n; ++i) wide[i] = onyx::BFloat16::ToFloat(src[i]);
      npy_write(path, ONYX_ELEMENT_FLOAT, v.Shape(), wide.data(), n * sizeof(float));
      std::fprintf(stderr, "note: output '%s' is bfloat16; written as float32\n", name.c_str());
    } else if (npy_descr(type).empty()) {
      std::fprintf(stderr, "note: output '%s' is %s, which numpy cannot hold; not written\n", name.c_str(),
                   onyx::ElementTypeName(type).c_str());
      return;
    } else {
      npy_write(path, type, v.Shape(), v.GetTensorRawData(), v.SizeInBytes());
    }
    std::printf("wrote %s\n", path.c_str());
  }

  std::string dir_;
  std::set<std::string> used_;
};

}  // namespace

int cmd_run(const std::vector<std::string>& argv) {
  std::vector<std::string> value_flags = input_value_flags();
  value_flags.push_back("--output-dir");
  Args args = parse_args(argv, value_flags, {});
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional.size() != 1)
    throw UsageError(args.positional.empty() ? "missing MODEL" : "expected one MODEL, got " +
                                                                     std::to_string(args.positional.size()) + " arguments");
  const std::string& model = args.positional[0];
  InputFlags flags = read_input_flags(args);
  std::string output_dir;
  for (const auto& [flag, value] : args.flags)
    if (flag == "--output-dir") output_dir = value;

  onyx::Env env;
  onyx::SessionOptions options;
  if (flags.threads > 0) options.SetIntraOpNumThreads(flags.threads);
  onyx::Session session(env, model, options);
  Feed feed = make_feed(session, flags, std::cerr);
  for (size_t i = 0; i < feed.names.size(); ++i)
    std::printf("input '%s': %s\n", feed.names[i].c_str(), feed.descriptions[i].c_str());

  auto t0 = std::chrono::steady_clock::now();
  std::vector<onyx::Value> outputs = session.Run(feed.names, feed.values, {});
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("run: %.3f ms\n", ms);

  std::vector<std::string> names = session.OutputNames();
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::printf("output '%s':", names[i].c_str());
    if (outputs[i].Kind() == ONYX_KIND_TENSOR) {
      std::printf(" ");
      summarize_tensor(outputs[i], "");
    } else {
      std::printf("\n");
      summarize(outputs[i], "  ");
    }
  }
  if (!output_dir.empty()) {
    OutputWriter writer(output_dir);
    for (size_t i = 0; i < outputs.size(); ++i) writer.write(names[i], outputs[i]);
  }
  return 0;
}

}  // namespace onyx_cli
