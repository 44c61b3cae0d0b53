// Helpers shared by the elementwise and activation kernels: three-operand
// broadcasting (Where, Clip with tensor bounds), the legacy (opset < 7)
// broadcast attributes of binary ops, and the inference functions most of
// these ops share.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/common/broadcast.h"
#include "kernels/common/math.h"
#include "shape/infer.h"

namespace onyx {

// Element type lists for KernelDef::types, built on each call so that a
// registrar (run during static initialisation) never depends on the
// construction order of globals in other files.
namespace ew_types {
inline std::vector<DataType> floats() {
  return {DataType::kFloat, DataType::kDouble, DataType::kFloat16, DataType::kBFloat16};
}
inline std::vector<DataType> ints() {
  return {DataType::kInt8,  DataType::kInt16,  DataType::kInt32,  DataType::kInt64,
          DataType::kUInt8, DataType::kUInt16, DataType::kUInt32, DataType::kUInt64};
}
inline std::vector<DataType> uints() {
  return {DataType::kUInt8, DataType::kUInt16, DataType::kUInt32, DataType::kUInt64};
}
inline std::vector<DataType> numeric() {
  std::vector<DataType> v = floats();
  for (DataType t : ints()) v.push_back(t);
  return v;
}
inline std::vector<DataType> signed_and_floats() {
  std::vector<DataType> v = floats();
  for (DataType t : {DataType::kInt8, DataType::kInt16, DataType::kInt32, DataType::kInt64}) v.push_back(t);
  return v;
}
inline std::vector<DataType> float8s() {
  return {DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ, DataType::kFloat8E5M2, DataType::kFloat8E5M2FNUZ};
}
inline std::vector<DataType> only(DataType t) { return {t}; }
}  // namespace ew_types

// Applies out[i] = f(a[i], b[i], c[i]) with multidirectional broadcasting,
// in parallel over rows of the merged loop nest.
template <typename TA, typename TB, typename TC, typename TO, typename F>
void ternary_broadcast(const Tensor& a, const Tensor& b, const Tensor& c, Tensor& out, F f, ThreadPool* pool) {
  BroadcastPlan<3> p({&a.shape(), &b.shape(), &c.shape()});
  const TA* pa = a.data<TA>();
  const TB* pb = b.data<TB>();
  const TC* pc = c.data<TC>();
  TO* po = out.data<TO>();
  const int64_t inner = p.inner, sa = p.inner_stride[0], sb = p.inner_stride[1], sc = p.inner_stride[2];
  int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1));
  parallel_for(pool, p.rows(), grain, [&](int64_t r0, int64_t r1) {
    p.for_rows(r0, r1, [&](int64_t row, const std::array<int64_t, 3>& off) {
      const TA* x = pa + off[0];
      const TB* y = pb + off[1];
      const TC* z = pc + off[2];
      TO* o = po + row * inner;
      if (sa == 1 && sb == 1 && sc == 1) {
        for (int64_t i = 0; i < inner; ++i) o[i] = f(x[i], y[i], z[i]);
      } else {
        for (int64_t i = 0; i < inner; ++i) o[i] = f(x[i * sa], y[i * sb], z[i * sc]);
      }
    });
  });
}

// Binary ops before opset 7 (Add, Pow, Equal, And ...) broadcast only when
// the attribute broadcast=1, and then B fits into A starting at `axis`
// (default: aligned to the end). Returns B's shape padded with trailing 1s so
// that numpy rules give the same result; B's shape unchanged otherwise.
inline Shape legacy_broadcast_shape(const ir::Node& node, const Shape& a, const Shape& b) {
  if (node.opset >= 7 || node.attr_int("broadcast", 0) == 0) return b;
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(b.size());
  int64_t axis = node.attr_int("axis", ra - rb);
  if (axis < 0) axis += ra;
  if (axis < 0 || axis + rb > ra)
    fail(ErrorCode::kInvalidArgument, "legacy broadcast: B ", shape_str(b), " does not fit into A ", shape_str(a),
         " at axis ", node.attr_int("axis", ra - rb));
  Shape out = b;
  for (int64_t i = axis + rb; i < ra; ++i) out.push_back(1);
  return out;
}

