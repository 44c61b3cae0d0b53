// Layout pass (level all): runs 2-D float convolutions in the blocked NCHWc
// layout (kernels/conv/nchwc.h), and keeps their activations blocked through
// the ops between them, so a CNN converts to NCHWc once at its first such
// convolution and back once where a consumer needs NCHW.
//
// Walking the graph in topological order, a node is rewritten to work on
// blocked tensors when:
//   - Conv / com.onyx FusedConv: X 4-D, W a constant [M, C, KH, KW], group 1
//     or depthwise (group = C = M)  -> com.onyx NchwcConv. With fewer than 8
//     input channels (an RGB stem) and X not already blocked, NchwcConv reads
//     X in NCHW as it is: padding 3 channels to 8 would multiply zeros.
//   - MaxPool (one output) / GlobalAveragePool whose input is blocked
//     -> com.onyx NchwcMaxPool / NchwcGlobalAveragePool; a MaxPool that is
//     the only reader of a dense NchwcConv (a CNN's stem) instead becomes
//     that NchwcConv with the pool's attributes prefixed "pool_";
//   - a per-element op whose tensor inputs are all blocked: the unary
//     activations, and Add / Sub / Mul when both sides have the same channel
//     count and broadcast only over batch or space (an SE block's [N,C,1,1]
//     scale) -> the same op on the blocked tensors;
//   - Concat on the channel axis when every input's channel count is a
//     multiple of 8 (padding would land inside the result) -> Concat of blocks.
// Division and other ops that could turn the padded channels (zeros, or an
// activation of zero) into Inf or NaN are left out: a consumer convolution
// multiplies padded channels by zero weights, and 0 * NaN would leak.
//
// Each rewritten value gets an NchwcReorderOutput back to NCHW for consumers
// that stay in NCHW; those nobody uses are dropped at the end. Inputs not yet
// blocked get an NchwcReorderInput (one per value).
#include <unordered_map>

#include "kernels/conv/nchwc.h"
#include "passes/pass.h"
#include "passes/pattern.h"

namespace onyx {

namespace {

using nchwc::kBlock;

bool is_4d_float(const ir::Value* v) { return pattern::is_float(v) && v->type.has_shape && v->type.rank() == 4; }

// Known channel count of a 4-D value, or -1.
int64_t channels(const ir::Value* v) {
  return is_4d_float(v) && v->type.dims[1].known() ? v->type.dims[1].value : -1;
}

ir::Type blocked_type(const ir::Type& t) {
  const ir::Dims& d = t.dims;
  return ir::Type::tensor(DataType::kFloat, {d[0], ir::Dim(nchwc::blocks(d[1].value)), d[2], d[3], ir::Dim(kBlock)});
}

bool is_one(const ir::Dim& d) { return d.known() && d.value == 1; }

// Whether NCHW operands a and b broadcast the same way once blocked: equal
// channel counts, and batch / spatial dims equal or 1 on one side.
bool blocked_broadcast_ok(const ir::Value* a, const ir::Value* b) {
  const int64_t ca = channels(a), cb = channels(b);
  if (ca < 0 || ca != cb) return false;
  for (int i : {0, 2, 3}) {
    const ir::Dim &x = a->type.dims[static_cast<size_t>(i)], &y = b->type.dims[static_cast<size_t>(i)];
    const bool same = (x.known() && x == y) || (x.symbolic() && x == y);
    if (!same && !is_one(x) && !is_one(y)) return false;
  }
  return true;
}

bool is_unary_activation(const ir::Node& n) {
  static const char* const kOps[] = {"Relu", "Sigmoid", "HardSigmoid", "HardSwish", "LeakyRelu", "Tanh", "Clip"};
  if (!n.domain.empty()) return false;
  for (const char* op : kOps)
    if (n.op_type == op) return true;
  return false;
}

class Rewriter {
 public:
  explicit Rewriter(ir::Graph& g) : g_(g) {
    // Values already converted back by an earlier run: their blocked source.
    for (const auto& n : g.nodes())
      if (n->is("NchwcReorderOutput", "com.onyx") && n->input(0)) blocked_[n->output(0)] = n->input(0);
  }

