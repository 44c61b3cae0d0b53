// Fast float32 Exp, Tanh, Sigmoid, Erf and Gelu (opset 20, exact or tanh) on
// the vectorised ukernels/vmath
// (AVX2: polynomial approximations within a few ulp, see vmath.h). The
// reference kernels (unary_math.cc, activation/pointwise.cc) stay as the
// oracle; tests/unit/vmath_test.cc checks the math against <cmath> and the op
// tests run both kernels.
#include <string>

#include "runtime/thread_pool.h"
#include "shape/infer.h"
#include "ukernels/vmath.h"

namespace onyx {

namespace {

enum class UnaryOp { kExp, kTanh, kSigmoid, kErf, kGelu };

template <UnaryOp kOp>
class UnaryFast final : public Kernel {
 public:
  static std::unique_ptr<Kernel> make(const KernelInit& init) {
    if (init.input_dtype(0) != DataType::kFloat) return nullptr;
    bool tanh_approx = false;
    if constexpr (kOp == UnaryOp::kGelu) {
      // Anything but "tanh" or "none" is left to the reference kernel, which
      // rejects it with the node named.
      const std::string a = init.node.attr_string("approximate", "none");
      if (a != "none" && a != "tanh") return nullptr;
      tanh_approx = a == "tanh";
    }
    return std::make_unique<UnaryFast>(tanh_approx);
  }

  explicit UnaryFast(bool tanh_approx) {
    const ukernel::VMath& v = ukernel::vmath();
    switch (kOp) {
      case UnaryOp::kExp: fn_ = v.exp; break;
      case UnaryOp::kTanh: fn_ = v.tanh; break;
      case UnaryOp::kSigmoid: fn_ = v.sigmoid; break;
      case UnaryOp::kErf: fn_ = v.erf; break;
      case UnaryOp::kGelu: fn_ = tanh_approx ? v.gelu_tanh : v.gelu; break;
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kFloat) fail(ErrorCode::kInvalidArgument, "X must be float32, got ", x.describe());
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), DataType::kFloat);  // 8 read, then 8 written
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    parallel_for(ctx.pool(), x.numel(), 16384, [&](int64_t b, int64_t e) { fn_(xp + b, yp + b, e - b); });
  }

 private:
  ukernel::VecFn fn_;
};

}  // namespace

ONYX_KERNEL({.op = "Exp", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "vmath",
             .create = UnaryFast<UnaryOp::kExp>::make});
ONYX_KERNEL({.op = "Tanh", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "vmath",
             .create = UnaryFast<UnaryOp::kTanh>::make});
ONYX_KERNEL({.op = "Sigmoid", .since = 1, .types = {DataType::kFloat}, .priority = 10, .impl = "vmath",
             .create = UnaryFast<UnaryOp::kSigmoid>::make});
ONYX_KERNEL({.op = "Erf", .since = 9, .types = {DataType::kFloat}, .priority = 10, .impl = "vmath",
             .create = UnaryFast<UnaryOp::kErf>::make});
ONYX_KERNEL({.op = "Gelu", .since = 20, .types = {DataType::kFloat}, .priority = 10, .impl = "vmath",
             .create = UnaryFast<UnaryOp::kGelu>::make});

}  // namespace onyx
