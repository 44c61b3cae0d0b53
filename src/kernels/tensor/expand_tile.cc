// Expand and Tile: outputs larger than their input, built as one strided copy
// (stride 0 where Expand broadcasts; Tile as a [repeat, dim] pair per axis).
//
// The target size comes from a tensor input, so it is untrusted: a size past
// 2^62 elements is an error from shape_numel, one past the memory limit an
// error from the allocator, never a wrapped size.
#include "kernels/common/broadcast.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

std::vector<int64_t> shape_arg(const Tensor& t, const char* what) {
  if (t.rank() != 1 || t.dtype() != DataType::kInt64)
    fail(ErrorCode::kInvalidArgument, what, " must be a 1-D int64 tensor, got ", t.describe());
  return t.to_int64_vector();
}

// ---- Expand ---------------------------------------------------------------------

class Expand final : public Kernel {
 public:
  explicit Expand(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> target = shape_arg(ctx.input(1), "shape");
    for (int64_t d : target)
      if (d < 0) fail(ErrorCode::kInvalidArgument, "shape ", shape_str(target), " has a negative dim");
    Shape out_shape = broadcast_shapes(x.shape(), target);
    if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "Expand of packed ", dtype_name(x.dtype()));
    if (out_shape == x.shape()) {
      ctx.set_output(0, x);
      return;
    }
    Tensor& out = ctx.output(0, out_shape, x.dtype());
    const size_t r = out_shape.size(), lead = r - x.shape().size();
    Shape xs = shape_strides(x.shape());
    Shape strides(r, 0);
    for (size_t i = lead; i < r; ++i) strides[i] = x.shape()[i - lead] == 1 ? 0 : xs[i - lead];
    copy_strided(x, 0, out_shape, strides, out, ctx.pool());
  }
};

void infer_expand(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  std::optional<ir::Dims> target = tinfer::shape_input_dims(ctx, 1);
  if (!in || !target) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  ctx.set_output(0, dt, infer::broadcast(ctx, *in, *target));
}

// ---- Tile -----------------------------------------------------------------------

Tensor tile(const Tensor& x, const std::vector<int64_t>& repeats, Allocator* alloc, ThreadPool* pool) {
  const int rank = x.rank();
  if (static_cast<int>(repeats.size()) != rank)
    fail(ErrorCode::kInvalidArgument, "repeats ", shape_str(repeats), " has ", repeats.size(),
         " entries for an input of rank ", rank);
  Shape out_shape(static_cast<size_t>(rank)), dims, strides;
  Shape xs = shape_strides(x.shape());
  for (int i = 0; i < rank; ++i) {
    const size_t iu = static_cast<size_t>(i);
    int64_t r = repeats[iu], d = x.shape()[iu];
    if (r < 0) fail(ErrorCode::kInvalidArgument, "repeats ", shape_str(repeats), " has a negative entry");
    if (d != 0 && r > (int64_t{1} << 62) / d)
      fail(ErrorCode::kInvalidArgument, "repeats ", shape_str(repeats), " make axis ", i, " too large");
    out_shape[iu] = d * r;
    dims.push_back(r);
    strides.push_back(0);
    dims.push_back(d);
    strides.push_back(xs[iu]);
  }
  if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "Tile of packed ", dtype_name(x.dtype()));
  Tensor out(x.dtype(), out_shape, alloc);
  copy_strided(x, 0, dims, strides, out, pool);
  return out;
}

class Tile final : public Kernel {
 public:
  explicit Tile(const KernelInit& init) : legacy_(init.opset() < 6) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> repeats;
    if (legacy_) {
      // Tile-1: `tiles` copies along the scalar `axis`.
      if (ctx.input(1).numel() != 1 || ctx.input(2).numel() != 1)
        fail(ErrorCode::kInvalidArgument, "tiles and axis must be scalars");
      int64_t tiles = static_cast<int64_t>(ctx.input(1).real_at(0));
      int axis = normalize_axis(static_cast<int64_t>(ctx.input(2).real_at(0)), x.rank());
      repeats.assign(static_cast<size_t>(x.rank()), 1);
      repeats[static_cast<size_t>(axis)] = tiles;
    } else {
      repeats = shape_arg(ctx.input(1), "repeats");
    }
    ctx.set_output(0, tile(x, repeats, ctx.allocator(), ctx.pool()));
  }

 private:
  bool legacy_;
};

void infer_tile(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  if (ctx.opset() < 6) {
    ctx.set_output(0, dt, ir::Dims(in->size()));
    return;
  }
  std::optional<ir::Dims> rep = tinfer::shape_input_dims(ctx, 1);
  if (!rep) {
    ctx.set_output(0, dt, ir::Dims(in->size()));
    return;
  }
  if (rep->size() != in->size())
    ctx.fail("repeats has ", rep->size(), " entries for an input of rank ", in->size());
  ir::Dims out(in->size());
  for (size_t i = 0; i < in->size(); ++i) {
    const ir::Dim& d = (*in)[i];
    const ir::Dim& r = (*rep)[i];
    if (d.known() && r.known()) {
      if (d.value == 0 || r.value <= (int64_t{1} << 62) / d.value) out[i] = ir::Dim(d.value * r.value);
    }
    else if (r.known() && r.value == 1) out[i] = d;
    else if (d.known() && d.value == 1) out[i] = r;
    else if ((r.known() && r.value == 0) || (d.known() && d.value == 0)) out[i] = ir::Dim(0);
  }
  ctx.set_output(0, dt, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "Expand", .since = 8, .infer = infer_expand, .create = create<Expand>});
ONYX_KERNEL({.op = "Tile", .since = 1, .infer = infer_tile, .create = create<Tile>});

}  // namespace onyx