  int run() {
    int changes = 0;
    std::vector<ir::Node*> order;
    for (const auto& n : g_.nodes()) order.push_back(n.get());
    for (ir::Node* n : order) changes += visit(*n) ? 1 : 0;
    if (changes) g_.remove_dead();
    return changes;
  }

 private:
  bool has_blocked(ir::Value* v) const { return blocked_.count(v) > 0; }

  ir::Value* to_blocked(ir::Value* v) {
    auto it = blocked_.find(v);
    if (it != blocked_.end()) return it->second;
    ir::Node* r = g_.add_node("NchwcReorderInput", "com.onyx", {v}, 1, g_.unique_name(v->name + "_nchwc"), {});
    r->opset = 1;
    r->output(0)->type = blocked_type(v->type);
    return blocked_[v] = r->output(0);
  }

  // Replaces `old` (output 0 of a 4-D float value) with the blocked node `nb`
  // built from it: consumers that stay in NCHW read a reorder back.
  void commit(ir::Node& old, ir::Node* nb) {
    nb->opset = nb->domain.empty() ? old.opset : 1;
    ir::Value* out = old.output(0);
    nb->output(0)->type = blocked_type(out->type);
    ir::Node* back = g_.add_node("NchwcReorderOutput", "com.onyx", {nb->output(0)}, 1,
                                 g_.unique_name(old.name + "_nchw"), {pattern::attr_i("channels", channels(out))});
    back->opset = 1;
    back->output(0)->type = out->type;
    g_.replace_uses(out, back->output(0));
    blocked_[back->output(0)] = nb->output(0);
    g_.remove_node(&old);
  }

  bool visit(ir::Node& n) {
    ir::Value* out = n.output(0);
    if (!out || channels(out) < 0) return false;
    for (int i = 1; i < n.num_outputs(); ++i)
      if (n.output(i) && (!n.output(i)->uses.empty() || n.output(i)->is_graph_output)) return false;
    if ((n.is("Conv") || n.is("FusedConv", "com.onyx")) && convertible_conv(n)) {
      const bool nchw_in = channels(n.input(0)) < kBlock && !has_blocked(n.input(0));
      std::vector<ir::Value*> ins = {nchw_in ? n.input(0) : to_blocked(n.input(0)), n.input(1), n.input(2)};
      if (n.input(3)) ins.push_back(to_blocked(n.input(3)));
      commit(n, g_.add_node("NchwcConv", "com.onyx", ins, 1, n.name + "_nchwc", n.attrs));
      return true;
    }
    if (n.is("MaxPool") && has_blocked(n.input(0)) && n.attr_int("storage_order", 0) == 0) {
      if (ir::Node* conv = poolable_conv(n)) {
        // The convolution computes a few rows at a time into a buffer and
        // pools them from there: its whole output (resnet50's and
        // squeezenet1_1's stems: 3.2 MB) is never stored. Written out, those
        // stores cost more than the arithmetic at 2 threads (squeezenet1_1's
        // stem: 311 us alone, 160 us with a consumer that does not leave its
        // lines in the other core's cache).
        std::vector<ir::Attribute> attrs = conv->attrs;
        for (const ir::Attribute& a : n.attrs)
          if (a.name != "storage_order" && a.name != "auto_pad") {
            ir::Attribute p = a;
            p.name = "pool_" + a.name;
            attrs.push_back(p);
          }
        commit(n, g_.add_node("NchwcConv", "com.onyx", conv->inputs, 1, conv->name + "_pool", attrs));
        return true;
      }
      std::vector<ir::Attribute> attrs;
      for (const ir::Attribute& a : n.attrs)
        if (a.name != "storage_order") attrs.push_back(a);
      commit(n, g_.add_node("NchwcMaxPool", "com.onyx", {blocked_[n.input(0)]}, 1, n.name + "_nchwc", attrs));
      return true;
    }
    if (n.is("GlobalAveragePool") && has_blocked(n.input(0))) {
      commit(n, g_.add_node("NchwcGlobalAveragePool", "com.onyx", {blocked_[n.input(0)]}, 1, n.name + "_nchwc", {}));
      return true;
    }
    if (is_unary_activation(n) && has_blocked(n.input(0))) {
      std::vector<ir::Value*> ins = n.inputs;  // Clip's min / max stay scalars
      ins[0] = blocked_[n.input(0)];
      commit(n, g_.add_node(n.op_type, "", ins, 1, n.name + "_nchwc", n.attrs));
      return true;
    }
    if ((n.is("Add") || n.is("Sub") || n.is("Mul")) && n.num_inputs() == 2 && has_blocked(n.input(0)) &&
        has_blocked(n.input(1)) && blocked_broadcast_ok(n.input(0), n.input(1))) {
      commit(n, g_.add_node(n.op_type, "", {blocked_[n.input(0)], blocked_[n.input(1)]}, 1, n.name + "_nchwc",
                            n.attrs));
      return true;
    }
    if (n.is("Concat") && n.num_inputs() > 0) {
      const int64_t axis = n.attr_int("axis", 0);
      if (axis != 1 && axis != -3) return false;
      std::vector<ir::Value*> ins;
      for (ir::Value* v : n.inputs) {
        if (!v || !has_blocked(v) || channels(v) < 0 || channels(v) % kBlock != 0) return false;
        ins.push_back(blocked_[v]);
      }
      commit(n, g_.add_node("Concat", "", ins, 1, n.name + "_nchwc", {pattern::attr_i("axis", 1)}));
      return true;
    }
    return false;
  }

