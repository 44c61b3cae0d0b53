// Convolution fusions (level extended):
//   Conv + BatchNormalization (constant parameters)  -> Conv with rescaled W, B
//   Conv [+ Add residual] [+ activation]             -> com.onyx FusedConv
// FusedConv computes act(conv(X, W) + B + Z) in the GEMM's store, so the
// convolution output is written once instead of three times.
#include <cmath>

#include "kernels/common/activation_attr.h"
#include "passes/pass.h"

namespace onyx {

namespace {

// The single consumer of v, when v has exactly one use and is not a graph output.
ir::Node* sole_consumer(const ir::Value* v) {
  if (!v || v->is_graph_output || v->uses.size() != 1 || v->uses[0].index < 0) return nullptr;
  return v->uses[0].node;
}

bool is_float_tensor(const ir::Value* v) {
  return v && v->type.is_tensor() && v->type.elem == DataType::kFloat;
}

const Tensor* constant_of(const ir::Value* v) {
  return v && v->is_constant() && !v->is_graph_input ? &v->constant : nullptr;
}

int fold_batchnorm(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> convs;
  for (const auto& n : g.nodes())
    if (n->is("Conv")) convs.push_back(n.get());
  for (ir::Node* conv : convs) {
    ir::Node* bn = sole_consumer(conv->output(0));
    if (!bn || !bn->is("BatchNormalization") || bn->input(0) != conv->output(0)) continue;
    // Inference mode only: training_mode set, or extra outputs used, means no fold.
    if (bn->attr_int("training_mode", 0) != 0) continue;
    bool extra_outputs = false;
    for (int i = 1; i < bn->num_outputs(); ++i) extra_outputs |= bn->output(i) != nullptr && !bn->output(i)->uses.empty();
    if (extra_outputs || (bn->opset < 7 && bn->attr_int("spatial", 1) == 0)) continue;
    const Tensor* w = constant_of(conv->input(1));
    const Tensor* b = conv->input(2) ? constant_of(conv->input(2)) : nullptr;
    if (!w || w->dtype() != DataType::kFloat || (conv->input(2) && !b)) continue;
    const Tensor* p[4];
    bool ok = true;
    for (int i = 0; i < 4; ++i) {
      p[i] = constant_of(bn->input(i + 1));
      ok = ok && p[i] && p[i]->dtype() == DataType::kFloat && p[i]->numel() == w->dim(0);
    }
    if (!ok || (b && b->numel() != w->dim(0))) continue;
    const float eps = bn->attr_float("epsilon", 1e-5f);
    const int64_t m = w->dim(0), per = w->numel() / std::max<int64_t>(m, 1);
    Tensor nw(DataType::kFloat, w->shape()), nb(DataType::kFloat, {m});
    for (int64_t o = 0; o < m; ++o) {
      const float s = p[0]->data<float>()[o] / std::sqrt(p[3]->data<float>()[o] + eps);
      for (int64_t i = 0; i < per; ++i) nw.data<float>()[o * per + i] = w->data<float>()[o * per + i] * s;
      const float b0 = b ? b->data<float>()[o] : 0.f;
      nb.data<float>()[o] = (b0 - p[2]->data<float>()[o]) * s + p[1]->data<float>()[o];
    }
    g.set_input(conv, 1, g.add_constant(g.unique_name(conv->name + "_W_bn"), std::move(nw)));
    g.set_input(conv, 2, g.add_constant(g.unique_name(conv->name + "_B_bn"), std::move(nb)));
    g.replace_uses(bn->output(0), conv->output(0));
    g.remove_node(bn);
    ++changes;
  }
  return changes;
}

int fuse_conv(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> convs;
  for (const auto& n : g.nodes())
    if (n->is("Conv")) convs.push_back(n.get());
  for (ir::Node* conv : convs) {
    if (!is_float_tensor(conv->output(0)) || !is_float_tensor(conv->input(0))) continue;
    ir::Value* out = conv->output(0);
    ir::Value* residual = nullptr;
    ir::Node* add = sole_consumer(out);
    if (add && add->is("Add") && add->num_inputs() == 2 && add->opset >= 7) {
      ir::Value* other = add->input(0) == out ? add->input(1) : add->input(0);
      // The residual must already have the output's exact shape (no broadcast).
      const ir::Type& to = out->type;
      const ir::Type& tz = other ? other->type : ir::Type{};
      bool same = other != out && is_float_tensor(other) && to.has_shape && tz.has_shape && to.dims == tz.dims;
      if (same)
        for (const ir::Dim& d : to.dims) same = same && !d.unknown();
      if (same) {
        residual = other;
        out = add->output(0);
      } else {
        add = nullptr;
      }
    } else {
      add = nullptr;
    }
    std::string act_name;
    std::vector<float> act_params;
    ir::Node* act = sole_consumer(out);
    if (act && !(act->input(0) == out && activation_from_op(*act, &act_name, &act_params))) act = nullptr;
    if (!add && !act) continue;
    std::vector<ir::Value*> ins = {conv->input(0), conv->input(1), conv->input(2)};
    if (residual) ins.push_back(residual);
    std::vector<ir::Attribute> attrs;
    for (const ir::Attribute& a : conv->attrs) attrs.push_back(a);
    if (act) {
      ir::Attribute an;
      an.name = "activation";
      an.type = ir::AttrType::kString;
      an.s = act_name;
      attrs.push_back(an);
      if (!act_params.empty()) {
        ir::Attribute ap;
        ap.name = "activation_params";
        ap.type = ir::AttrType::kFloats;
        ap.floats = act_params;
        attrs.push_back(ap);
      }
    }
    ir::Node* last = act ? act : add ? add : conv;
    ir::Node* fused = g.add_node("FusedConv", "com.onyx", ins, 1, conv->name + "_fused", std::move(attrs));
    fused->opset = 1;
    ir::Value* final_out = last->output(0);
    g.replace_uses(final_out, fused->output(0));
    fused->output(0)->type = final_out->type;
    for (ir::Node* n : {act, add, conv})
      if (n) g.remove_node(n);
    ++changes;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"fold_batchnorm_into_conv", OptLevel::kExtended, 100, fold_batchnorm});
ONYX_PASS({"fuse_conv_add_activation", OptLevel::kExtended, 110, fuse_conv});

}  // namespace onyx
