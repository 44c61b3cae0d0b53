// Resize (opsets 10, 11, 13, 18, 19) and the deprecated Upsample (1, 7, 9).
//
// Every axis is resampled independently: for each output position along an
// axis a small table lists the input positions it reads and their weights
// (one tap for nearest, 2k taps for linear/cubic where k grows as 1/scale with
// antialias). Linear and cubic modes apply the tables one axis at a time in
// double precision (innermost axis first, as the ONNX reference nests its 1-D
// interpolations) and round once at the end; nearest mode is a gather and
// works for every element type.
//
// The coordinate mapping follows the ONNX reference implementation that
// produced the conformance data: "length_resized" is scale * length_original
// (not the rounded output size) when scales are given, which is what makes
// align_corners differ from ONNX Runtime when downsampling. Linear and cubic
// taps read edge-replicated input outside the tensor unless exclude_outside
// drops them; tf_crop_and_resize gives extrapolation_value wherever any
// axis maps outside [0, length_original - 1].
//
// Opsets before 11 (Resize-10, Upsample) have no coordinate attributes: they
// use asymmetric coordinates, and nearest picks floor(x) when upsampling and
// ceil(x) when downsampling, as ONNX Runtime does.
#include <algorithm>
#include <cstring>

#include "kernels/common/image_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Coord {
  kHalfPixel, kHalfPixelSymmetric, kPytorchHalfPixel, kAlignCorners, kAsymmetric, kTfHalfPixelForNN,
  kTfCropAndResize,
};
enum class Nearest { kLegacy, kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };
enum class Aspect { kStretch, kNotLarger, kNotSmaller };

struct Config {
  bool upsample = false;
  Mode mode = Mode::kNearest;
  Coord coord = Coord::kAsymmetric;
  Nearest nearest = Nearest::kLegacy;
  double cubic_a = -0.75;
  bool exclude_outside = false;
  double extrapolation = 0;
  bool antialias = false;
  Aspect aspect = Aspect::kStretch;
  std::vector<int64_t> axes;           // as given (opset >= 18); empty: all axes
  std::vector<double> attr_scales;     // Upsample before opset 9
  int roi_input = -1, scales_input = -1, sizes_input = -1;
};

