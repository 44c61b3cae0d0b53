// Bernoulli (opsets 15, 22): y[i] = 1 with probability x[i], else 0.
//
// x holds probabilities (float16, float, double, bfloat16 from 22), each of
// which must lie in [0, 1]; `dtype` picks the output type (any number type
// or bool; default x's type). Draws follow kernels/common/random_util.h:
// with a seed they are numpy's RandomState(seed).binomial(1, x).
#include "kernels/common/float_elem.h"
#include "kernels/common/random_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

DataType bernoulli_dtype(const ir::Node& node, DataType dflt) {
  if (!node.has_attr("dtype")) return dflt;
  const int64_t v = node.attr_int("dtype", 0);
  const DataType t = static_cast<DataType>(v);
  const bool ok = v > 0 && v <= INT32_MAX && dtype_is_valid(static_cast<int32_t>(v)) &&
                  (t == DataType::kBool || t == DataType::kFloat || t == DataType::kDouble ||
                   t == DataType::kFloat16 || t == DataType::kBFloat16 ||
                   (dtype_is_integer(t) && !dtype_is_packed(t)));
  if (!ok)
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'dtype' is ", v, ", expected a number type or bool");
  return t;
}

class Bernoulli final : public Kernel {
 public:
  explicit Bernoulli(const KernelInit& init) : seed_(init.node) {
    has_dtype_ = init.node.has_attr("dtype");
    if (has_dtype_) dtype_ = bernoulli_dtype(init.node, DataType::kFloat);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (!dtype_is_float(x.dtype()) || dtype_bits(x.dtype()) < 16)
      fail(ErrorCode::kInvalidArgument, "input must hold float probabilities, got ", dtype_name(x.dtype()));
    const DataType dt = has_dtype_ ? dtype_ : x.dtype();
    Tensor& y = ctx.output(0, x.shape(), dt);
    NumpyRandom rng = seed_.make();
    std::vector<uint8_t> bits(static_cast<size_t>(x.numel()));
    for (int64_t i = 0; i < x.numel(); ++i) {
      const double p = float_at<double>(x, i);
      if (!(p >= 0.0 && p <= 1.0))
        fail(ErrorCode::kInvalidArgument, "probability ", p, " at index ", i, " is outside [0, 1]");
      bits[static_cast<size_t>(i)] = static_cast<uint8_t>(rng.bernoulli(p));
    }
    if (dt == DataType::kBool) {
      for (int64_t i = 0; i < y.numel(); ++i) y.data<bool>()[i] = bits[static_cast<size_t>(i)] != 0;
    } else {
      dispatch_numeric(dt, [&]<typename T>() {
        for (int64_t i = 0; i < y.numel(); ++i)
          y.data<T>()[i] = bits[static_cast<size_t>(i)] ? T(1.0f) : T(0.0f);
      });
    }
  }

 private:
  RandomSeed seed_;
  bool has_dtype_ = false;
  DataType dtype_ = DataType::kFloat;
};

void infer_bernoulli(InferContext& ctx) {
  const DataType x = ctx.input_dtype(0);
  if (x != DataType::kUndefined && (!dtype_is_float(x) || dtype_bits(x) < 16))
    ctx.fail("input must hold float probabilities, got ", dtype_name(x));
  infer::same_shape_as(ctx, 0, bernoulli_dtype(ctx.node(), x));
}

}  // namespace

ONYX_KERNEL({.op = "Bernoulli", .since = 15, .types = kFloatTypes, .infer = infer_bernoulli,
             .create = create<Bernoulli>});

}  // namespace onyx
