// Reverse-mode automatic differentiation for Gradient: see gradient_builder.h.
#include "kernels/autodiff/gradient_builder.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "base/error.h"

namespace onyx {

namespace {

ir::Attribute int_attr(const char* name, int64_t v) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kInt;
  a.i = v;
  return a;
}

ir::Attribute tensor_attr(const char* name, Tensor t) {
  ir::Attribute a;
  a.name = name;
  a.type = ir::AttrType::kTensor;
  a.t = std::move(t);
  return a;
}

Tensor scalar_like(DataType dt, double v, Shape shape) {
  Tensor t(dt, std::move(shape));
  dispatch_float(dt, [&]<typename T>() {
    for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = static_cast<T>(static_cast<float>(v));
  }, "Gradient");
  return t;
}

class GradientBuilder {
 public:
  // target: the node's own graph (in place), or null for a new graph.
  GradientBuilder(const ir::Node& node, ir::Graph* target) : node_(node), in_place_(target != nullptr) {
    if (target) {
      g_ = target;
    } else {
      owned_ = std::make_shared<ir::Graph>();
      owned_->name = node.name + "_gradient";
      g_ = owned_.get();
    }
    const ir::Model* model = node.graph ? node.graph->model : nullptr;
    const int64_t imported = model ? model->opset("") : 0;
    helper_opset_ = static_cast<int>(std::max<int64_t>(imported, 9));
  }

  const std::shared_ptr<ir::Graph>& owned() const { return owned_; }

