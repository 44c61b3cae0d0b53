// QuantizeLinear and DequantizeLinear (opsets 10, 13, 19, 21, 23, 24, 25).
//
//   QuantizeLinear:   y = saturate(round_half_even(x / y_scale) + y_zero_point)
//   DequantizeLinear: y = (x - x_zero_point) * x_scale
//
// What each opset added: 13 per-axis parameters (`axis`); 19 float8 outputs
// and `saturate`, float16/bfloat16 scales; 21 blocked quantization
// (`block_size`), int4/uint4/int16/uint16; 23 float4e2m1, `output_dtype`,
// QuantizeLinear's `precision`; 24 float8e8m0 scales; 25 int2/uint2. One
// kernel covers them all: an attribute an opset lacks is simply absent.
//
// The granularity follows from the scale's shape (kernels/common/quant_util.h):
// one element per-tensor, 1-D per-axis, the input's rank with one dimension
// divided into blocks of `block_size` (the last block may be shorter).
//
// QuantizeLinear divides in the precision of `precision`, else of the scale's
// type (float16 scale: the quotient is rounded to float16 before rounding to
// an integer), then rounds half to even. NaN quantizes to 0 before the zero
// point is added (C++ leaves the conversion undefined; ONNX Runtime's x86
// kernels give 0). Float8 targets use Cast's conversion, saturating or not
// by `saturate`; float4e2m1 always saturates. A zero point of zero is not
// added to float targets, so -0 stays -0.
#include <cstring>

#include "kernels/common/quant_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

DataType dtype_attr(const ir::Node& node, const char* name) {
  const int64_t v = node.attr_int(name, 0);
  if (v == 0) return DataType::kUndefined;
  if (v < 0 || v > INT32_MAX || !dtype_is_valid(static_cast<int32_t>(v)))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute '", name, "' is ", v, ", not a known element type");
  return static_cast<DataType>(v);
}

// The precision of the division x / y_scale.
enum class DivPrecision { kFloat, kFloat16, kBFloat16, kDouble };

DivPrecision div_precision(DataType t) {
  switch (t) {
    case DataType::kFloat16: return DivPrecision::kFloat16;
    case DataType::kBFloat16: return DivPrecision::kBFloat16;
    case DataType::kDouble:
    case DataType::kInt32: return DivPrecision::kDouble;  // integer / integer is a true division
    default: return DivPrecision::kFloat;
  }
}

// All elements of a (small) parameter tensor as doubles.
std::vector<double> param_values(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = quant_load(t, i);
  return v;
}

// Element i of x as double (the input types QuantizeLinear takes).
template <typename X>
inline double load_x(const X* p, int64_t i) {
  if constexpr (std::is_same_v<X, Float16> || std::is_same_v<X, BFloat16>) return static_cast<float>(p[i]);
  else return static_cast<double>(p[i]);
}

void check_zero_point(const Tensor& scale, const Tensor* zp, const char* zp_name, const char* scale_name) {
  if (!zp) return;
  if (zp->numel() != scale.numel() || (zp->numel() != 1 && zp->shape() != scale.shape()))
    fail(ErrorCode::kInvalidArgument, zp_name, " shape ", shape_str(zp->shape()), " must equal ", scale_name, " shape ",
         shape_str(scale.shape()));
}

// Runs fn(begin, end) over [0, n) in chunks that start at multiples of 8, so
// no two threads write the same byte of a packed (4- or 2-bit) output.
void parallel_elements(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t groups = (n + 7) / 8;
  parallel_for(pool, groups, 2048, [&](int64_t g0, int64_t g1) { fn(g0 * 8, std::min(n, g1 * 8)); });
}

