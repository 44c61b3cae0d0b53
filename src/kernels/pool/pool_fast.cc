// Fast float32 MaxPool / AveragePool over 2-D planes (X [N, C, H, W]), the
// pooling of every CNN in the model set. The reference (pool.cc) walks a
// per-output list of window taps, one output at a time; here each output row
// is built from whole input rows: for every kernel tap (ky, kx) the valid
// output columns [lo, hi) are computed once, and the row update
//   r[ox] = max(r[ox], x[iy][ox * SW + kx * DW - PL])
// is a contiguous (stride 1: vectorised) loop. Padding never contributes,
// and NaN never wins a max, exactly as in the reference (which stays the
// oracle: tests/kernels/pool_fast_test.cc). The Indices output of MaxPool,
// other ranks and other types stay with the reference kernel (declined at
// creation).
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/common/window.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// Taps t in [0, k) with start + t * dil in [lo, hi).
void taps(int64_t start, int64_t dil, int64_t k, int64_t lo, int64_t hi, int64_t* t0, int64_t* t1) {
  const int64_t a = lo - start, b = hi - 1 - start;
  int64_t first = a <= 0 ? 0 : (a + dil - 1) / dil;
  int64_t last = b < 0 ? -1 : b / dil;
  first = std::max<int64_t>(first, 0);
  last = std::min<int64_t>(last, k - 1);
  *t0 = first;
  *t1 = std::max(first, last + 1);
}

template <bool kMax>
class PoolFast final : public Kernel {
 public:
  static std::unique_ptr<Kernel> make(const KernelInit& init) {
    if (init.input_dtype(0) != DataType::kFloat) return nullptr;
    if (kMax && init.node.output(1) != nullptr)
      return nullptr;  // Indices wanted: the reference computes them
    const bool dil = kMax ? init.opset() >= 10 : init.opset() >= 19;
    WindowAttrs attrs = WindowAttrs::from_node(init.node, dil);
    if (attrs.kernel_shape.size() != 2) return nullptr;
    return std::make_unique<PoolFast>(attrs, init.node.attr_int("count_include_pad", 0) != 0);
  }