Config parse_config(const ir::Node& node, bool upsample) {
  Config c;
  c.upsample = upsample;
  const int opset = node.opset;
  const std::string mode = node.attr_string("mode", "nearest");
  if (mode == "nearest") c.mode = Mode::kNearest;
  else if (mode == "linear" || mode == "bilinear" || mode == "trilinear") c.mode = Mode::kLinear;
  else if (mode == "cubic" && !upsample && opset >= 11) c.mode = Mode::kCubic;
  else fail(ErrorCode::kInvalidArgument, "mode must be nearest, linear", (!upsample && opset >= 11) ? " or cubic" : "",
            ", got '", mode, "'");
  if (upsample) {
    if (opset < 7) {
      const float h = node.required_attr("height_scale", ir::AttrType::kFloat).f;
      const float w = node.required_attr("width_scale", ir::AttrType::kFloat).f;
      c.attr_scales = {1.0, 1.0, h, w};
    } else if (opset < 9) {
      for (float s : node.required_attr("scales", ir::AttrType::kFloats).floats) c.attr_scales.push_back(s);
    } else {
      c.scales_input = 1;
    }
    return c;
  }
  if (opset < 11) {
    c.scales_input = 1;
    return c;
  }
  c.roi_input = 1;
  c.scales_input = 2;
  c.sizes_input = 3;
  const std::string coord = node.attr_string("coordinate_transformation_mode", "half_pixel");
  if (coord == "half_pixel") c.coord = Coord::kHalfPixel;
  else if (coord == "half_pixel_symmetric") c.coord = Coord::kHalfPixelSymmetric;
  else if (coord == "pytorch_half_pixel") c.coord = Coord::kPytorchHalfPixel;
  else if (coord == "align_corners") c.coord = Coord::kAlignCorners;
  else if (coord == "asymmetric") c.coord = Coord::kAsymmetric;
  else if (coord == "tf_half_pixel_for_nn") c.coord = Coord::kTfHalfPixelForNN;
  else if (coord == "tf_crop_and_resize") c.coord = Coord::kTfCropAndResize;
  else
    fail(ErrorCode::kInvalidArgument, "unknown coordinate_transformation_mode '", coord,
         "' (expected half_pixel, half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric, "
         "tf_half_pixel_for_nn or tf_crop_and_resize)");
  const std::string nearest = node.attr_string("nearest_mode", "round_prefer_floor");
  if (nearest == "round_prefer_floor") c.nearest = Nearest::kRoundPreferFloor;
  else if (nearest == "round_prefer_ceil") c.nearest = Nearest::kRoundPreferCeil;
  else if (nearest == "floor") c.nearest = Nearest::kFloor;
  else if (nearest == "ceil") c.nearest = Nearest::kCeil;
  else
    fail(ErrorCode::kInvalidArgument, "unknown nearest_mode '", nearest,
         "' (expected round_prefer_floor, round_prefer_ceil, floor or ceil)");
  c.cubic_a = node.attr_float("cubic_coeff_a", -0.75f);
  c.exclude_outside = node.attr_int("exclude_outside", 0) != 0;
  c.extrapolation = node.attr_float("extrapolation_value", 0.0f);
  if (opset >= 18) {
    c.antialias = node.attr_int("antialias", 0) != 0;
    c.axes = node.attr_ints("axes");
    const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") c.aspect = Aspect::kStretch;
    else if (policy == "not_larger") c.aspect = Aspect::kNotLarger;
    else if (policy == "not_smaller") c.aspect = Aspect::kNotSmaller;
    else
      fail(ErrorCode::kInvalidArgument, "unknown keep_aspect_ratio_policy '", policy,
           "' (expected stretch, not_larger or not_smaller)");
  }
  return c;
}

// The resolved geometry of one call, per axis of X.
struct Geometry {
  Shape out;
  std::vector<double> scale;     // the scale the coordinate mapping divides by
  std::vector<double> resized;   // "length_resized" of the coordinate formulas
  std::vector<double> roi_start, roi_end;
};

const Tensor* non_empty(const Tensor* t) { return t && t->numel() > 0 ? t : nullptr; }

