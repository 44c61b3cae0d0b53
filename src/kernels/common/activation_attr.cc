#include "kernels/common/activation_attr.h"

#include <limits>

namespace onyx {

ukernel::Epilogue activation_from_node(const ir::Node& node) {
  using ukernel::Act;
  ukernel::Epilogue e;
  std::string name = node.attr_string("activation", "");
  std::vector<float> p = node.attr_floats("activation_params");
  auto param = [&](size_t i, float dflt) { return i < p.size() ? p[i] : dflt; };
  if (name.empty()) return e;
  if (name == "Relu") e.act = Act::kRelu;
  else if (name == "Clip") {
    e.act = Act::kClip;
    e.p0 = param(0, -std::numeric_limits<float>::infinity());
    e.p1 = param(1, std::numeric_limits<float>::infinity());
  } else if (name == "LeakyRelu") {
    e.act = Act::kLeakyRelu;
    e.p0 = param(0, 0.01f);
  } else if (name == "Sigmoid") e.act = Act::kSigmoid;
  else if (name == "Tanh") e.act = Act::kTanh;
  else if (name == "HardSigmoid") {
    e.act = Act::kHardSigmoid;
    e.p0 = param(0, 0.2f);
    e.p1 = param(1, 0.5f);
  } else if (name == "HardSwish") e.act = Act::kHardSwish;
  else if (name == "Silu") e.act = Act::kSilu;
  else if (name == "Gelu") e.act = Act::kGelu;
  else if (name == "GeluTanh") e.act = Act::kGeluTanh;
  else fail(ErrorCode::kInvalidGraph, node.describe(), ": unknown fused activation '", name, "'");
  return e;
}

bool activation_from_op(const ir::Node& act, std::string* name, std::vector<float>* params) {
  params->clear();
  // The optimizer's own GELU ops (fuse_gelu.cc) fuse like ONNX Gelu.
  if (act.domain == "com.onyx" && (act.op_type == "Gelu" || act.op_type == "FastGelu")) {
    *name = act.op_type == "Gelu" ? "Gelu" : "GeluTanh";
    return true;
  }
  if (!act.domain.empty()) return false;
  const std::string& op = act.op_type;
  if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "HardSwish") {
    *name = op;
    return true;
  }
  if (op == "LeakyRelu") {
    *name = op;
    params->push_back(act.attr_float("alpha", 0.01f));
    return true;
  }
  if (op == "HardSigmoid") {
    *name = op;
    params->push_back(act.attr_float("alpha", 0.2f));
    params->push_back(act.attr_float("beta", 0.5f));
    return true;
  }
  if (op == "Gelu") {
    std::string approx = act.attr_string("approximate", "none");
    *name = approx == "tanh" ? "GeluTanh" : "Gelu";
    return approx == "tanh" || approx == "none";
  }
  if (op == "Clip" && act.opset < 11) {
    *name = op;
    params->push_back(act.attr_float("min", -std::numeric_limits<float>::infinity()));
    params->push_back(act.attr_float("max", std::numeric_limits<float>::infinity()));
    return true;
  }
  if (op == "Clip") {  // opset 11+: min/max are inputs; only constant scalars fuse
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    for (int i : {1, 2}) {
      const ir::Value* v = act.input(i);
      if (!v) continue;
      if (!v->is_constant() || v->is_graph_input || v->constant.dtype() != DataType::kFloat || v->constant.numel() != 1)
        return false;
      (i == 1 ? lo : hi) = v->constant.data<float>()[0];
    }
    *name = op;
    params->push_back(lo);
    params->push_back(hi);
    return true;
  }
  return false;
}

}  // namespace onyx
