// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ReduceSumSquare: one driver, one small
// accumulator policy per op.
//
// Versions: axes are an attribute until ReduceSum-13 / the others-18, then an
// optional int64 input, with noop_with_empty_axes deciding whether an empty
// axes list means "all axes" (0) or "return the input" (1). ReduceMax/Min-12
// add int8/uint8, -20 add bool. An empty reduction gives the op's identity:
// 0 (Sum, SumSquare, L1, L2), 1 (Prod), -inf / lowest (Max), +inf / highest
// (Min), -inf (LogSum, LogSumExp) and NaN for Mean (0/0, as numpy).
//
// Accumulation: float16/bfloat16 in float; integers wrap in their own type
// (Sum, Prod, SumSquare, L1), Mean sums in 64 bits and truncates the
// quotient like numpy's astype; L2/LogSum/LogSumExp of integers go through
// double. Float rows are summed in 8 interleaved partial accumulators, which
// the compiler turns into one vector register (and which rounds better than
// a single running sum).
#include <memory>

#include "kernels/common/math.h"
#include "kernels/common/reduce_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class ReduceKind { kSum, kMean, kMax, kMin, kProd, kL1, kL2, kLogSum, kLogSumExp, kSumSquare };

// Accumulator policy: init / step (fold one element) / combine (fold two
// partial accumulators) / finish (accumulator and element count -> output).
template <ReduceKind K, typename T>
struct ReduceOp {
  using C = compute_t<T>;
  static constexpr bool kInt = std::is_integral_v<C>;
  using Wide = std::conditional_t<std::is_signed_v<C>, int64_t, uint64_t>;
  using A = std::conditional_t<kInt && (K == ReduceKind::kL2 || K == ReduceKind::kLogSum), double,
                               std::conditional_t<kInt && K == ReduceKind::kMean, Wide, C>>;

  static A init() {
    if constexpr (K == ReduceKind::kMax) return lowest_value<C>();
    else if constexpr (K == ReduceKind::kMin) return highest_value<C>();
    else if constexpr (K == ReduceKind::kProd) return A(1);
    else return A(0);
  }
  static A add(A a, A b) {
    if constexpr (std::is_integral_v<A>) return wrap_add(a, b);
    else return a + b;
  }
  static A step(A a, C x) {
    if constexpr (K == ReduceKind::kMax) return max_nan(a, x);
    else if constexpr (K == ReduceKind::kMin) return min_nan(a, x);
    else if constexpr (K == ReduceKind::kProd) {
      if constexpr (kInt) return wrap_mul(a, x);
      else return a * x;
    } else if constexpr (K == ReduceKind::kL1) {
      if constexpr (kInt && std::is_signed_v<C>) return wrap_add(a, x < 0 ? wrap_sub(C(0), x) : x);
      else if constexpr (kInt) return wrap_add(a, x);
      else return a + std::abs(x);
    } else if constexpr (K == ReduceKind::kSumSquare) {
      if constexpr (kInt) return wrap_add(a, wrap_mul(x, x));
      else return a + x * x;
    } else if constexpr (K == ReduceKind::kL2) {
      return a + A(x) * A(x);
    } else {  // Sum, Mean, LogSum
      return add(a, A(x));
    }
  }
  static A combine(A a, A b) {
    if constexpr (K == ReduceKind::kMax) return max_nan(a, b);
    else if constexpr (K == ReduceKind::kMin) return min_nan(a, b);
    else if constexpr (K == ReduceKind::kProd) {
      if constexpr (kInt) return wrap_mul(a, b);
      else return a * b;
    } else {
      return add(a, b);
    }
  }
  static T finish(A a, int64_t n) {
    if constexpr (K == ReduceKind::kMean) {
      if constexpr (kInt) return n == 0 ? T(0) : static_cast<T>(a / static_cast<A>(n));
      else return store_as<T>(a / static_cast<C>(n));
    } else if constexpr (K == ReduceKind::kL2 || K == ReduceKind::kLogSum) {
      auto r = K == ReduceKind::kL2 ? std::sqrt(a) : std::log(a);
      if constexpr (kInt) return float_to_int<T>(r);
      else return store_as<T>(r);
    } else {
      return store_as<T>(a);
    }
  }
};

