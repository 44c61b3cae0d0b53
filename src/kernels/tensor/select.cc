// NonZero and Compress: outputs whose size depends on the data.
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

// Whether element i is "non-zero": numbers != 0 (NaN counts), true, non-empty strings.
template <typename T>
bool is_nonzero(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) return !v.empty();
  else if constexpr (std::is_same_v<T, bool>) return v;
  else if constexpr (std::is_same_v<T, Complex64> || std::is_same_v<T, Complex128>) return v.re != 0 || v.im != 0;
  else if constexpr (std::is_arithmetic_v<T>) return v != 0;
  else return static_cast<float>(v) != 0.f;  // float16, bfloat16, float8: -0 is zero, NaN is not
}

// ---- NonZero ----------------------------------------------------------------------

class NonZero final : public Kernel {
 public:
  explicit NonZero(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> hits;
    auto scan = [&]<typename T>() {
      const T* p = x.data<T>();
      for (int64_t i = 0; i < x.numel(); ++i)
        if (is_nonzero(p[i])) hits.push_back(i);
    };
    if (dtype_is_packed(x.dtype())) {
      Tensor b = unpack_subbyte(x);
      const uint8_t* p = b.data<uint8_t>();
      // Raw bits zero is value zero for every packed type except float4's -0 (bits 8).
      for (int64_t i = 0; i < b.numel(); ++i)
        if (p[i] != 0 && !(x.dtype() == DataType::kFloat4E2M1 && p[i] == 8)) hits.push_back(i);
    } else {
      dispatch_all(x.dtype(), scan, "NonZero");
    }
    // A scalar behaves as a 1-element vector (numpy's nonzero does the same).
    const int rank = std::max(x.rank(), 1);
    const int64_t n = static_cast<int64_t>(hits.size());
    Tensor& out = ctx.output(0, {rank, n}, DataType::kInt64);
    int64_t* o = out.data<int64_t>();
    Shape shape = x.rank() == 0 ? Shape{1} : x.shape();
    for (int64_t k = 0; k < n; ++k) {
      int64_t rem = hits[static_cast<size_t>(k)];
      for (int d = rank - 1; d >= 0; --d) {
        o[d * n + k] = rem % shape[static_cast<size_t>(d)];
        rem /= shape[static_cast<size_t>(d)];
      }
    }
  }
};

void infer_nonzero(InferContext& ctx) {
  int r = ctx.input_rank(0);
  ctx.set_output(0, DataType::kInt64, {r < 0 ? ir::Dim() : ir::Dim(std::max(r, 1)), ir::Dim()});
}

// ---- Compress ---------------------------------------------------------------------

class Compress final : public Kernel {
 public:
  explicit Compress(const KernelInit& init) : axis_(init.node.attr_int("axis", 0)), has_axis_(init.node.has_attr("axis")) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const Tensor& c = ctx.input(1);
    if (c.rank() != 1 || c.dtype() != DataType::kBool)
      fail(ErrorCode::kInvalidArgument, "condition must be a 1-D bool tensor, got ", c.describe());
    if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "Compress of packed ", dtype_name(x.dtype()));
    Tensor in = has_axis_ ? x : x.reshaped({x.numel()});
    const int axis = has_axis_ ? normalize_axis(axis_, x.rank()) : 0;
    const int64_t len = in.dim(axis);
    const bool* cond = c.data<bool>();
    // Entries past the axis are allowed only when false (numpy refuses true ones).
    for (int64_t i = len; i < c.numel(); ++i)
      if (cond[i])
        fail(ErrorCode::kInvalidArgument, "condition has ", c.numel(), " entries, more than the ", len,
             " of the axis, and entry ", i, " is true");
    std::vector<int64_t> keep;
    for (int64_t i = 0; i < std::min(len, c.numel()); ++i)
      if (cond[i]) keep.push_back(i);
    Shape out_shape = in.shape();
    out_shape[static_cast<size_t>(axis)] = static_cast<int64_t>(keep.size());
    Tensor& out = ctx.output(0, out_shape, x.dtype());
    if (out.numel() == 0) return;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= in.dim(d);
    for (int d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
    const int64_t k = static_cast<int64_t>(keep.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t j = 0; j < k; ++j)
        copy_elements(in, (o * len + keep[static_cast<size_t>(j)]) * inner, out, (o * k + j) * inner, inner);
  }

 private:
  int64_t axis_;
  bool has_axis_;
};

void infer_compress(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  if (!ctx.node().has_attr("axis")) {
    ctx.set_output(0, dt, ir::Dims(1));
    return;
  }
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(in->size());
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < -rank || axis >= rank) ctx.fail("axis ", axis, " is out of range for rank ", rank);
  ir::Dims out = *in;
  out[static_cast<size_t>(axis < 0 ? axis + rank : axis)] = ir::Dim();
  ctx.set_output(0, dt, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "NonZero", .since = 9, .infer = infer_nonzero, .create = create<NonZero>});
ONYX_KERNEL({.op = "Compress", .since = 9, .infer = infer_compress, .create = create<Compress>});

}  // namespace onyx