  // dy/dx for each x of xs.
  std::vector<ir::Value*> build() {
    const std::vector<std::string> xs = node_.attr_strings("xs");
    const std::vector<std::string> zs = node_.attr_strings("zs");
    const std::string y_name = node_.attr_string("y", "");
    if (xs.empty()) fail(ErrorCode::kInvalidGraph, node_.describe(), ": attribute xs must name at least one value");
    if (y_name.empty()) fail(ErrorCode::kInvalidGraph, node_.describe(), ": attribute y must name a value");
    if (node_.num_inputs() != static_cast<int>(xs.size() + zs.size()))
      fail(ErrorCode::kInvalidGraph, node_.describe(), ": has ", node_.num_inputs(), " inputs; expected one per name in xs (",
           xs.size(), ") and zs (", zs.size(), ")");
    if (node_.num_outputs() != static_cast<int>(xs.size()))
      fail(ErrorCode::kInvalidGraph, node_.describe(), ": has ", node_.num_outputs(), " outputs; expected one per name in xs (",
           xs.size(), ")");
    const ir::Graph& src = *node_.graph;
    const ir::Value* y = src.find(y_name);
    if (!y) fail(ErrorCode::kInvalidGraph, node_.describe(), ": y names '", y_name, "', which is not a value of the graph");

    // The graph's inputs: xs then zs, typed as the node's inputs.
    std::vector<std::string> names = xs;
    names.insert(names.end(), zs.begin(), zs.end());
    std::vector<const ir::Value*> x_orig;
    for (size_t i = 0; i < names.size(); ++i) {
      const ir::Value* orig = src.find(names[i]);
      if (!orig) fail(ErrorCode::kInvalidGraph, node_.describe(), ": '", names[i], "' is not a value of the graph");
      if (in_place_) {
        map_[orig] = const_cast<ir::Value*>(orig);
      } else {
        const ir::Value* in = node_.input(static_cast<int>(i));
        ir::Value* v = g_->add_value(names[i], in ? in->type : orig->type);
        v->is_graph_input = true;
        g_->inputs.push_back(v);
        map_[orig] = v;
      }
      if (i < xs.size()) x_orig.push_back(orig);
    }

    // The nodes y depends on, stopping at xs, zs and constants.
    std::set<const ir::Node*> needed;
    std::vector<const ir::Value*> stack{y};
    while (!stack.empty()) {
      const ir::Value* v = stack.back();
      stack.pop_back();
      if (map_.count(v) || v->is_constant()) continue;
      if (!v->producer)
        fail(ErrorCode::kInvalidGraph, node_.describe(), ": y depends on '", v->name,
             "', which is neither in xs nor zs nor a constant");
      if (!needed.insert(v->producer).second) continue;
      for (const ir::Value* in : v->producer->inputs)
        if (in) stack.push_back(in);
      if (!v->producer->implicit_inputs.empty())
        fail(ErrorCode::kNotImplemented, node_.describe(), ": cannot differentiate through ", v->producer->describe(),
             " (it has subgraphs)");
    }
    // In the graph's (topological) order; copied forward into a new graph.
    std::vector<const ir::Node*> order;
    for (const auto& n : src.nodes())
      if (needed.count(n.get())) order.push_back(n.get());
    for (const ir::Node* n : order) {
      if (in_place_) {
        for (const ir::Value* o : n->outputs)
          if (o) map_[o] = const_cast<ir::Value*>(o);
        continue;
      }
      std::vector<ir::Value*> ins;
      for (const ir::Value* in : n->inputs) ins.push_back(in ? mapped(in) : nullptr);
      ir::Node* c = g_->add_node(n->op_type, n->domain, ins, n->num_outputs(), {}, n->attrs);
      c->opset = n->opset;
      for (int i = 0; i < n->num_outputs(); ++i)
        if (const ir::Value* o = n->output(i)) {
          c->outputs[static_cast<size_t>(i)]->type = o->type;
          map_[o] = c->outputs[static_cast<size_t>(i)];
        }
    }

    // Which values lie on a path from an x (only those get gradients).
    std::set<const ir::Value*> active(x_orig.begin(), x_orig.end());
    for (const ir::Node* n : order)
      for (const ir::Value* in : n->inputs)
        if (in && active.count(in)) {
          for (const ir::Value* o : n->outputs)
            if (o) active.insert(o);
          break;
        }

    // Backward: the seed, then each node last to first.
    ir::Value* ym = mapped(y);
    ir::Value* shape = op("Shape", {ym}, {}, int64_type());
    grad_[y] = op("ConstantOfShape", {shape}, {tensor_attr("value", scalar_like(y->type.elem, 1, {1}))}, ym->type);
    for (auto it = order.rbegin(); it != order.rend(); ++it) backward(**it, active);

    std::vector<ir::Value*> result;
    for (size_t i = 0; i < xs.size(); ++i) {
      const ir::Value* x = x_orig[i];
      ir::Value* gx;
      auto found = grad_.find(x);
      if (found != grad_.end()) {
        gx = found->second;
      } else {  // y does not depend on x: zeros
        ir::Value* xm = mapped(x);
        gx = op("ConstantOfShape", {op("Shape", {xm}, {}, int64_type())},
                {tensor_attr("value", scalar_like(x->type.elem, 0, {1}))}, xm->type);
      }
      // One distinct value per output (two xs may share a gradient value).
      result.push_back(op("Identity", {gx}, {}, gx->type));
    }
    return result;
  }

 private:
  static ir::Type int64_type() { return ir::Type::tensor(DataType::kInt64); }

  ir::Value* mapped(const ir::Value* v) {
    auto it = map_.find(v);
    if (it != map_.end()) return it->second;
    if (!v->is_constant())
      fail(ErrorCode::kInvalidGraph, node_.describe(), ": internal: value '", v->name, "' was not copied");
    ir::Value* c = g_->add_constant(v->name, v->constant);
    map_[v] = c;
    return c;
  }

  ir::Value* op(const char* type, std::vector<ir::Value*> ins, std::vector<ir::Attribute> attrs, ir::Type out) {
    ir::Node* n = g_->add_node(type, "", std::move(ins), 1, {}, std::move(attrs));
    n->opset = helper_opset_;
    n->outputs[0]->type = std::move(out);
    return n->outputs[0];
  }

