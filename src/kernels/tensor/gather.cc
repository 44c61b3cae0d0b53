// Gather, GatherElements, GatherND: reads selected by an index tensor.
//
// Indices come from the model's inputs and are untrusted: every one is
// checked (negative ones counted from the end) before anything is read, and
// an out-of-range index is an error naming the index, the axis and its size.
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

int64_t prod(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

// All indices as int64, each checked against `size` and normalised.
std::vector<int64_t> checked_indices(const Tensor& idx, int64_t size, int axis) {
  std::vector<int64_t> out(static_cast<size_t>(idx.numel()));
  dispatch_index(idx.dtype(), [&]<typename I>() {
    const I* p = idx.data<I>();
    for (int64_t i = 0; i < idx.numel(); ++i) out[static_cast<size_t>(i)] = checked_index(p[i], size, axis);
  });
  return out;
}

void check_not_packed(const Tensor& t, const char* op) {
  if (dtype_is_packed(t.dtype())) fail(ErrorCode::kNotImplemented, op, " of packed ", dtype_name(t.dtype()));
}

// ---- Gather ---------------------------------------------------------------------

class Gather final : public Kernel {
 public:
  explicit Gather(const KernelInit& init) : axis_(init.node.attr_int("axis", 0)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    if (x.rank() == 0) fail(ErrorCode::kInvalidArgument, "data must have rank >= 1, got a scalar");
    check_not_packed(x, "Gather");
    const int axis = normalize_axis(axis_, x.rank());
    const int64_t n = x.dim(axis);
    std::vector<int64_t> idx = checked_indices(ind, n, axis);
    Shape out_shape(x.shape().begin(), x.shape().begin() + axis);
    out_shape.insert(out_shape.end(), ind.shape().begin(), ind.shape().end());
    out_shape.insert(out_shape.end(), x.shape().begin() + axis + 1, x.shape().end());
    Tensor& out = ctx.output(0, out_shape, x.dtype());
    if (out.numel() == 0) return;
    const int64_t outer = prod(x.shape(), 0, static_cast<size_t>(axis));
    const int64_t inner = prod(x.shape(), static_cast<size_t>(axis) + 1, x.shape().size());
    const int64_t m = static_cast<int64_t>(idx.size());
    dispatch_by_size(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      parallel_for(ctx.pool(), outer * m, std::max<int64_t>(1, 16384 / inner), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          int64_t o = r / m, j = r % m;
          const T* p = src + (o * n + idx[static_cast<size_t>(j)]) * inner;
          std::copy(p, p + inner, dst + r * inner);
        }
      });
    });
  }

 private:
  int64_t axis_;
};

void infer_gather(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* ind = ctx.input_dims(1);
  if (!x || !ind) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(x->size());
  if (rank == 0) ctx.fail("data must have rank >= 1, got a scalar");
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < -rank || axis >= rank) ctx.fail("axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  ir::Dims out(x->begin(), x->begin() + axis);
  out.insert(out.end(), ind->begin(), ind->end());
  out.insert(out.end(), x->begin() + axis + 1, x->end());
  ctx.set_output(0, dt, out);
  // Gather on a shape vector (Shape -> Gather): pick the tracked values.
  const ir::Dims* vals = ctx.input_values(0);
  auto idx = tinfer::input_ints(ctx, 1);
  if (vals && idx && rank == 1 && ind->size() <= 1) {
    const int64_t n = static_cast<int64_t>(vals->size());
    ir::Dims v;
    for (int64_t i : *idx) {
      if (i < -n || i >= n) ctx.fail("index ", i, " is out of range for axis 0 of size ", n);
      v.push_back((*vals)[static_cast<size_t>(i < 0 ? i + n : i)]);
    }
    tinfer::set_values(ctx, 0, std::move(v));
  }
}

// ---- GatherElements -------------------------------------------------------------

class GatherElements final : public Kernel {
 public:
  explicit GatherElements(const KernelInit& init) : axis_(init.node.attr_int("axis", 0)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    check_not_packed(x, "GatherElements");
    const int rank = x.rank();
    if (rank == 0) fail(ErrorCode::kInvalidArgument, "data must have rank >= 1, got a scalar");
    if (ind.rank() != rank)
      fail(ErrorCode::kInvalidArgument, "indices ", ind.describe(), " must have the rank of data ", x.describe());
    const int axis = normalize_axis(axis_, rank);
    for (int d = 0; d < rank; ++d)
      if (d != axis && ind.dim(d) > x.dim(d))
        fail(ErrorCode::kInvalidArgument, "indices ", ind.describe(), " exceed data ", x.describe(), " at axis ", d);
    std::vector<int64_t> idx = checked_indices(ind, x.dim(axis), axis);
    Tensor& out = ctx.output(0, ind.shape(), x.dtype());
    if (out.numel() == 0) return;
    Shape xs = shape_strides(x.shape());
    const Shape& os = ind.shape();
    dispatch_by_size(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      std::vector<int64_t> pos(static_cast<size_t>(rank), 0);
      for (int64_t i = 0; i < out.numel(); ++i) {
        int64_t off = 0;
        for (int d = 0; d < rank; ++d)
          off += (d == axis ? idx[static_cast<size_t>(i)] : pos[static_cast<size_t>(d)]) * xs[static_cast<size_t>(d)];
        dst[i] = src[off];
        for (int d = rank - 1; d >= 0; --d) {
          if (++pos[static_cast<size_t>(d)] < os[static_cast<size_t>(d)]) break;
          pos[static_cast<size_t>(d)] = 0;
        }
      }
    });
  }

 private:
  int64_t axis_;
};

