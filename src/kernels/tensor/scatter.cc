// Scatter (deprecated), ScatterElements, ScatterND, TensorScatter: a copy of
// `data` with some positions overwritten (or combined, with `reduction`).
//
// Every index is checked before the output is touched. With reduction
// "none", duplicate indices are applied in order (the last write wins), as
// ONNX Runtime does; the spec leaves that case undefined.
#include <type_traits>

#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

enum class Reduction { kNone, kAdd, kMul, kMax, kMin };

Reduction parse_reduction(const ir::Node& node) {
  std::string r = node.attr_string("reduction", "none");
  if (r == "none") return Reduction::kNone;
  if (r == "add") return Reduction::kAdd;
  if (r == "mul") return Reduction::kMul;
  if (r == "max" && node.opset >= 18) return Reduction::kMax;
  if (r == "min" && node.opset >= 18) return Reduction::kMin;
  fail(ErrorCode::kInvalidGraph, node.describe(), ": unsupported reduction '", r, "'");
}

template <typename T>
inline constexpr bool kReducible = std::is_arithmetic_v<T> || is_small_float_v<T>;

// Combines the existing value `a` with the update `b`.
template <typename T>
T combine(T a, T b, Reduction r) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (r) {
      case Reduction::kNone: return b;
      case Reduction::kAdd: case Reduction::kMax: return a || b;
      case Reduction::kMul: case Reduction::kMin: return a && b;
    }
    return b;
  } else if constexpr (kReducible<T>) {
    using C = compute_t<T>;
    switch (r) {
      case Reduction::kNone: return b;
      case Reduction::kAdd:
        if constexpr (std::is_integral_v<T>) return wrap_add(a, b);
        else return store_as<T>(C(a) + C(b));
      case Reduction::kMul:
        if constexpr (std::is_integral_v<T>) return wrap_mul(a, b);
        else return store_as<T>(C(a) * C(b));
      case Reduction::kMax: return C(b) > C(a) ? b : a;
      case Reduction::kMin: return C(b) < C(a) ? b : a;
    }
    return b;
  } else {
    return b;  // only reduction "none" reaches here (checked before)
  }
}

// Runs fn<T>() for the element type of data, refusing reductions on types
// that have no arithmetic (strings, complex, float8).
template <typename Fn>
void dispatch_scatter(DataType dt, Reduction r, Fn&& fn) {
  dispatch_all(dt, [&]<typename T>() {
    if constexpr (!kReducible<T>) {
      if (r != Reduction::kNone)
        fail(ErrorCode::kNotImplemented, "reduction other than 'none' is not supported for ", dtype_name(dt));
    }
    fn.template operator()<T>();
  }, "scatter");
}

void check_same_type(const Tensor& data, const Tensor& updates) {
  if (data.dtype() != updates.dtype())
    fail(ErrorCode::kInvalidArgument, "updates ", updates.describe(), " must have the element type of data ",
         data.describe());
}

// ---- Scatter / ScatterElements ------------------------------------------------------

