// ONNX backend conformance runner.
//
//   onyx_conformance [--root DIR] [--passlist FILE] [--update] [--filter SUBSTR]
//                    [--jobs N] [--timeout SEC] [--reference] [--report FILE] [-v]
//
// Runs every test directory of the ONNX backend test data (node/, simple/,
// pytorch-converted/, pytorch-operator/, light/) through Onyx and compares
// each output with the expected one: floats within rtol 1e-3 / atol 1e-7 (the
// ONNX runner's defaults), everything else exactly. Each test runs in a forked
// child, so a crash or hang is reported against that test and the run goes on.
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
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "onnx/loader.h"
#include "runtime/session.h"

namespace {

using onyx::DataType;
using onyx::Tensor;
using onyx::Value;

struct Options {
  std::string root;
  std::string passlist;
  std::string report;
  std::vector<std::string> filters;
  bool update = false;
  bool reference = false;
  bool verbose = false;
  bool inline_run = false;  // no fork: for debugging a single test under gdb
  int jobs = 2;
  int timeout_s = 60;
};

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
  if (!f) onyx::fail(onyx::ErrorCode::kNoSuchFile, "cannot read ", path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Reads a .pb in the form the model's declared type says it has.
Value read_value(const std::string& path, const onyx::ir::Type& type) {
  std::string bytes = read_file(path);
  using K = onyx::ir::Type::Kind;
  switch (type.kind) {
    case K::kSequence: return onyx::onnx::parse_sequence_proto(bytes);
    case K::kOptional: return onyx::onnx::parse_optional_proto(bytes);
    case K::kMap: return onyx::onnx::parse_map_proto(bytes);
    default: return Value(onyx::onnx::parse_tensor_proto(bytes));
  }
}

// Compares tensors: returns "" when equal within tolerance, else why not.
std::string compare_tensor(const Tensor& want, const Tensor& got, double rtol, double atol) {
  if (want.dtype() != got.dtype())
    return onyx::str_cat("element type ", onyx::dtype_name(got.dtype()), " but expected ", onyx::dtype_name(want.dtype()));
  if (want.shape() != got.shape())
    return onyx::str_cat("shape ", onyx::shape_str(got.shape()), " but expected ", onyx::shape_str(want.shape()));
  DataType dt = want.dtype();
  int64_t n = want.numel();
  if (dt == DataType::kString) {
    for (int64_t i = 0; i < n; ++i)
      if (want.data<std::string>()[i] != got.data<std::string>()[i])
        return onyx::str_cat("element ", i, " is '", got.data<std::string>()[i], "' but expected '",
                             want.data<std::string>()[i], "'");
    return "";
  }
  bool exact = !onyx::dtype_is_float(dt) && dt != DataType::kComplex64 && dt != DataType::kComplex128;
  if (dt == DataType::kComplex64 || dt == DataType::kComplex128) {
    // Compare as pairs of reals.
    int64_t m = n * 2;
    for (int64_t i = 0; i < m; ++i) {
      double w = dt == DataType::kComplex64 ? want.data<float>()[i] : want.data<double>()[i];
      double g = dt == DataType::kComplex64 ? got.data<float>()[i] : got.data<double>()[i];
      if (!(std::fabs(w - g) <= atol + rtol * std::fabs(w)))
        return onyx::str_cat("component ", i, " is ", g, " but expected ", w);
    }
    return "";
  }
  if (exact) {
    if (want.nbytes() && std::memcmp(want.raw(), got.raw(), want.nbytes()) != 0) {
      for (int64_t i = 0; i < n; ++i)
        if (want.real_at(i) != got.real_at(i))
          return onyx::str_cat("element ", i, " is ", got.real_at(i), " but expected ", want.real_at(i));
      return "bytes differ";
    }
    return "";
  }
  int bad = 0;
  std::string first;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    double w = want.real_at(i), g = got.real_at(i);
    bool ok;
    if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else ok = std::fabs(w - g) <= atol + rtol * std::fabs(w);
    if (!ok) {
      if (!bad++) first = onyx::str_cat("element ", i, " is ", g, " but expected ", w);
      if (std::isfinite(w) && std::isfinite(g)) worst = std::max(worst, std::fabs(w - g));
    }
  }
  if (bad) return onyx::str_cat(bad, " of ", n, " elements differ; first: ", first, "; max abs diff ", worst);
  return "";
}

std::string compare_value(const Value& want, const Value& got, double rtol, double atol) {
  if (want.kind() != got.kind()) return "got " + got.describe() + " but expected " + want.describe();
  switch (want.kind()) {
    case Value::Kind::kNone: return "";
    case Value::Kind::kTensor: return compare_tensor(want.tensor(), got.tensor(), rtol, atol);
    case Value::Kind::kSequence: {
      const auto& w = want.seq().items;
      const auto& g = got.seq().items;
      if (w.size() != g.size()) return onyx::str_cat("sequence of ", g.size(), " but expected ", w.size());
      for (size_t i = 0; i < w.size(); ++i) {
        std::string r = compare_value(w[i], g[i], rtol, atol);
        if (!r.empty()) return onyx::str_cat("sequence item ", i, ": ", r);
      }
      return "";
    }
    case Value::Kind::kMap: {
      std::string r = compare_tensor(want.map().keys, got.map().keys, 0, 0);
      if (!r.empty()) return "map keys: " + r;
      r = compare_tensor(want.map().values, got.map().values, rtol, atol);
      return r.empty() ? "" : "map values: " + r;
    }
  }
  return "";
}

enum class Outcome { kPass, kFail, kUnsupported };

struct Result {
  Outcome outcome = Outcome::kFail;
  std::string detail;
};

// Runs one test directory (or one light model) in this process.
Result run_test(const std::string& suite, const std::string& dir, const std::string& name, const Options& opt) {
  onyx::SessionOptions so;
  so.reference_kernels = opt.reference;
  so.intra_op_threads = 1;
  so.log_level = onyx::LogLevel::kError;
  std::unique_ptr<onyx::Session> session;
  std::string model_path = suite == "light" ? dir + "/" + name + ".onnx" : dir + "/model.onnx";
  try {
    session = onyx::Session::create(model_path, so);
  } catch (const onyx::Error& e) {
    Result r;
    r.outcome = e.code() == onyx::ErrorCode::kNotImplemented ? Outcome::kUnsupported : Outcome::kFail;
    r.detail = std::string("load: ") + e.what();
    return r;
  }
  const auto& ins = session->inputs();
  const auto& outs = session->outputs();
  std::vector<std::pair<std::vector<Value>, std::vector<Value>>> sets;
  if (suite == "light") {
    // Input is arange(n)/n in the input's shape, as ONNX's own runner feeds it.
    const onyx::ir::Type& t = ins.at(0).type;
    auto shape = t.static_shape();
    if (!shape) return {Outcome::kFail, "light model input has no static shape"};
    Tensor x(DataType::kFloat, *shape);
    int64_t n = x.numel();
    for (int64_t i = 0; i < n; ++i) x.data<float>()[i] = static_cast<float>(static_cast<double>(i) / n);
    std::vector<Value> expected{read_value(dir + "/" + name + "_output_0.pb", outs.at(0).type)};
    sets.push_back({{Value(x)}, expected});
  } else {
    for (const std::string& ds : list_dir(dir)) {
      if (ds.rfind("test_data_set_", 0) != 0) continue;
      std::string d = dir + "/" + ds;
      std::vector<Value> in, out;
      for (size_t k = 0;; ++k) {
        std::string p = d + "/input_" + std::to_string(k) + ".pb";
        if (!is_file(p)) break;
        if (k >= ins.size()) return {Outcome::kFail, onyx::str_cat("test data has more inputs than the model (", ins.size(), ")")};
        in.push_back(read_value(p, ins[k].type));
      }
      for (size_t k = 0;; ++k) {
        std::string p = d + "/output_" + std::to_string(k) + ".pb";
        if (!is_file(p)) break;
        if (k >= outs.size()) return {Outcome::kFail, "test data has more outputs than the model"};
        out.push_back(read_value(p, outs[k].type));
      }
      sets.push_back({std::move(in), std::move(out)});
    }
  }
  double rtol = 1e-3, atol = 1e-7;
  if (suite == "light") atol = 1e-5;  // deep networks: the reference evaluator's own float error
  for (size_t s = 0; s < sets.size(); ++s) {
    auto& [in, expected] = sets[s];
    std::vector<std::string> names;
    for (size_t k = 0; k < in.size(); ++k) names.push_back(ins[k].name);
    std::vector<std::string> out_names;
    for (size_t k = 0; k < expected.size(); ++k) out_names.push_back(outs[k].name);
    std::vector<Value> got;
    try {
      got = session->run(names, in, out_names);
    } catch (const onyx::Error& e) {
      Result r;
      r.outcome = e.code() == onyx::ErrorCode::kNotImplemented ? Outcome::kUnsupported : Outcome::kFail;
      r.detail = onyx::str_cat("data set ", s, ": ", e.what());
      return r;
    }
    for (size_t k = 0; k < expected.size(); ++k) {
      std::string why = compare_value(expected[k], got[k], rtol, atol);
      if (!why.empty()) return {Outcome::kFail, onyx::str_cat("data set ", s, " output '", out_names[k], "': ", why)};
    }
  }
  return {Outcome::kPass, ""};
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
    std::string msg = std::to_string(static_cast<int>(r.outcome)) + "\n" + r.detail;
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
    if (sig == SIGALRM) return {Outcome::kFail, onyx::str_cat("timed out after ", opt.timeout_s, " s")};
    return {Outcome::kFail, onyx::str_cat("CRASHED with signal ", sig, " (", strsignal(sig), ")")};
  }
  size_t nl = buf.find('\n');
  if (nl == std::string::npos) return {Outcome::kFail, "child exited without a result"};
  Result r;
  r.outcome = static_cast<Outcome>(std::stoi(buf.substr(0, nl)));
  r.detail = buf.substr(nl + 1);
  return r;
}

