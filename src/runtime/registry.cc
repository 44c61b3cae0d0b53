#include <algorithm>

#include "runtime/kernel.h"

namespace onyx {

const std::vector<DataType> kFloatTypes = {DataType::kFloat, DataType::kDouble, DataType::kFloat16,
                                           DataType::kBFloat16};
const std::vector<DataType> kIntTypes = {DataType::kInt8,  DataType::kInt16,  DataType::kInt32,  DataType::kInt64,
                                         DataType::kUInt8, DataType::kUInt16, DataType::kUInt32, DataType::kUInt64};
const std::vector<DataType> kNumericTypes = [] {
  std::vector<DataType> v = kFloatTypes;
  v.insert(v.end(), kIntTypes.begin(), kIntTypes.end());
  return v;
}();
const std::vector<DataType> kAllTypes = [] {
  std::vector<DataType> v = kNumericTypes;
  for (DataType t : {DataType::kBool, DataType::kString, DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ,
                     DataType::kFloat8E5M2, DataType::kFloat8E5M2FNUZ, DataType::kFloat8E8M0,
                     DataType::kComplex64, DataType::kComplex128})
    v.push_back(t);
  return v;
}();

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
