// Session: inference at load (symbolic, contradictions), run-time input
// checks with clear messages, concurrency, memory limits, lifetimes.
#include <gtest/gtest.h>

#include <thread>

#include "runtime/session.h"
#include "unit/model_builder.h"
#include "unit/raw_proto.h"

namespace onyx::test {
namespace {

using ir::Dim;

// y = Relu(x + b), x: [batch, 3], b: [3]
std::string bias_relu_model() {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 3});
  ir::Value* b = mb.constant("b", Tensor::from<float>(std::vector<float>{1, -1, 0.5f}, {3}));
  ir::Value* s = mb.node("Add", {x, b});
  mb.output(mb.node("Relu", {s}));
  return mb.bytes();
}

TEST(Inference, SymbolicDimsFlowThrough) {
  std::string bytes = bias_relu_model();
  auto s = Session::create(bytes.data(), bytes.size());
  ASSERT_EQ(s->outputs().size(), 1u);
  EXPECT_EQ(s->outputs()[0].type.str(), "tensor(float)[batch,3]");
  EXPECT_EQ(s->inputs()[0].type.str(), "tensor(float)[batch,3]");
}

TEST(Inference, ContradictingDeclaredShapeNamesTheNode) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3});
  ir::Value* y = mb.node("Relu", {x});
  mb.last_node()->name = "the_relu";
  mb.output(y, ir::Type::tensor(DataType::kFloat, {2, 4}));
  std::string bytes = mb.bytes();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("node 'the_relu' (Relu"), std::string::npos) << e;
  EXPECT_NE(e.find("declared as tensor(float)[2,4]"), std::string::npos) << e;
}

TEST(Inference, IncompatibleBroadcastAtLoad) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3});
  ir::Value* b = mb.constant("b", Tensor::from<float>(std::vector<float>{1, 2, 3, 4}, {4}));
  mb.output(mb.node("Add", {x, b}));
  std::string bytes = mb.bytes();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("cannot broadcast shapes [2,3] and [4]"), std::string::npos) << e;
}

TEST(Inference, MixedElementTypesAtLoad) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {3});
  ir::Value* b = mb.constant("b", Tensor::from<int64_t>(std::vector<int64_t>{1, 2, 3}, {3}));
  mb.output(mb.node("Add", {x, b}));
  std::string bytes = mb.bytes();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("different element types float32 and int64"), std::string::npos) << e;
}

class RunChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string bytes = bias_relu_model();
    session = Session::create(bytes.data(), bytes.size());
  }
  std::string run_error(std::vector<std::string> names, std::vector<Value> values,
                        std::vector<std::string> outs = {}) {
    return error_of([&] { session->run(names, values, outs); });
  }
  std::unique_ptr<Session> session;
};

TEST_F(RunChecks, Runs) {
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{1, 1, 1, -5, 5, -5}, {2, 3}))};
  auto out = session->run(names, in, {});
  auto y = out[0].tensor().span<float>();
  EXPECT_EQ(std::vector<float>(y.begin(), y.end()), (std::vector<float>{2, 0, 1.5f, 0, 4, 0}));
}

TEST_F(RunChecks, UnknownInputName) {
  std::string e = run_error({"X"}, {Value(Tensor(DataType::kFloat, {1, 3}))});
  EXPECT_NE(e.find("unknown input name 'X'"), std::string::npos) << e;
  EXPECT_NE(e.find("'x'"), std::string::npos) << e;
}

TEST_F(RunChecks, MissingInput) {
  std::string e = run_error({}, {});
  EXPECT_NE(e.find("missing input 'x' (tensor(float)[batch,3])"), std::string::npos) << e;
}

TEST_F(RunChecks, WrongElementType) {
  std::string e = run_error({"x"}, {Value(Tensor(DataType::kInt64, {1, 3}))});
  EXPECT_NE(e.find("input 'x': expected tensor(float)[batch,3] but got tensor int64[1,3]"), std::string::npos) << e;
}

TEST_F(RunChecks, WrongShape) {
  std::string e = run_error({"x"}, {Value(Tensor(DataType::kFloat, {2, 4}))});
  EXPECT_NE(e.find("dim 1 is 4, the model needs 3"), std::string::npos) << e;
  e = run_error({"x"}, {Value(Tensor(DataType::kFloat, {3}))});
  EXPECT_NE(e.find("rank 1 instead of 2"), std::string::npos) << e;
}