// Runs policy Op over the plan: x dense input, y dense output.
template <typename T, typename Op>
void reduce_with(const T* x, T* y, const ReducePlan& p, ThreadPool* pool) {
  using A = typename Op::A;
  using C = compute_t<T>;
  const int64_t n = p.reduced;
  const std::vector<int64_t>& offs = p.reduced_offsets;
  if (p.inner_reduced) {
    const int64_t len = p.inner;
    parallel_for(pool, p.outputs, grain_for(n), [&](int64_t o0, int64_t o1) {
      constexpr int kLanes = 8;
      for (int64_t o = o0; o < o1; ++o) {
        const T* base = x + p.row_base(o);
        A lanes[kLanes];
        for (A& l : lanes) l = Op::init();
        for (int64_t off : offs) {
          const T* px = base + off;
          int64_t j = 0;
          for (; j + kLanes <= len; j += kLanes)
            for (int l = 0; l < kLanes; ++l) lanes[l] = Op::step(lanes[l], C(px[j + l]));
          for (; j < len; ++j) lanes[0] = Op::step(lanes[0], C(px[j]));
        }
        A a = lanes[0];
        for (int l = 1; l < kLanes; ++l) a = Op::combine(a, lanes[l]);
        y[o] = Op::finish(a, n);
      }
    });
    return;
  }
  // Inner dims kept: accumulate whole contiguous rows into a block of accumulators.
  const int64_t k_all = p.inner;
  constexpr int64_t kBlock = 1024;
  const int64_t block = std::min(k_all, kBlock);
  const int64_t blocks = (k_all + block - 1) / block;
  parallel_for(pool, p.rows() * blocks, grain_for(n * block), [&](int64_t t0, int64_t t1) {
    std::unique_ptr<A[]> acc(new A[static_cast<size_t>(block)]);
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t row = t / blocks, k0 = (t % blocks) * block, kn = std::min(block, k_all - k0);
      const T* base = x + p.row_base(row) + k0;
      for (int64_t k = 0; k < kn; ++k) acc[k] = Op::init();
      for (int64_t off : offs) {
        const T* px = base + off;
        for (int64_t k = 0; k < kn; ++k) acc[k] = Op::step(acc[k], C(px[k]));
      }
      T* py = y + row * k_all + k0;
      for (int64_t k = 0; k < kn; ++k) py[k] = Op::finish(acc[k], n);
    }
  });
}

// log(sum(exp(x))) computed as m + log(sum(exp(x - m))), m = max(x), so large
// inputs do not overflow. An infinite or NaN maximum is the answer itself.
template <typename T>
void reduce_log_sum_exp(const T* x, T* y, const ReducePlan& p, ThreadPool* pool) {
  using C = compute_t<T>;
  using A = std::conditional_t<std::is_integral_v<C>, double, C>;
  auto result = [](A m, A s) -> T {
    A r = std::isfinite(m) ? m + std::log(s) : m;
    if constexpr (std::is_integral_v<T>) return float_to_int<T>(r);
    else return store_as<T>(r);
  };
  const std::vector<int64_t>& offs = p.reduced_offsets;
  if (p.inner_reduced) {
    const int64_t len = p.inner;
    parallel_for(pool, p.outputs, grain_for(p.reduced), [&](int64_t o0, int64_t o1) {
      for (int64_t o = o0; o < o1; ++o) {
        const T* base = x + p.row_base(o);
        A m = lowest_value<A>();
        for (int64_t off : offs)
          for (int64_t j = 0; j < len; ++j) m = max_nan(m, A(C(base[off + j])));
        A s = 0;
        if (std::isfinite(m))
          for (int64_t off : offs)
            for (int64_t j = 0; j < len; ++j) s += std::exp(A(C(base[off + j])) - m);
        y[o] = result(m, s);
      }
    });
    return;
  }
  const int64_t k_all = p.inner;
  constexpr int64_t kBlock = 1024;
  const int64_t block = std::min(k_all, kBlock);
  const int64_t blocks = (k_all + block - 1) / block;
  parallel_for(pool, p.rows() * blocks, grain_for(p.reduced * block), [&](int64_t t0, int64_t t1) {
    std::vector<A> m(static_cast<size_t>(block)), s(static_cast<size_t>(block));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t row = t / blocks, k0 = (t % blocks) * block, kn = std::min(block, k_all - k0);
      const T* base = x + p.row_base(row) + k0;
      for (int64_t k = 0; k < kn; ++k) m[k] = lowest_value<A>(), s[k] = 0;
      for (int64_t off : offs)
        for (int64_t k = 0; k < kn; ++k) m[k] = max_nan(m[k], A(C(base[off + k])));
      for (int64_t off : offs)
        for (int64_t k = 0; k < kn; ++k)
          s[k] += std::exp(A(C(base[off + k])) - m[k]);  // non-finite m: result() ignores s
      T* py = y + row * k_all + k0;
      for (int64_t k = 0; k < kn; ++k) py[k] = result(m[k], s[k]);
    }
  });
}

// First opset where `axes` is an input instead of an attribute.
constexpr int axes_input_since(ReduceKind k) { return k == ReduceKind::kSum ? 13 : 18; }

template <ReduceKind K>
void dispatch_reduce_type(DataType dt, auto&& fn) {
  if constexpr (K == ReduceKind::kMax || K == ReduceKind::kMin) {
    if (dt == DataType::kBool) return fn.template operator()<bool>();
  }
  dispatch_numeric(dt, fn);
}