  PoolFast(WindowAttrs attrs, bool count_include_pad) : attrs_(std::move(attrs)), include_pad_(count_include_pad) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() != 4 || x.dtype() != DataType::kFloat)
      fail(ErrorCode::kInvalidArgument, "X ", x.describe(), " must be float32 [N, C, H, W] for a 2-D pool");
    const Shape& xs = x.shape();
    WindowGeometry g = resolve_window(attrs_, std::span<const int64_t>(xs.data() + 2, 2));
    Tensor& y = ctx.output(0, {xs[0], xs[1], g.out[0], g.out[1]}, DataType::kFloat);
    if (y.numel() == 0) return;
    const int64_t H = g.in[0], W = g.in[1], OH = g.out[0], OW = g.out[1];
    const int64_t KH = g.kernel[0], KW = g.kernel[1], SH = g.stride[0], SW = g.stride[1];
    const int64_t DH = g.dilation[0], DW = g.dilation[1], PT = g.pad_begin[0], PL = g.pad_begin[1];
    // Per kernel column kx: the output columns whose input column is inside.
    std::vector<int64_t> lo(static_cast<size_t>(KW)), hi(static_cast<size_t>(KW));
    for (int64_t kx = 0; kx < KW; ++kx) {
      const int64_t off = kx * DW - PL;
      int64_t l = off >= 0 ? 0 : (-off + SW - 1) / SW;
      int64_t h = W - off <= 0 ? 0 : (W - off - 1) / SW + 1;
      lo[static_cast<size_t>(kx)] = std::min(std::max<int64_t>(l, 0), OW);
      hi[static_cast<size_t>(kx)] = std::max(std::min(h, OW), lo[static_cast<size_t>(kx)]);
    }
    // Average divisors per output column (valid taps, or taps inside the padded input).
    std::vector<float> col_count(static_cast<size_t>(OW));
    if (!kMax)
      for (int64_t ox = 0; ox < OW; ++ox) {
        int64_t t0, t1;
        if (include_pad_) taps(ox * SW - PL, DW, KW, -PL, W + g.pad_end[1], &t0, &t1);
        else taps(ox * SW - PL, DW, KW, 0, W, &t0, &t1);
        col_count[static_cast<size_t>(ox)] = static_cast<float>(t1 - t0);
      }
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    const int64_t planes = xs[0] * xs[1];
    const int64_t row_work = std::max<int64_t>(1, OW * KH * KW);
    parallel_for(ctx.pool(), planes * OH, std::max<int64_t>(1, 16384 / row_work), [&](int64_t w0, int64_t w1) {
      std::vector<float> vmax(kMax ? static_cast<size_t>(W) : 0);
      for (int64_t w = w0; w < w1; ++w) {
        const int64_t plane = w / OH, oy = w % OH;
        const float* xc = xp + plane * H * W;
        float* r = yp + plane * OH * OW + oy * OW;
        const float init = kMax ? std::numeric_limits<float>::lowest() : 0.f;
        for (int64_t ox = 0; ox < OW; ++ox) r[ox] = init;
        int64_t ky0, ky1;
        taps(oy * SH - PT, DH, KH, 0, H, &ky0, &ky1);
        if (kMax && ky1 - ky0 > 1) {
          // The column maxima over the window's rows first (contiguous,
          // vectorised), then the window's columns of that one row: KH + KW
          // passes instead of KH * KW strided ones.
          float* v = vmax.data();
          for (int64_t x = 0; x < W; ++x) v[x] = std::numeric_limits<float>::lowest();
          for (int64_t ky = ky0; ky < ky1; ++ky) {
            const float* xr = xc + (oy * SH - PT + ky * DH) * W;
            for (int64_t x = 0; x < W; ++x) v[x] = xr[x] > v[x] ? xr[x] : v[x];
          }
          for (int64_t kx = 0; kx < KW; ++kx) {
            const int64_t off = kx * DW - PL;
            const int64_t a = lo[static_cast<size_t>(kx)], e = hi[static_cast<size_t>(kx)];
            if (SW == 1) {
              const float* vs = v + off;
              for (int64_t ox = a; ox < e; ++ox) r[ox] = vs[ox] > r[ox] ? vs[ox] : r[ox];
            } else if (SW == 2) {
              // A constant stride: the compiler vectorises the even/odd loads.
              const float* vs = v + off;
              for (int64_t ox = a; ox < e; ++ox) r[ox] = vs[2 * ox] > r[ox] ? vs[2 * ox] : r[ox];
            } else {
              for (int64_t ox = a; ox < e; ++ox) r[ox] = v[ox * SW + off] > r[ox] ? v[ox * SW + off] : r[ox];
            }
          }
          continue;
        }
        for (int64_t ky = ky0; ky < ky1; ++ky) {
          const float* xr = xc + (oy * SH - PT + ky * DH) * W;
          for (int64_t kx = 0; kx < KW; ++kx) {
            const int64_t off = kx * DW - PL;
            const int64_t a = lo[static_cast<size_t>(kx)], e = hi[static_cast<size_t>(kx)];
            if (SW == 1) {
              const float* xs1 = xr + off;
              if (kMax)
                for (int64_t ox = a; ox < e; ++ox) r[ox] = xs1[ox] > r[ox] ? xs1[ox] : r[ox];
              else
                for (int64_t ox = a; ox < e; ++ox) r[ox] += xs1[ox];
            } else {
              if (kMax)
                for (int64_t ox = a; ox < e; ++ox) {
                  const float v = xr[ox * SW + off];
                  r[ox] = v > r[ox] ? v : r[ox];
                }
              else
                for (int64_t ox = a; ox < e; ++ox) r[ox] += xr[ox * SW + off];
            }
          }
        }
        if (!kMax) {
          int64_t t0, t1;
          if (include_pad_) taps(oy * SH - PT, DH, KH, -PT, H + g.pad_end[0], &t0, &t1);
          else {
            t0 = ky0;
            t1 = ky1;
          }
          const float rows = static_cast<float>(t1 - t0);
          for (int64_t ox = 0; ox < OW; ++ox) {
            const float div = rows * col_count[static_cast<size_t>(ox)];
            r[ox] = div > 0.f ? r[ox] / div : 0.f;
          }
        }
      }
    });
  }

 private:
  WindowAttrs attrs_;
  bool include_pad_;
};

}  // namespace

ONYX_KERNEL({.op = "MaxPool", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "rows",
             .create = PoolFast<true>::make});
ONYX_KERNEL({.op = "AveragePool", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "rows",
             .create = PoolFast<false>::make});

}  // namespace onyx
