// AffineGrid (opset 20): the sampling grid of an affine transform, for
// GridSample. theta [N, 2, 3] with size (N, C, H, W) gives [N, H, W, 2];
// theta [N, 3, 4] with size (N, C, D, H, W) gives [N, D, H, W, 3]. Each
// point is theta * (x, y[, z], 1) where x runs over W, y over H, z over D,
// spaced over [-1, 1] at pixel centres (align_corners = 0) or corners (1).
#include "kernels/common/image_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// Normalised coordinate of pixel i of an axis of length n.
double base_coord(int64_t i, int64_t n, bool align_corners) {
  if (align_corners) return n == 1 ? -1.0 : -1.0 + 2.0 * static_cast<double>(i) / static_cast<double>(n - 1);
  return -1.0 + (2.0 * static_cast<double>(i) + 1.0) / static_cast<double>(n);
}

class AffineGrid final : public Kernel {
 public:
  explicit AffineGrid(const KernelInit& init) : align_corners_(init.node.attr_int("align_corners", 0) != 0) {}

  void run(KernelContext& ctx) const override {
    const Tensor& theta = ctx.input(0);
    const Tensor& size_t_ = ctx.input(1);
    if (size_t_.dtype() != DataType::kInt64)
      fail(ErrorCode::kInvalidArgument, "size must be int64, got ", dtype_name(size_t_.dtype()));
    if (size_t_.rank() != 1 || (size_t_.numel() != 4 && size_t_.numel() != 5))
      fail(ErrorCode::kInvalidArgument, "size must be [N, C, H, W] or [N, C, D, H, W], got ", size_t_.describe());
    const std::vector<int64_t> size = size_t_.to_int64_vector();
    const int r = static_cast<int>(size.size()) - 2;  // spatial axes: 2 or 3
    for (size_t i = 0; i < size.size(); ++i)
      if (size[i] < 0) fail(ErrorCode::kInvalidArgument, "size[", i, "] = ", size[i], " is negative");
    const Shape want{size[0], r, r + 1};
    if (theta.shape() != want)
      fail(ErrorCode::kInvalidArgument, "theta has shape ", shape_str(theta.shape()), "; expected ", shape_str(want),
           " for size ", shape_str(size));
    Shape out{size[0]};
    for (int i = 0; i < r; ++i) out.push_back(size[static_cast<size_t>(2 + i)]);
    out.push_back(r);
    Tensor& grid = ctx.output(0, out, theta.dtype());
    if (grid.numel() == 0) return;
    const int64_t D = r == 3 ? size[2] : 1, H = size[static_cast<size_t>(r)], W = size[static_cast<size_t>(r + 1)];
    dispatch_float(theta.dtype(), [&]<typename T>() {
      const T* th = theta.data<T>();
      T* g = grid.data<T>();
      const int64_t points = D * H * W;
      parallel_for(ctx.pool(), size[0] * points, 4096, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          const int64_t n = p / points, q = p % points;
          const int64_t w = q % W, h = (q / W) % H, d = q / (W * H);
          // Homogeneous base point (x, y[, z], 1).
          const double base[4] = {base_coord(w, W, align_corners_), base_coord(h, H, align_corners_),
                                  r == 3 ? base_coord(d, D, align_corners_) : 1.0, 1.0};
          for (int k = 0; k < r; ++k) {
            const T* row = th + (n * r + k) * (r + 1);
            double acc = 0;
            for (int j = 0; j < r; ++j) acc += load_real(row, j) * base[j];
            acc += load_real(row, r);
            g[p * r + k] = store_real<T>(acc);
          }
        }
      });
    });
  }

 private:
  bool align_corners_;
};

void infer_affine_grid(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  if (auto size = tinfer::input_ints(ctx, 1); size && (size->size() == 4 || size->size() == 5)) {
    const int r = static_cast<int>(size->size()) - 2;
    ir::Dims out{infer::dim_of((*size)[0])};
    for (int i = 0; i < r; ++i) out.push_back(infer::dim_of((*size)[static_cast<size_t>(2 + i)]));
    out.push_back(ir::Dim(r));
    ctx.set_output(0, dt, out);
    return;
  }
  if (const ir::Dims* s = ctx.input_dims(1); s && s->size() == 1 && (*s)[0].known() &&
                                             ((*s)[0].value == 4 || (*s)[0].value == 5)) {
    const int r = static_cast<int>((*s)[0].value) - 2;
    ir::Dims out(static_cast<size_t>(r + 2));
    out.back() = ir::Dim(r);
    if (const ir::Dims* th = ctx.input_dims(0); th && !th->empty()) out[0] = (*th)[0];
    ctx.set_output(0, dt, out);
    return;
  }
  ctx.set_output_unranked(0, dt);
}

}  // namespace

ONYX_KERNEL({.op = "AffineGrid", .since = 20, .types = kFloatTypes, .infer = infer_affine_grid, .create = create<AffineGrid>});

}  // namespace onyx
