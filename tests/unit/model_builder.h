// Builds small multi-node models in code for loader / IR / inference tests.
//
//   ModelBuilder mb(17);
//   auto* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 3});
//   auto* y = mb.node("Relu", {x});
//   mb.output(y);
//   std::string bytes = mb.bytes();
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"
#include "onnx/writer.h"

namespace onyx::test {

class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 17) : model_(std::make_unique<ir::Model>()) {
    model_->ir_version = 8;
    model_->opsets[""] = opset;
    model_->producer_name = "onyx-test";
    model_->graph = std::make_shared<ir::Graph>();
    model_->graph->model = model_.get();
    model_->graph->name = "test_graph";
  }

  ir::Graph& graph() { return *model_->graph; }
  ir::Model& model() { return *model_; }

  ir::Value* input(const std::string& name, DataType dt, ir::Dims dims) {
    ir::Value* v = graph().add_value(name, ir::Type::tensor(dt, std::move(dims)));
    v->is_graph_input = true;
    graph().inputs.push_back(v);
    return v;
  }
  ir::Value* constant(const std::string& name, Tensor t) { return graph().add_constant(name, std::move(t)); }
  // One node; returns its first output (all outputs via node_ptr->outputs).
  ir::Value* node(const std::string& op, std::vector<ir::Value*> inputs, std::vector<ir::Attribute> attrs = {},
                  int num_outputs = 1, const std::string& domain = "") {
    last_ = graph().add_node(op, domain, std::move(inputs), num_outputs, "", std::move(attrs));
    return last_->outputs.empty() ? nullptr : last_->outputs[0];
  }
  ir::Node* last_node() { return last_; }
  void output(ir::Value* v, ir::Type declared = {}) {
    v->is_graph_output = true;
    if (declared.kind != ir::Type::Kind::kUnknown) v->type = std::move(declared);
    graph().outputs.push_back(v);
  }
  std::string bytes() const { return onnx::serialize_model(*model_); }

  static ir::Attribute attr_int(const std::string& name, int64_t v) {
    ir::Attribute a;
    a.name = name;
    a.type = ir::AttrType::kInt;
    a.i = v;
    return a;
  }
  static ir::Attribute attr_ints(const std::string& name, std::vector<int64_t> v) {
    ir::Attribute a;
    a.name = name;
    a.type = ir::AttrType::kInts;
    a.ints = std::move(v);
    return a;
  }

 private:
  std::unique_ptr<ir::Model> model_;
  ir::Node* last_ = nullptr;
};

}  // namespace onyx::test
