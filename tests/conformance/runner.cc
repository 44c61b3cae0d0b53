// ONNX backend conformance runner.
//
//   onyx_conformance [--root DIR] [--passlist FILE] [--update] [--filter SUBSTR]
//                    [--jobs N] [--timeout SEC] [--reference] [--repeat N] [--report FILE] [-v]
//
// Runs every test directory of the ONNX backend test data (node/, simple/,
// pytorch-converted/, pytorch-operator/, light/) through Onyx and compares
// each output with the expected one: floats within rtol 1e-3 / atol 1e-7 (the
// ONNX runner's defaults), everything else exactly. Each test runs in a forked
// child, so a crash or hang is reported against that test and the run goes on.
// --reference runs with the plain reference kernels only. --repeat N runs each
// data set N times on one session and checks every run: runs after the first
// take their intermediates from the memory pattern's arena.
//
// The runner is a user of the library: it goes through the public C++ API
// (include/onyx/onyx.hpp) only, never the engine's internal headers.
//
// Random ops. Bernoulli, RandomNormal, RandomNormalLike, RandomUniform,
// RandomUniformLike and Multinomial draw from a generator the spec does not
// pin down, so no engine can reproduce the draws stored with a test. For a
// model holding any of them the runner checks each output's shape and element
// type, and its values' domain instead of the values: Bernoulli outputs (and
// any output whose expected values are all 0 or 1, as in Bernoulli's expanded
// form RandomUniformLike -> Less -> Cast) hold only 0 and 1; Multinomial
// outputs are integers in [0, classes) (classes = the last dim of the input);
// every float output is free of NaN. The test passes only if all of these hold.
// The summary prints how many tests were checked this way.
//
// The pass list (tests/conformance/passlist.txt) names every test known to
// pass. A listed test that fails is a regression: the exit status is 1. A test
// that passes but is not listed is printed as NEW; --update rewrites the list.
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "onyx/onyx.hpp"

