// RoiAlign (opsets 10, 16, 22): average or max of bilinear samples over a
// regular grid of each output bin of each region of interest.
//
// rois are [num_rois, 4] boxes (x1, y1, x2, y2) in input-image coordinates,
// scaled by spatial_scale; batch_indices picks the image of each box.
// coordinate_transformation_mode (opset 16+, default half_pixel) shifts the
// box by -0.5 pixel; output_half_pixel (the only behaviour of opset 10) does
// not, and stretches degenerate boxes to at least 1 x 1. Samples more than a
// pixel outside the image count as 0. mode=max takes, per sample, the largest
// of its four weighted corner values (as the ONNX reference and ONNX Runtime
// do) and the largest over the bin's samples.
//
// Boxes are untrusted: non-finite coordinates and bins needing more than
// 2^24 samples are refused instead of looping for ever.
#include <algorithm>

#include "kernels/common/image_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// One sample position along an axis: the two neighbouring pixels and their
// weights (both 0 for samples outside the image).
struct Sample {
  int64_t lo, hi;
  double w_lo, w_hi;
};

Sample sample_at(double v, int64_t len) {
  if (v < -1.0 || v > static_cast<double>(len)) return {0, 0, 0, 0};
  v = std::max(v, 0.0);
  int64_t lo = static_cast<int64_t>(v), hi;
  if (lo >= len - 1) {
    hi = lo = len - 1;
    v = static_cast<double>(lo);
  } else {
    hi = lo + 1;
  }
  const double l = v - static_cast<double>(lo);
  return {lo, hi, 1 - l, l};
}

