#include "kernels/common/gemm_ref.h"

#include <algorithm>
#include <type_traits>

namespace onyx {

namespace {

// Tile of C handed to one parallel task, and the cache blocking inside it.
// A B panel is KC x kTileN elements: 128 x 256 floats = 128 KiB, which stays
// in L2 (512 KiB here) while every row block of the tile streams over it.
constexpr int64_t kTileM = 64;
constexpr int64_t kTileN = 256;
constexpr int64_t kKC = 128;
// Register-sized block: kMR rows of C x kNR columns accumulate in a local
// array (kMR * kNR values = 1 KiB of floats, in L1) across the k loop.
constexpr int kMR = 4;
constexpr int64_t kNR = 64;

// Integer arithmetic is done in the unsigned type of the same width so that
// overflow wraps (defined) instead of being undefined behaviour.
template <typename T, bool = std::is_integral_v<T>>
struct Arith { using type = T; };
template <typename T>
struct Arith<T, true> { using type = std::make_unsigned_t<T>; };
template <typename T>
using arith_t = typename Arith<T>::type;

// Merges one row of accumulated products into C: C = alpha * acc + beta * C
// on the first k block, C += alpha * acc on the later ones.
template <typename T>
void merge_row(const GemmArgs<T>& g, T* crow, const arith_t<T>* acc, int64_t cols, bool first) {
  using U = arith_t<T>;
  const U alpha = static_cast<U>(g.alpha), beta = static_cast<U>(g.beta);
  const bool alpha_one = g.alpha == T(1);
  if (first && g.beta == T(0)) {
    if (alpha_one) for (int64_t j = 0; j < cols; ++j) crow[j] = static_cast<T>(acc[j]);
    else for (int64_t j = 0; j < cols; ++j) crow[j] = static_cast<T>(alpha * acc[j]);
  } else if (first && g.beta != T(1)) {
    for (int64_t j = 0; j < cols; ++j) crow[j] = static_cast<T>(alpha * acc[j] + beta * static_cast<U>(crow[j]));
  } else if (alpha_one) {
    for (int64_t j = 0; j < cols; ++j) crow[j] = static_cast<T>(static_cast<U>(crow[j]) + acc[j]);
  } else {
    for (int64_t j = 0; j < cols; ++j) crow[j] = static_cast<T>(static_cast<U>(crow[j]) + alpha * acc[j]);
  }
}

// A tile of fewer than kMR rows (matrix-vector products: a classifier at
// batch 1, a decoder step): packing B would cost as much as the product, so
// B is read in place. op(B) = B streams B's rows; op(B) = B^T makes every
// output a dot product of two contiguous rows, summed in kLanes partial sums
// the compiler can keep in one vector register.
template <typename T>
void thin_tile(const GemmArgs<T>& g, const T* a, const T* b, T* c, int64_t i_begin, int64_t i_end, int64_t j_begin,
               int64_t j_end) {
  using U = arith_t<T>;
  constexpr int64_t kLanes = 8;
  for (int64_t i = i_begin; i < i_end; ++i) {
    auto a_at = [&](int64_t k) { return static_cast<U>(g.trans_a ? a[k * g.lda + i] : a[i * g.lda + k]); };
    if (!g.trans_b) {
      // The whole tile width at once: each k reads one contiguous run of B.
      const int64_t cols = j_end - j_begin;
      U acc[kTileN] = {};
      for (int64_t k = 0; k < g.k; ++k) {
        const U av = a_at(k);
        const T* brow = b + k * g.ldb + j_begin;
        for (int64_t j = 0; j < cols; ++j) acc[j] += av * static_cast<U>(brow[j]);
      }
      merge_row(g, c + i * g.ldc + j_begin, acc, cols, true);
    } else {
      std::vector<U> arow(static_cast<size_t>(g.k));
      for (int64_t k = 0; k < g.k; ++k) arow[static_cast<size_t>(k)] = a_at(k);
      for (int64_t j = j_begin; j < j_end; ++j) {
        const T* brow = b + j * g.ldb;
        U part[kLanes] = {};
        int64_t k = 0;
        for (; k + kLanes <= g.k; k += kLanes)
          for (int64_t l = 0; l < kLanes; ++l) part[l] += arow[static_cast<size_t>(k + l)] * static_cast<U>(brow[k + l]);
        U sum = U(0);
        for (int64_t l = 0; l < kLanes; ++l) sum += part[l];
        for (; k < g.k; ++k) sum += arow[static_cast<size_t>(k)] * static_cast<U>(brow[k]);
        merge_row(g, c + i * g.ldc + j, &sum, 1, true);
      }
    }
  }
}

// One register-sized block: R rows x kNR columns of C, accumulated over kk in
// [0, kc) from A(i0 + r, k0 + kk) and the packed panel's column block at j0,
// then merged into C. The accumulator is a local array, so the compiler
// knows nothing aliases it and vectorises the j loop.
template <typename T, int R>
void micro(const GemmArgs<T>& g, const T* a, int64_t i0, int64_t k0, int64_t kc, const arith_t<T>* panel,
           int64_t j0, T* c, int64_t cols, bool first) {
  using U = arith_t<T>;
  U acc[R][kNR];
  for (int r = 0; r < R; ++r)
    for (int64_t j = 0; j < kNR; ++j) acc[r][j] = U(0);
  for (int64_t kk = 0; kk < kc; ++kk) {
    U av[R];
    for (int r = 0; r < R; ++r) {
      const int64_t i = i0 + r, k = k0 + kk;
      av[r] = static_cast<U>(g.trans_a ? a[k * g.lda + i] : a[i * g.lda + k]);
    }
    const U* bp = panel + (j0 * kc) + kk * kNR;
    for (int r = 0; r < R; ++r) {
      const U ar = av[r];
      U* accr = acc[r];
      for (int64_t j = 0; j < kNR; ++j) accr[j] += ar * bp[j];
    }
  }
  for (int r = 0; r < R; ++r) merge_row(g, c + (i0 + r) * g.ldc, acc[r], cols, first);
}

template <typename T>
void run_tile(const GemmArgs<T>& g, const T* a, const T* b, T* c, int64_t i_begin, int64_t i_end, int64_t j_begin,
              int64_t j_end, std::vector<arith_t<T>>& panel) {
  using U = arith_t<T>;
  const int64_t nt = j_end - j_begin;
  const int64_t pw = (nt + kNR - 1) / kNR * kNR;  // panel width, padded with zeros
  if (g.k == 0) {  // C = beta * C
    const U beta = static_cast<U>(g.beta);
    for (int64_t i = i_begin; i < i_end; ++i)
      for (int64_t j = j_begin; j < j_end; ++j) {
        T& cv = c[i * g.ldc + j];
        cv = g.beta == T(0) ? T(0) : static_cast<T>(beta * static_cast<U>(cv));
      }
    return;
  }
  if (i_end - i_begin < kMR) {
    thin_tile(g, a, b, c, i_begin, i_end, j_begin, j_end);
    return;
  }
  panel.resize(static_cast<size_t>(kKC * pw));
  for (int64_t k0 = 0; k0 < g.k; k0 += kKC) {
    const int64_t kc = std::min(kKC, g.k - k0);
    // Pack op(B)[k0 .. k0+kc, j_begin .. j_end) into the panel as column
    // blocks of kNR: block jb holds kc rows of kNR contiguous values, so the
    // micro kernel reads it sequentially.
    for (int64_t jb = 0; jb < pw; jb += kNR) {
      U* blk = panel.data() + jb * kc;
      const int64_t w = std::max<int64_t>(0, std::min(kNR, nt - jb));
      if (!g.trans_b) {
        for (int64_t kk = 0; kk < kc; ++kk) {
          U* dst = blk + kk * kNR;
          const T* src = b + (k0 + kk) * g.ldb + j_begin + jb;
          for (int64_t j = 0; j < w; ++j) dst[j] = static_cast<U>(src[j]);
          for (int64_t j = w; j < kNR; ++j) dst[j] = U(0);
        }
      } else {
        // op(B) = B^T: read each row of B contiguously, write a panel column.
        for (int64_t j = 0; j < w; ++j) {
          const T* src = b + (j_begin + jb + j) * g.ldb + k0;
          for (int64_t kk = 0; kk < kc; ++kk) blk[kk * kNR + j] = static_cast<U>(src[kk]);
        }
        for (int64_t kk = 0; kk < kc; ++kk)
          for (int64_t j = w; j < kNR; ++j) blk[kk * kNR + j] = U(0);
      }
    }
    const bool first = k0 == 0;
    for (int64_t i0 = i_begin; i0 < i_end; i0 += kMR) {
      const int64_t rows = std::min<int64_t>(kMR, i_end - i0);
      for (int64_t j0 = 0; j0 < nt; j0 += kNR) {
        const int64_t cols = std::min(kNR, nt - j0);
        T* cblk = c + j_begin + j0;
        switch (rows) {
          case 4: micro<T, 4>(g, a, i0, k0, kc, panel.data(), j0, cblk, cols, first); break;
          case 3: micro<T, 3>(g, a, i0, k0, kc, panel.data(), j0, cblk, cols, first); break;
          case 2: micro<T, 2>(g, a, i0, k0, kc, panel.data(), j0, cblk, cols, first); break;
          default: micro<T, 1>(g, a, i0, k0, kc, panel.data(), j0, cblk, cols, first); break;
        }
      }
    }
  }
}

template <typename T>
void run_batched(const GemmArgs<T>& g, int64_t batch, const int64_t* a_off, const int64_t* b_off, const int64_t* c_off,
                 ThreadPool* pool) {
  if (batch <= 0 || g.m <= 0 || g.n <= 0) return;
  const int64_t mt = (g.m + kTileM - 1) / kTileM;
  const int64_t nt = (g.n + kTileN - 1) / kTileN;
  const int64_t tiles = mt * nt;
  // Small products are not worth waking threads for: group tasks so each
  // carries at least ~64k multiply-adds.
  const int64_t work_per_tile = std::min(kTileM, g.m) * std::min(kTileN, g.n) * std::max<int64_t>(g.k, 1);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(work_per_tile, 1));
  parallel_for(pool, batch * tiles, grain, [&](int64_t t0, int64_t t1) {
    std::vector<arith_t<T>> panel;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t bi = t / tiles, tile = t % tiles;
      // Row tiles vary fastest: consecutive tasks share the B columns.
      const int64_t ti = tile % mt, tj = tile / mt;
      const T* a = g.a + (a_off ? a_off[bi] : 0);
      const T* b = g.b + (b_off ? b_off[bi] : 0);
      T* c = g.c + (c_off ? c_off[bi] : 0);
      run_tile(g, a, b, c, ti * kTileM, std::min(g.m, (ti + 1) * kTileM), tj * kTileN,
               std::min(g.n, (tj + 1) * kTileN), panel);
    }
  });
}

}  // namespace