namespace {

using onyx::Value;

struct Options {
  std::string root;
  std::string passlist;
  std::string report;
  std::vector<std::string> filters;
  bool update = false;
  bool reference = false;
  int repeat = 1;
  bool verbose = false;
  bool inline_run = false;  // no fork: for debugging a single test under gdb
  int jobs = 2;
  int timeout_s = 60;
};

// Concatenates anything streamable.
template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool is_file(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw onyx::Exception(ONYX_NO_SUCHFILE, "cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Reads a .pb in the form the model's declared type says it has.
Value read_value(const std::string& path, const onyx::TypeInfo& type) {
  std::string bytes = read_file(path);
  switch (type.Kind()) {
    case ONYX_KIND_SEQUENCE: return Value::FromProto(ONYX_PROTO_SEQUENCE, bytes);
    case ONYX_KIND_OPTIONAL: return Value::FromProto(ONYX_PROTO_OPTIONAL, bytes);
    case ONYX_KIND_MAP: return Value::FromProto(ONYX_PROTO_MAP, bytes);
    default: return Value::FromProto(ONYX_PROTO_TENSOR, bytes);
  }
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

// "float32[2,3]", "seq(tensor(float))", "optional (empty)" ...
std::string describe(const Value& v) {
  if (v.Kind() == ONYX_KIND_OPTIONAL && !v.HasValue()) return "an empty optional";
  if (v.IsTensor()) return onyx::ElementTypeName(v.ElementType()) + shape_str(v.Shape());
  return v.GetTypeInfo().TypeString();
}

bool is_float_type(OnyxElementType t) {
  switch (t) {
    case ONYX_ELEMENT_FLOAT: case ONYX_ELEMENT_DOUBLE: case ONYX_ELEMENT_FLOAT16: case ONYX_ELEMENT_BFLOAT16:
    case ONYX_ELEMENT_FLOAT8E4M3FN: case ONYX_ELEMENT_FLOAT8E4M3FNUZ: case ONYX_ELEMENT_FLOAT8E5M2:
    case ONYX_ELEMENT_FLOAT8E5M2FNUZ: case ONYX_ELEMENT_FLOAT4E2M1: case ONYX_ELEMENT_FLOAT8E8M0:
      return true;
    default: return false;
  }
}
bool is_complex_type(OnyxElementType t) { return t == ONYX_ELEMENT_COMPLEX64 || t == ONYX_ELEMENT_COMPLEX128; }
// Fewer than 8 bits per element: bytes may differ in padding bits, so compare elements.
bool is_packed_type(OnyxElementType t) {
  return t == ONYX_ELEMENT_INT4 || t == ONYX_ELEMENT_UINT4 || t == ONYX_ELEMENT_FLOAT4E2M1 ||
         t == ONYX_ELEMENT_INT2 || t == ONYX_ELEMENT_UINT2;
}

// Compares tensors: returns "" when equal within tolerance, else why not.
std::string compare_tensor(const Value& want, const Value& got, double rtol, double atol) {
  OnyxElementType dt = want.ElementType();
  if (dt != got.ElementType())
    return cat("element type ", onyx::ElementTypeName(got.ElementType()), " but expected ", onyx::ElementTypeName(dt));
  if (want.Shape() != got.Shape())
    return cat("shape ", shape_str(got.Shape()), " but expected ", shape_str(want.Shape()));
  size_t n = want.ElementCount();
  if (dt == ONYX_ELEMENT_STRING) {
    for (size_t i = 0; i < n; ++i) {
      std::string w = want.GetString(i), g = got.GetString(i);
      if (w != g) return cat("element ", i, " is '", g, "' but expected '", w, "'");
    }
    return "";
  }
  if (is_complex_type(dt)) {
    // Compare as pairs of reals.
    std::vector<double> w = want.GetTensorDataAsDouble(), g = got.GetTensorDataAsDouble();
    for (size_t i = 0; i < w.size(); ++i)
      if (!(std::fabs(w[i] - g[i]) <= atol + rtol * std::fabs(w[i])))
        return cat("component ", i, " is ", g[i], " but expected ", w[i]);
    return "";
  }
  if (!is_float_type(dt)) {
    if (!is_packed_type(dt)) {
      size_t bytes = want.SizeInBytes();
      if (bytes == 0 || std::memcmp(want.GetTensorRawData(), got.GetTensorRawData(), bytes) == 0) return "";
    }
    // 64-bit integers beyond 2^53 may read back equal as doubles: then say "bytes differ".
    std::vector<double> w = want.GetTensorDataAsDouble(), g = got.GetTensorDataAsDouble();
    for (size_t i = 0; i < n; ++i)
      if (w[i] != g[i]) return cat("element ", i, " is ", g[i], " but expected ", w[i]);
    return is_packed_type(dt) ? "" : "bytes differ";
  }
  std::vector<double> wv = want.GetTensorDataAsDouble(), gv = got.GetTensorDataAsDouble();
  int bad = 0;
  std::string first;
  double worst = 0;
  for (size_t i = 0; i < n; ++i) {
    double w = wv[i], g = gv[i];
    bool ok;
    if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else ok = std::fabs(w - g) <= atol + rtol * std::fabs(w);
    if (!ok) {
      if (!bad++) first = cat("element ", i, " is ", g, " but expected ", w);
      if (std::isfinite(w) && std::isfinite(g)) worst = std::max(worst, std::fabs(w - g));
    }
  }
  if (bad) return cat(bad, " of ", n, " elements differ; first: ", first, "; max abs diff ", worst);
  return "";
}

std::string compare_value(const Value& want, const Value& got, double rtol, double atol) {
  OnyxTypeKind wk = want.Kind(), gk = got.Kind();
  if (wk != gk) return "got " + describe(got) + " but expected " + describe(want);
  switch (wk) {
    case ONYX_KIND_OPTIONAL: return "";  // both empty
    case ONYX_KIND_TENSOR: return compare_tensor(want, got, rtol, atol);
    case ONYX_KIND_SEQUENCE: {
      size_t w = want.SequenceLength(), g = got.SequenceLength();
      if (w != g) return cat("sequence of ", g, " but expected ", w);
      for (size_t i = 0; i < w; ++i) {
        std::string r = compare_value(want.GetSequenceItem(i), got.GetSequenceItem(i), rtol, atol);
        if (!r.empty()) return cat("sequence item ", i, ": ", r);
      }
      return "";
    }
    case ONYX_KIND_MAP: {
      std::string r = compare_tensor(want.MapKeys(), got.MapKeys(), 0, 0);
      if (!r.empty()) return "map keys: " + r;
      r = compare_tensor(want.MapValues(), got.MapValues(), rtol, atol);
      return r.empty() ? "" : "map values: " + r;
    }
    default: return "cannot compare " + describe(want);
  }
}

// ---- random ops ----

const std::set<std::string> kRandomOps = {"Bernoulli", "RandomNormal", "RandomNormalLike",
                                          "RandomUniform", "RandomUniformLike", "Multinomial"};

// The random ops (domain ai.onnx) anywhere in the model, subgraphs included.
std::set<std::string> random_ops_of(const onyx::ModelInfo& info) {
  std::set<std::string> found;
  for (const auto& op : info.OpHistogram())
    if ((op.domain.empty() || op.domain == "ai.onnx") && kRandomOps.count(op.op_type)) found.insert(op.op_type);
  return found;
}

// The check of an output drawn at random (see the top of this file): "" when
// it has the expected type and shape and values in the op's domain.
std::string check_random_output(const Value& want, const Value& got, const std::set<std::string>& ops,
                                const std::vector<Value>& inputs) {
  if (want.Kind() != got.Kind()) return "got " + describe(got) + " but expected " + describe(want);
  if (!want.IsTensor()) return compare_value(want, got, 1e-3, 1e-7);  // random ops make tensors only
  if (want.ElementType() != got.ElementType())
    return cat("element type ", onyx::ElementTypeName(got.ElementType()), " but expected ",
               onyx::ElementTypeName(want.ElementType()));
  if (want.Shape() != got.Shape()) return cat("shape ", shape_str(got.Shape()), " but expected ", shape_str(want.Shape()));
  if (want.ElementType() == ONYX_ELEMENT_STRING || is_complex_type(want.ElementType()))
    return compare_tensor(want, got, 1e-3, 1e-7);
  std::vector<double> w = want.GetTensorDataAsDouble(), g = got.GetTensorDataAsDouble();
  for (size_t i = 0; i < g.size(); ++i)
    if (std::isnan(g[i])) return cat("element ", i, " is NaN");
  bool zero_one = ops.count("Bernoulli") > 0 ||
                  (!w.empty() && std::all_of(w.begin(), w.end(), [](double v) { return v == 0 || v == 1; }));
  if (zero_one) {
    for (size_t i = 0; i < g.size(); ++i)
      if (g[i] != 0 && g[i] != 1) return cat("element ", i, " is ", g[i], " but a Bernoulli draw is 0 or 1");
  }
  if (ops.count("Multinomial") && !is_float_type(want.ElementType()) && !inputs.empty() && inputs[0].IsTensor()) {
    std::vector<int64_t> in_shape = inputs[0].Shape();
    if (!in_shape.empty()) {
      double classes = static_cast<double>(in_shape.back());
      for (size_t i = 0; i < g.size(); ++i)
        if (g[i] < 0 || g[i] >= classes || g[i] != std::floor(g[i]))
          return cat("element ", i, " is ", g[i], " but a Multinomial draw is a class index in [0, ", classes, ")");
    }
  }
  return "";
}

enum class Outcome { kPass, kFail, kUnsupported };

struct Result {
  Outcome outcome = Outcome::kFail;
  std::string detail;
  bool random = false;  // outputs checked by type, shape and domain only
};

// Runs one test directory (or one light model) in this process.
Result run_test(const std::string& suite, const std::string& dir, const std::string& name, const Options& opt) {
  onyx::Env env(ONYX_LOG_ERROR, "conformance");
  onyx::SessionOptions so;
  so.SetIntraOpNumThreads(1).SetLogSeverityLevel(ONYX_LOG_ERROR);
  if (opt.reference) so.AddConfigEntry("session.use_reference_kernels", "1");
  std::unique_ptr<onyx::Session> session;
  std::string model_path = suite == "light" ? dir + "/" + name + ".onnx" : dir + "/model.onnx";
  try {
    session = std::make_unique<onyx::Session>(env, model_path, so);
  } catch (const onyx::Exception& e) {
    Result r;
    r.outcome = e.code() == ONYX_NOT_IMPLEMENTED ? Outcome::kUnsupported : Outcome::kFail;
    r.detail = std::string("load: ") + e.what();
    return r;
  }
  std::set<std::string> random_ops = random_ops_of(onyx::ModelInfo(model_path));
  std::vector<std::string> in_names = session->InputNames(), out_names_all = session->OutputNames();
  std::vector<onyx::TypeInfo> in_types, out_types;
  for (size_t k = 0; k < in_names.size(); ++k) in_types.push_back(session->InputTypeInfo(k));
  for (size_t k = 0; k < out_names_all.size(); ++k) out_types.push_back(session->OutputTypeInfo(k));
  std::vector<std::pair<std::vector<Value>, std::vector<Value>>> sets;
  std::vector<float> light_input;  // the light models' input data (the tensor is over it)
  if (suite == "light") {
    // Input is arange(n)/n in the input's shape, as ONNX's own runner feeds it.
    if (in_types.empty() || out_types.empty()) return {Outcome::kFail, "light model has no input or output"};
    std::vector<int64_t> shape = in_types[0].Shape();
    if (in_types[0].Rank() < 0 || std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 0; }))
      return {Outcome::kFail, "light model input has no static shape"};
    size_t n = Value::ElementCountOf(shape);
    light_input.resize(n);
    for (size_t i = 0; i < n; ++i) light_input[i] = static_cast<float>(static_cast<double>(i) / static_cast<double>(n));
    std::vector<Value> in, expected;
    in.push_back(Value::CreateTensor<float>(shape, light_input.data(), n));
    expected.push_back(read_value(dir + "/" + name + "_output_0.pb", out_types[0]));
    sets.emplace_back(std::move(in), std::move(expected));
  } else {
    for (const std::string& ds : list_dir(dir)) {
      if (ds.rfind("test_data_set_", 0) != 0) continue;
      std::string d = dir + "/" + ds;
      std::vector<Value> in, out;
      for (size_t k = 0;; ++k) {
        std::string p = d + "/input_" + std::to_string(k) + ".pb";
        if (!is_file(p)) break;
        if (k >= in_types.size())
          return {Outcome::kFail, cat("test data has more inputs than the model (", in_types.size(), ")")};
        in.push_back(read_value(p, in_types[k]));
      }
      for (size_t k = 0;; ++k) {
        std::string p = d + "/output_" + std::to_string(k) + ".pb";
        if (!is_file(p)) break;
        if (k >= out_types.size()) return {Outcome::kFail, "test data has more outputs than the model"};
        out.push_back(read_value(p, out_types[k]));
      }
      sets.emplace_back(std::move(in), std::move(out));
    }
  }
  double rtol = 1e-3, atol = 1e-7;
  if (suite == "light") atol = 1e-5;  // deep networks: the reference evaluator's own float error
  for (size_t s = 0; s < sets.size(); ++s) {
    auto& [in, expected] = sets[s];
    std::vector<std::string> names(in_names.begin(), in_names.begin() + static_cast<std::ptrdiff_t>(in.size()));
    std::vector<std::string> out_names(out_names_all.begin(),
                                       out_names_all.begin() + static_cast<std::ptrdiff_t>(expected.size()));
    for (int rep = 0; rep < opt.repeat; ++rep) {
      const std::string run = rep ? cat(" (run ", rep + 1, ")") : "";
      std::vector<Value> got;  // (no expected outputs: all outputs are computed, none compared)
      try {
        got = session->Run(names, in, out_names);
      } catch (const onyx::Exception& e) {
        Result r;
        r.outcome = e.code() == ONYX_NOT_IMPLEMENTED ? Outcome::kUnsupported : Outcome::kFail;
        r.detail = cat("data set ", s, run, ": ", e.what());
        return r;
      }
      for (size_t k = 0; k < expected.size(); ++k) {
        std::string why = random_ops.empty() ? compare_value(expected[k], got[k], rtol, atol)
                                             : check_random_output(expected[k], got[k], random_ops, in);
        if (!why.empty()) {
          Result r{Outcome::kFail, cat("data set ", s, run, " output '", out_names[k], "': ", why),
                   !random_ops.empty()};
          return r;
        }
      }
    }
  }
  return {Outcome::kPass, "", !random_ops.empty()};
}

struct TestCase {
  std::string id;     // "node/test_abs"
  std::string suite;  // "node"
  std::string dir;
  std::string name;   // directory or light model name
};

std::vector<TestCase> discover(const std::string& root) {
  std::vector<TestCase> cases;
  for (const char* suite : {"node", "simple", "pytorch-converted", "pytorch-operator"}) {
    std::string sdir = root + "/" + suite;
    for (const std::string& t : list_dir(sdir))
      if (is_file(sdir + "/" + t + "/model.onnx")) cases.push_back({std::string(suite) + "/" + t, suite, sdir + "/" + t, t});
  }
  std::string ldir = root + "/light";
  for (const std::string& f : list_dir(ldir)) {
    if (f.size() < 5 || f.substr(f.size() - 5) != ".onnx") continue;
    std::string n = f.substr(0, f.size() - 5);
    if (is_file(ldir + "/" + n + "_output_0.pb")) cases.push_back({"light/" + n, "light", ldir, n});
  }
  return cases;
}

// Runs a test in a child process with a time limit; the child writes the result to a pipe.
Result run_isolated(const TestCase& tc, const Options& opt) {
  if (opt.inline_run) return run_test(tc.suite, tc.dir, tc.name, opt);
  int fds[2];
  if (pipe(fds) != 0) return {Outcome::kFail, "pipe failed"};
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(opt.timeout_s));
    Result r;
    try {
      r = run_test(tc.suite, tc.dir, tc.name, opt);
    } catch (const std::exception& e) {
      r = {Outcome::kFail, std::string("error: ") + e.what()};
    }
    std::string msg = std::to_string(static_cast<int>(r.outcome)) + (r.random ? "R" : "") + "\n" + r.detail;
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t w = write(fds[1], msg.data() + off, msg.size() - off);
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    close(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string buf;
  char tmp[4096];
  ssize_t n;
  while ((n = read(fds[0], tmp, sizeof tmp)) > 0) buf.append(tmp, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGALRM) return {Outcome::kFail, cat("timed out after ", opt.timeout_s, " s")};
    return {Outcome::kFail, cat("CRASHED with signal ", sig, " (", strsignal(sig), ")")};
  }
  size_t nl = buf.find('\n');
  if (nl == std::string::npos) return {Outcome::kFail, "child exited without a result"};
  Result r;
  r.outcome = static_cast<Outcome>(std::stoi(buf.substr(0, nl)));
  r.random = buf.substr(0, nl).find('R') != std::string::npos;
  r.detail = buf.substr(nl + 1);
  return r;
}

// The op a test is about, for the per-op summary.
std::string op_of(const TestCase& tc) {
  if (tc.suite != "node") return tc.suite;
  try {
    onyx::ModelInfo info(tc.dir + "/model.onnx");
    if (info.NodeCount() == 1) return info.OpHistogram().at(0).op_type;
  } catch (...) {
  }
  // Expanded function tests have many nodes: name them after the test.
  std::string n = tc.name.substr(5);
  return n.substr(0, n.find('_'));
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--root") opt.root = next();
    else if (a == "--passlist") opt.passlist = next();
    else if (a == "--report") opt.report = next();
    else if (a == "--filter") opt.filters.push_back(next());
    else if (a == "--update") opt.update = true;
    else if (a == "--reference") opt.reference = true;
    else if (a == "--repeat") opt.repeat = std::max(1, std::stoi(next()));
    else if (a == "--jobs") opt.jobs = std::max(1, std::stoi(next()));
    else if (a == "--timeout") opt.timeout_s = std::stoi(next());
    else if (a == "-v" || a == "--verbose") opt.verbose = true;
    else if (a == "--inline") opt.inline_run = true;
    else {
      std::cerr << "usage: onyx_conformance [--root DIR] [--passlist FILE] [--update] [--filter S] [--jobs N]\n"
                   "                        [--timeout SEC] [--reference] [--repeat N] [--report FILE] [-v]\n";
      return 2;
    }
  }
  if (opt.root.empty()) {
    for (const char* c : {"../shared/onnx-backend-tests", "/usr/share/libonnx-testdata/data"})
      if (is_dir(c)) {
        opt.root = c;
        break;
      }
  }
  if (opt.root.empty() || !is_dir(opt.root)) {
    std::cerr << "conformance data not found: pass --root, or install Debian's libonnx-testdata\n";
    return 2;
  }
  std::vector<TestCase> cases = discover(opt.root);
  if (!opt.filters.empty())
    std::erase_if(cases, [&](const TestCase& t) {
      for (const auto& f : opt.filters)
        if (t.id.find(f) != std::string::npos) return false;
      return true;
    });
  std::cerr << "running " << cases.size() << " tests from " << opt.root << "\n";