Geometry resolve(const Config& c, const KernelContext& ctx, const Shape& in) {
  const int rank = static_cast<int>(in.size());
  Geometry g;
  g.out = in;
  g.scale.assign(static_cast<size_t>(rank), 1.0);
  g.resized.assign(static_cast<size_t>(rank), 0.0);
  for (int d = 0; d < rank; ++d) g.resized[static_cast<size_t>(d)] = static_cast<double>(in[static_cast<size_t>(d)]);
  g.roi_start.assign(static_cast<size_t>(rank), 0.0);
  g.roi_end.assign(static_cast<size_t>(rank), 1.0);

  std::vector<int> axes;
  if (c.axes.empty()) {
    for (int d = 0; d < rank; ++d) axes.push_back(d);
  } else {
    axes = normalize_axes(c.axes, rank, "axes");
  }
  const size_t na = axes.size();

  std::vector<double> scales;
  std::vector<int64_t> sizes;
  if (!c.attr_scales.empty()) {
    scales = c.attr_scales;
  } else {
    const Tensor* st = c.scales_input >= 0 ? non_empty(ctx.optional_input(c.scales_input)) : nullptr;
    const Tensor* zt = c.sizes_input >= 0 ? non_empty(ctx.optional_input(c.sizes_input)) : nullptr;
    if (st && zt) fail(ErrorCode::kInvalidArgument, "only one of scales and sizes may be given, got both");
    if (!st && !zt)
      fail(ErrorCode::kInvalidArgument, c.sizes_input >= 0 ? "one of scales and sizes must be given"
                                                           : "scales must be given");
    if (st) {
      if (!dtype_is_float(st->dtype()))
        fail(ErrorCode::kInvalidArgument, "scales must be float, got ", dtype_name(st->dtype()));
      for (int64_t i = 0; i < st->numel(); ++i) scales.push_back(static_cast<double>(static_cast<float>(st->real_at(i))));
    } else {
      if (zt->dtype() != DataType::kInt64)
        fail(ErrorCode::kInvalidArgument, "sizes must be int64, got ", dtype_name(zt->dtype()));
      sizes = zt->to_int64_vector();
    }
  }
  if (!scales.empty()) {
    if (scales.size() != na)
      fail(ErrorCode::kInvalidArgument, "scales has ", scales.size(), " values but ", c.axes.empty() ? "X has rank " : "axes has ",
           na);
    for (size_t i = 0; i < na; ++i) {
      const double s = scales[i];
      if (!(s > 0) || !std::isfinite(s)) fail(ErrorCode::kInvalidArgument, "scales[", i, "] = ", s, " must be positive");
      if (c.upsample && s < 1)
        fail(ErrorCode::kInvalidArgument, "Upsample scales must be >= 1, got scales[", i, "] = ", s);
      const size_t d = static_cast<size_t>(axes[i]);
      const double len = s * static_cast<double>(in[d]);
      if (len >= 4.0e18) fail(ErrorCode::kInvalidArgument, "scales[", i, "] = ", s, " makes axis ", d, " too large");
      g.scale[d] = s;
      g.resized[d] = len;
      g.out[d] = static_cast<int64_t>(std::floor(len));
    }
  } else {
    if (sizes.size() != na)
      fail(ErrorCode::kInvalidArgument, "sizes has ", sizes.size(), " values but ", c.axes.empty() ? "X has rank " : "axes has ",
           na);
    for (size_t i = 0; i < na; ++i) {
      const size_t d = static_cast<size_t>(axes[i]);
      if (sizes[i] < 0) fail(ErrorCode::kInvalidArgument, "sizes[", i, "] = ", sizes[i], " is negative");
      if (in[d] == 0 && sizes[i] != 0)
        fail(ErrorCode::kInvalidArgument, "sizes[", i, "] = ", sizes[i], " but axis ", d, " of X is empty");
    }
    if (c.aspect == Aspect::kStretch) {
      for (size_t i = 0; i < na; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        g.out[d] = sizes[i];
        g.resized[d] = static_cast<double>(sizes[i]);
        g.scale[d] = in[d] == 0 ? 1.0 : static_cast<double>(sizes[i]) / static_cast<double>(in[d]);
      }
    } else {
      double s = c.aspect == Aspect::kNotLarger ? INFINITY : 0.0;
      for (size_t i = 0; i < na; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        if (in[d] == 0) continue;
        const double r = static_cast<double>(sizes[i]) / static_cast<double>(in[d]);
        s = c.aspect == Aspect::kNotLarger ? std::min(s, r) : std::max(s, r);
      }
      if (!std::isfinite(s) || s <= 0) s = 1.0;
      for (size_t i = 0; i < na; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        g.scale[d] = s;
        g.resized[d] = s * static_cast<double>(in[d]);
        g.out[d] = static_cast<int64_t>(std::floor(g.resized[d] + 0.5));
      }
    }
  }
  shape_numel(g.out);  // refuses overflowing output shapes

  if (c.coord == Coord::kTfCropAndResize) {
    if (const Tensor* roi = c.roi_input >= 0 ? non_empty(ctx.optional_input(c.roi_input)) : nullptr) {
      if (!dtype_is_float(roi->dtype()))
        fail(ErrorCode::kInvalidArgument, "roi must be float, got ", dtype_name(roi->dtype()));
      if (roi->numel() != static_cast<int64_t>(2 * na))
        fail(ErrorCode::kInvalidArgument, "roi has ", roi->numel(), " values; expected ", 2 * na, " ([starts..., ends...])");
      for (size_t i = 0; i < na; ++i) {
        const size_t d = static_cast<size_t>(axes[i]);
        g.roi_start[d] = roi->real_at(static_cast<int64_t>(i));
        g.roi_end[d] = roi->real_at(static_cast<int64_t>(na + i));
      }
    }
  }
  return g;
}