class ScatterElements final : public Kernel {
 public:
  explicit ScatterElements(const KernelInit& init)
      : axis_(init.node.attr_int("axis", 0)), reduction_(parse_reduction(init.node)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const Tensor& upd = ctx.input(2);
    check_same_type(x, upd);
    const int rank = x.rank();
    if (rank == 0) fail(ErrorCode::kInvalidArgument, "data must have rank >= 1, got a scalar");
    if (ind.shape() != upd.shape())
      fail(ErrorCode::kInvalidArgument, "indices ", ind.describe(), " and updates ", upd.describe(),
           " must have the same shape");
    if (ind.rank() != rank)
      fail(ErrorCode::kInvalidArgument, "indices ", ind.describe(), " must have the rank of data ", x.describe());
    const int axis = normalize_axis(axis_, rank);
    for (int d = 0; d < rank; ++d)
      if (d != axis && ind.dim(d) > x.dim(d))
        fail(ErrorCode::kInvalidArgument, "indices ", ind.describe(), " exceed data ", x.describe(), " at axis ", d);
    // Target offsets, all checked first.
    Shape xs = shape_strides(x.shape());
    const Shape& is = ind.shape();
    std::vector<int64_t> offs(static_cast<size_t>(ind.numel()));
    dispatch_index(ind.dtype(), [&]<typename I>() {
      const I* p = ind.data<I>();
      std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
      for (int64_t i = 0; i < ind.numel(); ++i) {
        int64_t off = 0;
        for (int d = 0; d < rank; ++d) {
          int64_t k = d == axis ? checked_index(p[i], x.dim(axis), axis) : pos[static_cast<size_t>(d)];
          off += k * xs[static_cast<size_t>(d)];
        }
        offs[static_cast<size_t>(i)] = off;
        for (int d = rank - 1; d >= 0; --d) {
          if (++pos[static_cast<size_t>(d)] < is[static_cast<size_t>(d)]) break;
          pos[static_cast<size_t>(d)] = 0;
        }
      }
    });
    Tensor& out = ctx.output(0, x.shape(), x.dtype());
    dispatch_scatter(x.dtype(), reduction_, [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      std::copy(src, src + x.numel(), dst);
      const T* u = upd.data<T>();
      for (size_t i = 0; i < offs.size(); ++i) dst[offs[i]] = combine<T>(dst[offs[i]], u[i], reduction_);
    });
  }

 private:
  int64_t axis_;
  Reduction reduction_;
};

// ---- ScatterND --------------------------------------------------------------------

class ScatterND final : public Kernel {
 public:
  explicit ScatterND(const KernelInit& init) : reduction_(parse_reduction(init.node)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    const Tensor& upd = ctx.input(2);
    check_same_type(x, upd);
    const int r = x.rank(), q = ind.rank();
    if (r < 1 || q < 1) fail(ErrorCode::kInvalidArgument, "data and indices must have rank >= 1");
    const int64_t k = ind.dim(-1);
    if (k < 1 || k > r) fail(ErrorCode::kInvalidArgument, "indices' last dim ", k, " must be in [1, ", r, "]");
    Shape want(ind.shape().begin(), ind.shape().end() - 1);
    want.insert(want.end(), x.shape().begin() + k, x.shape().end());
    if (upd.shape() != want)
      fail(ErrorCode::kInvalidArgument, "updates ", upd.describe(), " must have shape ", shape_str(want),
           " (indices.shape[:-1] + data.shape[", k, ":])");
    Shape xs = shape_strides(x.shape());
    int64_t slice = 1;
    for (int d = static_cast<int>(k); d < r; ++d) slice *= x.dim(d);
    const int64_t tuples = k > 0 ? ind.numel() / k : 0;
    std::vector<int64_t> offs(static_cast<size_t>(tuples));
    dispatch_index(ind.dtype(), [&]<typename I>() {
      const I* p = ind.data<I>();
      for (int64_t t = 0; t < tuples; ++t) {
        int64_t off = 0;
        for (int64_t j = 0; j < k; ++j) {
          const int axis = static_cast<int>(j);
          off += checked_index(p[t * k + j], x.dim(axis), axis) * xs[static_cast<size_t>(axis)];
        }
        offs[static_cast<size_t>(t)] = off;
      }
    });
    Tensor& out = ctx.output(0, x.shape(), x.dtype());
    dispatch_scatter(x.dtype(), reduction_, [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      std::copy(src, src + x.numel(), dst);
      const T* u = upd.data<T>();
      for (size_t t = 0; t < offs.size(); ++t) {
        T* o = dst + offs[t];
        const T* v = u + static_cast<int64_t>(t) * slice;
        for (int64_t i = 0; i < slice; ++i) o[i] = combine<T>(o[i], v[i], reduction_);
      }
    });
  }

 private:
  Reduction reduction_;
};

// ---- TensorScatter (opset 24): KV-cache update ----------------------------------------

