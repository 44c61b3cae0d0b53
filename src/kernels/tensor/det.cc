// Det: determinant of each square matrix in the last two axes, by LU
// decomposition with partial pivoting in double precision.
#include <cmath>

#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

class Det final : public Kernel {
 public:
  explicit Det(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.rank() < 2 || x.dim(-1) != x.dim(-2))
      fail(ErrorCode::kInvalidArgument, "input must be [*, M, M], got ", x.describe());
    const int64_t m = x.dim(-1);
    Shape out_shape(x.shape().begin(), x.shape().end() - 2);
    Tensor& out = ctx.output(0, out_shape, x.dtype());
    const int64_t mats = out.numel();
    dispatch_float(x.dtype(), [&]<typename T>() {
      const T* src = x.data<T>();
      T* dst = out.data<T>();
      parallel_for(ctx.pool(), mats, std::max<int64_t>(1, 4096 / std::max<int64_t>(m * m * m, 1)), [&](int64_t b, int64_t e) {
        std::vector<double> a(static_cast<size_t>(m * m));
        for (int64_t t = b; t < e; ++t) {
          for (int64_t i = 0; i < m * m; ++i) a[static_cast<size_t>(i)] = static_cast<double>(compute_t<T>(src[t * m * m + i]));
          double det = 1;
          for (int64_t c = 0; c < m && det != 0; ++c) {
            int64_t piv = c;
            for (int64_t r = c + 1; r < m; ++r)
              if (std::fabs(a[static_cast<size_t>(r * m + c)]) > std::fabs(a[static_cast<size_t>(piv * m + c)])) piv = r;
            if (a[static_cast<size_t>(piv * m + c)] == 0) {
              det = 0;
              break;
            }
            if (piv != c) {
              for (int64_t k = 0; k < m; ++k) std::swap(a[static_cast<size_t>(c * m + k)], a[static_cast<size_t>(piv * m + k)]);
              det = -det;
            }
            const double d = a[static_cast<size_t>(c * m + c)];
            det *= d;
            for (int64_t r = c + 1; r < m; ++r) {
              const double f = a[static_cast<size_t>(r * m + c)] / d;
              if (f == 0) continue;
              for (int64_t k = c; k < m; ++k) a[static_cast<size_t>(r * m + k)] -= f * a[static_cast<size_t>(c * m + k)];
            }
          }
          dst[t] = store_as<T>(det);
        }
      });
    }, "Det");
  }
};

void infer_det(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  if (in->size() < 2) ctx.fail("input must be [*, M, M], got rank ", in->size());
  const ir::Dim &a = (*in)[in->size() - 2], &b = (*in)[in->size() - 1];
  if (a.known() && b.known() && a.value != b.value) ctx.fail("matrices must be square, got ", a.value, "x", b.value);
  ctx.set_output(0, dt, ir::Dims(in->begin(), in->end() - 2));
}

}  // namespace

ONYX_KERNEL({.op = "Det", .since = 11, .types = kFloatTypes, .infer = infer_det, .create = create<Det>});

}  // namespace onyx