  // The dense NchwcConv (no residual, not already pooled) whose output only
  // this MaxPool reads, or null.
  ir::Node* poolable_conv(const ir::Node& pool) {
    ir::Value* nchw = pool.input(0);
    ir::Value* blocked = blocked_[nchw];
    ir::Node* conv = blocked->producer;
    if (!conv || !conv->is("NchwcConv", "com.onyx") || conv->attr_int("group", 1) != 1 || conv->input(3) ||
        conv->has_attr("pool_kernel_shape"))
      return nullptr;
    if (pool.attr_string("auto_pad", "NOTSET") != "NOTSET" || !pool.has_attr("kernel_shape") ||
        pool.attr_ints("kernel_shape").size() != 2)
      return nullptr;
    // Only the reorder back to NCHW reads the convolution, and only the pool reads that.
    if (blocked->is_graph_output || blocked->uses.size() != 1 || blocked->uses[0].node != nchw->producer ||
        nchw->is_graph_output || nchw->uses.size() != 1)
      return nullptr;
    return conv;
  }

  static bool convertible_conv(const ir::Node& n) {
    const ir::Value* x = n.input(0);
    const ir::Value* w = n.input(1);
    const int64_t c = channels(x);
    if (c < 1 || !w || !w->is_constant() || w->is_graph_input) return false;
    const Tensor& wt = w->constant;
    if (wt.dtype() != DataType::kFloat || wt.rank() != 4) return false;
    const int64_t group = n.attr_int("group", 1);
    const bool dense = group == 1 && wt.dim(1) == c;
    const bool depthwise = group == c && c >= kBlock && wt.dim(0) == c && wt.dim(1) == 1;
    if (!dense && !depthwise) return false;
    if (n.input(2) && !pattern::is_float(n.input(2))) return false;
    if (n.input(3) && !is_4d_float(n.input(3))) return false;
    return channels(n.output(0)) == wt.dim(0);
  }

  ir::Graph& g_;
  std::unordered_map<ir::Value*, ir::Value*> blocked_;
};

int nchwc_layout(ir::Graph& g, const SessionOptions&) {
  // Nothing to do without a candidate convolution (keeps transformer graphs
  // and repeated rounds from paying the walk).
  bool any = false;
  for (const auto& n : g.nodes()) any |= n->is("Conv") || n->is("FusedConv", "com.onyx");
  if (!any) return 0;
  g.commit();  // the walk needs producers before consumers
  return Rewriter(g).run();
}

}  // namespace

// After every extended fusion (their patterns are written against NCHW ops).
ONYX_PASS({"nchwc_layout", OptLevel::kAll, 900, nchwc_layout});

}  // namespace onyx
