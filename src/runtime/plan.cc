#include "runtime/plan.h"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "base/resident.h"

#include "runtime/function_expand.h"
#include "runtime/thread_pool.h"

namespace onyx {

namespace {

std::string type_list(const std::vector<ir::Type>& types) {
  std::string s;
  for (const ir::Type& t : types) s += (s.empty() ? "" : ", ") + t.str();
  return "(" + s + ")";
}

std::string supported_types(const std::vector<const KernelDef*>& defs) {
  std::vector<DataType> seen;
  for (const KernelDef* d : defs)
    for (DataType t : d->types)
      if (std::find(seen.begin(), seen.end(), t) == seen.end()) seen.push_back(t);
  std::string s;
  for (DataType t : seen) s += (s.empty() ? "" : ", ") + std::string(dtype_name(t));
  return s;
}

std::unique_ptr<Kernel> select_kernel(const ir::Node& node, const SessionOptions& options, const char** impl,
                                      const std::function<std::shared_ptr<const Plan>(const ir::Graph&)>& sub) {
  const KernelRegistry& reg = KernelRegistry::global();
  std::vector<const KernelDef*> defs = reg.find(node.domain, node.op_type, node.opset);
  std::string dom = node.domain.empty() ? "ai.onnx" : node.domain;
  if (!defs.empty() && kernel_disabled(options, node.op_type))
    fail(ErrorCode::kNotImplemented, node.describe(), ": the kernels of op ", node.op_type,
         " are disabled by session config entry ", kConfigDisableKernels, " and ONNX defines no function body for it");
  if (defs.empty()) {
    if (reg.knows(node.domain, node.op_type)) {
      int lo = kMaxOpset, hi = 0;
      for (const KernelDef& d : reg.all())
        if (d.op == node.op_type && d.domain == node.domain) {
          lo = std::min(lo, d.since);
          hi = std::max(hi, d.until);
        }
      fail(ErrorCode::kNotImplemented, node.describe(), ": op ", node.op_type, " of domain ", dom,
           " is not implemented at opset ", node.opset, " (Onyx has it for opsets ", lo, " to ",
           hi == kMaxOpset ? std::string("latest") : std::to_string(hi), ")");
    }
    fail(ErrorCode::kNotImplemented, node.describe(), ": unsupported op ", node.op_type, " (domain ", dom,
         ", opset ", node.opset, "): Onyx has no kernel for it");
  }
  KernelInit init{node, {}, {}, options, sub};
  for (const ir::Value* v : node.inputs) init.input_types.push_back(v ? v->type : ir::Type{});
  for (const ir::Value* v : node.outputs) init.output_types.push_back(v ? v->type : ir::Type{});
  bool any_type_match = false;
  for (const KernelDef* d : defs) {
    if (options.reference_kernels && d->priority > 0) continue;
    if (!d->types.empty()) {
      DataType t = init.input_dtype(d->type_input);
      if (t != DataType::kUndefined && std::find(d->types.begin(), d->types.end(), t) == d->types.end()) continue;
    }
    any_type_match = true;
    if (auto k = d->create(init)) {
      *impl = d->impl;
      return k;
    }
  }
  if (!any_type_match)
    fail(ErrorCode::kNotImplemented, node.describe(), ": no kernel for input types ", type_list(init.input_types),
         "; supported element types: ", supported_types(defs));
  fail(ErrorCode::kNotImplemented, node.describe(), ": no kernel accepts this node's attributes and inputs ",
       type_list(init.input_types));
}

// Drops the memory of constants that every consumer has absorbed (packed into
// its own layout at creation, resident::note_absorbed), as soon as the last
// consumer's kernel exists: the raw weights and their packed form are then
// never all resident at once. Only in the top-level graph, only anonymous
// memory the engine owns (resident::discardable; a mapped file's pages are
// released by the kernel itself), and only when no other constant that is
// still read shares those bytes (a folded Reshape is a view). The graph keeps
// the value, whose bytes read as zeros from then on. A constant that only one
// kernel reads is also lent to it before its creation, so that the weight
// packer can write the packed form over it (resident::lend): no new pages.
class ConstantDropper {
 public:
  explicit ConstantDropper(const ir::Graph& g) : enabled_(!g.owner) {
    if (!enabled_) return;
    for (const ir::Value* v : g.initializers)
      if (v->is_constant() && v->constant.nbytes() > 0) entries_[v] = Entry{.pinned = v->is_graph_input};
    for (const auto& n : g.nodes()) {
      for (const ir::Value* v : n->inputs)
        if (auto it = entries_.find(v); it != entries_.end()) ++it->second.uses;
      for (const ir::Value* v : n->implicit_inputs) pin(v);  // read by a subgraph
    }
    for (const ir::Value* v : g.inputs) pin(v);  // overridable: the caller may feed it
    for (const ir::Value* v : g.outputs) pin(v);
  }

