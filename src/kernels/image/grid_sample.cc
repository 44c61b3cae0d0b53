// GridSample (opsets 16, 20, 22): samples X [N, C, D1..Dr] at the normalised
// locations of grid [N, O1..Or, r] (the last grid axis lists coordinates in
// reverse order: x for the innermost axis first), giving Y [N, C, O1..Or].
//
// Opset 16 is 2-D only with modes bilinear/nearest/bicubic; opset 20 renamed
// them linear/nearest/cubic and allows any number of spatial axes. Both
// spellings are accepted at every opset. The arithmetic follows PyTorch's
// grid_sample (which the ONNX reference mirrors): nearest rounds half to even
// for any number of spatial axes (the volumetric conformance tests confirm it:
// half away from zero gives wrong voxels there), cubic uses Keys' kernel with
// a = -0.75, and out-of-range taps read 0 (zeros), the clamped edge (border)
// or the reflection about the borders (reflection). Grid values are
// untrusted: NaN and huge coordinates are mapped to defined positions first.
#include <algorithm>

#include "kernels/common/image_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class Mode { kLinear, kNearest, kCubic };
enum class Padding { kZeros, kBorder, kReflection };

// Reflects x into [lo, hi] by folding at the borders (any distance).
double reflect(double x, double lo, double hi) {
  const double range = hi - lo;
  if (!(range > 0) || !std::isfinite(x)) return lo;
  if (x >= lo && x <= hi) return x;
  const double dx = x < lo ? lo - x : x - hi;
  const double flips = std::floor(dx / range);
  const double r = dx - flips * range;
  const bool even = std::fmod(flips, 2.0) == 0;
  if (x < lo) return even ? lo + r : hi - r;
  return even ? hi - r : lo + r;
}

// Half-to-even rounding (std::nearbyint in the default rounding mode).
double round_half_even(double v) { return v - std::remainder(v, 1.0); }

class GridSample final : public Kernel {
 public:
  explicit GridSample(const KernelInit& init) : align_corners_(init.node.attr_int("align_corners", 0) != 0) {
    const int opset = init.opset();
    const std::string mode = init.node.attr_string("mode", opset >= 20 ? "linear" : "bilinear");
    if (mode == "linear" || mode == "bilinear") mode_ = Mode::kLinear;
    else if (mode == "nearest") mode_ = Mode::kNearest;
    else if (mode == "cubic" || mode == "bicubic") mode_ = Mode::kCubic;
    else fail(ErrorCode::kInvalidArgument, "mode must be linear, nearest or cubic, got '", mode, "'");
    const std::string pad = init.node.attr_string("padding_mode", "zeros");
    if (pad == "zeros") padding_ = Padding::kZeros;
    else if (pad == "border") padding_ = Padding::kBorder;
    else if (pad == "reflection") padding_ = Padding::kReflection;
    else fail(ErrorCode::kInvalidArgument, "padding_mode must be zeros, border or reflection, got '", pad, "'");
    opset16_ = opset < 20;
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& grid = ctx.input(1);
    if (x.rank() < 3) fail(ErrorCode::kInvalidArgument, "X must have rank >= 3 ([N, C, spatial...]), got ", x.describe());
    if (opset16_ && x.rank() != 4)
      fail(ErrorCode::kInvalidArgument, "GridSample-16 needs a 4-D X [N, C, H, W], got ", x.describe());
    const int r = x.rank() - 2;
    if (grid.rank() != x.rank() || grid.dim(0) != x.dim(0) || grid.dim(-1) != r)
      fail(ErrorCode::kInvalidArgument, "grid has shape ", shape_str(grid.shape()), "; expected [N = ", x.dim(0),
           ", output spatial dims (", r, "), ", r, "]");
    if (!dtype_is_float(grid.dtype())) fail(ErrorCode::kInvalidArgument, "grid must be float, got ", dtype_name(grid.dtype()));
    Shape out{x.dim(0), x.dim(1)};
    for (int i = 1; i <= r; ++i) out.push_back(grid.dim(i));
    Tensor& y = ctx.output(0, out, x.dtype());
    if (y.numel() == 0) return;
    if (mode_ == Mode::kNearest) {
      dispatch_all(x.dtype(), [&]<typename T>() { sample<T>(x, grid, y, ctx.pool()); });
    } else {
      if (!dtype_is_float(x.dtype()) && !dtype_is_integer(x.dtype()))
        fail(ErrorCode::kInvalidArgument, "linear and cubic modes need numeric X, got ", dtype_name(x.dtype()));
      dispatch_numeric(x.dtype(), [&]<typename T>() { sample<T>(x, grid, y, ctx.pool()); });
    }
  }

 private:
  // Taps along one spatial axis for one grid coordinate.
  struct Taps {
    int n = 0;
    int64_t idx[4];
    double w[4];
    bool valid[4];
  };