TEST_F(RunChecks, ExtraAndDuplicateInputs) {
  Tensor t(DataType::kFloat, {1, 3});
  std::string e = run_error({"x", "x"}, {Value(t), Value(t)});
  EXPECT_NE(e.find("given twice"), std::string::npos) << e;
  e = run_error({"x", "extra"}, {Value(t), Value(t)});
  EXPECT_NE(e.find("unknown input name 'extra'"), std::string::npos) << e;
}

TEST_F(RunChecks, NotATensor) {
  std::string e = run_error({"x"}, {Value::sequence(DataType::kFloat, {})});
  EXPECT_NE(e.find("not a tensor"), std::string::npos) << e;
}

TEST_F(RunChecks, UnknownOutputName) {
  Tensor t(DataType::kFloat, {1, 3});
  std::string e = run_error({"x"}, {Value(t)}, {"nope"});
  EXPECT_NE(e.find("unknown output name 'nope'"), std::string::npos) << e;
}

TEST_F(RunChecks, ConcurrentRunsGiveSerialResults) {
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        float v = static_cast<float>(t * 1000 + i + 1);  // >= 1 so Relu keeps v - 1
        std::vector<std::string> names{"x"};
        std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{v, v, v}, {1, 3}))};
        auto out = session->run(names, in, {});
        auto y = out[0].tensor().span<float>();
        if (y[0] != v + 1 || y[1] != v - 1 || y[2] != v + 0.5f) ++bad;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(Session, OutputsOutliveTheSession) {
  std::string bytes = bias_relu_model();
  std::vector<Value> out;
  {
    auto s = Session::create(bytes.data(), bytes.size());
    std::vector<std::string> names{"x"};
    std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{1, 2, 3}, {1, 3}))};
    out = s->run(names, in, {});
  }
  EXPECT_EQ(out[0].tensor().data<float>()[2], 3.5f);
}

TEST(Session, MemoryLimitRefusesWithAMessage) {
  std::string bytes = bias_relu_model();
  SessionOptions so;
  so.memory_limit_bytes = 1024;
  auto s = Session::create(bytes.data(), bytes.size(), so);
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(Tensor(DataType::kFloat, {1000, 3}))};
  std::string e = error_of([&] { s->run(names, in, {}); });
  EXPECT_NE(e.find("memory limit exceeded"), std::string::npos) << e;
  EXPECT_NE(e.find("(Add"), std::string::npos) << e;
  // The session stays usable after a refused run.
  std::vector<Value> small{Value(Tensor::from<float>(std::vector<float>{0, 0, 0}, {1, 3}))};
  EXPECT_NO_THROW(s->run(names, small, {}));
}

TEST(Session, IntermediatesAreFreedAfterLastUse) {
  // A chain of 20 Relus over 1 MiB: at most ~3 buffers live at once.
  ModelBuilder mb;
  ir::Value* v = mb.input("x", DataType::kFloat, {256, 1024});
  for (int i = 0; i < 20; ++i) v = mb.node("Relu", {v});
  mb.output(v);
  std::string bytes = mb.bytes();
  SessionOptions so;
  so.opt_level = OptLevel::kDisabled;
  auto s = Session::create(bytes.data(), bytes.size(), so);
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(Tensor(DataType::kFloat, {256, 1024}))};
  std::memset(in[0].tensor().raw(), 0, in[0].tensor().nbytes());
  s->run(names, in, {});
  EXPECT_LE(s->peak_tensor_bytes(), size_t{3} * 1024 * 1024);
}

TEST(Session, TerminateFlagStopsARun) {
  std::string bytes = bias_relu_model();
  auto s = Session::create(bytes.data(), bytes.size());
  std::atomic<bool> stop{true};
  RunOptions ro;
  ro.terminate = &stop;
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(Tensor(DataType::kFloat, {1, 3}))};
  std::string e = error_of([&] { s->run(names, in, {}, ro); });
  EXPECT_NE(e.find("terminated"), std::string::npos) << e;
}

TEST(Passes, IdentityIsRemovedButOutputNamesStay) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Value* a = mb.node("Identity", {x});
  ir::Value* b = mb.node("Relu", {a});
  mb.output(mb.node("Identity", {b}));
  std::string bytes = mb.bytes();
  auto s = Session::create(bytes.data(), bytes.size());
  int identities = 0;
  for (const auto& n : s->model().graph->nodes()) identities += n->op_type == "Identity";
  EXPECT_EQ(identities, 1);  // the one producing the graph output keeps its name
  SessionOptions off;
  off.opt_level = OptLevel::kDisabled;
  auto s0 = Session::create(bytes.data(), bytes.size(), off);
  EXPECT_EQ(s0->model().graph->nodes().size(), 3u);
}

}  // namespace
}  // namespace onyx::test