  std::vector<Result> results(cases.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int j = 0; j < opt.jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next.fetch_add(1)) < cases.size();) results[i] = run_isolated(cases[i], opt);
    });
  for (auto& w : workers) w.join();

  std::set<std::string> listed;
  bool filtered = !opt.filters.empty();
  if (!opt.passlist.empty()) {
    std::ifstream f(opt.passlist);
    std::string line;
    while (std::getline(f, line))
      if (!line.empty() && line[0] != '#') listed.insert(line);
  }
  std::map<std::string, std::array<int, 3>> by_op;
  int pass = 0, failn = 0, unsup = 0, regressions = 0, fresh = 0, random_pass = 0, random_all = 0;
  std::ofstream report;
  if (!opt.report.empty()) report.open(opt.report);
  for (size_t i = 0; i < cases.size(); ++i) {
    const TestCase& tc = cases[i];
    const Result& r = results[i];
    const char* tag = r.outcome == Outcome::kPass ? "PASS" : r.outcome == Outcome::kFail ? "FAIL" : "UNSUPPORTED";
    auto& counts = by_op[op_of(tc)];
    counts[static_cast<int>(r.outcome)]++;
    if (r.random) {
      ++random_all;
      if (r.outcome == Outcome::kPass) ++random_pass;
    }
    if (r.outcome == Outcome::kPass) ++pass;
    else if (r.outcome == Outcome::kFail) ++failn;
    else ++unsup;
    bool was_listed = listed.count(tc.id) > 0;
    if (r.outcome != Outcome::kPass && was_listed) {
      ++regressions;
      std::cout << "REGRESSION " << tc.id << ": " << r.detail << "\n";
    } else if (r.outcome == Outcome::kPass && !was_listed && !opt.passlist.empty()) {
      ++fresh;
      std::cout << "NEW " << tc.id << "\n";
    } else if (opt.verbose && r.outcome != Outcome::kPass) {
      std::cout << tag << " " << tc.id << ": " << r.detail << "\n";
    }
    if (report) report << tag << " " << tc.id << (r.detail.empty() ? "" : ": ") << r.detail << "\n";
  }
  std::cout << "\nper op (pass / fail / unsupported):\n";
  for (const auto& [op, c] : by_op)
    if (c[1] || c[2] || opt.verbose) std::cout << "  " << op << ": " << c[0] << " / " << c[1] << " / " << c[2] << "\n";
  std::cout << "\n" << pass << " passed, " << failn << " failed, " << unsup << " unsupported of " << cases.size()
            << " (" << (cases.empty() ? 0.0 : 100.0 * pass / static_cast<double>(cases.size())) << "%)\n";
  if (random_all)
    std::cout << random_all << " tests hold random ops (Bernoulli, RandomNormal/Uniform(Like), Multinomial): their "
              << "draws cannot match the stored ones, so outputs were checked by shape, element type and value "
              << "domain only; " << random_pass << " of them passed\n";
  if (!opt.passlist.empty()) {
    std::cout << regressions << " regressions, " << fresh << " new passes against " << opt.passlist << "\n";
    if (opt.update) {
      std::set<std::string> updated = filtered ? listed : std::set<std::string>{};
      for (size_t i = 0; i < cases.size(); ++i)
        if (results[i].outcome == Outcome::kPass) updated.insert(cases[i].id);
        else updated.erase(cases[i].id);
      std::ofstream f(opt.passlist);
      f << "# Conformance tests known to pass (tests/conformance/runner.cc). A listed test that fails\n"
           "# fails `make test`. Regenerate with: build/bin/onyx_conformance --passlist "
        << "tests/conformance/passlist.txt --update\n";
      for (const auto& t : updated) f << t << "\n";
      std::cout << "wrote " << updated.size() << " entries to " << opt.passlist << "\n";
      return 0;
    }
  }
  return regressions ? 1 : 0;
}
