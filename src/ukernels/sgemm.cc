// SGEMM driver: cache blocking, packing, threading, epilogue. Portable C++;
// only the microkernels (sgemm_<isa>.cc) use intrinsics.
#include "ukernels/sgemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "base/error.h"
#include "runtime/thread_pool.h"

namespace onyx::ukernel {

void sgemm_tile_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);
void sgemm_tile_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate);

namespace {

// Portable microkernel: 4 x 8, plain loops the compiler may vectorise.
void sgemm_tile_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate) {
  constexpr int MR = 4, NR = 8;
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

const SgemmKernel kKernels[] = {
    {Isa::kScalar, 4, 8, sgemm_tile_scalar},
    {Isa::kAvx2, 6, 16, sgemm_tile_avx2},
    {Isa::kAvx512, 12, 32, sgemm_tile_avx512},
};

// Rows per work item: a multiple of every MR (4, 6, 12) so packed-A panels
// line up with work items. 120 rows x 256 k x 4 B = 120 KiB of packed A per
// block: it stays in L2 while the B micro-panel (256 x NR floats = 16-32 KiB) is
// reused from L1 across the row panels.
constexpr int64_t kMc = 120;
// Columns per work item: a multiple of every NR (8, 16, 32).
constexpr int64_t kNc = 512;

float* aligned_floats(size_t n) {
  size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
  auto* p = static_cast<float*>(std::aligned_alloc(64, bytes ? bytes : 64));
  if (!p) fail(ErrorCode::kFail, "out of memory allocating a ", bytes, "-byte GEMM packing buffer");
  return p;
}

// Per-thread packing buffers, grown on demand and kept for the next call.
struct Scratch {
  float* a = nullptr;
  float* b = nullptr;
  size_t a_cap = 0, b_cap = 0;
  ~Scratch() {
    std::free(a);
    std::free(b);
  }
  float* get_a(size_t n) {
    if (n > a_cap) {
      std::free(a);
      a = aligned_floats(n);
      a_cap = n;
    }
    return a;
  }
  float* get_b(size_t n) {
    if (n > b_cap) {
      std::free(b);
      b = aligned_floats(n);
      b_cap = n;
    }
    return b;
  }
};
thread_local Scratch tls_scratch;

// Packs rows [r0, r0+nr) x k [k0, k0+kc) of op(X) into `width`-row panels:
// dst[p][k][i] = scale * op(X)(r0 + p*width + i, k0 + k), zero past `rows`.
// Used for A (rows = M); B is packed as the transpose (rows = N).
void pack_panels(float* dst, const float* x, int64_t ldx, bool row_major_rk, int64_t rows, int64_t r0, int64_t nr,
                 int64_t k0, int64_t kc, int width, float scale) {
  for (int64_t p = 0; p * width < nr; ++p) {
    int64_t base = r0 + p * width;
    int64_t valid = std::min<int64_t>(width, rows - base);
    float* d = dst + p * kc * width;
    if (row_major_rk) {
      // Element (r, k) at x[r * ldx + k]: walk k outer for sequential writes.
      for (int64_t k = 0; k < kc; ++k) {
        float* dk = d + k * width;
        for (int64_t i = 0; i < valid; ++i) dk[i] = scale * x[(base + i) * ldx + k0 + k];
        for (int64_t i = valid; i < width; ++i) dk[i] = 0.f;
      }
    } else {
      // Element (r, k) at x[k * ldx + r]: each k is a contiguous run of rows.
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = x + (k0 + k) * ldx + base;
        float* dk = d + k * width;
        for (int64_t i = 0; i < valid; ++i) dk[i] = scale * src[i];
        for (int64_t i = valid; i < width; ++i) dk[i] = 0.f;
      }
    }
  }
}

// One operand of the driver: raw (packed per block on the fly) or pre-packed.
struct Operand {
  const float* x = nullptr;
  int64_t ld = 0;
  bool row_major_rk = true;  // element (r, k) at x[r*ld + k] (else x[k*ld + r])
  float scale = 1.f;
  const PackedMatrix* packed = nullptr;
};

void apply_epilogue(float* c, int64_t ldc, int64_t m0, int64_t rows, int64_t n0, int64_t cols, const Epilogue& epi) {
  for (int64_t i = 0; i < rows; ++i) {
    float* row = c + i * ldc;
    if (epi.bias) {
      if (epi.bias_per_row) {
        float bv = epi.bias[m0 + i];
        for (int64_t j = 0; j < cols; ++j) row[j] += bv;
      } else {
        const float* bias = epi.bias + n0;
        for (int64_t j = 0; j < cols; ++j) row[j] += bias[j];
      }
    }
    if (epi.act != Act::kNone) apply_activation(row, cols, epi);
  }
}