template <ReduceKind K>
class Reduce final : public Kernel {
 public:
  explicit Reduce(const KernelInit& init) {
    const ir::Node& n = init.node;
    keepdims_ = n.attr_int("keepdims", 1) != 0;
    axes_from_input_ = init.opset() >= axes_input_since(K);
    if (axes_from_input_) noop_with_empty_axes_ = n.attr_int("noop_with_empty_axes", 0) != 0;
    else axes_ = n.attr_ints("axes");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> axes = axes_;
    if (axes_from_input_) {
      if (const Tensor* a = ctx.optional_input(1)) {
        if (!dtype_is_integer(a->dtype()) || a->rank() > 1)
          fail(ErrorCode::kInvalidArgument, "axes must be a 1-D int64 tensor, got ", a->describe());
        axes = a->to_int64_vector();
      }
      if (axes.empty() && noop_with_empty_axes_) {
        ctx.set_output(0, Value(x));
        return;
      }
    }
    std::vector<bool> mask(static_cast<size_t>(x.rank()), true);  // no axes: all of them
    if (!axes.empty()) mask = reduce_axes_mask(axes, x.rank());
    Tensor& y = ctx.output(0, reduced_shape(x.shape(), mask, keepdims_), x.dtype());
    dispatch_reduce_type<K>(x.dtype(), [&]<typename T>() {
      if constexpr (std::is_same_v<T, bool> && K != ReduceKind::kMax && K != ReduceKind::kMin) {
        throw_unsupported_dtype(x.dtype(), "this reduction");
      } else {
        T* py = y.data<T>();
        if (x.numel() == 0) {  // reductions of empty sets: the op's identity
          using Op = ReduceOp<K == ReduceKind::kLogSumExp ? ReduceKind::kLogSum : K, T>;
          const T v = Op::finish(Op::init(), 0);
          for (int64_t i = 0; i < y.numel(); ++i) py[i] = v;
          return;
        }
        ReducePlan plan = make_reduce_plan(x.shape(), mask);
        if constexpr (K == ReduceKind::kLogSumExp) reduce_log_sum_exp<T>(x.data<T>(), py, plan, ctx.pool());
        else reduce_with<T, ReduceOp<K, T>>(x.data<T>(), py, plan, ctx.pool());
      }
    });
  }

 private:
  bool keepdims_ = true;
  bool axes_from_input_ = false;
  bool noop_with_empty_axes_ = false;
  std::vector<int64_t> axes_;
};

template <ReduceKind K>
void infer_reduce(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  const ir::Node& n = ctx.node();
  const bool keepdims = n.attr_int("keepdims", 1) != 0;
  bool noop = false;
  std::vector<int64_t> axes;
  bool axes_known = true;
  if (ctx.opset() >= axes_input_since(K)) {
    noop = n.attr_int("noop_with_empty_axes", 0) != 0;
    if (ctx.has_input(1)) {
      // Exact values from a constant (negative axes included), else tracked
      // shape values when every element is known.
      if (const Tensor* c = ctx.input_constant(1)) {
        axes = c->to_int64_vector();
      } else if (const ir::Dims* v = ctx.input_values(1)) {
        for (const ir::Dim& d : *v) {
          if (!d.known()) axes_known = false;
          else axes.push_back(d.value);
        }
      } else {
        axes_known = false;
      }
    }
  } else {
    axes = n.attr_ints("axes");
  }
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  std::optional<ir::Dims> out = infer_reduced_dims(*in, axes_known ? &axes : nullptr, keepdims, noop);
  if (out) ctx.set_output(0, dt, std::move(*out));
  else ctx.set_output_unranked(0, dt);
}

std::vector<DataType> max_min_types() {
  std::vector<DataType> v = numeric_type_list();
  v.push_back(DataType::kBool);
  return v;
}

}  // namespace

#define ONYX_REDUCE(name, kind, type_list)                                                  \
  ONYX_KERNEL({.op = name, .since = 1, .types = type_list, .infer = infer_reduce<kind>, \
               .create = create<Reduce<kind>>})

ONYX_REDUCE("ReduceSum", ReduceKind::kSum, numeric_type_list());
ONYX_REDUCE("ReduceMean", ReduceKind::kMean, numeric_type_list());
ONYX_REDUCE("ReduceMax", ReduceKind::kMax, max_min_types());
ONYX_REDUCE("ReduceMin", ReduceKind::kMin, max_min_types());
ONYX_REDUCE("ReduceProd", ReduceKind::kProd, numeric_type_list());
ONYX_REDUCE("ReduceL1", ReduceKind::kL1, numeric_type_list());
ONYX_REDUCE("ReduceL2", ReduceKind::kL2, numeric_type_list());
ONYX_REDUCE("ReduceLogSum", ReduceKind::kLogSum, numeric_type_list());
ONYX_REDUCE("ReduceLogSumExp", ReduceKind::kLogSumExp, numeric_type_list());
ONYX_REDUCE("ReduceSumSquare", ReduceKind::kSumSquare, numeric_type_list());

}  // namespace onyx
