// Ops ONNX defines as functions: with their kernels hidden (session config
// "session.disable_kernels"), a session expands them into their function
// bodies and must still produce the ONNX backend tests' expected outputs and
// the kernels' own results; an op with neither kernel nor body still fails
// with an error naming the node.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "kernels/subgraph.h"
#include "onnx/function_ops.h"
#include "onnx/loader.h"
#include "runtime/function_expand.h"
#include "runtime/session.h"
#include "unit/model_builder.h"
#include "unit/raw_proto.h"

namespace onyx::test {
namespace {

namespace fs = std::filesystem;
using ir::Dim;

fs::path backend_tests() {
  if (const char* env = std::getenv("ONYX_BACKEND_TESTS")) return env;
  return fs::path(ONYX_SOURCE_DIR).parent_path() / "shared" / "onnx-backend-tests" / "node";
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SessionOptions disabling(const std::string& ops) {
  SessionOptions o;
  o.config[kConfigDisableKernels] = ops;
  o.intra_op_threads = 1;
  return o;
}

double elem(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat: return t.data<float>()[i];
    case DataType::kDouble: return t.data<double>()[i];
    case DataType::kBool: return t.data<bool>()[i] ? 1 : 0;
    case DataType::kFloat16: return half_to_float(t.data<uint16_t>()[i]);
    case DataType::kBFloat16: return bf16_to_float(t.data<uint16_t>()[i]);
    default: return static_cast<double>(t.int_at(i));
  }
}

// Same dtype and shape; floats within the conformance runner's tolerance
// (rtol 1e-3, atol 1e-7 plus a little for float32 rounding), the rest exactly.
void expect_close(const Tensor& got, const Tensor& want, const std::string& what) {
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(std::vector<int64_t>(got.shape().begin(), got.shape().end()),
            std::vector<int64_t>(want.shape().begin(), want.shape().end()))
      << what;
  bool fp = want.dtype() == DataType::kFloat || want.dtype() == DataType::kDouble;
  bool half = want.dtype() == DataType::kFloat16 || want.dtype() == DataType::kBFloat16;
  int bad = 0;
  for (int64_t i = 0; i < want.numel() && bad < 5; ++i) {
    double g = elem(got, i), w = elem(want, i);
    bool ok = fp     ? std::fabs(g - w) <= 1e-5 + 1e-3 * std::fabs(w)
              : half ? std::fabs(g - w) <= 1e-2 + 1e-2 * std::fabs(w)
                     : g == w;
    if (!ok) {
      ++bad;
      ADD_FAILURE() << what << ": element " << i << " is " << g << ", expected " << w;
    }
  }
}

// Runs node/<test>/ with the kernels of `ops` disabled against its data set 0.
void run_backend_test(const std::string& test, const std::string& ops) {
  fs::path dir = backend_tests() / test;
  if (!fs::exists(dir / "model.onnx")) GTEST_SKIP() << "no backend test data at " << dir;
  std::string model = read_file(dir / "model.onnx");
  SCOPED_TRACE(test + " with kernels of " + ops + " disabled");
  std::unique_ptr<Session> s;
  ASSERT_NO_THROW(s = Session::create(model.data(), model.size(), disabling(ops)));
  std::vector<std::string> names;
  std::vector<Value> inputs;
  for (size_t i = 0; i < s->inputs().size(); ++i) {
    names.push_back(s->inputs()[i].name);
    inputs.emplace_back(onnx::parse_tensor_proto(read_file(dir / "test_data_set_0" / ("input_" + std::to_string(i) + ".pb"))));
  }
  std::vector<Value> outs = s->run(names, inputs, {});
  ASSERT_EQ(outs.size(), s->outputs().size());
  for (size_t i = 0; i < outs.size(); ++i) {
    Tensor want =
        onnx::parse_tensor_proto(read_file(dir / "test_data_set_0" / ("output_" + std::to_string(i) + ".pb")));
    ASSERT_TRUE(outs[i].is_tensor());
    expect_close(outs[i].tensor(), want, test + " output " + std::to_string(i));
  }
}

// Every node/ test (not the _expanded copies) whose model holds an op with an
// embedded body at its opset, run with those ops' kernels hidden.
TEST(FunctionOps, EveryBackendTestOfAFunctionOp) {
  fs::path root = backend_tests();
  if (!fs::exists(root)) GTEST_SKIP() << "no backend test data at " << root;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(root)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  int ran = 0;
  for (const fs::path& dir : dirs) {
    std::string test = dir.filename().string();
    if (test.ends_with("_expanded") || test.find("_expanded_") != std::string::npos) continue;
    if (!fs::exists(dir / "model.onnx") || !fs::exists(dir / "test_data_set_0")) continue;
    std::string ops;
    try {
      auto model = onnx::load_model_file((dir / "model.onnx").string());
      for (const auto& n : model->graph->nodes())
        if (!onnx::standard_function_body(n->domain, n->op_type, n->opset).proto.empty() &&
            ops.find(n->op_type) == std::string::npos)
          ops += (ops.empty() ? "" : ",") + n->op_type;
    } catch (const Error&) {
      continue;
    }
    if (ops.empty()) continue;
    run_backend_test(test, ops);
    ++ran;
  }
  EXPECT_GE(ran, 30) << "backend tests of function ops found";
}

TEST(FunctionOps, BodiesEmbeddedByVersion) {
  EXPECT_TRUE(onnx::standard_function_body("", "HardSwish", 13).proto.empty());  // HardSwish is opset 14
  EXPECT_EQ(onnx::standard_function_body("", "HardSwish", 14).since, 14);
  EXPECT_EQ(onnx::standard_function_body("ai.onnx", "HardSwish", 22).since, 14);
  EXPECT_EQ(onnx::standard_function_body("", "MeanVarianceNormalization", 12).since, 9);
  EXPECT_EQ(onnx::standard_function_body("", "MeanVarianceNormalization", 18).since, 13);
  EXPECT_EQ(onnx::standard_function_body("", "GreaterOrEqual", 15).since, 12);
  EXPECT_EQ(onnx::standard_function_body("", "GreaterOrEqual", 16).since, 16);
  EXPECT_TRUE(onnx::standard_function_body("", "Relu", 14).proto.empty());
  EXPECT_TRUE(onnx::standard_function_body("com.example", "HardSwish", 14).proto.empty());
}

TEST(FunctionOps, DisableKernelsConfigParsing) {
  SessionOptions o = disabling(" Relu ,HardSwish,,Mul");
  EXPECT_TRUE(kernel_disabled(o, "Relu"));
  EXPECT_TRUE(kernel_disabled(o, "HardSwish"));
  EXPECT_TRUE(kernel_disabled(o, "Mul"));
  EXPECT_FALSE(kernel_disabled(o, "HardSigmoid"));
  EXPECT_FALSE(kernel_disabled(SessionOptions{}, "Relu"));
}

struct BackendCase {
  const char* test;
  const char* ops;
};
void PrintTo(const BackendCase& c, std::ostream* os) { *os << c.test << " with " << c.ops << " disabled"; }

class FunctionOpsBackend : public ::testing::TestWithParam<BackendCase> {};

TEST_P(FunctionOpsBackend, ExpandedBodyMatchesExpectedOutputs) { run_backend_test(GetParam().test, GetParam().ops); }

INSTANTIATE_TEST_SUITE_P(
    Node, FunctionOpsBackend,
    ::testing::Values(BackendCase{"test_hardswish", "HardSwish"}, BackendCase{"test_greater_equal", "GreaterOrEqual"},
                      BackendCase{"test_greater_equal_bcast", "GreaterOrEqual"},
                      BackendCase{"test_greater_equal_int8", "GreaterOrEqual"},
                      BackendCase{"test_less_equal_uint16", "LessOrEqual"},
                      BackendCase{"test_less_equal_bcast", "LessOrEqual"},
                      BackendCase{"test_mvn", "MeanVarianceNormalization"},
                      BackendCase{"test_dynamicquantizelinear", "DynamicQuantizeLinear"},
                      BackendCase{"test_dynamicquantizelinear_max_adjusted", "DynamicQuantizeLinear"},
                      BackendCase{"test_dynamicquantizelinear_min_adjusted", "DynamicQuantizeLinear"},
                      BackendCase{"test_hannwindow", "HannWindow"},
                      BackendCase{"test_hammingwindow_symmetric", "HammingWindow"},
                      BackendCase{"test_blackmanwindow", "BlackmanWindow"},
                      // Range's body holds a Loop: a subgraph built inside the expansion.
                      BackendCase{"test_range_float_type_positive_delta", "Range"},
                      BackendCase{"test_range_int32_type_negative_delta", "Range"},
                      // Nested: the window's body calls Range, which expands in turn.
                      BackendCase{"test_blackmanwindow_symmetric", "BlackmanWindow,Range"}),
    [](const ::testing::TestParamInfo<BackendCase>& info) {
      std::string n = std::string(info.param.test).substr(5) + (std::string(info.param.ops).find(',') != std::string::npos ? "_nested" : "");
      return n;
    });

Tensor random_tensor(std::vector<int64_t> shape, uint32_t seed) {
  Tensor t(DataType::kFloat, shape);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-4.f, 4.f);
  for (float& x : t.span<float>()) x = u(rng);
  return t;
}

// The same model run with the kernel and with the expanded body.
void compare_with_kernel(const std::string& bytes, const std::string& ops, const Tensor& x) {
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(x)};
  auto normal = Session::create(bytes.data(), bytes.size());
  auto expanded = Session::create(bytes.data(), bytes.size(), disabling(ops));
  std::vector<Value> a = normal->run(names, in, {});
  std::vector<Value> b = expanded->run(names, in, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) expect_close(b[i].tensor(), a[i].tensor(), "output " + std::to_string(i));
}