void gemm_driver(const SgemmKernel& kern, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B,
                 float beta, float* C, int64_t ldc, const Epilogue& epi, ThreadPool* pool) {
  if (M <= 0 || N <= 0) return;
  const int MR = kern.mr, NR = kern.nr;
  // beta other than 0/1: scale C once, then accumulate into it.
  if (beta != 0.f && beta != 1.f) {
    parallel_for(pool, M, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t j = 0; j < N; ++j) C[r * ldc + j] *= beta;
    });
  }
  const bool accumulate_first = beta != 0.f;
  if (K == 0) {
    parallel_for(pool, M, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        if (!accumulate_first) std::fill(C + r * ldc, C + r * ldc + N, 0.f);
        apply_epilogue(C + r * ldc, ldc, r, 1, 0, N, epi);
      }
    });
    return;
  }
  // Work items: (row block, column block) pairs. Shrink the blocks when there
  // are too few items to keep every thread busy (e.g. M = 128, N = 768).
  int threads = pool ? pool->num_threads() : 1;
  int64_t mc = kMc, nc = kNc;
  auto items = [&] { return ((M + mc - 1) / mc) * ((N + nc - 1) / nc); };
  while (threads > 1 && items() < 4 * threads && nc > 4 * NR) nc /= 2;
  while (threads > 1 && items() < 4 * threads && mc > 2 * 12) mc /= 2;
  mc = std::max<int64_t>(mc / 12 * 12, 12);  // keep a multiple of every MR
  const int64_t mblocks = (M + mc - 1) / mc, nblocks = (N + nc - 1) / nc;
  const int64_t kblocks = (K + kKc - 1) / kKc;

  parallel_for(pool, mblocks * nblocks, 1, [&](int64_t w0, int64_t w1) {
    Scratch& s = tls_scratch;
    alignas(64) float tmp[32 * 32];
    for (int64_t w = w0; w < w1; ++w) {
      // Column-major over items so consecutive items share a B block.
      const int64_t mb = w % mblocks, nb = w / mblocks;
      const int64_t m0 = mb * mc, rows = std::min(mc, M - m0);
      const int64_t n0 = nb * nc, cols = std::min(nc, N - n0);
      const int64_t mpanels = (rows + MR - 1) / MR, npanels = (cols + NR - 1) / NR;
      for (int64_t kb = 0; kb < kblocks; ++kb) {
        const int64_t k0 = kb * kKc, kc = std::min(kKc, K - k0);
        const bool acc = accumulate_first || kb > 0;
        const bool last = kb == kblocks - 1;
        const float* apanels = nullptr;
        if (!A.packed) {
          float* buf = s.get_a(static_cast<size_t>(mpanels * MR * kc));
          pack_panels(buf, A.x, A.ld, A.row_major_rk, M, m0, rows, k0, kc, MR, A.scale);
          apanels = buf;
        }
        const float* bpanels = nullptr;
        if (!B.packed) {
          float* buf = s.get_b(static_cast<size_t>(npanels * NR * kc));
          pack_panels(buf, B.x, B.ld, B.row_major_rk, N, n0, cols, k0, kc, NR, B.scale);
          bpanels = buf;
        }
        for (int64_t jp = 0; jp < npanels; ++jp) {
          const float* bp = B.packed ? B.packed->panel(kb, n0 / NR + jp) : bpanels + jp * kc * NR;
          const int64_t nj = std::min<int64_t>(NR, cols - jp * NR);
          for (int64_t ip = 0; ip < mpanels; ++ip) {
            const float* ap = A.packed ? A.packed->panel(kb, m0 / MR + ip) : apanels + ip * kc * MR;
            const int64_t mi = std::min<int64_t>(MR, rows - ip * MR);
            float* ct = C + (m0 + ip * MR) * ldc + n0 + jp * NR;
            if (mi == MR && nj == NR) {
              kern.tile(kc, ap, bp, ct, ldc, acc);
            } else {
              // Edge tile: compute into a full-size scratch tile, copy the valid part.
              if (acc)
                for (int64_t i = 0; i < mi; ++i) std::memcpy(tmp + i * NR, ct + i * ldc, sizeof(float) * nj);
              kern.tile(kc, ap, bp, tmp, NR, acc);
              for (int64_t i = 0; i < mi; ++i) std::memcpy(ct + i * ldc, tmp + i * NR, sizeof(float) * nj);
            }
            if (last && (epi.bias || epi.act != Act::kNone))
              apply_epilogue(ct, ldc, m0 + ip * MR, mi, n0 + jp * NR, nj, epi);
          }
        }
      }
    }
  });
}

void check_isa(Isa isa) {
  if (!isa_supported(isa)) fail(ErrorCode::kFail, "SGEMM kernel for ", isa_name(isa), " requested but the CPU lacks it");
}

}  // namespace

const SgemmKernel& sgemm_kernel(Isa isa) {
  check_isa(isa);
  return kKernels[static_cast<int>(isa)];
}

