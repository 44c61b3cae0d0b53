// BitCast (opset 26): reinterprets the bits of each element as another type of
// the same width; the shape is unchanged. Strings have no bit pattern and are
// refused. Bytes are taken as stored (little endian, as the spec requires of
// the hosts Onyx runs on).
//
// A bool holding anything but 0 or 1 would be undefined behaviour in C++, so
// reinterpreting bytes as bool maps every non-zero byte to true.
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

DataType bitcast_target(const ir::Node& node) {
  int64_t to = node.required_attr("to", ir::AttrType::kInt).i;
  if (to > INT32_MAX || !dtype_is_valid(static_cast<int32_t>(to)))
    fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'to' is ", to, ", not a known element type");
  return static_cast<DataType>(to);
}

// Empty when the cast is allowed, else why not.
std::string bitcast_problem(DataType from, DataType to) {
  if (from == DataType::kString || to == DataType::kString) return "string tensors cannot be bit-cast";
  if (dtype_bits(from) != dtype_bits(to))
    return str_cat("cannot bit-cast ", dtype_name(from), " (", dtype_bits(from), " bits) to ", dtype_name(to), " (",
                   dtype_bits(to), " bits): the widths differ");
  return "";
}

class BitCast final : public Kernel {
 public:
  explicit BitCast(const KernelInit& init) : to_(bitcast_target(init.node)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::string why = bitcast_problem(x.dtype(), to_);
    if (!why.empty()) fail(ErrorCode::kInvalidArgument, why);
    Tensor& y = ctx.output(0, x.shape(), to_);
    if (x.nbytes() == 0) return;
    if (to_ == DataType::kBool) {
      const uint8_t* src = x.data<uint8_t>();
      bool* dst = y.data<bool>();
      for (int64_t i = 0; i < x.numel(); ++i) dst[i] = src[i] != 0;
    } else {
      std::memcpy(y.raw(), x.raw(), x.nbytes());
    }
  }

 private:
  DataType to_;
};

void infer_bitcast(InferContext& ctx) {
  DataType to = bitcast_target(ctx.node());  // its errors already name the node
  DataType from = ctx.input_dtype(0);
  if (from != DataType::kUndefined) {
    std::string why = bitcast_problem(from, to);
    if (!why.empty()) ctx.fail(why);
  }
  infer::same_shape_as(ctx, 0, to);
}

}  // namespace

ONYX_KERNEL({.op = "BitCast", .since = 26, .infer = infer_bitcast, .create = create<BitCast>});

}  // namespace onyx
