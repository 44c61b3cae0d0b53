#include "kernels/conv/conv_ref.h"

#include <algorithm>
#include <vector>

#include "kernels/common/gemm_ref.h"
#include "kernels/conv/im2col.h"

namespace onyx {

namespace {

// Column buffers are cut into chunks of at most this many elements (32 MiB
// of floats), so a large image does not need a K x P matrix at once.
constexpr int64_t kMaxColElements = int64_t{1} << 23;
// Groups whose GEMM is smaller than this many multiply-adds run one per task
// (many small groups), larger ones use the parallel GEMM one after another.
constexpr int64_t kSmallGroupWork = int64_t{1} << 22;

template <typename T>
void depthwise_2d(const ConvArgs<T>& a, ThreadPool* pool) {
  const WindowGeometry& g = a.geo;
  const int64_t C = a.in_channels, M = a.out_channels, Mg = M / a.group;
  const int64_t IH = g.in[0], IW = g.in[1], OH = g.out[0], OW = g.out[1];
  const int64_t KH = g.kernel[0], KW = g.kernel[1];
  const int64_t sh = g.stride[0], sw = g.stride[1], dh = g.dilation[0], dw = g.dilation[1];
  const int64_t pt = g.pad_begin[0], pl = g.pad_begin[1];
  const int64_t P = OH * OW, in_size = IH * IW;
  parallel_for(pool, a.batch * M, std::max<int64_t>(1, 16384 / std::max<int64_t>(P * KH * KW, 1)),
               [&](int64_t p0, int64_t p1) {
    for (int64_t plane = p0; plane < p1; ++plane) {
      const int64_t n = plane / M, m = plane % M, c = m / Mg;
      const T* xin = a.x + (n * C + c) * in_size;
      T* yo = a.y + plane * P;
      const T* wk = a.w + m * KH * KW;
      std::fill(yo, yo + P, a.bias ? a.bias[m] : T(0));
      for (int64_t kh = 0; kh < KH; ++kh) {
        for (int64_t kw = 0; kw < KW; ++kw) {
          const T wv = wk[kh * KW + kw];
          const int64_t off = kw * dw - pl;
          int64_t lo, hi;
          im2col_detail::valid_range(OW, sw, off, IW, &lo, &hi);
          if (hi <= lo) continue;
          for (int64_t oh = 0; oh < OH; ++oh) {
            const int64_t ih = oh * sh - pt + kh * dh;
            if (ih < 0 || ih >= IH) continue;
            const T* row = xin + ih * IW;
            T* out = yo + oh * OW;
            if (sw == 1) {
              const T* r = row + (lo + off);
              for (int64_t ow = lo; ow < hi; ++ow) out[ow] += wv * r[ow - lo];
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) out[ow] += wv * row[ow * sw + off];
            }
          }
        }
      }
    }
  });
}

// One (image, group) product; `col` is scratch space, `pool` may be null.
template <typename T>
void conv_group(const ConvArgs<T>& a, const ColGeometry& cg, bool pointwise, int64_t n, int64_t grp,
                std::vector<T>& col, ThreadPool* pool) {
  const int64_t C = a.in_channels, M = a.out_channels;
  const int64_t Cg = C / a.group, Mg = M / a.group;
  const int64_t P = cg.grid_size(), K = Cg * cg.kernel_size(), in_size = cg.image_size();
  const T* xg = a.x + (n * C + grp * Cg) * in_size;
  T* yg = a.y + (n * M + grp * Mg) * P;
  const T* wg = a.w + grp * Mg * K;
  if (a.bias)
    for (int64_t m = 0; m < Mg; ++m) std::fill(yg + m * P, yg + (m + 1) * P, a.bias[grp * Mg + m]);
  GemmArgs<T> gm;
  gm.m = Mg;
  gm.k = K;
  gm.a = wg;
  gm.lda = K;
  gm.beta = a.bias ? T(1) : T(0);
  gm.ldc = P;
  if (pointwise) {
    gm.n = P;
    gm.b = xg;
    gm.ldb = P;
    gm.c = yg;
    gemm_ref(gm, pool);
    return;
  }
  const int64_t L = cg.line_length(), lines = cg.lines();
  const int64_t chunk = std::max<int64_t>(1, kMaxColElements / std::max<int64_t>(K * L, 1));
  for (int64_t l0 = 0; l0 < lines; l0 += chunk) {
    const int64_t l1 = std::min(lines, l0 + chunk);
    const int64_t ncols = (l1 - l0) * L;
    col.resize(static_cast<size_t>(K * ncols));
    im2col(xg, Cg, cg, l0, l1, col.data(), T(0), pool);
    gm.n = ncols;
    gm.b = col.data();
    gm.ldb = ncols;
    gm.c = yg + l0 * L;
    gemm_ref(gm, pool);
  }
}

}  // namespace

template <typename T>
void conv_ref(const ConvArgs<T>& a, ThreadPool* pool) {
  const WindowGeometry& g = a.geo;
  const int64_t P = g.out_size();
  if (a.batch == 0 || a.out_channels == 0 || P == 0) return;
  const int64_t Cg = a.in_channels / a.group, Mg = a.out_channels / a.group;
  if constexpr (!std::is_integral_v<T>) {
    if (g.rank() == 2 && Cg == 1) {
      depthwise_2d(a, pool);
      return;
    }
  }
  bool pointwise = true;
  for (int i = 0; i < g.rank(); ++i) {
    const size_t u = static_cast<size_t>(i);
    if (g.kernel[u] != 1 || g.stride[u] != 1 || g.pad_begin[u] != 0 || g.pad_end[u] != 0) pointwise = false;
  }
  const ColGeometry cg = ColGeometry::for_conv(g);
  const int64_t groups = a.batch * a.group;
  const int64_t work = Mg * Cg * g.kernel_size() * P;
  const int threads = pool ? pool->num_threads() : 1;
  if (threads > 1 && groups >= 2 * threads && work < kSmallGroupWork) {
    parallel_for(pool, groups, 1, [&](int64_t t0, int64_t t1) {
      std::vector<T> col;
      for (int64_t t = t0; t < t1; ++t) conv_group(a, cg, pointwise, t / a.group, t % a.group, col, nullptr);
    });
    return;
  }
  std::vector<T> col;
  for (int64_t n = 0; n < a.batch; ++n)
    for (int64_t grp = 0; grp < a.group; ++grp) conv_group(a, cg, pointwise, n, grp, col, pool);
}

template void conv_ref<float>(const ConvArgs<float>&, ThreadPool*);
template void conv_ref<double>(const ConvArgs<double>&, ThreadPool*);
template void conv_ref<int32_t>(const ConvArgs<int32_t>&, ThreadPool*);

}  // namespace onyx
