// Constant folding: a node whose inputs are all constants is run once at load
// and its outputs become initializers. Weight preprocessing chains
// (Transpose/Reshape/Cast/DequantizeLinear of an initializer) then cost nothing
// per run, and kernels downstream see constant inputs they can pre-pack.
//
// Size budget: folding trades run time for memory. A node that *expands* data
// (ConstantOfShape, Expand, Tile of a small constant) would turn a few bytes
// into a large resident tensor, so an output is only folded when it is at
// most kFoldMinBudget bytes or not larger than twice the inputs it replaces.
// At level extended, a transposed MatMul weight is left to
// fold_transpose_into_matmul instead.
#include "passes/pass.h"
#include "passes/pattern.h"
#include "runtime/plan.h"

namespace onyx {

namespace {

constexpr size_t kFoldMinBudget = size_t{1} << 20;

bool nondeterministic(const ir::Node& n) {
  static const char* ops[] = {"RandomNormal", "RandomUniform", "RandomNormalLike", "RandomUniformLike",
                              "Multinomial", "Bernoulli"};
  if (!n.domain.empty()) return false;
  for (const char* op : ops)
    if (n.op_type == op) return true;
  return false;
}

// Transpose<1,0> of a 2-D float constant read only as B of float MatMuls
// (GPT-2's lm_head: Transpose of the [vocab, hidden] weight). Rather than
// folded into a transposed copy (154 MB for GPT-2) that the GEMM then packs
// again, the transpose goes into the packing: fold_transpose_into_matmul.
bool transposed_matmul_weight(const ir::Node& t) {
  if (!t.is("Transpose") || t.num_inputs() != 1 || t.outputs.size() != 1) return false;
  const ir::Value* w = t.input(0);
  const ir::Value* out = t.output(0);
  if (!w || !w->is_constant() || w->is_graph_input || w->constant.dtype() != DataType::kFloat ||
      w->constant.rank() != 2 || !out || out->is_graph_output || out->uses.empty())
    return false;
  if (t.has_attr("perm") && t.attr_ints("perm") != std::vector<int64_t>{1, 0}) return false;
  for (const ir::Use& u : out->uses) {
    const ir::Node* mm = u.node;
    if (u.index != 1 || !mm->is("MatMul") || mm->input(0) == out || !pattern::is_float(mm->input(0)) ||
        !pattern::is_float(mm->output(0)))
      return false;
  }
  return true;
}

// MatMul(A, Transpose<1,0>(W)) -> com.onyx FusedMatMul(A, W, transB=1).
int fold_transpose_into_matmul(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> order;
  for (const auto& n : g.nodes())
    if (transposed_matmul_weight(*n)) order.push_back(n.get());
  for (ir::Node* t : order) {
    ir::Value* w = t->input(0);
    std::vector<ir::Use> uses = t->output(0)->uses;
    for (const ir::Use& u : uses) {
      ir::Node* mm = u.node;
      ir::Node* fused = g.add_node("FusedMatMul", "com.onyx", {mm->input(0), w}, 1, mm->name + "_transB",
                                   {pattern::attr_i("transB", 1)});
      fused->opset = 1;
      ir::Value* out = mm->output(0);
      g.replace_uses(out, fused->output(0));
      fused->output(0)->type = out->type;
      g.remove_node(mm);
      ++changes;
    }
    g.remove_node(t);
  }
  return changes;
}

int constant_folding(ir::Graph& g, const SessionOptions& options) {
  int changes = 0;
  std::vector<ir::Node*> order;
  for (const auto& n : g.nodes()) order.push_back(n.get());
  for (ir::Node* n : order) {
    if (nondeterministic(*n) || !n->implicit_inputs.empty()) continue;
    if (options.opt_level >= OptLevel::kExtended && transposed_matmul_weight(*n)) continue;
    bool has_sub = false;
    for (const auto& a : n->attrs) has_sub |= a.g || !a.graphs.empty();
    if (has_sub) continue;
    bool all_const = true, any_input = false;
    size_t in_bytes = 0;
    std::vector<Value> in_values;
    in_values.reserve(n->inputs.size());
    for (ir::Value* v : n->inputs) {
      if (!v) {
        in_values.emplace_back();
        continue;
      }
      any_input = true;
      // Overridable initializers (also graph inputs) are not constants.
      if (!v->is_constant() || v->is_graph_input) {
        all_const = false;
        break;
      }
      in_bytes += v->constant.nbytes();
      in_values.emplace_back(v->constant);
    }
    if (!all_const || !any_input) continue;
    bool output_is_interface = false;
    for (ir::Value* o : n->outputs) output_is_interface |= o && o->is_graph_output;
    if (output_is_interface) continue;  // the output keeps its name: leave the node
    // Judge the budget on the inferred output size *before* evaluating: a
    // ConstantOfShape of 2^32 floats would otherwise be materialised (16 GiB,
    // through the unlimited process allocator) only to be thrown away.
    size_t budget = std::max(kFoldMinBudget, 2 * in_bytes);
    bool too_big = false;
    for (ir::Value* o : n->outputs) {
      if (!o || !o->type.is_tensor() || !o->type.has_shape) continue;
      double elems = 1;  // double: no overflow on hostile dims
      for (const ir::Dim& d : o->type.dims) elems *= d.known() ? static_cast<double>(d.value) : 1.0;
      too_big |= elems * std::max(1, dtype_bits(o->type.elem)) / 8 > static_cast<double>(budget);
    }
    if (too_big) continue;
    std::vector<const Value*> ptrs;
    for (size_t i = 0; i < in_values.size(); ++i) ptrs.push_back(n->inputs[i] ? &in_values[i] : nullptr);
    std::vector<Value> outs;
    try {
      outs = evaluate_node(*n, ptrs, options);
    } catch (const Error& e) {
      // Leave it for run time, where the same error reaches the caller with context.
      ONYX_LOG(options.log_level, LogLevel::kVerbose, "constant folding skipped ", n->describe(), ": ", e.what());
      continue;
    }
    bool ok = true;
    for (size_t i = 0; i < outs.size(); ++i) {
      if (!n->outputs[i]) continue;
      if (!outs[i].is_tensor()) ok = false;
      else if (outs[i].tensor().nbytes() > budget) ok = false;
    }
    if (!ok) continue;
    for (size_t i = 0; i < outs.size(); ++i) {
      ir::Value* o = n->outputs[i];
      if (!o) continue;
      ir::Value* c = g.add_constant(g.unique_name(o->name), outs[i].tensor());
      g.replace_uses(o, c);
    }
    g.remove_node(n);
    ++changes;
  }
  return changes;
}

// Values whose elements inference fully knows (Shape of a static tensor,
// Gather of known dims, arithmetic on them) become constants: the shape
// subgraphs of exported models disappear once the input shapes are known.
int fold_known_values(ir::Graph& g, const SessionOptions&) {
  int changes = 0;
  std::vector<ir::Node*> order;
  for (const auto& n : g.nodes()) order.push_back(n.get());
  for (ir::Node* n : order) {
    bool folded_all = true;
    int folded = 0;
    for (ir::Value* o : n->outputs) {
      if (!o) continue;
      const ir::Dims* vals = o->known_values.get();
      const ir::Type& t = o->type;
      bool known = vals && t.is_tensor() && t.has_shape && t.rank() <= 1 && !o->is_graph_output &&
                   (t.elem == DataType::kInt64 || t.elem == DataType::kInt32);
      if (known)
        for (const ir::Dim& d : *vals) known = known && d.known();
      if (known && t.rank() == 1 && !(t.dims[0].known() && t.dims[0].value == static_cast<int64_t>(vals->size())))
        known = false;
      if (known && t.rank() == 0 && vals->size() != 1) known = false;
      if (!known) {
        folded_all = false;
        continue;
      }
      Shape shape = t.rank() == 0 ? Shape{} : Shape{static_cast<int64_t>(vals->size())};
      Tensor c(t.elem, shape);
      for (size_t i = 0; i < vals->size(); ++i) {
        if (t.elem == DataType::kInt64) c.data<int64_t>()[i] = (*vals)[i].value;
        else c.data<int32_t>()[i] = static_cast<int32_t>((*vals)[i].value);
      }
      if (o->uses.empty()) continue;
      ir::Value* cv = g.add_constant(g.unique_name(o->name), std::move(c));
      g.replace_uses(o, cv);
      ++folded;
    }
    if (folded_all && folded > 0) g.remove_node(n);
    changes += folded;
  }
  return changes;
}

}  // namespace

ONYX_PASS({"fold_known_values", OptLevel::kBasic, 20, fold_known_values});
ONYX_PASS({"constant_folding", OptLevel::kBasic, 30, constant_folding});
ONYX_PASS({"fold_transpose_into_matmul", OptLevel::kExtended, 25, fold_transpose_into_matmul});

}  // namespace onyx