// Where one output position along an axis reads: `taps` (input index, weight)
// pairs, indices clamped into the axis.
struct AxisPlan {
  int64_t in = 0, out = 0;
  int64_t taps = 1;
  std::vector<int64_t> idx;
  std::vector<double> w;
  std::vector<uint8_t> outside;  // 1: extrapolation_value (tf_crop_and_resize)
  bool any_outside = false;
  bool identity = false;
};

double original_coordinate(const Config& c, double x, int64_t in, int64_t out, double scale, double resized,
                           double roi_s, double roi_e) {
  const double len = static_cast<double>(in);
  switch (c.coord) {
    case Coord::kHalfPixel: return (x + 0.5) / scale - 0.5;
    case Coord::kHalfPixelSymmetric: {
      // Centres the (possibly fractional) resized extent on the input.
      const double adjustment = static_cast<double>(out) / resized;
      const double offset = len / 2 * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case Coord::kPytorchHalfPixel: return resized > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case Coord::kAlignCorners: return resized == 1 ? 0.0 : x * (len - 1) / (resized - 1);
    case Coord::kAsymmetric: return x / scale;
    case Coord::kTfHalfPixelForNN: return (x + 0.5) / scale;
    case Coord::kTfCropAndResize:
      return resized > 1 ? roi_s * (len - 1) + x * (roi_e - roi_s) * (len - 1) / (resized - 1)
                         : 0.5 * (roi_s + roi_e) * (len - 1);
  }
  return x;
}

int64_t nearest_index(const Config& c, double x, double scale) {
  const double fl = std::floor(x);
  if (x == fl) return static_cast<int64_t>(fl);
  const double frac = x - fl;
  switch (c.nearest) {
    case Nearest::kLegacy: return static_cast<int64_t>(scale < 1 ? std::ceil(x) : fl);
    case Nearest::kRoundPreferFloor: return static_cast<int64_t>(frac <= 0.5 ? fl : fl + 1);
    case Nearest::kRoundPreferCeil: return static_cast<int64_t>(frac < 0.5 ? fl : fl + 1);
    case Nearest::kFloor: return static_cast<int64_t>(fl);
    case Nearest::kCeil: return static_cast<int64_t>(fl + 1);
  }
  return static_cast<int64_t>(fl);
}

int64_t clamp_index(double v, int64_t n) {
  if (!(v > 0)) return 0;  // also NaN
  if (v >= static_cast<double>(n - 1)) return n - 1;
  return static_cast<int64_t>(v);
}

AxisPlan plan_axis(const Config& c, int64_t in, int64_t out, double scale, double resized, double roi_s, double roi_e) {
  AxisPlan p;
  p.in = in;
  p.out = out;
  if (in == 0 || out == 0) return p;
  // Half-width k of the filter: 2k taps per output position.
  int64_t k = 1;
  const double filter_scale = c.antialias ? std::min(scale, 1.0) : 1.0;
  if (c.mode == Mode::kLinear) k = 1 - static_cast<int64_t>(std::floor(-1.0 / filter_scale) + 1);
  if (c.mode == Mode::kCubic) k = 1 - static_cast<int64_t>(std::floor(-2.0 / filter_scale) + 1);
  p.taps = c.mode == Mode::kNearest ? 1 : 2 * k;
  p.idx.resize(static_cast<size_t>(out * p.taps));
  p.w.resize(static_cast<size_t>(out * p.taps));
  p.outside.assign(static_cast<size_t>(out), 0);
  p.identity = in == out;
  for (int64_t j = 0; j < out; ++j) {
    double x = original_coordinate(c, static_cast<double>(j), in, out, scale, resized, roi_s, roi_e);
    if (c.coord == Coord::kTfCropAndResize && (x < 0 || x > static_cast<double>(in - 1) || std::isnan(x))) {
      p.outside[static_cast<size_t>(j)] = 1;
      p.any_outside = true;
      p.identity = false;
      x = 0;
    }
    int64_t* ix = p.idx.data() + j * p.taps;
    double* wx = p.w.data() + j * p.taps;
    if (c.mode == Mode::kNearest) {
      const double v = std::isfinite(x) ? static_cast<double>(nearest_index(c, x, scale)) : 0.0;
      ix[0] = clamp_index(v, in);
      wx[0] = 1;
      if (ix[0] != j) p.identity = false;
      continue;
    }
    // base + ratio == x with ratio in (0, 1]: an integer x reads x - 1 and x
    // with weights (0, 1), as the reference does.
    double base = std::ceil(x) - 1;
    if (!std::isfinite(base)) base = 0;
    const double ratio = x - base;
    double sum = 0;
    for (int64_t t = 0; t < p.taps; ++t) {
      const int64_t off = t + 1 - k;
      const double u = (static_cast<double>(off) - ratio) * filter_scale;
      double wt = c.mode == Mode::kLinear ? std::max(0.0, 1 - std::fabs(u)) : cubic_kernel(u, c.cubic_a);
      const double pos = base + static_cast<double>(off);
      if (c.exclude_outside && (pos < 0 || pos >= static_cast<double>(in))) wt = 0;
      ix[t] = clamp_index(pos, in);
      wx[t] = wt;
      sum += wt;
    }
    // Antialias filters (and exclude_outside) renormalise to a unit sum.
    if ((c.antialias || c.exclude_outside) && sum != 0)
      for (int64_t t = 0; t < p.taps; ++t) wx[t] /= sum;
    if (p.identity) {
      // The axis is skipped when every position reads exactly its own index.
      double on_j = 0;
      for (int64_t t = 0; t < p.taps; ++t) {
        if (ix[t] == j) on_j += wx[t];
        else if (wx[t] != 0) p.identity = false;
      }
      if (on_j != 1.0) p.identity = false;
    }
  }
  return p;
}

// Calls fn(row, multi-index of the row) for each row (all axes but the last)
// in [r0, r1).
template <typename Fn>
void for_rows(const Shape& shape, int64_t r0, int64_t r1, Fn&& fn) {
  const int outer = static_cast<int>(shape.size()) - 1;
  std::vector<int64_t> pos(static_cast<size_t>(std::max(outer, 0)), 0);
  int64_t r = r0;
  for (int d = outer - 1; d >= 0; --d) {
    pos[static_cast<size_t>(d)] = r % shape[static_cast<size_t>(d)];
    r /= shape[static_cast<size_t>(d)];
  }
  for (int64_t row = r0; row < r1; ++row) {
    fn(row, pos);
    for (int d = outer - 1; d >= 0; --d) {
      if (++pos[static_cast<size_t>(d)] < shape[static_cast<size_t>(d)]) break;
      pos[static_cast<size_t>(d)] = 0;
    }
  }
}

// One element of X's type holding extrapolation_value.
template <typename T>
T fill_value(double v) {
  if constexpr (std::is_same_v<T, bool>) return v != 0;
  else if constexpr (std::is_same_v<T, std::string>) return std::string();
  else if constexpr (std::is_same_v<T, Complex64>) return Complex64{static_cast<float>(v), 0};
  else if constexpr (std::is_same_v<T, Complex128>) return Complex128{v, 0};
  else if constexpr (std::is_same_v<T, Float8E8M0>) return T{};
  else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T> || is_small_float_v<T>) return store_real<T>(v);
  else return T(static_cast<float>(v));
}