class TensorScatter final : public Kernel {
 public:
  explicit TensorScatter(const KernelInit& init) : axis_(init.node.attr_int("axis", -2)) {
    std::string mode = init.node.attr_string("mode", "linear");
    if (mode != "linear" && mode != "circular")
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": mode must be 'linear' or 'circular', got '", mode, "'");
    circular_ = mode == "circular";
  }
  void run(KernelContext& ctx) const override {
    const Tensor& past = ctx.input(0);
    const Tensor& upd = ctx.input(1);
    const Tensor* wi = ctx.optional_input(2);
    check_same_type(past, upd);
    const int rank = past.rank();
    if (rank < 2) fail(ErrorCode::kInvalidArgument, "past_cache must have rank >= 2, got ", past.describe());
    const int axis = normalize_axis(axis_, rank);
    if (axis == 0) fail(ErrorCode::kInvalidArgument, "axis cannot be 0 (the batch axis)");
    if (upd.rank() != rank)
      fail(ErrorCode::kInvalidArgument, "update ", upd.describe(), " must have the rank of past_cache ", past.describe());
    for (int d = 0; d < rank; ++d) {
      if (d == axis ? upd.dim(d) > past.dim(d) : upd.dim(d) != past.dim(d))
        fail(ErrorCode::kInvalidArgument, "update ", upd.describe(), " does not fit past_cache ", past.describe(),
             " at axis ", d);
    }
    const int64_t batch = past.dim(0), max_seq = past.dim(axis), seq = upd.dim(axis);
    std::vector<int64_t> start(static_cast<size_t>(batch), 0);
    if (wi) {
      if (wi->rank() != 1 || wi->dim(0) != batch)
        fail(ErrorCode::kInvalidArgument, "write_indices ", wi->describe(), " must have shape [", batch, "]");
      for (int64_t b = 0; b < batch; ++b) {
        int64_t w = wi->int_at(b);
        if (w < 0 || (!circular_ && w + seq > max_seq) || (circular_ && max_seq == 0 && seq > 0))
          fail(ErrorCode::kInvalidArgument, "write index ", w, " for batch ", b, " with ", seq,
               " new entries does not fit a sequence axis of size ", max_seq);
        start[static_cast<size_t>(b)] = w;
      }
    }
    Tensor& out = ctx.output(0, past.shape(), past.dtype());
    if (out.numel() == 0) return;
    if (dtype_is_packed(past.dtype())) fail(ErrorCode::kNotImplemented, "TensorScatter of packed types");
    int64_t outer = 1, per_batch = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= past.dim(d);
    for (int d = 1; d < axis; ++d) per_batch *= past.dim(d);
    for (int d = axis + 1; d < rank; ++d) inner *= past.dim(d);
    copy_elements(past, 0, out, 0, past.numel());
    for (int64_t o = 0; o < outer; ++o) {
      const int64_t w = start[static_cast<size_t>(o / per_batch)];
      for (int64_t s = 0; s < seq; ++s) {
        int64_t pos = w + s;
        if (circular_) pos %= max_seq;
        copy_elements(upd, (o * seq + s) * inner, out, (o * max_seq + pos) * inner, inner);
      }
    }
  }

 private:
  int64_t axis_;
  bool circular_ = false;
};

void infer_scatter(InferContext& ctx) {
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(2) != DataType::kUndefined &&
      ctx.input_dtype(0) != ctx.input_dtype(2))
    ctx.fail("updates have element type ", dtype_name(ctx.input_dtype(2)), " but data has ",
             dtype_name(ctx.input_dtype(0)));
  infer::same_as_input(ctx);
}

void infer_tensor_scatter(InferContext& ctx) { infer::same_as_input(ctx); }

}  // namespace

ONYX_KERNEL({.op = "Scatter", .since = 9, .infer = infer_scatter, .create = create<ScatterElements>});
ONYX_KERNEL({.op = "ScatterElements", .since = 11, .infer = infer_scatter, .create = create<ScatterElements>});
ONYX_KERNEL({.op = "ScatterND", .since = 11, .infer = infer_scatter, .create = create<ScatterND>});
ONYX_KERNEL({.op = "TensorScatter", .since = 24, .infer = infer_tensor_scatter, .create = create<TensorScatter>});

}  // namespace onyx
