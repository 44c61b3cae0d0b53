#include "kernels/op_test.h"

namespace onyx::test {

std::string compare(const Tensor& want, const Tensor& got, double rtol, double atol) {
  if (want.dtype() != got.dtype())
    return str_cat("element type ", dtype_name(got.dtype()), ", expected ", dtype_name(want.dtype()));
  if (want.shape() != got.shape()) return str_cat("shape ", shape_str(got.shape()), ", expected ", shape_str(want.shape()));
  if (want.dtype() == DataType::kString) {
    for (int64_t i = 0; i < want.numel(); ++i)
      if (want.data<std::string>()[i] != got.data<std::string>()[i])
        return str_cat("element ", i, " is '", got.data<std::string>()[i], "', expected '", want.data<std::string>()[i], "'");
    return "";
  }
  bool is_float = dtype_is_float(want.dtype());
  for (int64_t i = 0; i < want.numel(); ++i) {
    double w = want.real_at(i), g = got.real_at(i);
    bool ok;
    if (!is_float) ok = w == g;
    else if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else ok = std::fabs(w - g) <= atol + rtol * std::fabs(w);
    if (!ok) return str_cat("element ", i, " is ", g, ", expected ", w);
  }
  return "";
}

std::string compare(const Value& want, const Value& got, double rtol, double atol) {
  if (want.kind() != got.kind()) return "got " + got.describe() + ", expected " + want.describe();
  switch (want.kind()) {
    case Value::Kind::kNone: return "";
    case Value::Kind::kTensor: return compare(want.tensor(), got.tensor(), rtol, atol);
    case Value::Kind::kSequence: {
      const auto& w = want.seq().items;
      const auto& g = got.seq().items;
      if (w.size() != g.size()) return str_cat("sequence of ", g.size(), ", expected ", w.size());
      for (size_t i = 0; i < w.size(); ++i) {
        std::string r = compare(w[i], g[i], rtol, atol);
        if (!r.empty()) return str_cat("item ", i, ": ", r);
      }
      return "";
    }
    case Value::Kind::kMap: {
      std::string r = compare(want.map().keys, got.map().keys, 0, 0);
      if (!r.empty()) return "keys: " + r;
      return compare(want.map().values, got.map().values, rtol, atol);
    }
  }
  return "";
}

Tensor random_tensor(DataType dt, Shape shape, uint32_t seed, double lo, double hi) {
  Tensor t(dt, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) {
    double v = u(rng);
    dispatch_all(dt, [&]<typename T>() {
      if constexpr (std::is_same_v<T, std::string>) t.data<T>()[i] = std::to_string(static_cast<int>(v));
      else if constexpr (std::is_same_v<T, bool>) t.data<T>()[i] = v > (lo + hi) / 2;
      else if constexpr (std::is_same_v<T, Complex64>) t.data<T>()[i] = {static_cast<float>(v), 0};
      else if constexpr (std::is_same_v<T, Complex128>) t.data<T>()[i] = {v, 0};
      else if constexpr (std::is_same_v<T, Float8E8M0>) t.data<T>()[i].bits = 127;
      else if constexpr (std::is_integral_v<T>) t.data<T>()[i] = static_cast<T>(std::floor(v));
      else t.data<T>()[i] = T(static_cast<float>(v));
    });
  }
  return t;
}

OpTest::OpTest(std::string op, int opset, std::string domain)
    : op_(std::move(op)), domain_(std::move(domain)), opset_(opset) {}

OpTest& OpTest::input(std::string name, Tensor t) {
  ir::Dims dims(t.shape().begin(), t.shape().end());
  ir::Type type = ir::Type::tensor(t.dtype(), std::move(dims));
  inputs_.push_back({std::move(name), Value(std::move(t)), std::move(type), false});
  return *this;
}

OpTest& OpTest::constant_input(std::string name, Tensor t) {
  input(std::move(name), std::move(t));
  inputs_.back().constant = true;
  return *this;
}

OpTest& OpTest::value_input(std::string name, Value v, ir::Type type) {
  inputs_.push_back({std::move(name), std::move(v), std::move(type), false});
  return *this;
}

OpTest& OpTest::omitted_input() {
  inputs_.push_back({"", Value(), {}, false});
  return *this;
}

OpTest& OpTest::attr(ir::Attribute a) {
  attrs_.push_back(std::move(a));
  return *this;
}
OpTest& OpTest::attr(std::string name, int64_t v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kInt;
  a.i = v;
  return attr(std::move(a));
}
OpTest& OpTest::attr(std::string name, float v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kFloat;
  a.f = v;
  return attr(std::move(a));
}
OpTest& OpTest::attr(std::string name, std::string v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kString;
  a.s = std::move(v);
  return attr(std::move(a));
}
OpTest& OpTest::attr(std::string name, std::vector<int64_t> v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kInts;
  a.ints = std::move(v);
  return attr(std::move(a));
}
OpTest& OpTest::attr(std::string name, std::vector<float> v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kFloats;
  a.floats = std::move(v);
  return attr(std::move(a));
}
OpTest& OpTest::attr(std::string name, std::vector<std::string> v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kStrings;
  a.strings = std::move(v);
  return attr(std::move(a));
}
OpTest& OpTest::attr(std::string name, Tensor v) {
  ir::Attribute a;
  a.name = std::move(name);
  a.type = ir::AttrType::kTensor;
  a.t = std::move(v);
  return attr(std::move(a));
}

OpTest& OpTest::output(std::string name, Tensor expected) {
  outputs_.push_back({std::move(name), Value(std::move(expected)), true});
  return *this;
}
OpTest& OpTest::output_value(std::string name, Value expected) {
  outputs_.push_back({std::move(name), std::move(expected), true});
  return *this;
}
OpTest& OpTest::output_unchecked(std::string name) {
  outputs_.push_back({std::move(name), Value(), false});
  return *this;
}
OpTest& OpTest::omitted_output() {
  outputs_.push_back({"", Value(), false});
  return *this;
}

std::string OpTest::model_bytes() const {
  ir::Model m;
  m.ir_version = 10;
  m.opsets[""] = domain_.empty() ? opset_ : 21;
  if (!domain_.empty()) m.opsets[domain_] = opset_;
  m.producer_name = "onyx-test";
  m.graph = std::make_shared<ir::Graph>();
  ir::Graph& g = *m.graph;
  g.model = &m;
  g.name = "test_" + op_;
  std::vector<ir::Value*> ins;
  for (const In& in : inputs_) {
    if (in.name.empty()) {
      ins.push_back(nullptr);
      continue;
    }
    ir::Value* v;
    if (in.constant) {
      v = g.add_constant(in.name, in.value.tensor());
    } else {
      v = g.add_value(in.name, in.type);
      v->is_graph_input = true;
      g.inputs.push_back(v);
    }
    ins.push_back(v);
  }
  ir::Node* n = g.add_node(op_, domain_, ins, static_cast<int>(outputs_.size()), op_ + "_node", attrs_);
  for (size_t i = 0; i < outputs_.size(); ++i) {
    ir::Value* o = n->outputs[i];
    if (outputs_[i].name.empty()) {
      g.set_output(n, static_cast<int>(i), nullptr);
      continue;
    }
    // Rename the generated output value to the test's name.
    ir::Value* named = g.add_value(outputs_[i].name);
    g.set_output(n, static_cast<int>(i), named);
    (void)o;
    named->is_graph_output = true;
    g.outputs.push_back(named);
  }
  return onnx::serialize_model(m);
}

std::vector<Value> OpTest::run_once(bool reference) {
  SessionOptions so;
  so.reference_kernels = reference;
  so.intra_op_threads = 2;
  std::string bytes = model_bytes();
  auto s = Session::create(bytes.data(), bytes.size(), so);
  std::vector<std::string> names;
  std::vector<Value> values;
  for (const In& in : inputs_)
    if (!in.name.empty() && !in.constant) {
      names.push_back(in.name);
      values.push_back(in.value);
    }
  std::vector<std::string> out_names;
  for (const Out& o : outputs_)
    if (!o.name.empty()) out_names.push_back(o.name);
  return s->run(names, values, out_names);
}

std::vector<Value> OpTest::run() {
  std::vector<Value> last;
  for (bool reference : {true, false}) {
    std::vector<Value> got;
    try {
      got = run_once(reference);
    } catch (const Error& e) {
      ADD_FAILURE() << op_ << (reference ? " (reference kernels)" : " (default kernels)") << " failed: " << e.what();
      return {};
    }
    size_t k = 0;
    for (const Out& o : outputs_) {
      if (o.name.empty()) continue;
      if (o.check) {
        std::string why = compare(o.expected, got[k], rtol_, atol_);
        EXPECT_EQ(why, "") << op_ << " output '" << o.name << "'" << (reference ? " (reference kernels)" : " (default kernels)");
      }
      ++k;
    }
    last = std::move(got);
  }
  return last;
}

void OpTest::expect_error(const std::string& substring) {
  try {
    run_once(false);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(substring), std::string::npos)
        << "error message \"" << e.what() << "\" does not mention \"" << substring << "\"";
    return;
  }
  ADD_FAILURE() << op_ << ": expected an error mentioning \"" << substring << "\" but it ran";
}

}  // namespace onyx::test