class Resize final : public Kernel {
 public:
  Resize(const KernelInit& init, bool upsample) : c_(parse_config(init.node, upsample)) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Shape& in = x.shape();
    const int rank = x.rank();
    if (rank == 0) fail(ErrorCode::kInvalidArgument, "X must have rank >= 1, got a scalar");
    if (c_.upsample && c_.attr_scales.size() == 4 && ctx.node().opset < 7 && rank != 4)
      fail(ErrorCode::kInvalidArgument, "Upsample-1 needs a 4-D NCHW input, got ", x.describe());
    const Geometry g = resolve(c_, ctx, in);
    std::vector<AxisPlan> plans(static_cast<size_t>(rank));
    for (int d = 0; d < rank; ++d) {
      const size_t u = static_cast<size_t>(d);
      plans[u] = plan_axis(c_, in[u], g.out[u], g.scale[u], g.resized[u], g.roi_start[u], g.roi_end[u]);
    }
    Tensor& y = ctx.output(0, g.out, x.dtype());
    if (y.numel() == 0) return;
    if (c_.mode == Mode::kNearest) {
      gather(x, y, plans, ctx.pool());
      return;
    }
    if (x.dtype() == DataType::kComplex64 || x.dtype() == DataType::kComplex128) {
      // Real and imaginary parts resample independently: an identity trailing axis of 2.
      const DataType part = x.dtype() == DataType::kComplex64 ? DataType::kFloat : DataType::kDouble;
      Shape xs = in, ys = g.out;
      xs.push_back(2);
      ys.push_back(2);
      const Tensor xr = Tensor::wrap(part, xs, const_cast<void*>(x.raw()), x.owner());
      Tensor yr = Tensor::wrap(part, ys, y.raw(), nullptr);
      AxisPlan pair;
      pair.in = pair.out = 2;
      pair.identity = true;
      plans.push_back(pair);
      dispatch_float(part, [&]<typename T>() { interpolate<T>(xr, yr, plans, ctx.pool()); });
      return;
    }
    if (x.dtype() == DataType::kBool || x.dtype() == DataType::kString || !(dtype_is_float(x.dtype()) || dtype_is_integer(x.dtype())))
      fail(ErrorCode::kInvalidArgument, "linear and cubic modes need numeric input, got ", dtype_name(x.dtype()),
           " (nearest works for every type)");
    dispatch_numeric(x.dtype(), [&]<typename T>() { interpolate<T>(x, y, plans, ctx.pool()); });
  }

 private:
  // Nearest: y[j...] = x[idx_0(j_0), ..., idx_r(j_r)], or the fill value.
  void gather(const Tensor& x, Tensor& y, const std::vector<AxisPlan>& plans, ThreadPool* pool) const {
    const Shape& ys = y.shape();
    const Shape xstr = shape_strides(x.shape());
    const int rank = x.rank();
    const AxisPlan& last = plans.back();
    const int64_t inner = ys.back();
    const int64_t rows = y.numel() / inner;
    dispatch_all(x.dtype(), [&]<typename T>() {
      const T fill = fill_value<T>(c_.extrapolation);
      const T* src = x.data<T>();
      T* dst = y.data<T>();
      parallel_for(pool, rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t r0, int64_t r1) {
        for_rows(ys, r0, r1, [&](int64_t row, const std::vector<int64_t>& pos) {
          int64_t base = 0;
          bool out_row = false;
          for (int d = 0; d < rank - 1; ++d) {
            const AxisPlan& p = plans[static_cast<size_t>(d)];
            const int64_t j = pos[static_cast<size_t>(d)];
            base += p.idx[static_cast<size_t>(j)] * xstr[static_cast<size_t>(d)];
            out_row = out_row || p.outside[static_cast<size_t>(j)];
          }
          T* o = dst + row * inner;
          for (int64_t j = 0; j < inner; ++j)
            o[j] = (out_row || last.outside[static_cast<size_t>(j)]) ? fill : src[base + last.idx[static_cast<size_t>(j)]];
        });
      });
    });
  }

  // Linear / cubic: separable passes over a double buffer, last axis first.
  template <typename T>
  void interpolate(const Tensor& x, Tensor& y, const std::vector<AxisPlan>& plans, ThreadPool* pool) const {
    const int rank = static_cast<int>(plans.size());
    Shape shape = x.shape();
    std::vector<double> cur(static_cast<size_t>(x.numel()));
    {
      const T* src = x.data<T>();
      parallel_for(pool, x.numel(), 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) cur[static_cast<size_t>(i)] = load_real(src, i);
      });
    }
    std::vector<double> next;
    for (int d = rank - 1; d >= 0; --d) {
      const AxisPlan& p = plans[static_cast<size_t>(d)];
      if (p.identity) continue;
      int64_t outer = 1, inner = 1;
      for (int e = 0; e < d; ++e) outer *= shape[static_cast<size_t>(e)];
      for (int e = d + 1; e < rank; ++e) inner *= shape[static_cast<size_t>(e)];
      next.assign(static_cast<size_t>(outer * p.out * inner), 0.0);
      const int64_t work = outer * p.out;
      parallel_for(pool, work, std::max<int64_t>(1, 8192 / (inner * p.taps)), [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
          const int64_t o = r / p.out, j = r % p.out;
          double* dst = next.data() + r * inner;
          const double* src = cur.data() + o * p.in * inner;
          for (int64_t t = 0; t < p.taps; ++t) {
            const double wt = p.w[static_cast<size_t>(j * p.taps + t)];
            if (wt == 0) continue;
            const double* s = src + p.idx[static_cast<size_t>(j * p.taps + t)] * inner;
            for (int64_t i = 0; i < inner; ++i) dst[i] += wt * s[i];
          }
        }
      });
      cur.swap(next);
      shape[static_cast<size_t>(d)] = p.out;
    }
    T* dst = y.data<T>();
    const bool extrapolate = std::any_of(plans.begin(), plans.end(), [](const AxisPlan& p) { return p.any_outside; });
    const int64_t inner = y.shape().back();
    const int64_t rows = y.numel() / inner;
    const T fill = store_real<T>(c_.extrapolation);
    parallel_for(pool, rows, std::max<int64_t>(1, 16384 / inner), [&](int64_t r0, int64_t r1) {
      for_rows(y.shape(), r0, r1, [&](int64_t row, const std::vector<int64_t>& pos) {
        bool out_row = false;
        if (extrapolate)
          for (int d = 0; d < rank - 1; ++d)
            out_row = out_row || plans[static_cast<size_t>(d)].outside[static_cast<size_t>(pos[static_cast<size_t>(d)])];
        const AxisPlan& last = plans.back();
        for (int64_t j = 0; j < inner; ++j) {
          const bool out = extrapolate && (out_row || (!last.outside.empty() && last.outside[static_cast<size_t>(j)]));
          dst[row * inner + j] = out ? fill : store_real<T>(cur[static_cast<size_t>(row * inner + j)]);
        }
      });
    });
  }

  Config c_;
};

