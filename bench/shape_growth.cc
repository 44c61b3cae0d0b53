// onyx_shape_growth: resident memory over many runs whose input shapes change
// in every dim that may change (batch and sequence), on a small built-in
// model so that 10,000 runs take seconds. Prints the RSS after a warm-up (the
// first tenth of the runs), at every tenth, and the growth from warm-up to the
// end. (bench/rss_growth.cc does the same on a real BERT model, fewer runs.)
//
//   build/bin/onyx_shape_growth [RUNS=10000] [MODEL.onnx]
//
// The built-in model is an attention-like block over x: float[batch, seq, 64]
// (MatMul, Transpose, Softmax, Add, Mul, ReduceMean, Concat). With MODEL, every
// symbolic or unknown dim is varied (dim 0 in 1..8, the others in 1..64);
// float inputs get a pattern, other inputs zeros.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "onnx/writer.h"
#include "runtime/session.h"

namespace {

double rss_mib() {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, resident = 0;
  f >> pages >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGE_SIZE)) / 1048576.0;
}

std::string builtin_model() {
  using namespace onyx;
  ir::Model m;
  m.ir_version = 8;
  m.opsets[""] = 17;
  m.graph = std::make_shared<ir::Graph>();
  m.graph->model = &m;
  m.graph->name = "shape_growth";
  ir::Graph& g = *m.graph;
  ir::Value* x = g.add_value("x", ir::Type::tensor(DataType::kFloat, {ir::Dim::sym("batch"), ir::Dim::sym("seq"), 64}));
  x->is_graph_input = true;
  g.inputs.push_back(x);
  std::vector<float> w(64 * 64);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 13) % 17) / 17.0f - 0.5f;
  ir::Value* W = g.add_constant("W", Tensor::from<float>(w, {64, 64}));
  auto node = [&](const char* op, std::vector<ir::Value*> in, std::vector<ir::Attribute> attrs = {}) {
    return g.add_node(op, "", std::move(in), 1, "", std::move(attrs))->outputs[0];
  };
  auto ints = [](const char* name, std::vector<int64_t> v) {
    ir::Attribute a;
    a.name = name;
    a.type = ir::AttrType::kInts;
    a.ints = std::move(v);
    return a;
  };
  auto int1 = [](const char* name, int64_t v) {
    ir::Attribute a;
    a.name = name;
    a.type = ir::AttrType::kInt;
    a.i = v;
    return a;
  };
  ir::Value* q = node("MatMul", {x, W});
  ir::Value* kt = node("Transpose", {q}, {ints("perm", {0, 2, 1})});
  ir::Value* scores = node("MatMul", {q, kt});  // [batch, seq, seq]
  ir::Value* p = node("Softmax", {scores}, {int1("axis", -1)});
  ir::Value* ctx = node("MatMul", {p, x});  // [batch, seq, 64]
  ir::Value* mixed = node("Add", {ctx, node("Mul", {x, q})});
  ir::Value* mean = node("ReduceMean", {mixed}, {ints("axes", {1}), int1("keepdims", 1)});
  ir::Value* y = node("Concat", {mixed, mean}, {int1("axis", 1)});  // [batch, seq+1, 64]
  y->is_graph_output = true;
  g.outputs.push_back(y);
  return onnx::serialize_model(m);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::max(10, std::atoi(argv[1])) : 10000;
  std::string bytes;
  if (argc > 2) {
    std::ifstream f(argv[2], std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(f), {});
  } else {
    bytes = builtin_model();
  }
  onyx::SessionOptions so;
  so.intra_op_threads = 1;
  auto s = onyx::Session::create(bytes.data(), bytes.size(), so);

  std::vector<std::string> names;
  for (const auto& in : s->inputs()) names.push_back(in.name);
  unsigned seed = 12345;
  auto next = [&] {
    seed = seed * 1103515245u + 12345u;
    return static_cast<int64_t>((seed >> 16) & 0x7fff);
  };
  const int warmup = runs / 10;
  double rss_warm = 0, lo = 1e30, hi = 0;
  std::printf("runs %d, %zu input(s), rss at start %.1f MiB\n", runs, names.size(), rss_mib());
  for (int r = 0; r < runs; ++r) {
    int64_t batch = 1 + next() % 8, other = 1 + next() % 64;  // one draw per run: dims sharing a symbol agree
    std::vector<onyx::Value> inputs;
    for (const auto& in : s->inputs()) {
      onyx::Shape dims;
      for (size_t d = 0; d < in.type.dims.size(); ++d)
        dims.push_back(in.type.dims[d].known() ? in.type.dims[d].value : d == 0 ? batch : other);
      onyx::Tensor t(in.type.elem, dims);
      if (in.type.elem == onyx::DataType::kFloat) {
        float* p = static_cast<float*>(t.raw());
        for (int64_t k = 0; k < t.numel(); ++k) p[k] = static_cast<float>((k * 7 + r) % 13) / 13.0f;
      } else {
        std::memset(t.raw(), 0, t.nbytes());
      }
      inputs.emplace_back(std::move(t));
    }
    std::vector<onyx::Value> out = s->run(names, inputs, {});
    if (r + 1 == warmup) {
      rss_warm = rss_mib();
      std::printf("after warm-up (%d runs): rss %.1f MiB\n", warmup, rss_warm);
    } else if (r + 1 > warmup) {
      double now = rss_mib();
      lo = std::min(lo, now);
      hi = std::max(hi, now);
      if ((r + 1) % warmup == 0) std::printf("after %d runs: rss %.1f MiB\n", r + 1, now);
    }
  }
  double end = rss_mib();
  std::printf("end: rss %.1f MiB (after warm-up: min %.1f, max %.1f); growth warm-up -> end %+.1f MiB\n", end, lo, hi,
              end - rss_warm);
  return 0;
}