void infer_gather_elements(InferContext& ctx) { infer::same_shape_as(ctx, 1, ctx.input_dtype(0)); }

// ---- GatherND -------------------------------------------------------------------

class GatherND final : public Kernel {
 public:
  explicit GatherND(const KernelInit& init) : batch_dims_(init.node.attr_int("batch_dims", 0)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& ind = ctx.input(1);
    check_not_packed(x, "GatherND");
    const int r = x.rank(), q = ind.rank();
    const int b = static_cast<int>(batch_dims_);
    if (r < 1 || q < 1) fail(ErrorCode::kInvalidArgument, "data and indices must have rank >= 1");
    if (b < 0 || b >= std::min(r, q))
      fail(ErrorCode::kInvalidArgument, "batch_dims ", batch_dims_, " must be in [0, min(rank(data), rank(indices)))");
    for (int d = 0; d < b; ++d)
      if (x.dim(d) != ind.dim(d))
        fail(ErrorCode::kInvalidArgument, "batch dim ", d, " differs: data ", x.describe(), ", indices ", ind.describe());
    const int64_t m = ind.dim(-1);
    if (m < 1 || m > r - b)
      fail(ErrorCode::kInvalidArgument, "indices' last dim ", m, " must be in [1, ", r - b, "] (rank(data) - batch_dims)");
    Shape out_shape(ind.shape().begin(), ind.shape().end() - 1);
    out_shape.insert(out_shape.end(), x.shape().begin() + b + m, x.shape().end());
    const int64_t batches = prod(x.shape(), 0, static_cast<size_t>(b));
    const int64_t per_batch = prod(ind.shape(), static_cast<size_t>(b), static_cast<size_t>(q - 1));  // tuples
    const int64_t slice = prod(x.shape(), static_cast<size_t>(b + m), x.shape().size());
    const int64_t batch_stride = prod(x.shape(), static_cast<size_t>(b), x.shape().size());
    Shape xs = shape_strides(x.shape());
    // Element offsets of every tuple, checked before any read.
    std::vector<int64_t> offs(static_cast<size_t>(batches * per_batch));
    dispatch_index(ind.dtype(), [&]<typename I>() {
      const I* p = ind.data<I>();
      for (int64_t t = 0; t < batches * per_batch; ++t) {
        int64_t off = (t / std::max<int64_t>(per_batch, 1)) * batch_stride;
        for (int64_t k = 0; k < m; ++k) {
          const int axis = b + static_cast<int>(k);
          off += checked_index(p[t * m + k], x.dim(axis), axis) * xs[static_cast<size_t>(axis)];
        }
        offs[static_cast<size_t>(t)] = off;
      }
    });
    Tensor& out = ctx.output(0, out_shape, x.dtype());
    if (out.numel() == 0) return;
    dispatch_by_size(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      for (size_t t = 0; t < offs.size(); ++t) std::copy(src + offs[t], src + offs[t] + slice, dst + t * slice);
    });
  }

 private:
  int64_t batch_dims_;
};

void infer_gather_nd(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* ind = ctx.input_dims(1);
  if (!x || !ind || ind->empty() || !ind->back().known()) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int64_t b = ctx.node().attr_int("batch_dims", 0);
  const int64_t m = ind->back().value;
  const int64_t r = static_cast<int64_t>(x->size());
  if (b < 0 || b >= std::min<int64_t>(r, static_cast<int64_t>(ind->size())))
    ctx.fail("batch_dims ", b, " must be in [0, min(rank(data), rank(indices)))");
  if (m < 1 || m > r - b) ctx.fail("indices' last dim ", m, " must be in [1, ", r - b, "]");
  ir::Dims out(ind->begin(), ind->end() - 1);
  out.insert(out.end(), x->begin() + b + m, x->end());
  ctx.set_output(0, dt, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "Gather", .since = 1, .infer = infer_gather, .create = create<Gather>});
ONYX_KERNEL({.op = "GatherElements", .since = 11, .infer = infer_gather_elements, .create = create<GatherElements>});
ONYX_KERNEL({.op = "GatherND", .since = 11, .infer = infer_gather_nd, .create = create<GatherND>});

}  // namespace onyx