std::unique_ptr<Kernel> create_resize(const KernelInit& init) { return std::make_unique<Resize>(init, false); }
std::unique_ptr<Kernel> create_upsample(const KernelInit& init) { return std::make_unique<Resize>(init, true); }

// ---- inference ---------------------------------------------------------------

void infer_resize_common(InferContext& ctx, bool upsample) {
  const DataType dt = ctx.input_dtype(0);
  const ir::Dims* xd = ctx.input_dims(0);
  if (!xd) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(xd->size());
  const ir::Node& node = ctx.node();
  const int opset = ctx.opset();
  ir::Dims out = *xd;
  std::vector<int> axes;
  std::vector<int64_t> raw_axes = (!upsample && opset >= 18) ? node.attr_ints("axes") : std::vector<int64_t>{};
  for (int64_t a : raw_axes) {
    if (a < -rank || a >= rank) ctx.fail("axes value ", a, " is out of range for rank ", rank);
    axes.push_back(static_cast<int>(a < 0 ? a + rank : a));
  }
  if (raw_axes.empty())
    for (int d = 0; d < rank; ++d) axes.push_back(d);
  auto unknown_axes = [&] {
    for (int a : axes) out[static_cast<size_t>(a)] = ir::Dim();
    ctx.set_output(0, dt, out);
  };
  std::vector<double> scales;
  if (upsample && opset < 7) {
    scales = {1, 1, node.attr_float("height_scale", 1), node.attr_float("width_scale", 1)};
  } else if (upsample && opset < 9) {
    for (float s : node.attr_floats("scales")) scales.push_back(s);
  } else {
    const int si = (upsample || opset < 11) ? 1 : 2;
    const Tensor* st = ctx.input_constant(si);
    const Tensor* zt = (!upsample && opset >= 11) ? ctx.input_constant(3) : nullptr;
    if (st && st->numel() > 0 && dtype_is_float(st->dtype())) {
      for (int64_t i = 0; i < st->numel(); ++i) scales.push_back(static_cast<float>(st->real_at(i)));
    } else if (zt && zt->numel() > 0 && zt->dtype() == DataType::kInt64) {
      const std::string policy = opset >= 18 ? node.attr_string("keep_aspect_ratio_policy", "stretch") : "stretch";
      if (static_cast<size_t>(zt->numel()) != axes.size()) {
        unknown_axes();
        return;
      }
      if (policy == "stretch") {
        for (size_t i = 0; i < axes.size(); ++i) out[static_cast<size_t>(axes[i])] = infer::dim_of(zt->int_at(static_cast<int64_t>(i)));
        ctx.set_output(0, dt, out);
        return;
      }
      // The other policies need every resized input dim.
      double s = policy == "not_larger" ? INFINITY : 0.0;
      for (size_t i = 0; i < axes.size(); ++i) {
        const ir::Dim& d = (*xd)[static_cast<size_t>(axes[i])];
        if (!d.known()) {
          unknown_axes();
          return;
        }
        if (d.value == 0) continue;
        const double r = static_cast<double>(zt->int_at(static_cast<int64_t>(i))) / static_cast<double>(d.value);
        s = policy == "not_larger" ? std::min(s, r) : std::max(s, r);
      }
      if (!std::isfinite(s) || s <= 0) s = 1.0;
      for (int a : axes) {
        const ir::Dim& d = (*xd)[static_cast<size_t>(a)];
        out[static_cast<size_t>(a)] = ir::Dim(static_cast<int64_t>(std::floor(s * static_cast<double>(d.value) + 0.5)));
      }
      ctx.set_output(0, dt, out);
      return;
    } else {
      unknown_axes();
      return;
    }
  }
  if (scales.size() != axes.size()) {
    unknown_axes();
    return;
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    ir::Dim& o = out[static_cast<size_t>(axes[i])];
    const ir::Dim& d = (*xd)[static_cast<size_t>(axes[i])];
    if (scales[i] == 1.0) continue;  // keeps symbolic dims
    o = d.known() && scales[i] > 0 && scales[i] * static_cast<double>(d.value) < 4.0e18
            ? ir::Dim(static_cast<int64_t>(std::floor(scales[i] * static_cast<double>(d.value))))
            : ir::Dim();
  }
  ctx.set_output(0, dt, out);
}

void infer_resize(InferContext& ctx) { infer_resize_common(ctx, false); }
void infer_upsample(InferContext& ctx) { infer_resize_common(ctx, true); }

}  // namespace

ONYX_KERNEL({.op = "Resize", .since = 10, .infer = infer_resize, .create = create_resize});
ONYX_KERNEL({.op = "Upsample", .since = 1, .infer = infer_upsample, .create = create_upsample});

}  // namespace onyx
