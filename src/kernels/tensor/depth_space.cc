// DepthToSpace and SpaceToDepth: a 6-D reshape + transpose of NCHW data,
// done as one strided copy.
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

int64_t checked_blocksize(const ir::Node& node) {
  int64_t b = node.required_attr("blocksize", ir::AttrType::kInt).i;
  if (b <= 0 || b > (int64_t{1} << 20))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": blocksize must be in [1, 2^20], got ", b);
  return b;
}

// Copies x viewed as `view` (a 6-D reshape), axes permuted by `perm`, into a
// tensor of shape `out_shape`.
Tensor permuted_copy(const Tensor& x, const Shape& view, const std::array<int, 6>& perm, Shape out_shape,
                     Allocator* alloc, ThreadPool* pool) {
  Shape vs = shape_strides(view);
  Shape dims(6), strides(6);
  for (size_t i = 0; i < 6; ++i) {
    dims[i] = view[static_cast<size_t>(perm[i])];
    strides[i] = vs[static_cast<size_t>(perm[i])];
  }
  if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "packed ", dtype_name(x.dtype()));
  Tensor out(x.dtype(), std::move(out_shape), alloc);
  copy_strided(x, 0, dims, strides, out, pool);
  return out;
}

class DepthToSpace final : public Kernel {
 public:
  explicit DepthToSpace(const KernelInit& init) : b_(checked_blocksize(init.node)) {
    std::string mode = init.node.attr_string("mode", "DCR");
    if (mode != "DCR" && mode != "CRD")
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": mode must be DCR or CRD, got '", mode, "'");
    crd_ = mode == "CRD";
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 4) fail(ErrorCode::kInvalidArgument, "input must be 4-D (NCHW), got ", x.describe());
    const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
    if (c % (b_ * b_) != 0)
      fail(ErrorCode::kInvalidArgument, "channels ", c, " are not divisible by blocksize^2 = ", b_ * b_);
    const int64_t oc = c / (b_ * b_);
    if (h > (int64_t{1} << 62) / b_ || w > (int64_t{1} << 62) / b_)
      fail(ErrorCode::kInvalidArgument, "input ", x.describe(), " is too large to scale by blocksize ", b_);
    Shape out_shape{n, oc, h * b_, w * b_};
    Tensor out = crd_ ? permuted_copy(x, {n, oc, b_, b_, h, w}, {0, 1, 4, 2, 5, 3}, out_shape, ctx.allocator(), ctx.pool())
                      : permuted_copy(x, {n, b_, b_, oc, h, w}, {0, 3, 4, 1, 5, 2}, out_shape, ctx.allocator(), ctx.pool());
    ctx.set_output(0, std::move(out));
  }

 private:
  int64_t b_;
  bool crd_ = false;
};

class SpaceToDepth final : public Kernel {
 public:
  explicit SpaceToDepth(const KernelInit& init) : b_(checked_blocksize(init.node)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 4) fail(ErrorCode::kInvalidArgument, "input must be 4-D (NCHW), got ", x.describe());
    const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
    if (h % b_ != 0 || w % b_ != 0)
      fail(ErrorCode::kInvalidArgument, "height ", h, " and width ", w, " must be divisible by blocksize ", b_);
    if (c > (int64_t{1} << 62) / (b_ * b_))  // c * b^2 must not overflow
      fail(ErrorCode::kInvalidArgument, "input ", x.describe(), " is too large to scale by blocksize ", b_);
    Shape out_shape{n, c * b_ * b_, h / b_, w / b_};
    ctx.set_output(0, permuted_copy(x, {n, c, h / b_, b_, w / b_, b_}, {0, 3, 5, 1, 2, 4}, out_shape, ctx.allocator(),
                                    ctx.pool()));
  }

 private:
  int64_t b_;
};

ir::Dim scaled(const ir::Dim& d, int64_t mul, int64_t div) {
  if (!d.known()) return ir::Dim();
  if (d.value % div != 0 || d.value / div > (int64_t{1} << 62) / mul) return ir::Dim();
  return ir::Dim(d.value / div * mul);
}

void infer_depth_to_space(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  int64_t b = ctx.node().attr_int("blocksize", 0);
  if (b <= 0 || b > (int64_t{1} << 20)) ctx.fail("blocksize must be in [1, 2^20], got ", b);
  if (!in) {
    ctx.set_output(0, dt, ir::Dims(4));
    return;
  }
  if (in->size() != 4) ctx.fail("input must be 4-D (NCHW), got rank ", in->size());
  const ir::Dims& d = *in;
  if (d[1].known() && d[1].value % (b * b) != 0) ctx.fail("channels ", d[1].value, " are not divisible by ", b * b);
  ctx.set_output(0, dt, {d[0], scaled(d[1], 1, b * b), scaled(d[2], b, 1), scaled(d[3], b, 1)});
}

void infer_space_to_depth(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  int64_t b = ctx.node().attr_int("blocksize", 0);
  if (b <= 0 || b > (int64_t{1} << 20)) ctx.fail("blocksize must be in [1, 2^20], got ", b);
  if (!in) {
    ctx.set_output(0, dt, ir::Dims(4));
    return;
  }
  if (in->size() != 4) ctx.fail("input must be 4-D (NCHW), got rank ", in->size());
  const ir::Dims& d = *in;
  ctx.set_output(0, dt, {d[0], scaled(d[1], b * b, 1), scaled(d[2], 1, b), scaled(d[3], 1, b)});
}

}  // namespace

ONYX_KERNEL({.op = "DepthToSpace", .since = 1, .infer = infer_depth_to_space, .create = create<DepthToSpace>});
ONYX_KERNEL({.op = "SpaceToDepth", .since = 1, .infer = infer_space_to_depth, .create = create<SpaceToDepth>});

}  // namespace onyx