TEST(FunctionOps, MvnAttributeBoundFromNodeAtNewerOpset) {
  // Opset 18: the newest MVN body is version 13's, whose ReduceMean takes
  // axes as an attribute; its nodes must run at the body's opset 13, not 18.
  // axes = [1] (not the default [0, 2, 3]): the reference is bound from the node.
  ModelBuilder mb(18);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 4});
  mb.output(mb.node("MeanVarianceNormalization", {x}, {ModelBuilder::attr_ints("axes", {1})}));
  compare_with_kernel(mb.bytes(), "MeanVarianceNormalization", random_tensor({2, 3, 4}, 7));
}

TEST(FunctionOps, SavingRefusesNodesAtAnotherOpset) {
  // The expanded MVN body runs at opset 13 inside an opset-18 model: ONNX has
  // no per-node opsets, so writing it out would change its meaning on reload.
  ModelBuilder mb(18);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 4});
  mb.output(mb.node("MeanVarianceNormalization", {x}, {ModelBuilder::attr_ints("axes", {1})}));
  const std::string bytes = mb.bytes();
  const std::string path = (fs::temp_directory_path() / "onyx_fn_opset_save.onnx").string();
  SessionOptions o = disabling("MeanVarianceNormalization");
  o.optimized_model_path = path;
  std::string err = error_of([&] { Session::create(bytes.data(), bytes.size(), o); });
  EXPECT_NE(err.find("cannot save the model"), std::string::npos) << err;
  EXPECT_NE(err.find("runs at opset 13"), std::string::npos) << err;
  EXPECT_NE(err.find("ai.onnx opset 18"), std::string::npos) << err;
  // With the kernel, the same model saves and the file loads back.
  SessionOptions ok;
  ok.optimized_model_path = path;
  EXPECT_NO_THROW(Session::create(bytes.data(), bytes.size(), ok));
  EXPECT_NO_THROW(Session::create(path));
  fs::remove(path);
}

