// Bit operations on integers: BitShift (unsigned types, direction attribute),
// BitwiseAnd / BitwiseOr / BitwiseXor (broadcasting) and BitwiseNot.
//
// A shift by the type's width or more is undefined in C++; here it gives 0,
// the value every bit shifted out leaves (numpy does the same).
#include "kernels/common/elementwise_util.h"

namespace onyx {

namespace {

class BitShift final : public Kernel {
 public:
  explicit BitShift(const KernelInit& init) {
    std::string dir = init.node.required_attr("direction", ir::AttrType::kString).s;
    if (dir != "LEFT" && dir != "RIGHT")
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": attribute direction is '", dir,
           "', expected 'LEFT' or 'RIGHT'");
    left_ = dir == "LEFT";
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& s = ctx.input(1);
    check_same_dtypes(ctx);
    Tensor& y = ctx.output(0, broadcast_shapes(x.shape(), s.shape()), x.dtype());
    const bool left = left_;
    dispatch_int(x.dtype(), [&]<typename T>() {
      if constexpr (std::is_unsigned_v<T>) {
        constexpr T kBits = static_cast<T>(sizeof(T) * 8);
        binary_broadcast<T, T, T>(x, s, y, [left](T v, T n) -> T {
          if (n >= kBits) return 0;
          return static_cast<T>(left ? v << n : v >> n);
        }, ctx.pool());
      } else {
        throw_unsupported_dtype(x.dtype(), "BitShift");
      }
    }, "BitShift");
  }

 private:
  bool left_ = true;
};

enum class Bits { kAnd, kOr, kXor };

template <Bits kOp>
class Bitwise final : public Kernel {
 public:
  explicit Bitwise(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& a = ctx.input(0);
    const Tensor& b = ctx.input(1);
    check_same_dtypes(ctx);
    Tensor& c = ctx.output(0, broadcast_shapes(a.shape(), b.shape()), a.dtype());
    dispatch_int(a.dtype(), [&]<typename T>() {
      binary_broadcast<T, T, T>(a, b, c, [](T x, T y) -> T {
        if constexpr (kOp == Bits::kAnd) return static_cast<T>(x & y);
        else if constexpr (kOp == Bits::kOr) return static_cast<T>(x | y);
        else return static_cast<T>(x ^ y);
      }, ctx.pool());
    }, ctx.node().op_type.c_str());
  }
};

class BitwiseNot final : public Kernel {
 public:
  explicit BitwiseNot(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    dispatch_int(x.dtype(), [&]<typename T>() {
      unary_map<T, T>(x, y, [](T v) { return static_cast<T>(~v); }, ctx.pool());
    }, "BitwiseNot");
  }
};

void infer_binary(InferContext& ctx) { infer::binary_op(ctx); }

}  // namespace

ONYX_KERNEL({.op = "BitShift", .since = 11, .types = ew_types::uints(), .infer = infer_binary,
             .create = create<BitShift>});
ONYX_KERNEL({.op = "BitwiseAnd", .since = 18, .types = ew_types::ints(), .infer = infer_binary,
             .create = create<Bitwise<Bits::kAnd>>});
ONYX_KERNEL({.op = "BitwiseOr", .since = 18, .types = ew_types::ints(), .infer = infer_binary,
             .create = create<Bitwise<Bits::kOr>>});
ONYX_KERNEL({.op = "BitwiseXor", .since = 18, .types = ew_types::ints(), .infer = infer_binary,
             .create = create<Bitwise<Bits::kXor>>});
ONYX_KERNEL({.op = "BitwiseNot", .since = 18, .types = ew_types::ints(), .infer = infer::same_as_input,
             .create = create<BitwiseNot>});

}  // namespace onyx