  ir::Value* constant(DataType dt, double v) {
    return g_->add_constant("gradient_const", scalar_like(dt, v, {}));
  }

  // Sums g (of the op's output shape) back to the shape of input `x`.
  ir::Value* unbroadcast(ir::Value* g, const ir::Value* x, const ir::Value* out, const ir::Node& n) {
    if (x->type.has_shape && out->type.has_shape && x->type.dims == out->type.dims) return g;
    const std::optional<Shape> xs = x->type.static_shape(), os = out->type.static_shape();
    if (!xs || !os)
      fail(ErrorCode::kNotImplemented, node_.describe(), ": the gradient through ", n.describe(),
           " needs static shapes to undo its broadcasting; '", x->name, "' is ", x->type.str(), " and '", out->name,
           "' is ", out->type.str());
    if (*xs == *os) return g;
    const size_t r = os->size(), k = xs->size();
    std::vector<int64_t> axes;
    for (size_t i = 0; i < r; ++i)
      if (i < r - k || ((*xs)[i - (r - k)] == 1 && (*os)[i] != 1)) axes.push_back(static_cast<int64_t>(i));
    ir::Value* sum = g;
    if (!axes.empty()) {
      // axes is an input from opset 13, an attribute before.
      if (helper_opset_ >= 13) {
        ir::Value* ax =
            g_->add_constant("gradient_axes", Tensor::from<int64_t>(axes, {static_cast<int64_t>(axes.size())}));
        sum = op("ReduceSum", {g, ax}, {int_attr("keepdims", 1)}, ir::Type::tensor(x->type.elem));
      } else {
        ir::Attribute a;
        a.name = "axes";
        a.type = ir::AttrType::kInts;
        a.ints = axes;
        sum = op("ReduceSum", {g}, {a, int_attr("keepdims", 1)}, ir::Type::tensor(x->type.elem));
      }
    }
    ir::Value* target = g_->add_constant("gradient_shape", Tensor::from<int64_t>(*xs, {static_cast<int64_t>(k)}));
    return op("Reshape", {sum, target}, {}, x->type);
  }

  void accumulate(const ir::Value* v, ir::Value* g) {
    auto it = grad_.find(v);
    if (it == grad_.end()) grad_[v] = g;
    else it->second = op("Add", {it->second, g}, {}, v->type);
  }

