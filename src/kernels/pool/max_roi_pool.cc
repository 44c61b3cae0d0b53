// MaxRoiPool (opsets 1, 22): max pooling of each region of interest into a
// fixed pooled_shape grid (Fast R-CNN's RoI pooling).
//
//   X [N, C, H, W], rois [R, 5] = (batch_index, x1, y1, x2, y2) -> Y [R, C, ph, pw]
//
// As in Caffe and ONNX Runtime: corners are scaled by spatial_scale and
// rounded (half away from zero); the region is (y2 - y1 + 1) x (x2 - x1 + 1)
// pixels, at least 1x1; bin (i, j) covers rows floor(i * h / ph) ..
// ceil((i + 1) * h / ph) of it, clipped to the image. An empty bin gives 0.
// The batch index is untrusted: it must name an image of X.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/common/math.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class MaxRoiPool final : public Kernel {
 public:
  explicit MaxRoiPool(const KernelInit& init)
      : pooled_(init.node.attr_ints("pooled_shape")), scale_(init.node.attr_float("spatial_scale", 1.0f)) {
    if (pooled_.size() != 2 || pooled_[0] < 1 || pooled_[1] < 1)
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": pooled_shape ", shape_str(pooled_),
           " must be two positive values (height, width)");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& rois = ctx.input(1);
    if (x.rank() != 4) fail(ErrorCode::kInvalidArgument, "X ", shape_str(x.shape()), " must be 4-D [N, C, H, W]");
    if (rois.rank() != 2 || rois.dim(1) != 5)
      fail(ErrorCode::kInvalidArgument, "rois ", shape_str(rois.shape()), " must be [num_rois, 5]");
    if (rois.dtype() != x.dtype())
      fail(ErrorCode::kInvalidArgument, "rois must have X's element type ", dtype_name(x.dtype()));
    const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3), R = rois.dim(0);
    const int64_t PH = pooled_[0], PW = pooled_[1];
    Tensor& y = ctx.output(0, {R, C, PH, PW}, x.dtype());
    dispatch_float(x.dtype(), [&]<typename T>() {
      using Cp = compute_t<T>;
      const T* rp = rois.data<T>();
      for (int64_t r = 0; r < R; ++r) {
        const double bi = static_cast<double>(static_cast<Cp>(rp[r * 5]));
        if (!(bi >= 0 && bi < static_cast<double>(N)))
          fail(ErrorCode::kInvalidArgument, "roi ", r, " has batch index ", bi, " outside [0, ", N, ")");
      }
      parallel_for(ctx.pool(), R * C, 16, [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
          const int64_t r = t / C, c = t % C;
          const T* roi = rp + r * 5;
          auto corner = [&](int i) {
            const double v = std::round(static_cast<double>(static_cast<Cp>(roi[i])) * scale_);
            return static_cast<int64_t>(std::clamp(v, -1e15, 1e15));
          };
          const int64_t n = static_cast<int64_t>(static_cast<double>(static_cast<Cp>(roi[0])));
          const int64_t x1 = corner(1), y1 = corner(2), x2 = corner(3), y2 = corner(4);
          const int64_t rh = std::max<int64_t>(y2 - y1 + 1, 1), rw = std::max<int64_t>(x2 - x1 + 1, 1);
          const double bh = static_cast<double>(rh) / static_cast<double>(PH);
          const double bw = static_cast<double>(rw) / static_cast<double>(PW);
          const T* plane = x.data<T>() + (n * C + c) * H * W;
          T* out = y.data<T>() + t * PH * PW;
          for (int64_t ph = 0; ph < PH; ++ph) {
            int64_t hs = static_cast<int64_t>(std::floor(static_cast<double>(ph) * bh)) + y1;
            int64_t he = static_cast<int64_t>(std::ceil(static_cast<double>(ph + 1) * bh)) + y1;
            hs = std::min(std::max<int64_t>(hs, 0), H);
            he = std::min(std::max<int64_t>(he, 0), H);
            for (int64_t pw = 0; pw < PW; ++pw) {
              int64_t ws = static_cast<int64_t>(std::floor(static_cast<double>(pw) * bw)) + x1;
              int64_t we = static_cast<int64_t>(std::ceil(static_cast<double>(pw + 1) * bw)) + x1;
              ws = std::min(std::max<int64_t>(ws, 0), W);
              we = std::min(std::max<int64_t>(we, 0), W);
              Cp best = std::numeric_limits<Cp>::lowest();
              bool any = false;
              for (int64_t h = hs; h < he; ++h)
                for (int64_t w = ws; w < we; ++w) {
                  const Cp v = static_cast<Cp>(plane[h * W + w]);
                  if (!any || v > best) best = v;
                  any = true;
                }
              out[ph * PW + pw] = store_as<T>(any ? best : Cp(0));
            }
          }
        }
      });
    });
  }

 private:
  std::vector<int64_t> pooled_;
  float scale_;
};

void infer_max_roi_pool(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  const std::vector<int64_t> pooled = ctx.node().attr_ints("pooled_shape");
  if (pooled.size() != 2) ctx.fail("pooled_shape ", shape_str(pooled), " must be two values (height, width)");
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* rois = ctx.input_dims(1);
  if (x && x->size() != 4) ctx.fail("X ", shape_str(*x), " must be 4-D [N, C, H, W]");
  if (rois && rois->size() != 2) ctx.fail("rois ", shape_str(*rois), " must be [num_rois, 5]");
  ctx.set_output(0, t, {rois ? (*rois)[0] : ir::Dim(), x ? (*x)[1] : ir::Dim(), pooled[0], pooled[1]});
}

}  // namespace

ONYX_KERNEL({.op = "MaxRoiPool", .since = 1, .types = kFloatTypes, .infer = infer_max_roi_pool,
             .create = create<MaxRoiPool>});

}  // namespace onyx
