#include <algorithm>

#include "runtime/kernel.h"

namespace onyx {

KernelRegistry& KernelRegistry::global() {
  static KernelRegistry r;
  return r;
}

void KernelRegistry::add(KernelDef def) {
  def.domain = std::string(ir::canonical_domain(def.domain));
  defs_.push_back(std::move(def));
}

std::vector<const KernelDef*> KernelRegistry::find(std::string_view domain, std::string_view op, int opset) const {
  domain = ir::canonical_domain(domain);
  std::vector<const KernelDef*> out;
  for (const KernelDef& d : defs_)
    if (d.op == op && d.domain == domain && d.since <= opset && opset <= d.until) out.push_back(&d);
  std::stable_sort(out.begin(), out.end(), [](const KernelDef* a, const KernelDef* b) { return a->priority > b->priority; });
  return out;
}

InferFn KernelRegistry::infer_fn(std::string_view domain, std::string_view op, int opset) const {
  for (const KernelDef* d : find(domain, op, opset))
    if (d->infer) return d->infer;
  return nullptr;
}

bool KernelRegistry::knows(std::string_view domain, std::string_view op) const {
  domain = ir::canonical_domain(domain);
  for (const KernelDef& d : defs_)
    if (d.op == op && d.domain == domain) return true;
  return false;
}

DataType KernelInit::input_dtype(int i) const {
  return i < static_cast<int>(input_types.size()) ? input_types[static_cast<size_t>(i)].elem : DataType::kUndefined;
}

const Tensor* KernelInit::constant_input(int i) const {
  const ir::Value* v = node.input(i);
  if (!v || !v->is_constant() || v->is_graph_input) return nullptr;
  return &v->constant;
}

}  // namespace onyx