  // Before creating the kernel of `n`: lends it the bytes of the constants
  // only it reads, which it may pack in place (resident::lend).
  void before_kernel(const ir::Node& n) {
    resident::take_absorbed();  // notes of kernels created by constant folding or subgraphs
    resident::end_lending();
    if (!enabled_) return;
    for (const ir::Value* v : n.inputs) {
      auto it = entries_.find(v);
      if (it == entries_.end() || it->second.uses != 1 || it->second.pinned) continue;
      const Tensor& t = v->constant;
      if (!resident::discardable(t.raw(), t.nbytes()) || shared(v)) continue;
      resident::lend(t.raw(), t.nbytes(), t.owner());
    }
  }

  // After creating the kernel of `n`: credits what it absorbed, drops what is done.
  void after_kernel(const ir::Node& n) {
    std::vector<const void*> borrowed = resident::end_lending();
    std::vector<resident::Absorbed> abs = resident::take_absorbed();
    if (!enabled_) return;
    for (const void* p : borrowed)
      for (const ir::Value* v : n.inputs)
        if (v && v->is_constant() && v->constant.raw() == p)
          if (auto it = entries_.find(v); it != entries_.end()) it->second.packed_in_place = true;
    for (const resident::Absorbed& a : abs) {
      // Credit only when exactly one input position holds these bytes: in
      // MatMul(W, W) the kernel still reads the other one.
      const ir::Value* hit = nullptr;
      int positions = 0;
      for (const ir::Value* v : n.inputs)
        if (v && v->is_constant() && overlaps(v->constant, a.p, a.n)) {
          hit = v;
          ++positions;
        }
      if (positions != 1) continue;
      auto it = entries_.find(hit);
      if (it == entries_.end()) continue;
      ++it->second.absorbed;
      if (done(it->second)) drop(it->first);
    }
  }

 private:
  struct Entry {
    int uses = 0, absorbed = 0;
    bool pinned = false;
    bool packed_in_place = false;  // its bytes now hold the packed form: keep them
  };

  static bool overlaps(const Tensor& t, const void* p, size_t n) {
    auto b = reinterpret_cast<uintptr_t>(t.raw()), e = b + t.nbytes();
    auto pb = reinterpret_cast<uintptr_t>(p), pe = pb + n;
    return b < pe && pb < e;
  }
  static bool done(const Entry& e) { return !e.pinned && e.uses > 0 && e.absorbed >= e.uses; }

  void pin(const ir::Value* v) {
    if (auto it = entries_.find(v); it != entries_.end()) it->second.pinned = true;
  }

  // Whether another constant's bytes overlap v's (a view of the same data).
  bool shared(const ir::Value* v, bool only_live = false) const {
    const Tensor& t = v->constant;
    for (const auto& [other, e] : entries_)
      if (other != v && !(only_live && done(e)) && overlaps(other->constant, t.raw(), t.nbytes())) return true;
    return false;
  }

  void drop(const ir::Value* v) {
    const Tensor& t = v->constant;
    if (entries_.at(v).packed_in_place || !resident::discardable(t.raw(), t.nbytes()) || shared(v, true)) return;
    resident::discard_pages(const_cast<void*>(t.raw()), t.nbytes());
  }