class QuantizeLinear final : public Kernel {
 public:
  explicit QuantizeLinear(const KernelInit& init) {
    const ir::Node& n = init.node;
    opset_ = init.opset();
    axis_ = n.attr_int("axis", 1);
    saturate_ = n.attr_int("saturate", 1) != 0;
    block_size_ = n.attr_int("block_size", 0);
    output_dtype_ = dtype_attr(n, "output_dtype");
    precision_ = dtype_attr(n, "precision");
    if (precision_ != DataType::kUndefined && precision_ != DataType::kFloat && precision_ != DataType::kFloat16 &&
        precision_ != DataType::kBFloat16 && precision_ != DataType::kDouble && precision_ != DataType::kInt32)
      fail(ErrorCode::kInvalidGraph, n.describe(), ": attribute 'precision' must name a float type, got ",
           dtype_name(precision_));
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zp = ctx.optional_input(2);
    DataType out = output_dtype_;
    if (zp) {
      if (out != DataType::kUndefined && out != zp->dtype())
        fail(ErrorCode::kInvalidArgument, "output_dtype ", dtype_name(out), " does not match y_zero_point type ",
             dtype_name(zp->dtype()));
      out = zp->dtype();
    }
    if (out == DataType::kUndefined) out = DataType::kUInt8;
    if (!quant_is_output_type(out))
      fail(ErrorCode::kInvalidArgument, "cannot quantize to ", dtype_name(out));
    check_zero_point(scale, zp, "y_zero_point", "y_scale");
    const QuantLayout layout =
        quant_layout(x.shape(), scale.shape(), axis_, block_size_, "y_scale", opset_ >= 13, opset_ >= 21);
    const std::vector<double> s = param_values(scale);
    std::vector<double> z = zp ? param_values(*zp) : std::vector<double>(s.size(), 0.0);
    const DivPrecision prec = div_precision(precision_ != DataType::kUndefined ? precision_ : scale.dtype());

    Tensor& y = ctx.output(0, x.shape(), out);
    if (y.numel() == 0) return;
    if (dtype_is_packed(out)) std::memset(y.raw(), 0, y.nbytes());
    int64_t lo = 0, hi = 0;
    const bool is_int = quant_int_range(out, &lo, &hi);
    const int bits = dtype_bits(out);
    uint8_t* yb = static_cast<uint8_t*>(y.raw());

    auto quantize = [&]<typename X>(const X* px) {
      parallel_elements(ctx.pool(), x.numel(), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) {
          const int64_t pi = layout.param_index(i);
          const double q = divide(load_x(px, i), s[static_cast<size_t>(pi)], prec);
          const double zv = z[static_cast<size_t>(pi)];
          if (is_int) {
            double r = std::isnan(q) ? 0.0 : std::nearbyint(q);
            r += zv;
            const int64_t v = r <= static_cast<double>(lo) ? lo : r >= static_cast<double>(hi) ? hi : static_cast<int64_t>(r);
            switch (out) {
              case DataType::kUInt8: yb[i] = static_cast<uint8_t>(v); break;
              case DataType::kInt8: reinterpret_cast<int8_t*>(yb)[i] = static_cast<int8_t>(v); break;
              case DataType::kUInt16: reinterpret_cast<uint16_t*>(yb)[i] = static_cast<uint16_t>(v); break;
              case DataType::kInt16: reinterpret_cast<int16_t*>(yb)[i] = static_cast<int16_t>(v); break;
              default: packed_store(yb, i, bits, static_cast<uint8_t>(v)); break;  // (u)int4, (u)int2
            }
          } else {
            const float f = static_cast<float>(zv != 0 ? q + zv : q);
            if (out == DataType::kFloat4E2M1) packed_store(yb, i, 4, float_to_f4e2m1(f));
            else yb[i] = float_to_f8(out, f, saturate_);
          }
        }
      });
    };
    switch (x.dtype()) {
      case DataType::kFloat: quantize(x.data<float>()); break;
      case DataType::kFloat16: quantize(x.data<Float16>()); break;
      case DataType::kBFloat16: quantize(x.data<BFloat16>()); break;
      case DataType::kInt32: quantize(x.data<int32_t>()); break;
      default: throw_unsupported_dtype(x.dtype(), "QuantizeLinear input x");
    }
  }

 private:
  static double divide(double x, double s, DivPrecision p) {
    switch (p) {
      case DivPrecision::kFloat: return static_cast<float>(x) / static_cast<float>(s);
      case DivPrecision::kDouble: return x / s;
      case DivPrecision::kFloat16: {
        const float a = static_cast<float>(Float16(static_cast<float>(x)));
        const float b = static_cast<float>(Float16(static_cast<float>(s)));
        return static_cast<float>(Float16(a / b));
      }
      case DivPrecision::kBFloat16: {
        const float a = static_cast<float>(BFloat16(static_cast<float>(x)));
        const float b = static_cast<float>(BFloat16(static_cast<float>(s)));
        return static_cast<float>(BFloat16(a / b));
      }
    }
    return x / s;
  }

  int opset_ = 0;
  int64_t axis_ = 1;
  bool saturate_ = true;
  int64_t block_size_ = 0;
  DataType output_dtype_ = DataType::kUndefined;
  DataType precision_ = DataType::kUndefined;
};

