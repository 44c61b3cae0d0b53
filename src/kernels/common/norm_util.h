// Helpers shared by the normalization kernels (BatchNormalization,
// InstanceNormalization, GroupNormalization, LayerNormalization,
// RMSNormalization, LpNormalization, MeanVarianceNormalization, LRN).
//
// Parameters (scale, bias, mean, var) are small per-channel or per-feature
// vectors, possibly of another float type than X (BatchNormalization-15 has
// three type variables): they are converted once per run into the compute
// type, so the per-element loops see plain float / double arrays.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/tensor.h"
#include "kernels/common/math.h"
#include "kernels/common/reduce_util.h"

namespace onyx {

// The values of a float (or integer) tensor, converted to C.
template <typename C>
std::vector<C> param_values(const Tensor& t, const char* what) {
  std::vector<C> out(static_cast<size_t>(t.numel()));
  if (!dtype_is_float(t.dtype()) && !dtype_is_integer(t.dtype()))
    fail(ErrorCode::kInvalidArgument, what, " must be a numeric tensor, got ", t.describe());
  dispatch_numeric(t.dtype(), [&]<typename P>() {
    const P* p = t.data<P>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<C>(static_cast<compute_t<P>>(p[i]));
  }, what);
  return out;
}

// `t` broadcast (numpy rules, towards `target` only) to a dense array of
// prod(target) values: LayerNormalization's scale against the normalized
// shape. Throws naming `what` when t does not broadcast to target.
template <typename C>
std::vector<C> broadcast_param(const Tensor& t, const Shape& target, const char* what) {
  const std::vector<C> v = param_values<C>(t, what);
  const Shape& s = t.shape();
  bool ok = true;
  // Leading dims beyond target's rank must be 1.
  const size_t extra = s.size() > target.size() ? s.size() - target.size() : 0;
  for (size_t i = 0; i < extra; ++i) ok = ok && s[i] == 1;
  const size_t off = target.size() - (s.size() - extra);
  for (size_t i = extra; i < s.size(); ++i) {
    int64_t d = s[i], want = target[off + i - extra];
    ok = ok && (d == want || d == 1);
  }
  if (!ok)
    fail(ErrorCode::kInvalidArgument, what, " of shape ", shape_str(s), " does not broadcast to the normalized shape ",
         shape_str(target));
  const int64_t n = shape_numel(target);
  if (static_cast<int64_t>(v.size()) == n) return v;  // already dense (same shape, up to leading 1s)
  // Strides of t aligned to target (0 where broadcast).
  const size_t rank = target.size();
  Shape st(rank, 0);
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > extra;) {
    size_t o = off + i - extra;
    st[o] = s[i] == 1 ? 0 : acc;
    acc *= s[i];
  }
  std::vector<C> out(static_cast<size_t>(n));
  Shape idx(rank, 0);
  for (int64_t e = 0; e < n; ++e) {
    int64_t src = 0;
    for (size_t d = 0; d < rank; ++d) src += idx[d] * st[d];
    out[static_cast<size_t>(e)] = v[static_cast<size_t>(src)];
    for (size_t d = rank; d-- > 0;) {
      if (++idx[d] < target[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

// The element type named by a stash_type attribute (LayerNormalization,
// GroupNormalization-21, RMSNormalization): the precision of the statistics.
inline DataType stash_dtype(int64_t stash_type) {
  DataType t = dtype_is_valid(static_cast<int32_t>(stash_type)) ? static_cast<DataType>(stash_type)
                                                                 : DataType::kUndefined;
  if (t != DataType::kFloat && t != DataType::kDouble && t != DataType::kFloat16 && t != DataType::kBFloat16)
    fail(ErrorCode::kInvalidArgument, "stash_type ", stash_type,
         " is not a floating-point type (1 = float, 10 = float16, 11 = double, 16 = bfloat16)");
  return t;
}

// Mean and (population) variance of n contiguous values by the corrected
// two-pass algorithm: the second pass sums the deviations d = x - base from
// the first-pass mean `base` as well as d^2, and corr = sum(d) / n corrects
// base's rounding error. The mean is kept as base + corr, unrounded: when
// |mean| is large against the spread (1e4 +- 0.01 in float), rounding it to
// one float would already shift every normalized value by a few percent, so
// callers normalize with (x - base) - corr. Partial sums run in 8 lanes so
// the loops vectorise.
template <typename C>
struct MeanVar {
  C base = 0, corr = 0, var = 0;
  C mean() const { return base + corr; }
};

template <typename C>
inline MeanVar<C> mean_variance(const C* x, int64_t n) {
  constexpr int kLanes = 8;
  C lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += x[i + l];
  for (; i < n; ++i) lanes[0] += x[i];
  C s = 0;
  for (C l : lanes) s += l;
  MeanVar<C> r;
  r.base = s / static_cast<C>(n);
  C dev[kLanes] = {}, sq[kLanes] = {};
  i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      C d = x[i + l] - r.base;
      dev[l] += d;
      sq[l] += d * d;
    }
  for (; i < n; ++i) {
    C d = x[i] - r.base;
    dev[0] += d;
    sq[0] += d * d;
  }
  C sd = 0, v = 0;
  for (int l = 0; l < kLanes; ++l) sd += dev[l], v += sq[l];
  r.corr = sd / static_cast<C>(n);
  const C vv = v / static_cast<C>(n) - r.corr * r.corr;
  r.var = vv < 0 ? C(0) : vv;  // rounding can dip below 0; NaN stays NaN
  return r;
}

// Sum of squares of n contiguous values (RMSNormalization, LpNormalization).
template <typename C>
inline C sum_squares(const C* x, int64_t n) {
  constexpr int kLanes = 8;
  C lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) lanes[l] += x[i + l] * x[i + l];
  for (; i < n; ++i) lanes[0] += x[i] * x[i];
  C s = 0;
  for (C l : lanes) s += l;
  return s;
}

// Copies n values of T into C (a no-op view when they are the same type).
template <typename T, typename C>
inline const C* as_compute(const T* x, int64_t n, C* buf) {
  if constexpr (std::is_same_v<T, C>) {
    return x;
  } else {
    for (int64_t i = 0; i < n; ++i) buf[i] = static_cast<C>(static_cast<compute_t<T>>(x[i]));
    return buf;
  }
}

}  // namespace onyx