template <typename T>
void gemm_ref(const GemmArgs<T>& g, ThreadPool* pool) {
  run_batched(g, 1, nullptr, nullptr, nullptr, pool);
}

template <typename T>
void gemm_ref_batched(const GemmArgs<T>& g, int64_t batch, const int64_t* a_off, const int64_t* b_off,
                      const int64_t* c_off, ThreadPool* pool) {
  run_batched(g, batch, a_off, b_off, c_off, pool);
}

#define ONYX_GEMM_REF_INSTANTIATE(T)                                                                     \
  template void gemm_ref<T>(const GemmArgs<T>&, ThreadPool*);                                           \
  template void gemm_ref_batched<T>(const GemmArgs<T>&, int64_t, const int64_t*, const int64_t*, const int64_t*, \
                                    ThreadPool*);
ONYX_GEMM_REF_INSTANTIATE(float)
ONYX_GEMM_REF_INSTANTIATE(double)
ONYX_GEMM_REF_INSTANTIATE(int32_t)
ONYX_GEMM_REF_INSTANTIATE(int64_t)
ONYX_GEMM_REF_INSTANTIATE(uint32_t)
ONYX_GEMM_REF_INSTANTIATE(uint64_t)
#undef ONYX_GEMM_REF_INSTANTIATE

}  // namespace onyx
