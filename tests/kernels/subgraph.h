// Subgraph: builds an If / Loop / Scan / SequenceMap body in code, for
// OpTest::attr(ir::Attribute).
//
//   Subgraph body("body");
//   ir::Value* i = body.input("i", ir::Type::tensor(DataType::kInt64, {}));
//   ir::Value* w = body.outer("w");            // a value of the enclosing graph, by name
//   body.output(body.op("Add", {x, w}));
//   OpTest("Loop", 16)...attr(body.attr("body"))
//
// The model is serialised and loaded again, so names are what binds a body to
// its enclosing graph, as in an ONNX file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "kernels/op_test.h"

namespace onyx::test {

class Subgraph {
 public:
  explicit Subgraph(std::string name) : g_(std::make_shared<ir::Graph>()) { g_->name = std::move(name); }

  ir::Value* input(std::string name, ir::Type type) {
    ir::Value* v = g_->add_value(std::move(name), std::move(type));
    v->is_graph_input = true;
    g_->inputs.push_back(v);
    return v;
  }
  // A value defined outside this body (outer scope), referred to by name.
  ir::Value* outer(std::string name) { return g_->add_value(std::move(name)); }
  ir::Value* constant(std::string name, Tensor t) { return g_->add_constant(std::move(name), std::move(t)); }

  // Adds a node; returns its outputs.
  std::vector<ir::Value*> ops(std::string op, std::vector<ir::Value*> ins, int num_outputs,
                              std::vector<ir::Attribute> attrs = {}) {
    ir::Node* n = g_->add_node(std::move(op), "", std::move(ins), num_outputs, {}, std::move(attrs));
    return n->outputs;
  }
  ir::Value* op(std::string op, std::vector<ir::Value*> ins, std::vector<ir::Attribute> attrs = {}) {
    return ops(std::move(op), std::move(ins), 1, std::move(attrs))[0];
  }
  void output(ir::Value* v) { g_->outputs.push_back(v); }

  // The graph as a node attribute.
  ir::Attribute attr(std::string name) const {
    ir::Attribute a;
    a.name = std::move(name);
    a.type = ir::AttrType::kGraph;
    a.g = g_;
    return a;
  }
  const std::shared_ptr<ir::Graph>& graph() const { return g_; }

 private:
  std::shared_ptr<ir::Graph> g_;
};

// A whole model built in code (for graphs OpTest's one node cannot express:
// outer-scope values that are not node inputs, nested control flow).
class TestModel : public Subgraph {
 public:
  explicit TestModel(int opset) : Subgraph("test_model"), opset_(opset) {}

  std::string bytes() const {
    ir::Model m;
    m.ir_version = 10;
    m.opsets[""] = opset_;
    m.producer_name = "onyx-test";
    m.graph = graph();
    return onnx::serialize_model(m);
  }
  std::unique_ptr<Session> session(bool reference = false) const {
    SessionOptions so;
    so.reference_kernels = reference;
    so.intra_op_threads = 2;
    std::string b = bytes();
    return Session::create(b.data(), b.size(), so);
  }
  // Runs with reference and default kernels; returns the default run's outputs.
  std::vector<Value> run(const std::vector<std::pair<std::string, Value>>& feeds) const {
    std::vector<Value> last;
    for (bool reference : {true, false}) {
      auto s = session(reference);
      std::vector<std::string> names;
      std::vector<Value> values;
      for (const auto& [n, v] : feeds) {
        names.push_back(n);
        values.push_back(v);
      }
      last = s->run(names, values, {});
    }
    return last;
  }
  // Runs and compares every output with `want`.
  void check(const std::vector<std::pair<std::string, Value>>& feeds, const std::vector<Value>& want) const {
    std::vector<Value> got;
    try {
      got = run(feeds);
    } catch (const Error& e) {
      ADD_FAILURE() << "run failed: " << e.what();
      return;
    }
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(compare(want[i], got[i], 1e-5, 1e-6), "") << "output " << i;
  }
  // Expects loading or running to fail with a message containing `substring`.
  void expect_error(const std::vector<std::pair<std::string, Value>>& feeds, const std::string& substring) const {
    try {
      run(feeds);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(substring), std::string::npos)
          << "error message \"" << e.what() << "\" does not mention \"" << substring << "\"";
      return;
    }
    ADD_FAILURE() << "expected an error mentioning \"" << substring << "\" but it ran";
  }

 private:
  int opset_;
};

inline ir::Attribute int_attr(std::string name, int64_t v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kInt;
  a.i = v;
  return a;
}

inline ir::Attribute ints_attr(std::string name, std::vector<int64_t> v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kInts;
  a.ints = std::move(v);
  return a;
}

inline ir::Type scalar_type(DataType dt) { return ir::Type::tensor(dt, ir::Dims{}); }

}  // namespace onyx::test
