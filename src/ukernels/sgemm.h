// Single-precision GEMM: C = alpha * op(A) * op(B) + beta * C, then an
// optional fused epilogue (bias, activation) applied while the C tile is
// still in L1.
//
// Structure (Goto/BLIS): the driver (sgemm.cc) blocks the problem for the
// caches, packs A into MR-row panels and B into NR-column panels, and calls
// a register-tiled microkernel per MR x NR tile of C. Microkernels exist per
// ISA (sgemm_scalar.cc, sgemm_avx2.cc, sgemm_avx512.cc, each compiled with
// its own flags) and are picked once from the CPU features. Weights can be
// packed once at session creation (PackedMatrix) so runs only pack the
// activations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "cpu/features.h"

namespace onyx {
class ThreadPool;
}

namespace onyx::ukernel {

enum class Act : uint8_t { kNone, kRelu, kClip, kLeakyRelu, kSigmoid, kTanh, kHardSigmoid, kHardSwish, kSilu, kGelu, kGeluTanh };

struct Epilogue {
  const float* bias = nullptr;
  bool bias_per_row = false;  // bias[m] (conv: per output channel) instead of bias[n]
  Act act = Act::kNone;
  float p0 = 0, p1 = 0;       // clip min/max, leaky alpha, hard-sigmoid alpha/beta
};

// Applies the activation of `epi` to n values in place (also used by kernels
// that fuse an activation without a GEMM).
void apply_activation(float* x, int64_t n, const Epilogue& epi);

// Bytes a tile fetches toward L2 while it runs, spread over its k loop (the
// next B panel, a slice per tile); none when bytes is 0.
struct Prefetch {
  const char* at = nullptr;
  int64_t bytes = 0;
};

// Tile shape and functions of one ISA's microkernel.
struct SgemmKernel {
  Isa isa;
  int mr, nr;
  // c[0..mr)[0..nr) (+)= sum_k a[k*mr + i] * b[k*nr + j]; ldc in floats.
  void (*tile)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool accumulate,
               const Prefetch& pf);
  // The same with A as mr rows of a row-major matrix: a[i * lda + k].
  void (*tile_rows)(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, bool accumulate,
                    const Prefetch& pf);
  // A tile of 0 < mi < mr rows: the last rows of a packed A (in an mr-wide
  // panel), or any mi rows in place, lda apart, when rows_a. Writes mi rows
  // of C and costs about mi rows.
  void (*tile_edge)(int mi, bool rows_a, int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                    int64_t ldc, bool accumulate, const Prefetch& pf);
};
const SgemmKernel& sgemm_kernel(Isa isa);

// A matrix operand packed for one ISA's microkernel. As A (rows = M) it is
// cut into MR-row panels, as B (cols = N) into NR-column panels, per KC block.
class PackedMatrix {
 public:
  // Packs op(X) where op(X) is rows x cols; `as_a` selects the A or B layout.
  // A B operand whose bytes the plan lent (base/resident.h) and whose layout
  // allows it (not transposed, dense, cols a multiple of NR, 64-byte aligned)
  // is packed in place, over X.
  static std::shared_ptr<const PackedMatrix> pack(Isa isa, bool as_a, bool trans, int64_t rows, int64_t cols,
                                                  const float* x, int64_t ldx);
  Isa isa() const { return isa_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  bool is_a() const { return as_a_; }
  // Packed block for k-block `kb` and panel index `p` (MR or NR wide).
  const float* panel(int64_t kb, int64_t p) const;
  // A B operand (rows = K, cols = N) laid out as pack() lays it out, its
  // memory from packed_alloc and not filled: for values computed rather than
  // copied (the Winograd filters of NchwcConv), written by the caller through
  // mutable_panel, element (k, n) at [(k % kKc) * width + n % width] of panel
  // (k / kKc, n / width), every one of them up to panels * width columns.
  static std::shared_ptr<PackedMatrix> uninitialized_b(Isa isa, int64_t rows, int64_t cols);
  float* mutable_panel(int64_t kb, int64_t p) { return const_cast<float*>(panel(kb, p)); }
  int64_t width() const { return width_; }
  int64_t panels() const { return panels_; }
  size_t bytes() const { return size_ * sizeof(float); }

 private:
  // Geometry only (isa, orientation, panels, size): what pack and
  // uninitialized_b share before they place the data.
  static std::shared_ptr<PackedMatrix> shell(Isa isa, bool as_a, int64_t rows, int64_t cols);

  Isa isa_ = Isa::kScalar;
  bool as_a_ = false;
  int64_t rows_ = 0, cols_ = 0, k_ = 0, panels_ = 0, width_ = 0;
  std::unique_ptr<float[], void (*)(float*)> data_{nullptr, nullptr};
  size_t size_ = 0;
  std::shared_ptr<void> lent_;  // owner of the packed bytes: x's when packed over it in place (resident::borrow)
};

// Produces op(B) directly in packed-panel layout, e.g. a convolution's
// im2col written straight into the panels the microkernel reads (no column
// matrix in memory). Called concurrently from several threads.
class PanelSource {
 public:
  virtual ~PanelSource() = default;
  // dst[k * width + j] = op(B)(k0 + k, n0 + j) for k < kc, j < width; 0 where n0 + j >= N.
  virtual void pack(float* dst, int64_t n0, int64_t k0, int64_t kc, int width) const = 0;
};

// Row-major operands; op(A) is M x K, op(B) is K x N; C is M x N with row stride ldc.
void sgemm(Isa isa, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
           int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epi,
           ThreadPool* pool);
// Same with a pre-packed A (must have been packed with alpha folded in by the caller) or B.
void sgemm_packed_a(const PackedMatrix& A, bool trans_b, int64_t N, const float* B, int64_t ldb, float beta, float* C,
                    int64_t ldc, const Epilogue& epi, ThreadPool* pool);
// Pre-packed A times a B produced by `B` (K = A.cols(), N columns).
void sgemm_packed_a_source(const PackedMatrix& A, int64_t N, const PanelSource& B, float beta, float* C, int64_t ldc,
                           const Epilogue& epi, ThreadPool* pool);
void sgemm_packed_b(bool trans_a, int64_t M, float alpha, const float* A, int64_t lda, const PackedMatrix& B,
                    float beta, float* C, int64_t ldc, const Epilogue& epi, ThreadPool* pool);

// Called by a kernel that has packed a constant operand at creation and will
// never read its bytes again at run time (only its pointer and shape): pages
// of a mapped model file leave the resident set now (the data stays valid),
// and the execution plan drops an anonymous copy once every consumer of the
// constant has said the same (base/resident.h), so weights are not held twice.
void release_source_pages(const void* p, size_t bytes);

// Blocking: K is cut into blocks of kKc; rows into kMc per work item.
inline constexpr int64_t kKc = 256;

}  // namespace onyx::ukernel
