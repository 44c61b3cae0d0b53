#include <algorithm>
#include <chrono>
#include <new>

#include "runtime/plan.h"
#include "runtime/profiler.h"
#include "runtime/thread_pool.h"

namespace onyx {

namespace {

std::string describe_inputs(const Step& st, const std::vector<const Value*>& ptrs) {
  std::string s;
  for (size_t i = 0; i < st.inputs.size(); ++i) {
    if (!s.empty()) s += ", ";
    int32_t slot = st.inputs[i];
    const Value* v = slot >= 0 ? ptrs[static_cast<size_t>(slot)] : nullptr;
    std::string name = st.node->inputs[i] ? "'" + st.node->inputs[i]->name + "' " : "";
    if (!v) s += slot < 0 ? "<omitted>" : name + "<missing>";
    else if (v->is_tensor()) s += name + v->tensor().describe();
    else s += name + v->describe();
  }
  return "(" + s + ")";
}

}  // namespace

std::vector<Value> execute_plan(const Plan& plan, std::span<const Value* const> inputs,
                                std::span<const Value* const> outer, const RunState& state) {
  const size_t n = static_cast<size_t>(plan.num_slots);
  std::vector<Value> owned(n);
  std::vector<const Value*> ptrs(n, nullptr);
  for (size_t s = 0; s < n; ++s)
    if (!plan.constants[s].is_none()) ptrs[s] = &plan.constants[s];
  for (size_t i = 0; i < plan.input_slots.size() && i < inputs.size(); ++i)
    if (inputs[i]) ptrs[static_cast<size_t>(plan.input_slots[i])] = inputs[i];
  for (size_t i = 0; i < plan.outer_slots.size() && i < outer.size(); ++i)
    if (plan.outer_slots[i] >= 0) ptrs[static_cast<size_t>(plan.outer_slots[i])] = outer[i];

  std::vector<const Value*> in_ptrs, implicit_ptrs;
  std::vector<Value*> out_ptrs, donors;
  for (const Step& st : plan.steps) {
    if (state.run_options && state.run_options->terminate &&
        state.run_options->terminate->load(std::memory_order_relaxed))
      fail(ErrorCode::kFail, "run terminated by the caller (RunOptions terminate flag)");
    in_ptrs.clear();
    for (int32_t s : st.inputs) in_ptrs.push_back(s >= 0 ? ptrs[static_cast<size_t>(s)] : nullptr);
    implicit_ptrs.clear();
    for (int32_t s : st.implicit) implicit_ptrs.push_back(s >= 0 ? ptrs[static_cast<size_t>(s)] : nullptr);
    out_ptrs.clear();
    for (int32_t s : st.outputs) out_ptrs.push_back(s >= 0 ? &owned[static_cast<size_t>(s)] : nullptr);
    donors.clear();
    for (size_t i = 0; i < st.inputs.size(); ++i)
      donors.push_back(st.dying[i] ? &owned[static_cast<size_t>(st.inputs[i])] : nullptr);
    KernelContext ctx(st.node, in_ptrs, implicit_ptrs, out_ptrs, state.alloc, state.pool, state.options, &state);
    ctx.set_donors(donors);
    auto t0 = state.profiler ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    try {
      st.kernel->run(ctx);
    } catch (const Error& e) {
      throw Error(e.code(), st.node->describe() + " with inputs " + describe_inputs(st, ptrs) + ": " + e.what());
    } catch (const std::bad_alloc&) {
      throw Error(ErrorCode::kFail, st.node->describe() + " with inputs " + describe_inputs(st, ptrs) +
                                        ": out of memory");
    } catch (const std::exception& e) {
      throw Error(ErrorCode::kRuntimeException,
                  st.node->describe() + " with inputs " + describe_inputs(st, ptrs) + ": " + e.what());
    }
    if (state.profiler) state.profiler->record(*st.node, st.impl, t0, std::chrono::steady_clock::now());
    for (size_t k = 0; k < st.outputs.size(); ++k) {
      int32_t s = st.outputs[k];
      if (s < 0) continue;
      ptrs[static_cast<size_t>(s)] = &owned[static_cast<size_t>(s)];
    }
    for (int32_t s : st.release) {
      owned[static_cast<size_t>(s)] = Value();
      ptrs[static_cast<size_t>(s)] = nullptr;
    }
  }
  std::vector<Value> outs;
  outs.reserve(plan.output_slots.size());
  for (size_t k = 0; k < plan.output_slots.size(); ++k) {
    const int32_t s = plan.output_slots[k];
    const Value* v = ptrs[static_cast<size_t>(s)];
    if (!v) {
      const ir::Value* iv = plan.slot_values[static_cast<size_t>(s)];
      fail(ErrorCode::kFail, "graph output '", iv ? iv->name : "?", "' was not computed");
    }
    // Outputs computed here move out (at their last listing: a graph may return
    // one value twice, as Loop bodies often do); inputs/constants passed
    // through are shared.
    const bool last = std::find(plan.output_slots.begin() + static_cast<ptrdiff_t>(k) + 1, plan.output_slots.end(), s) ==
                      plan.output_slots.end();
    outs.push_back(v == &owned[static_cast<size_t>(s)] && last ? std::move(owned[static_cast<size_t>(s)]) : *v);
  }
  return outs;
}

// ---- KernelContext ----

const Tensor& KernelContext::input(int i) const {
  const Value* v = input_value(i);
  if (!v || v->is_none()) {
    const ir::Value* iv = node_->input(i);
    fail(ErrorCode::kInvalidArgument, "required input ", i, iv ? " '" + iv->name + "'" : std::string(), " is missing");
  }
  if (!v->is_tensor()) fail(ErrorCode::kInvalidArgument, "input ", i, " should be a tensor but is ", v->describe());
  return v->tensor();
}

const Tensor* KernelContext::optional_input(int i) const {
  const Value* v = input_value(i);
  if (!v || v->is_none()) return nullptr;
  return &input(i);
}

Tensor& KernelContext::output(int i, Shape shape, DataType dtype) {
  if (!output_wanted(i)) fail(ErrorCode::kFail, "internal: output ", i, " is not wanted but was allocated");
  Value* out = outputs_[static_cast<size_t>(i)];
  *out = Value(Tensor(dtype, std::move(shape), alloc_));
  return out->tensor();
}

Tensor& KernelContext::output_in_place(int i, std::initializer_list<int> ins, Shape shape, DataType dtype) {
  for (int in : ins) {
    Value* d = in >= 0 && static_cast<size_t>(in) < donors_.size() ? donors_[static_cast<size_t>(in)] : nullptr;
    // The input's bytes are free to take when nothing else can see them: its
    // slot dies here, and its storage has no other holder (a view made by
    // Reshape or Split, a graph output, a sequence element or a kernel's
    // cached tensor each holds the owner too). Only then, and for equal bytes.
    if (!d || !d->is_tensor() || !output_wanted(i) || dtype == DataType::kString) continue;
    Tensor& t = d->tensor();
    if (t.dtype() == dtype && t.owner() && t.owner().use_count() == 1 && t.numel() == shape_numel(shape)) {
      *outputs_[static_cast<size_t>(i)] = Value(Tensor::wrap(dtype, std::move(shape), t.raw(), t.owner()));
      return outputs_[static_cast<size_t>(i)]->tensor();
    }
  }
  return output(i, std::move(shape), dtype);
}

void KernelContext::set_output(int i, Value v) {
  if (!output_wanted(i)) return;
  *outputs_[static_cast<size_t>(i)] = std::move(v);
}

bool KernelContext::terminate_requested() const {
  return run_ && run_->run_options && run_->run_options->terminate &&
         run_->run_options->terminate->load(std::memory_order_relaxed);
}

std::vector<Value> KernelContext::run_subgraph(const Plan& plan, std::span<const Value> inputs) const {
  std::vector<const Value*> in;
  in.reserve(inputs.size());
  for (const Value& v : inputs) in.push_back(&v);
  return execute_plan(plan, in, implicit_, *run_);
}

}  // namespace onyx
