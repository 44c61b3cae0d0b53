// Pointwise float activations with scalar attributes: Sigmoid, Tanh,
// HardSigmoid, HardSwish, LeakyRelu, Elu, Selu, Celu, Softplus, Softsign,
// ThresholdedRelu, Gelu, Mish, Swish.
//
// One kernel template; attributes are read once at creation. float16 and
// bfloat16 compute in float. Formulas are written in their numerically stable
// forms (sigmoid and softplus never overflow exp for large |x|).
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

enum class Act {
  kSigmoid, kTanh, kHardSigmoid, kHardSwish, kLeakyRelu, kElu, kSelu, kCelu, kSoftplus, kSoftsign,
  kThresholdedRelu, kGelu, kMish, kSwish,
};

struct ActParams {
  double alpha = 0, beta = 0, gamma = 0;
  bool tanh_approx = false;  // Gelu approximate="tanh"
};

template <typename C>
C sigmoid(C x) {
  if (x >= 0) return C(1) / (C(1) + std::exp(-x));
  C e = std::exp(x);
  return e / (C(1) + e);
}

template <typename C>
C softplus(C x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

template <Act kOp, typename C>
C activate(C x, C alpha, C beta, C gamma, bool tanh_approx) {
  if constexpr (kOp == Act::kSigmoid) {
    return sigmoid(x);
  } else if constexpr (kOp == Act::kTanh) {
    return std::tanh(x);
  } else if constexpr (kOp == Act::kHardSigmoid) {
    return std::max(C(0), std::min(C(1), alpha * x + beta));
  } else if constexpr (kOp == Act::kHardSwish) {
    return x * std::max(C(0), std::min(C(1), x / C(6) + C(0.5)));
  } else if constexpr (kOp == Act::kLeakyRelu) {
    return x < 0 ? alpha * x : x;
  } else if constexpr (kOp == Act::kElu) {
    return x < 0 ? alpha * std::expm1(x) : x;
  } else if constexpr (kOp == Act::kSelu) {
    return x > 0 ? gamma * x : gamma * alpha * std::expm1(x);
  } else if constexpr (kOp == Act::kCelu) {
    return std::max(C(0), x) + std::min(C(0), alpha * std::expm1(x / alpha));
  } else if constexpr (kOp == Act::kSoftplus) {
    return softplus(x);
  } else if constexpr (kOp == Act::kSoftsign) {
    return x / (C(1) + std::fabs(x));
  } else if constexpr (kOp == Act::kThresholdedRelu) {
    return x > alpha ? x : C(0);
  } else if constexpr (kOp == Act::kGelu) {
    if (tanh_approx) {
      const C k = static_cast<C>(0.7978845608028654);  // sqrt(2 / pi)
      return C(0.5) * x * (C(1) + std::tanh(k * (x + static_cast<C>(0.044715) * x * x * x)));
    }
    return C(0.5) * x * (C(1) + std::erf(x * static_cast<C>(0.7071067811865476)));  // x / sqrt(2)
  } else if constexpr (kOp == Act::kMish) {
    return x * std::tanh(softplus(x));
  } else {
    return x * sigmoid(alpha * x);
  }
}

ActParams read_params(Act op, const ir::Node& node) {
  ActParams p;
  switch (op) {
    case Act::kHardSigmoid:
      p.alpha = node.attr_float("alpha", 0.2f);
      p.beta = node.attr_float("beta", 0.5f);
      break;
    case Act::kLeakyRelu: p.alpha = node.attr_float("alpha", 0.01f); break;
    case Act::kElu:
    case Act::kCelu:
    case Act::kThresholdedRelu:
    case Act::kSwish: p.alpha = node.attr_float("alpha", 1.0f); break;
    case Act::kSelu:
      p.alpha = node.attr_float("alpha", 1.67326319217681884765625f);
      p.gamma = node.attr_float("gamma", 1.05070102214813232421875f);
      break;
    case Act::kGelu: {
      std::string a = node.attr_string("approximate", "none");
      if (a != "none" && a != "tanh")
        fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute approximate is '", a,
             "', expected 'none' or 'tanh'");
      p.tanh_approx = a == "tanh";
      break;
    }
    default: break;
  }
  if (op == Act::kCelu && p.alpha == 0)
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute alpha must not be 0 (Celu divides by it)");
  return p;
}

template <Act kOp>
class Activation final : public Kernel {
 public:
  explicit Activation(const KernelInit& init) : p_(read_params(kOp, init.node)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output_in_place(0, {0}, x.shape(), x.dtype());  // y[i] from x[i] alone
    dispatch_float(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      const C alpha = static_cast<C>(p_.alpha), beta = static_cast<C>(p_.beta), gamma = static_cast<C>(p_.gamma);
      const bool tanh_approx = p_.tanh_approx;
      unary_map<T, T>(x, y, [=](T v) {
        return store_as<T>(activate<kOp, C>(C(v), alpha, beta, gamma, tanh_approx));
      }, ctx.pool());
    }, ctx.node().op_type.c_str());
  }

 private:
  ActParams p_;
};

}  // namespace

#define ONYX_ACTIVATION(NAME, OP, SINCE)                                                              \
  ONYX_KERNEL({.op = NAME, .since = SINCE, .types = ew_types::floats(), .infer = infer::same_as_input, \
               .create = create<Activation<OP>>})

ONYX_ACTIVATION("Sigmoid", Act::kSigmoid, 1);
ONYX_ACTIVATION("Tanh", Act::kTanh, 1);
ONYX_ACTIVATION("HardSigmoid", Act::kHardSigmoid, 1);
ONYX_ACTIVATION("HardSwish", Act::kHardSwish, 14);
ONYX_ACTIVATION("LeakyRelu", Act::kLeakyRelu, 1);
ONYX_ACTIVATION("Elu", Act::kElu, 1);
ONYX_ACTIVATION("Selu", Act::kSelu, 1);
ONYX_ACTIVATION("Celu", Act::kCelu, 12);
ONYX_ACTIVATION("Softplus", Act::kSoftplus, 1);
ONYX_ACTIVATION("Softsign", Act::kSoftsign, 1);
ONYX_ACTIVATION("ThresholdedRelu", Act::kThresholdedRelu, 1);
ONYX_ACTIVATION("Gelu", Act::kGelu, 20);
ONYX_ACTIVATION("Mish", Act::kMish, 18);
ONYX_ACTIVATION("Swish", Act::kSwish, 24);

#undef ONYX_ACTIVATION

}  // namespace onyx