class DequantizeLinear final : public Kernel {
 public:
  explicit DequantizeLinear(const KernelInit& init) {
    const ir::Node& n = init.node;
    opset_ = init.opset();
    axis_ = n.attr_int("axis", 1);
    block_size_ = n.attr_int("block_size", 0);
    output_dtype_ = dtype_attr(n, "output_dtype");
    if (output_dtype_ != DataType::kUndefined && output_dtype_ != DataType::kFloat &&
        output_dtype_ != DataType::kFloat16 && output_dtype_ != DataType::kBFloat16)
      fail(ErrorCode::kInvalidGraph, n.describe(), ": output_dtype must be float, float16 or bfloat16, got ",
           dtype_name(output_dtype_));
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& scale = ctx.input(1);
    const Tensor* zp = ctx.optional_input(2);
    if (zp && zp->dtype() != x.dtype())
      fail(ErrorCode::kInvalidArgument, "x_zero_point has type ", dtype_name(zp->dtype()), " but x has ",
           dtype_name(x.dtype()));
    check_zero_point(scale, zp, "x_zero_point", "x_scale");
    if (!dtype_is_float(scale.dtype()))
      fail(ErrorCode::kInvalidArgument, "x_scale must be a float tensor, got ", dtype_name(scale.dtype()));
    const QuantLayout layout =
        quant_layout(x.shape(), scale.shape(), axis_, block_size_, "x_scale", opset_ >= 13, opset_ >= 21);
    const std::vector<double> s = param_values(scale);
    const std::vector<double> z = zp ? param_values(*zp) : std::vector<double>(s.size(), 0.0);
    DataType out = output_dtype_ != DataType::kUndefined ? output_dtype_ : scale.dtype();
    if (out == DataType::kFloat8E8M0) out = DataType::kFloat;  // an exponent-only scale gives float output
    Tensor& y = ctx.output(0, x.shape(), out);
    if (y.numel() == 0) return;
    parallel_for(ctx.pool(), x.numel(), 8192, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t pi = layout.param_index(i);
        // Integer differences are exact in double; the product is taken in
        // float, the precision of the output types.
        const double d = quant_load(x, i) - z[static_cast<size_t>(pi)];
        const float v = static_cast<float>(d) * static_cast<float>(s[static_cast<size_t>(pi)]);
        switch (out) {
          case DataType::kFloat: y.data<float>()[i] = v; break;
          case DataType::kFloat16: y.data<Float16>()[i] = Float16(v); break;
          case DataType::kBFloat16: y.data<BFloat16>()[i] = BFloat16(v); break;
          default: throw_unsupported_dtype(out, "DequantizeLinear output");
        }
      }
    });
  }

 private:
  int opset_ = 0;
  int64_t axis_ = 1;
  int64_t block_size_ = 0;
  DataType output_dtype_ = DataType::kUndefined;
};

void infer_quantize(InferContext& ctx) {
  const DataType out_attr = dtype_attr(ctx.node(), "output_dtype");
  DataType out = out_attr;
  if (ctx.has_input(2) && ctx.input_dtype(2) != DataType::kUndefined) {
    if (out_attr != DataType::kUndefined && out_attr != ctx.input_dtype(2))
      ctx.fail("output_dtype ", dtype_name(out_attr), " does not match y_zero_point type ",
               dtype_name(ctx.input_dtype(2)));
    out = ctx.input_dtype(2);
  }
  if (out == DataType::kUndefined) {
    if (ctx.has_input(2)) {  // zero point of unknown type: element type unknown
      infer::same_shape_as(ctx, 0, DataType::kUndefined);
      return;
    }
    out = DataType::kUInt8;
  }
  if (!quant_is_output_type(out)) ctx.fail("cannot quantize to ", dtype_name(out));
  infer::same_shape_as(ctx, 0, out);
}

void infer_dequantize(InferContext& ctx) {
  DataType out = dtype_attr(ctx.node(), "output_dtype");
  if (out == DataType::kUndefined) out = ctx.opset() < 19 ? DataType::kFloat : ctx.input_dtype(1);
  if (out == DataType::kFloat8E8M0) out = DataType::kFloat;
  const DataType xt = ctx.input_dtype(0), zt = ctx.has_input(2) ? ctx.input_dtype(2) : DataType::kUndefined;
  if (xt != DataType::kUndefined && zt != DataType::kUndefined && xt != zt)
    ctx.fail("x_zero_point has type ", dtype_name(zt), " but x has ", dtype_name(xt));
  infer::same_shape_as(ctx, 0, out);
}

}  // namespace

ONYX_KERNEL({.op = "QuantizeLinear", .since = 10,
             .types = {DataType::kFloat, DataType::kFloat16, DataType::kBFloat16, DataType::kInt32},
             .infer = infer_quantize, .create = create<QuantizeLinear>});
ONYX_KERNEL({.op = "DequantizeLinear", .since = 10,
             .types = {DataType::kInt8, DataType::kUInt8, DataType::kInt16, DataType::kUInt16, DataType::kInt32,
                       DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ, DataType::kFloat8E5M2,
                       DataType::kFloat8E5M2FNUZ, DataType::kUInt4, DataType::kInt4, DataType::kFloat4E2M1,
                       DataType::kUInt2, DataType::kInt2},
             .infer = infer_dequantize, .create = create<DequantizeLinear>});

}  // namespace onyx