// The op a test is about, for the per-op summary.
std::string op_of(const TestCase& tc) {
  if (tc.suite != "node") return tc.suite;
  try {
    auto model = onyx::onnx::load_model_file(tc.dir + "/model.onnx");
    const auto& nodes = model->graph->nodes();
    if (nodes.size() == 1) return nodes[0]->op_type;
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
    else if (a == "--jobs") opt.jobs = std::max(1, std::stoi(next()));
    else if (a == "--timeout") opt.timeout_s = std::stoi(next());
    else if (a == "-v" || a == "--verbose") opt.verbose = true;
    else if (a == "--inline") opt.inline_run = true;
    else {
      std::cerr << "usage: onyx_conformance [--root DIR] [--passlist FILE] [--update] [--filter S] [--jobs N]\n"
                   "                        [--timeout SEC] [--reference] [--report FILE] [-v]\n";
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
  int pass = 0, failn = 0, unsup = 0, regressions = 0, fresh = 0;
  std::ofstream report;
  if (!opt.report.empty()) report.open(opt.report);
  for (size_t i = 0; i < cases.size(); ++i) {
    const TestCase& tc = cases[i];
    const Result& r = results[i];
    const char* tag = r.outcome == Outcome::kPass ? "PASS" : r.outcome == Outcome::kFail ? "FAIL" : "UNSUPPORTED";
    auto& counts = by_op[op_of(tc)];
    counts[static_cast<int>(r.outcome)]++;
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
