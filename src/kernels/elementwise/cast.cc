// Cast and CastLike: element type conversion between any two ONNX types (see
// kernels/common/elementwise_cast.h for the rules).
//
// Attributes by opset: `to` (Cast; a type name string such as "FLOAT" at
// opset 1, the TensorProto enum after), `saturate` (19+, float8 targets),
// `round_mode` (25+, float8e8m0 targets). CastLike takes the target type from
// its second input, whose values are never read.
#include <cctype>

#include "kernels/common/elementwise_cast.h"
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

// The `to` attribute of Cast, validated.
DataType cast_target(const ir::Node& node) {
  const ir::Attribute* a = node.attr("to");
  if (!a) fail(ErrorCode::kInvalidGraph, node.describe(), ": required attribute 'to' is missing");
  DataType t = DataType::kUndefined;
  if (a->type == ir::AttrType::kString) {
    // Cast-1 names the type: "FLOAT", "INT32", "FLOAT16" ...
    std::string name = a->s;
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t = dtype_from_name(name);
    if (t == DataType::kUndefined)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'to' names unknown type '", a->s, "'");
  } else if (a->type == ir::AttrType::kInt) {
    if (a->i > INT32_MAX || !dtype_is_valid(static_cast<int32_t>(a->i)))
      fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'to' is ", a->i, ", not a known element type");
    t = static_cast<DataType>(a->i);
  } else {
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'to' should be an int but is ",
         ir::attr_type_name(a->type));
  }
  return t;
}

CastOptions cast_options(const ir::Node& node) {
  CastOptions o;
  o.saturate = node.attr_int("saturate", 1) != 0;
  o.round_mode = node.attr_string("round_mode", "up");
  if (o.round_mode != "up" && o.round_mode != "down" && o.round_mode != "nearest")
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute round_mode is '", o.round_mode,
         "', expected 'up', 'down' or 'nearest'");
  return o;
}

void run_cast(KernelContext& ctx, DataType to, const CastOptions& opt) {
  const Tensor& x = ctx.input(0);
  if (!cast_supported(x.dtype(), to))
    fail(ErrorCode::kNotImplemented, "cannot cast ", dtype_name(x.dtype()), " to ", dtype_name(to));
  if (x.dtype() == to) {
    ctx.set_output(0, Value(x));  // nothing to convert: share the input
    return;
  }
  Tensor& y = ctx.output(0, x.shape(), to);
  cast_tensor(x, y, opt, ctx.pool());
}

class Cast final : public Kernel {
 public:
  explicit Cast(const KernelInit& init) : to_(cast_target(init.node)), opt_(cast_options(init.node)) {}
  void run(KernelContext& ctx) const override { run_cast(ctx, to_, opt_); }

 private:
  DataType to_;
  CastOptions opt_;
};

class CastLike final : public Kernel {
 public:
  explicit CastLike(const KernelInit& init) : opt_(cast_options(init.node)) {}
  void run(KernelContext& ctx) const override { run_cast(ctx, ctx.input(1).dtype(), opt_); }

 private:
  CastOptions opt_;
};

// Output type `to`, input's dims; integer shape values pass through (Shape ->
// Cast -> Reshape keeps symbolic dims).
void infer_cast_to(InferContext& ctx, DataType to) {
  DataType from = ctx.input_dtype(0);
  if (to == DataType::kComplex64 || to == DataType::kComplex128 ||
      (from != DataType::kUndefined && !cast_supported(from, to)))
    ctx.fail("cannot cast ", dtype_name(from), " to ", dtype_name(to));
  infer::same_shape_as(ctx, 0, to);
  const ir::Dims* v = ctx.input_values(0);
  if (v && dtype_is_integer(to) && !dtype_is_packed(to) && dtype_bits(to) >= 32) ctx.set_output_values(0, *v);
}

void infer_cast(InferContext& ctx) {
  infer_cast_to(ctx, cast_target(ctx.node()));  // its errors already name the node
}

void infer_cast_like(InferContext& ctx) {
  DataType to = ctx.input_dtype(1);
  if (to == DataType::kUndefined) {
    infer::same_shape_as(ctx, 0, DataType::kUndefined);
    return;
  }
  infer_cast_to(ctx, to);
}

}  // namespace

ONYX_KERNEL({.op = "Cast", .since = 1, .infer = infer_cast, .create = create<Cast>});
ONYX_KERNEL({.op = "CastLike", .since = 15, .infer = infer_cast_like, .create = create<CastLike>});

}  // namespace onyx
