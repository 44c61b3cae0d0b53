// RandomNormal, RandomUniform (opsets 1, 22) and RandomNormalLike,
// RandomUniformLike (opsets 1, 22): tensors of random draws.
//
//   RandomNormal:  shape from the `shape` attribute, N(mean, scale^2)
//   RandomUniform: shape from the `shape` attribute, U[low, high)
//   *Like:         the shape of the input (whose values are not read)
//
// `dtype` picks the element type (float16, float, double; bfloat16 from 22):
// default float, or the input's type for the *Like ops. The draws follow
// kernels/common/random_util.h; as in the ONNX reference, a standard draw is
// rounded to the output type, multiplied by scale (high - low) and offset by
// mean (low), each step rounded to the output type.
#include <cmath>
#include <limits>

#include "kernels/common/float_elem.h"
#include "kernels/common/random_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

bool random_output_type(DataType t) {
  return t == DataType::kFloat || t == DataType::kDouble || t == DataType::kFloat16 || t == DataType::kBFloat16;
}

// The `dtype` attribute, or `dflt` when absent.
DataType random_dtype(const ir::Node& node, DataType dflt) {
  if (!node.has_attr("dtype")) return dflt;
  const int64_t v = node.attr_int("dtype", 0);
  if (v <= 0 || v > INT32_MAX || !dtype_is_valid(static_cast<int32_t>(v)) ||
      !random_output_type(static_cast<DataType>(v)))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'dtype' is ", v,
         ", expected float16, float, double or bfloat16");
  return static_cast<DataType>(v);
}

Shape shape_attr(const ir::Node& node) {
  const ir::Attribute& a = node.required_attr("shape", ir::AttrType::kInts);
  for (int64_t d : a.ints)
    if (d < 0) fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'shape' has a negative dim ", d);
  Shape s(a.ints.begin(), a.ints.end());
  shape_numel(s);  // refuses overflowing shapes
  return s;
}

// Rounds v to the precision of element type t.
inline double round_to(DataType t, double v) {
  switch (t) {
    case DataType::kFloat: return static_cast<float>(v);
    case DataType::kFloat16: return static_cast<float>(Float16(static_cast<float>(v)));
    case DataType::kBFloat16: return static_cast<float>(BFloat16(static_cast<float>(v)));
    default: return v;
  }
}

// The largest value of element type t below v (v representable in t).
inline double value_below(DataType t, double v) {
  // 16-bit floats are sign-magnitude: one bit pattern down in magnitude for
  // positive values, up for negative ones; +0 steps to the smallest negative.
  auto step16 = [](uint16_t b) -> uint16_t {
    if (b == 0) return 0x8001u;
    return (b & 0x8000u) ? static_cast<uint16_t>(b + 1) : static_cast<uint16_t>(b - 1);
  };
  switch (t) {
    case DataType::kFloat: return std::nextafter(static_cast<float>(v), -std::numeric_limits<float>::infinity());
    case DataType::kFloat16: return half_to_float(step16(float_to_half(static_cast<float>(v))));
    case DataType::kBFloat16: return bf16_to_float(step16(float_to_bf16(static_cast<float>(v))));
    default: return std::nextafter(v, -std::numeric_limits<double>::infinity());
  }
}

template <bool kNormal, bool kLike>
class RandomKernel final : public Kernel {
 public:
  explicit RandomKernel(const KernelInit& init) : seed_(init.node) {
    const ir::Node& n = init.node;
    if constexpr (kNormal) {
      a_ = n.attr_float("mean", 0.0f);
      b_ = n.attr_float("scale", 1.0f);
    } else {
      a_ = n.attr_float("low", 0.0f);
      b_ = n.attr_float("high", 1.0f);
    }
    if constexpr (!kLike) {
      shape_ = shape_attr(n);
      dtype_ = random_dtype(n, DataType::kFloat);
    } else {
      has_dtype_ = n.has_attr("dtype");
      if (has_dtype_) dtype_ = random_dtype(n, DataType::kFloat);
    }
  }

  void run(KernelContext& ctx) const override {
    Shape shape = shape_;
    DataType dt = dtype_;
    if constexpr (kLike) {
      const Tensor& x = ctx.input(0);
      shape = x.shape();
      if (!has_dtype_) {
        dt = x.dtype();
        if (!random_output_type(dt))
          fail(ErrorCode::kInvalidArgument, "the input is ", dtype_name(dt),
               ": a 'dtype' attribute naming a float type is needed");
      }
    }
    Tensor& y = ctx.output(0, shape, dt);
    NumpyRandom rng = seed_.make();
    // Draws are sequential (one stream), so this loop is not split up.
    for (int64_t i = 0; i < y.numel(); ++i) {
      double v;
      if constexpr (kNormal) {
        v = round_to(dt, rng.gauss());
        v = round_to(dt, v * round_to(dt, b_));
        v = round_to(dt, v + round_to(dt, a_));
      } else {
        v = round_to(dt, rng.uniform());
        v = round_to(dt, v * round_to(dt, b_ - a_));
        v = round_to(dt, v + round_to(dt, a_));
        // Rounding to the output type can carry a draw just below 1 up to
        // `high` itself; the range is half-open.
        const double high = round_to(dt, b_);
        if (v >= high && high > round_to(dt, a_)) v = value_below(dt, high);
      }
      float_store<double>(y, i, v);
    }
  }

 private:
  RandomSeed seed_;
  double a_ = 0, b_ = 1;  // mean, scale or low, high
  Shape shape_;
  DataType dtype_ = DataType::kFloat;
  bool has_dtype_ = false;
};

void infer_random(InferContext& ctx) {
  const Shape s = shape_attr(ctx.node());
  ir::Dims d(s.begin(), s.end());
  ctx.set_output(0, random_dtype(ctx.node(), DataType::kFloat), std::move(d));
}

void infer_random_like(InferContext& ctx) {
  DataType dt = random_dtype(ctx.node(), ctx.input_dtype(0));
  if (!ctx.node().has_attr("dtype") && dt != DataType::kUndefined && !random_output_type(dt))
    ctx.fail("the input is ", dtype_name(dt), ": a 'dtype' attribute naming a float type is needed");
  infer::same_shape_as(ctx, 0, dt);
}

}  // namespace

ONYX_KERNEL({.op = "RandomNormal", .since = 1, .infer = infer_random, .create = create<RandomKernel<true, false>>});
ONYX_KERNEL({.op = "RandomUniform", .since = 1, .infer = infer_random, .create = create<RandomKernel<false, false>>});
ONYX_KERNEL({.op = "RandomNormalLike", .since = 1, .infer = infer_random_like,
             .create = create<RandomKernel<true, true>>});
ONYX_KERNEL({.op = "RandomUniformLike", .since = 1, .infer = infer_random_like,
             .create = create<RandomKernel<false, true>>});

}  // namespace onyx