// Input 1 as a tensor reshaped for legacy broadcasting where it applies.
inline Tensor legacy_input_b(const KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  Tensor b = ctx.input(1);
  Shape bs = legacy_broadcast_shape(ctx.node(), a.shape(), b.shape());
  if (bs != b.shape()) b = b.reshaped(bs);
  return b;
}

inline bool uses_legacy_broadcast(const ir::Node& node) {
  return node.opset < 7 && node.attr_int("broadcast", 0) != 0;
}

// Throws when the element types of inputs `first`.. differ (skipping omitted inputs).
inline void check_same_dtypes(const KernelContext& ctx, int first = 0) {
  const Tensor* ref = nullptr;
  int ref_i = 0;
  for (int i = first; i < ctx.num_inputs(); ++i) {
    const Tensor* t = ctx.optional_input(i);
    if (!t) continue;
    if (!ref) {
      ref = t;
      ref_i = i;
    } else if (t->dtype() != ref->dtype()) {
      fail(ErrorCode::kInvalidArgument, "input ", i, " has element type ", dtype_name(t->dtype()), " but input ", ref_i,
           " has ", dtype_name(ref->dtype()), "; they must match");
    }
  }
}

namespace infer {

// Fails when the known element types of inputs `first`.. differ.
inline void check_same_dtypes(InferContext& ctx, int first = 0) {
  DataType ref = DataType::kUndefined;
  int ref_i = 0;
  for (int i = first; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    DataType t = ctx.input_dtype(i);
    if (t == DataType::kUndefined) continue;
    if (ref == DataType::kUndefined) {
      ref = t;
      ref_i = i;
    } else if (t != ref) {
      ctx.fail("input ", i, " has element type ", dtype_name(t), " but input ", ref_i, " has ", dtype_name(ref),
               "; they must match");
    }
  }
}

// Binary op whose inputs share one element type: output is their broadcast,
// of element type `out` (kUndefined = the inputs' type). Honours legacy broadcast.
inline void binary_op(InferContext& ctx, DataType out = DataType::kUndefined) {
  check_same_dtypes(ctx);
  if (ctx.opset() < 7 && ctx.node().attr_int("broadcast", 0) != 0) {
    same_shape_as(ctx, 0, out != DataType::kUndefined ? out : ctx.input_dtype(0));
    return;
  }
  broadcast_inputs(ctx, out);
}

// Comparison / logical ops: bool output with broadcast shape.
inline void binary_to_bool(InferContext& ctx) { binary_op(ctx, DataType::kBool); }

// Variadic ops (Max, Min, Sum, Mean): at least one input, same type, broadcast.
inline void variadic_op(InferContext& ctx) {
  if (ctx.num_inputs() == 0) ctx.fail("needs at least one input");
  check_same_dtypes(ctx);
  broadcast_inputs(ctx);
}

// Elementwise combination of two inputs' known values (shape arithmetic on
// small integer tensors: Shape -> Equal -> Where -> Expand). `f` returns the
// result dim, unknown (ir::Dim()) where it cannot tell. Does nothing unless
// both inputs' values are known and their lengths match or one is 1.
template <typename F>
void propagate_values(InferContext& ctx, int out, int in_a, int in_b, F f) {
  const ir::Dims* a = ctx.input_values(in_a);
  const ir::Dims* b = ctx.input_values(in_b);
  if (!a || !b) return;
  if (a->size() != b->size() && a->size() != 1 && b->size() != 1) return;
  const size_t n = std::max(a->size(), b->size());
  ir::Dims v(n);
  for (size_t i = 0; i < n; ++i) v[i] = f((*a)[a->size() == 1 ? 0 : i], (*b)[b->size() == 1 ? 0 : i]);
  ctx.set_output_values(out, std::move(v));
}

}  // namespace infer

}  // namespace onyx