TEST(FunctionOps, MvnDefaultAxesFromSchema) {
  // No axes attribute: the schema default [0, 2, 3], carried with the body.
  ModelBuilder mb(13);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3, 2, 2});
  mb.output(mb.node("MeanVarianceNormalization", {x}));
  compare_with_kernel(mb.bytes(), "MeanVarianceNormalization", random_tensor({2, 3, 2, 2}, 8));
}

TEST(FunctionOps, ExpansionInsideSubgraphAndChained) {
  // HardSwish twice in a row, the second inside an If branch.
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {5});
  ir::Value* h = mb.node("HardSwish", {x});
  Subgraph then_b("then_branch");
  then_b.output(then_b.op("HardSwish", {then_b.outer(h->name)}));
  Subgraph else_b("else_branch");
  else_b.output(else_b.op("Identity", {else_b.outer(h->name)}));
  ir::Value* cond = mb.constant("cond", Tensor::scalar<bool>(true));
  mb.output(mb.node("If", {cond}, {then_b.attr("then_branch"), else_b.attr("else_branch")}));
  compare_with_kernel(mb.bytes(), "HardSwish", random_tensor({5}, 9));
}

TEST(FunctionOps, NoKernelNoBodyNamesTheNode) {
  // Relu has no function body in the embedded schemas: hiding its kernel
  // must give the kernel-selection error naming the node, not a crash.
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {4});
  mb.output(mb.node("Relu", {x}));
  std::string node_name = mb.last_node()->name;
  std::string bytes = mb.bytes();
  std::string err = error_of([&] { Session::create(bytes.data(), bytes.size(), disabling("Relu")); });
  EXPECT_NE(err.find(node_name), std::string::npos) << err;
  EXPECT_NE(err.find("Relu"), std::string::npos) << err;
  EXPECT_NE(err.find(kConfigDisableKernels), std::string::npos) << err;

  // An op no kernel and no schema knows.
  ModelBuilder mb2(17);
  ir::Value* y = mb2.input("x", DataType::kFloat, {4});
  mb2.output(mb2.node("NoSuchFunctionOp", {y}));
  std::string name2 = mb2.last_node()->name;
  std::string bytes2 = mb2.bytes();
  err = error_of([&] { Session::create(bytes2.data(), bytes2.size()); });
  EXPECT_NE(err.find(name2), std::string::npos) << err;
  EXPECT_NE(err.find("Onyx has no kernel for it"), std::string::npos) << err;
}

TEST(FunctionOps, BodyOpWithoutKernelReportsInnerNode) {
  // HardSwish expands into HardSigmoid and Mul; with HardSigmoid hidden too
  // (it has no body), the error names the expanded HardSigmoid node.
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {4});
  mb.output(mb.node("HardSwish", {x}));
  std::string bytes = mb.bytes();
  std::string err = error_of([&] { Session::create(bytes.data(), bytes.size(), disabling("HardSwish,HardSigmoid")); });
  EXPECT_NE(err.find("HardSigmoid"), std::string::npos) << err;
  EXPECT_NE(err.find("HardSwish"), std::string::npos) << err;  // the node name keeps its origin
}

}  // namespace
}  // namespace onyx::test