  bool enabled_;
  std::unordered_map<const ir::Value*, Entry> entries_;
};

}  // namespace

std::shared_ptr<const Plan> compile_plan(const ir::Graph& g, const SessionOptions& options) {
  auto plan = std::make_shared<Plan>();
  plan->graph = &g;
  std::unordered_map<const ir::Value*, int32_t> slot_of;
  auto new_slot = [&](const ir::Value* v) {
    int32_t s = plan->num_slots++;
    slot_of[v] = s;
    plan->slot_values.push_back(v);
    plan->constants.emplace_back();
    return s;
  };
  // Outer-scope values: the owner node lists them; we give those we use a slot.
  const ir::Node* owner = g.owner;
  if (owner) plan->outer_slots.assign(owner->implicit_inputs.size(), -1);
  auto slot = [&](const ir::Value* v) -> int32_t {
    if (!v) return -1;
    auto it = slot_of.find(v);
    if (it != slot_of.end()) return it->second;
    if (v->is_constant() && v->graph == &g) {  // an initializer of this graph
      int32_t s = new_slot(v);
      plan->constants[static_cast<size_t>(s)] = Value(v->constant);
      return s;
    }
    if (owner && v->graph != &g) {
      for (size_t k = 0; k < owner->implicit_inputs.size(); ++k)
        if (owner->implicit_inputs[k] == v) {
          int32_t s = new_slot(v);
          plan->outer_slots[k] = s;
          return s;
        }
    }
    fail(ErrorCode::kInvalidGraph, "internal: value '", v->name, "' has no slot in graph '", g.name, "'");
  };

  for (const ir::Value* v : g.inputs) {
    int32_t s = new_slot(v);
    if (v->is_constant()) plan->constants[static_cast<size_t>(s)] = Value(v->constant);  // overridable default
    plan->input_slots.push_back(s);
  }
  for (const ir::Value* v : g.initializers) slot(v);

  auto compile_sub = [&options](const ir::Graph& sg) { return compile_plan(sg, options); };
  ConstantDropper dropper(g);
  for (const auto& n : g.nodes()) {
    Step st;
    st.node = n.get();
    for (const ir::Value* v : n->inputs) st.inputs.push_back(slot(v));
    for (const ir::Value* v : n->implicit_inputs) st.implicit.push_back(slot(v));
    for (const ir::Value* v : n->outputs) st.outputs.push_back(v ? new_slot(v) : -1);
    dropper.before_kernel(*n);
    st.kernel = select_kernel(*n, options, &st.impl, compile_sub);
    dropper.after_kernel(*n);
    plan->steps.push_back(std::move(st));
  }
  for (const ir::Value* v : g.outputs) plan->output_slots.push_back(slot(v));

  // Lifetimes: the last step reading each non-constant, non-output slot frees it.
  std::vector<int32_t> last_use(static_cast<size_t>(plan->num_slots), -1);
  for (size_t i = 0; i < plan->steps.size(); ++i) {
    for (int32_t s : plan->steps[i].inputs)
      if (s >= 0) last_use[static_cast<size_t>(s)] = static_cast<int32_t>(i);
    for (int32_t s : plan->steps[i].implicit)
      if (s >= 0) last_use[static_cast<size_t>(s)] = static_cast<int32_t>(i);
    // An output nobody reads dies right away.
    for (int32_t s : plan->steps[i].outputs)
      if (s >= 0 && last_use[static_cast<size_t>(s)] < static_cast<int32_t>(i))
        last_use[static_cast<size_t>(s)] = static_cast<int32_t>(i);
  }
  std::vector<bool> keep(static_cast<size_t>(plan->num_slots), false);
  for (int32_t s : plan->output_slots) keep[static_cast<size_t>(s)] = true;
  for (int32_t s : plan->input_slots) keep[static_cast<size_t>(s)] = true;   // owned by the caller
  for (int32_t s : plan->outer_slots)
    if (s >= 0) keep[static_cast<size_t>(s)] = true;  // owned by the enclosing run
  for (int32_t s = 0; s < plan->num_slots; ++s) {
    if (keep[static_cast<size_t>(s)] || !plan->constants[static_cast<size_t>(s)].is_none()) continue;
    int32_t at = last_use[static_cast<size_t>(s)];
    if (at >= 0) plan->steps[static_cast<size_t>(at)].release.push_back(s);
  }
  for (Step& st : plan->steps) {
    st.dying.assign(st.inputs.size(), 0);
    for (size_t i = 0; i < st.inputs.size(); ++i) {
      const int32_t s = st.inputs[i];
      st.dying[i] = s >= 0 && std::count(st.release.begin(), st.release.end(), s) == 1 &&
                    std::count(st.inputs.begin(), st.inputs.end(), s) == 1 &&
                    std::count(st.implicit.begin(), st.implicit.end(), s) == 0;
    }
  }
  return plan;
}

std::vector<Value> evaluate_node(const ir::Node& node, std::span<const Value* const> inputs,
                                 const SessionOptions& options) {
  const char* impl = "";
  auto compile_sub = [&options](const ir::Graph& sg) { return compile_plan(sg, options); };
  std::unique_ptr<Kernel> k = select_kernel(node, options, &impl, compile_sub);
  std::vector<Value> outs(node.outputs.size());
  std::vector<Value*> out_ptrs;
  for (size_t i = 0; i < outs.size(); ++i) out_ptrs.push_back(node.outputs[i] ? &outs[i] : nullptr);
  RunState state;
  state.alloc = Allocator::default_allocator();
  state.options = &options;
  KernelContext ctx(&node, inputs, {}, out_ptrs, state.alloc, nullptr, &options, &state);
  k->run(ctx);
  return outs;
}

}  // namespace onyx