  void backward(const ir::Node& n, const std::set<const ir::Value*>& active) {
    const ir::Value* out = n.output(0);
    if (!out) return;
    auto gi = grad_.find(out);
    if (gi == grad_.end()) return;  // y does not depend on this node's output
    ir::Value* g = gi->second;
    auto wants = [&](int i) { return n.input(i) && active.count(n.input(i)) > 0; };
    auto in = [&](int i) { return mapped(n.input(i)); };
    const ir::Type& t = out->type;
    ir::Value* ym = mapped(out);
    const DataType dt = t.elem;
    const std::string& o = n.op_type;
    if (!n.domain.empty())
      fail(ErrorCode::kNotImplemented, node_.describe(), ": no derivative rule for ", n.describe());
    if (o == "Add" || o == "Sub") {
      if (wants(0)) accumulate(n.input(0), unbroadcast(g, n.input(0), out, n));
      if (wants(1))
        accumulate(n.input(1), unbroadcast(o == "Add" ? g : op("Neg", {g}, {}, t), n.input(1), out, n));
    } else if (o == "Mul") {
      if (wants(0)) accumulate(n.input(0), unbroadcast(op("Mul", {g, in(1)}, {}, t), n.input(0), out, n));
      if (wants(1)) accumulate(n.input(1), unbroadcast(op("Mul", {g, in(0)}, {}, t), n.input(1), out, n));
    } else if (o == "Div") {
      if (wants(0)) accumulate(n.input(0), unbroadcast(op("Div", {g, in(1)}, {}, t), n.input(0), out, n));
      if (wants(1)) {
        // d(a/b)/db = -a/b^2 = -(a/b)/b
        ir::Value* q = op("Div", {ym, in(1)}, {}, t);
        accumulate(n.input(1), unbroadcast(op("Neg", {op("Mul", {g, q}, {}, t)}, {}, t), n.input(1), out, n));
      }
    } else if (o == "Neg") {
      if (wants(0)) accumulate(n.input(0), op("Neg", {g}, {}, t));
    } else if (o == "Identity") {
      if (wants(0)) accumulate(n.input(0), g);
    } else if (o == "Relu") {
      if (wants(0)) {
        ir::Value* pos = op("Greater", {in(0), constant(dt, 0)}, {}, ir::Type::tensor(DataType::kBool));
        ir::Value* mask = op("Cast", {pos}, {int_attr("to", static_cast<int64_t>(dt))}, t);
        accumulate(n.input(0), op("Mul", {g, mask}, {}, t));
      }
    } else if (o == "Sigmoid") {  // y (1 - y)
      if (wants(0))
        accumulate(n.input(0), op("Mul", {g, op("Mul", {ym, op("Sub", {constant(dt, 1), ym}, {}, t)}, {}, t)}, {}, t));
    } else if (o == "Tanh") {  // 1 - y^2
      if (wants(0))
        accumulate(n.input(0),
                   op("Mul", {g, op("Sub", {constant(dt, 1), op("Mul", {ym, ym}, {}, t)}, {}, t)}, {}, t));
    } else if (o == "Exp") {
      if (wants(0)) accumulate(n.input(0), op("Mul", {g, ym}, {}, t));
    } else if (o == "Log") {
      if (wants(0)) accumulate(n.input(0), op("Div", {g, in(0)}, {}, t));
    } else if (o == "Sqrt") {  // 1 / (2 y)
      if (wants(0)) accumulate(n.input(0), op("Div", {g, op("Mul", {constant(dt, 2), ym}, {}, t)}, {}, t));
    } else if (o == "MatMul") {
      if (n.input(0)->type.rank() != 2 || n.input(1)->type.rank() != 2)
        fail(ErrorCode::kNotImplemented, node_.describe(), ": the gradient through ", n.describe(),
             " is implemented for 2-D operands only; they are ", n.input(0)->type.str(), " and ",
             n.input(1)->type.str());
      if (wants(0))
        accumulate(n.input(0), op("MatMul", {g, op("Transpose", {in(1)}, {}, n.input(1)->type)}, {}, n.input(0)->type));
      if (wants(1))
        accumulate(n.input(1), op("MatMul", {op("Transpose", {in(0)}, {}, n.input(0)->type), g}, {}, n.input(1)->type));
    } else {
      fail(ErrorCode::kNotImplemented, node_.describe(), ": no derivative rule for ", n.describe(),
           " (Gradient differentiates Add, Sub, Mul, Div, Neg, Identity, Relu, Sigmoid, Tanh, Exp, Log, Sqrt and "
           "2-D MatMul)");
    }
  }

  const ir::Node& node_;
  bool in_place_;
  int helper_opset_ = 13;
  ir::Graph* g_ = nullptr;
  std::shared_ptr<ir::Graph> owned_;  // the new graph when not in place
  std::map<const ir::Value*, ir::Value*> map_;   // original value -> its copy
  std::map<const ir::Value*, ir::Value*> grad_;  // original value -> dy/d(value) in g_
};

}  // namespace

std::vector<ir::Value*> gradient_expand_in_place(ir::Node& node) {
  return GradientBuilder(node, node.graph).build();
}

std::shared_ptr<ir::Graph> gradient_graph(const ir::Node& node) {
  GradientBuilder b(node, nullptr);
  std::vector<ir::Value*> grads = b.build();
  ir::Graph& g = *b.owned();
  for (ir::Value* v : grads) {
    v->is_graph_output = true;
    g.outputs.push_back(v);
  }
  return b.owned();
}

}  // namespace onyx