  Taps axis_taps(double g, int64_t len) const {
    const double lo = align_corners_ ? 0.0 : -0.5;
    const double hi = align_corners_ ? static_cast<double>(len - 1) : static_cast<double>(len) - 0.5;
    double v = align_corners_ ? (g + 1) / 2 * static_cast<double>(len - 1) : ((g + 1) * static_cast<double>(len) - 1) / 2;
    if (std::isnan(v)) v = lo - 1e9;  // NaN reads as far outside
    v = std::clamp(v, -1e15, 1e15);
    const bool nearest = mode_ == Mode::kNearest;
    if (nearest) v = round_half_even(v);
    if (v < lo || v > hi) {
      if (padding_ == Padding::kBorder) v = std::clamp(v, 0.0, static_cast<double>(len - 1));
      else if (padding_ == Padding::kReflection) v = reflect(v, lo, hi);
    }
    Taps t;
    auto place = [&](int k, double pos, double wt) {
      int64_t i = static_cast<int64_t>(pos);
      bool ok = i >= 0 && i < len;
      if (!ok) {
        if (padding_ == Padding::kBorder) {
          i = std::clamp<int64_t>(i, 0, len - 1);
          ok = true;
        } else if (padding_ == Padding::kReflection) {
          i = std::clamp<int64_t>(static_cast<int64_t>(reflect(static_cast<double>(i), lo, hi)), 0, len - 1);
          ok = true;
        }
      }
      t.idx[k] = ok ? i : 0;
      t.valid[k] = ok;
      t.w[k] = wt;
    };
    if (nearest) {
      t.n = 1;
      place(0, std::trunc(v), 1.0);
      return t;
    }
    const double f = std::floor(v);
    const double d = v - f;
    if (mode_ == Mode::kLinear) {
      t.n = 2;
      place(0, f, 1 - d);
      place(1, f + 1, d);
    } else {
      t.n = 4;
      for (int k = 0; k < 4; ++k) place(k, f - 1 + k, cubic_kernel(d - (k - 1), -0.75));
    }
    return t;
  }

  template <typename T>
  void sample(const Tensor& x, const Tensor& grid, Tensor& y, ThreadPool* pool) const {
    const int r = x.rank() - 2;
    const int64_t N = x.dim(0), C = x.dim(1);
    Shape in_sp(x.shape().begin() + 2, x.shape().end());
    const Shape in_str = shape_strides(in_sp);
    int64_t in_size = 1, out_size = 1;
    for (int64_t d : in_sp) in_size *= d;
    for (int i = 1; i <= r; ++i) out_size *= grid.dim(i);
    const T* src = x.data<T>();
    T* dst = y.data<T>();
    parallel_for(pool, N * out_size, std::max<int64_t>(1, 1024 / std::max<int64_t>(C, 1)), [&](int64_t b, int64_t e) {
      std::vector<Taps> taps(static_cast<size_t>(r));
      std::vector<int> ctr(static_cast<size_t>(r));
      for (int64_t p = b; p < e; ++p) {
        const int64_t n = p / out_size, o = p % out_size;
        for (int a = 0; a < r; ++a) {
          // Grid coordinates are listed innermost axis first.
          const double g = grid.real_at((n * out_size + o) * r + (r - 1 - a));
          taps[static_cast<size_t>(a)] = axis_taps(g, in_sp[static_cast<size_t>(a)]);
        }
        for (int64_t c = 0; c < C; ++c) {
          const T* plane = src + (n * C + c) * in_size;
          T& out = dst[(n * C + c) * out_size + o];
          if (mode_ == Mode::kNearest) {
            bool ok = true;
            int64_t off = 0;
            for (int a = 0; a < r; ++a) {
              ok = ok && taps[static_cast<size_t>(a)].valid[0];
              off += taps[static_cast<size_t>(a)].idx[0] * in_str[static_cast<size_t>(a)];
            }
            if constexpr (std::is_same_v<T, std::string>) out = ok ? plane[off] : std::string();
            else out = ok ? plane[off] : T{};
            continue;
          }
          if constexpr (std::is_arithmetic_v<T> || is_small_float_v<T>) {
            // Sum over every combination of taps (separable weights).
            std::fill(ctr.begin(), ctr.end(), 0);
            double acc = 0;
            while (true) {
              double wt = 1;
              int64_t off = 0;
              bool ok = true;
              for (int a = 0; a < r; ++a) {
                const Taps& t = taps[static_cast<size_t>(a)];
                const int k = ctr[static_cast<size_t>(a)];
                wt *= t.w[k];
                ok = ok && t.valid[k];
                off += t.idx[k] * in_str[static_cast<size_t>(a)];
              }
              if (ok && wt != 0) acc += wt * load_real(plane, off);
              int a = r - 1;
              while (a >= 0 && ++ctr[static_cast<size_t>(a)] == taps[static_cast<size_t>(a)].n) ctr[static_cast<size_t>(a--)] = 0;
              if (a < 0) break;
            }
            out = store_real<T>(acc);
          }
        }
      }
    });
  }

  bool align_corners_;
  Mode mode_ = Mode::kLinear;
  Padding padding_ = Padding::kZeros;
  bool opset16_ = false;
};

void infer_grid_sample(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* g = ctx.input_dims(1);
  if (!x || !g) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  if (x->size() < 3) ctx.fail("X must have rank >= 3, got rank ", x->size());
  if (g->size() != x->size()) ctx.fail("grid has rank ", g->size(), " but X has rank ", x->size());
  ir::Dims out{(*x)[0], (*x)[1]};
  for (size_t i = 1; i + 1 < g->size(); ++i) out.push_back((*g)[i]);
  ctx.set_output(0, dt, out);
}

}  // namespace

ONYX_KERNEL({.op = "GridSample", .since = 16, .infer = infer_grid_sample, .create = create<GridSample>});

}  // namespace onyx