class RoiAlign final : public Kernel {
 public:
  explicit RoiAlign(const KernelInit& init)
      : out_h_(init.node.attr_int("output_height", 1)),
        out_w_(init.node.attr_int("output_width", 1)),
        sampling_ratio_(init.node.attr_int("sampling_ratio", 0)),
        spatial_scale_(init.node.attr_float("spatial_scale", 1.0f)) {
    const std::string mode = init.node.attr_string("mode", "avg");
    if (mode != "avg" && mode != "max") fail(ErrorCode::kInvalidArgument, "mode must be avg or max, got '", mode, "'");
    max_ = mode == "max";
    const std::string ctm =
        init.opset() >= 16 ? init.node.attr_string("coordinate_transformation_mode", "half_pixel") : "output_half_pixel";
    if (ctm != "half_pixel" && ctm != "output_half_pixel")
      fail(ErrorCode::kInvalidArgument, "coordinate_transformation_mode must be half_pixel or output_half_pixel, got '",
           ctm, "'");
    half_pixel_ = ctm == "half_pixel";
    if (out_h_ <= 0 || out_w_ <= 0)
      fail(ErrorCode::kInvalidArgument, "output_height and output_width must be positive, got ", out_h_, " and ", out_w_);
    if (sampling_ratio_ < 0) fail(ErrorCode::kInvalidArgument, "sampling_ratio must be >= 0, got ", sampling_ratio_);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& rois = ctx.input(1);
    const Tensor& bi = ctx.input(2);
    if (x.rank() != 4) fail(ErrorCode::kInvalidArgument, "X must be 4-D [N, C, H, W], got ", x.describe());
    if (rois.rank() != 2 || rois.dim(1) != 4)
      fail(ErrorCode::kInvalidArgument, "rois must be [num_rois, 4], got ", rois.describe());
    if (rois.dtype() != x.dtype())
      fail(ErrorCode::kInvalidArgument, "rois has element type ", dtype_name(rois.dtype()), " but X has ",
           dtype_name(x.dtype()));
    const int64_t R = rois.dim(0);
    if (bi.shape() != Shape{R})
      fail(ErrorCode::kInvalidArgument, "batch_indices has shape ", shape_str(bi.shape()), "; expected [num_rois] = [", R,
           "]");
    if (!dtype_is_integer(bi.dtype()))
      fail(ErrorCode::kInvalidArgument, "batch_indices must be int64, got ", dtype_name(bi.dtype()));
    const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
    std::vector<int64_t> batch(static_cast<size_t>(R));
    for (int64_t r = 0; r < R; ++r) {
      batch[static_cast<size_t>(r)] = bi.int_at(r);
      if (batch[static_cast<size_t>(r)] < 0 || batch[static_cast<size_t>(r)] >= N)
        fail(ErrorCode::kInvalidArgument, "batch_indices[", r, "] = ", batch[static_cast<size_t>(r)],
             " is out of range for a batch of ", N);
    }
    Tensor& y = ctx.output(0, {R, C, out_h_, out_w_}, x.dtype());
    if (y.numel() == 0) return;
    if (H == 0 || W == 0) fail(ErrorCode::kInvalidArgument, "X has an empty spatial dim: ", x.describe());
    dispatch_float(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      const T* box = rois.data<T>();
      T* dst = y.data<T>();
      for (int64_t r = 0; r < R; ++r) {
        Geometry g = geometry(box + r * 4, r, H, W);
        const int64_t plane = H * W;
        const T* img = src + batch[static_cast<size_t>(r)] * C * plane;
        T* out = dst + r * C * out_h_ * out_w_;
        parallel_for(ctx.pool(), C, std::max<int64_t>(1, 64 / (out_h_ * out_w_)), [&](int64_t c0, int64_t c1) {
          for (int64_t c = c0; c < c1; ++c) {
            const T* p = img + c * plane;
            for (int64_t ph = 0; ph < out_h_; ++ph)
              for (int64_t pw = 0; pw < out_w_; ++pw) {
                double acc = 0;
                bool first = true;
                for (int64_t iy = 0; iy < g.grid_h; ++iy) {
                  const Sample& sy = g.ys[static_cast<size_t>(ph * g.grid_h + iy)];
                  for (int64_t ix = 0; ix < g.grid_w; ++ix) {
                    const Sample& sx = g.xs[static_cast<size_t>(pw * g.grid_w + ix)];
                    const double v1 = sy.w_lo * sx.w_lo * load_real(p, sy.lo * W + sx.lo);
                    const double v2 = sy.w_lo * sx.w_hi * load_real(p, sy.lo * W + sx.hi);
                    const double v3 = sy.w_hi * sx.w_lo * load_real(p, sy.hi * W + sx.lo);
                    const double v4 = sy.w_hi * sx.w_hi * load_real(p, sy.hi * W + sx.hi);
                    if (max_) {
                      const double v = std::max(std::max(v1, v2), std::max(v3, v4));
                      acc = first ? v : std::max(acc, v);
                      first = false;
                    } else {
                      acc += v1 + v2 + v3 + v4;
                    }
                  }
                }
                if (!max_) acc /= static_cast<double>(std::max<int64_t>(g.grid_h * g.grid_w, 1));
                out[(c * out_h_ + ph) * out_w_ + pw] = store_real<T>(acc);
              }
          }
        });
      }
    });
  }

 private:
  struct Geometry {
    int64_t grid_h = 0, grid_w = 0;
    std::vector<Sample> ys, xs;  // [out_h * grid_h], [out_w * grid_w]
  };

  template <typename T>
  Geometry geometry(const T* box, int64_t r, int64_t H, int64_t W) const {
    const double off = half_pixel_ ? 0.5 : 0.0;
    double c[4];
    for (int i = 0; i < 4; ++i) {
      c[i] = load_real(box, i);
      if (!std::isfinite(c[i])) fail(ErrorCode::kInvalidArgument, "rois[", r, "] has a non-finite coordinate ", c[i]);
      c[i] = c[i] * spatial_scale_ - off;
    }
    double roi_w = c[2] - c[0], roi_h = c[3] - c[1];
    if (!half_pixel_) {
      roi_w = std::max(roi_w, 1.0);
      roi_h = std::max(roi_h, 1.0);
    }
    const double bin_h = roi_h / static_cast<double>(out_h_), bin_w = roi_w / static_cast<double>(out_w_);
    Geometry g;
    const double gh = sampling_ratio_ > 0 ? static_cast<double>(sampling_ratio_) : std::ceil(bin_h);
    const double gw = sampling_ratio_ > 0 ? static_cast<double>(sampling_ratio_) : std::ceil(bin_w);
    if (!std::isfinite(gh) || !std::isfinite(gw) || std::max(gh, 0.0) * std::max(gw, 0.0) > double(1 << 24))
      fail(ErrorCode::kInvalidArgument, "rois[", r, "] needs ", gh, " x ", gw,
           " samples per bin (more than 2^24); the box is too large for the image");
    g.grid_h = std::max<int64_t>(0, static_cast<int64_t>(gh));
    g.grid_w = std::max<int64_t>(0, static_cast<int64_t>(gw));
    g.ys.resize(static_cast<size_t>(out_h_ * g.grid_h));
    g.xs.resize(static_cast<size_t>(out_w_ * g.grid_w));
    for (int64_t ph = 0; ph < out_h_; ++ph)
      for (int64_t iy = 0; iy < g.grid_h; ++iy)
        g.ys[static_cast<size_t>(ph * g.grid_h + iy)] =
            sample_at(c[1] + static_cast<double>(ph) * bin_h + (static_cast<double>(iy) + 0.5) * bin_h / gh, H);
    for (int64_t pw = 0; pw < out_w_; ++pw)
      for (int64_t ix = 0; ix < g.grid_w; ++ix)
        g.xs[static_cast<size_t>(pw * g.grid_w + ix)] =
            sample_at(c[0] + static_cast<double>(pw) * bin_w + (static_cast<double>(ix) + 0.5) * bin_w / gw, W);
    return g;
  }

  int64_t out_h_, out_w_, sampling_ratio_;
  float spatial_scale_;
  bool max_ = false;
  bool half_pixel_ = true;
};

void infer_roi_align(InferContext& ctx) {
  const ir::Node& node = ctx.node();
  ir::Dim rois, channels;
  if (const ir::Dims* r = ctx.input_dims(1); r && r->size() == 2) rois = (*r)[0];
  else if (const ir::Dims* b = ctx.input_dims(2); b && b->size() == 1) rois = (*b)[0];
  if (const ir::Dims* x = ctx.input_dims(0)) {
    if (x->size() != 4) ctx.fail("X must be 4-D [N, C, H, W], got rank ", x->size());
    channels = (*x)[1];
  }
  ctx.set_output(0, ctx.input_dtype(0),
                 {rois, channels, infer::dim_of(node.attr_int("output_height", 1)),
                  infer::dim_of(node.attr_int("output_width", 1))});
}

}  // namespace

ONYX_KERNEL({.op = "RoiAlign", .since = 10, .types = kFloatTypes, .infer = infer_roi_align, .create = create<RoiAlign>});

}  // namespace onyx