void apply_activation(float* x, int64_t n, const Epilogue& epi) {
  switch (epi.act) {
    case Act::kNone: return;
    case Act::kRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] > 0.f ? x[i] : 0.f;
      return;
    case Act::kClip:
      for (int64_t i = 0; i < n; ++i) x[i] = std::min(std::max(x[i], epi.p0), epi.p1);
      return;
    case Act::kLeakyRelu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] >= 0.f ? x[i] : x[i] * epi.p0;
      return;
    case Act::kSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = 1.f / (1.f + std::exp(-x[i]));
      return;
    case Act::kTanh:
      for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
      return;
    case Act::kHardSigmoid:
      for (int64_t i = 0; i < n; ++i) x[i] = std::min(1.f, std::max(0.f, epi.p0 * x[i] + epi.p1));
      return;
    case Act::kHardSwish:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] * std::min(1.f, std::max(0.f, x[i] / 6.f + 0.5f));
      return;
    case Act::kSilu:
      for (int64_t i = 0; i < n; ++i) x[i] = x[i] / (1.f + std::exp(-x[i]));
      return;
    case Act::kGelu:
      for (int64_t i = 0; i < n; ++i) x[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * 0.70710678118654752f));
      return;
    case Act::kGeluTanh:
      for (int64_t i = 0; i < n; ++i) {
        float v = x[i];
        x[i] = 0.5f * v * (1.f + std::tanh(0.7978845608028654f * (v + 0.044715f * v * v * v)));
      }
      return;
  }
}

std::shared_ptr<const PackedMatrix> PackedMatrix::pack(Isa isa, bool as_a, bool trans, int64_t rows, int64_t cols,
                                                       const float* x, int64_t ldx) {
  const SgemmKernel& kern = sgemm_kernel(isa);
  auto pm = std::make_shared<PackedMatrix>();
  pm->isa_ = isa;
  pm->as_a_ = as_a;
  pm->rows_ = rows;
  pm->cols_ = cols;
  // As A: panels over rows, k = cols. As B (rows = K, cols = N): panels over cols, k = rows.
  const int64_t k = as_a ? cols : rows;
  const int64_t r = as_a ? rows : cols;
  pm->k_ = k;
  pm->width_ = as_a ? kern.mr : kern.nr;
  pm->panels_ = (r + pm->width_ - 1) / pm->width_;
  pm->size_ = static_cast<size_t>(pm->panels_ * pm->width_ * std::max<int64_t>(k, 1));
  pm->data_ = std::unique_ptr<float[], void (*)(float*)>(aligned_floats(pm->size_), [](float* p) { std::free(p); });
  // Element (r, k) of the operand in its own orientation:
  //   A, not trans: x[r*ldx + k];  A, trans: x[k*ldx + r]
  //   B, not trans: op(B)(k, n) = x[k*ldx + n] -> (r=n, k): x[k*ldx + r]; B trans: x[r*ldx + k]
  bool row_major_rk = as_a ? !trans : trans;
  for (int64_t kb = 0; kb * kKc < k; ++kb) {
    int64_t k0 = kb * kKc, kc = std::min(kKc, k - k0);
    float* dst = pm->data_.get() + kb * kKc * pm->panels_ * pm->width_;
    pack_panels(dst, x, ldx, row_major_rk, r, 0, r, k0, kc, static_cast<int>(pm->width_), 1.f);
  }
  return pm;
}

const float* PackedMatrix::panel(int64_t kb, int64_t p) const {
  int64_t kc = std::min(kKc, k_ - kb * kKc);
  return data_.get() + kb * kKc * panels_ * width_ + p * kc * width_;
}

void sgemm(Isa isa, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epi,
           ThreadPool* pool) {
  Operand a{A, lda, !trans_a, alpha, nullptr};
  Operand b{B, ldb, trans_b, 1.f, nullptr};
  gemm_driver(sgemm_kernel(isa), M, N, K, a, b, beta, C, ldc, epi, pool);
}

void sgemm_packed_a(const PackedMatrix& A, bool trans_b, int64_t N, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc, const Epilogue& epi, ThreadPool* pool) {
  Operand a;
  a.packed = &A;
  Operand b{B, ldb, trans_b, 1.f, nullptr};
  gemm_driver(sgemm_kernel(A.isa()), A.rows(), N, A.cols(), a, b, beta, C, ldc, epi, pool);
}

void sgemm_packed_b(bool trans_a, int64_t M, float alpha, const float* A, int64_t lda, const PackedMatrix& B,
                    float beta, float* C, int64_t ldc, const Epilogue& epi, ThreadPool* pool) {
  Operand a{A, lda, !trans_a, alpha, nullptr};
  Operand b;
  b.packed = &B;
  gemm_driver(sgemm_kernel(B.isa()), M, B.cols(), B.rows(), a, b, beta, C, ldc, epi, pool);
}

}  // namespace onyx::ukernel
