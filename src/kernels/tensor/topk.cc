// TopK: the k largest (or smallest) entries along an axis and their indices.
//
// Equal values keep the lower index first, as the spec requires; NaN counts as
// larger than every number (so it leads with largest=1 and trails otherwise).
// Outputs are always in sorted order, which also satisfies sorted=0.
#include <algorithm>

#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

template <typename C>
bool greater_nan_max(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
  }
  return a > b;
}

class TopK final : public Kernel {
 public:
  explicit TopK(const KernelInit& init)
      : opset_(init.opset()), axis_(init.node.attr_int("axis", -1)), largest_(init.node.attr_int("largest", 1) != 0) {
    if (opset_ < 10) k_ = init.node.required_attr("k", ir::AttrType::kInt).i;
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    int64_t k = k_;
    if (opset_ >= 10) {
      const Tensor& kt = ctx.input(1);
      if (kt.rank() > 1) fail(ErrorCode::kInvalidArgument, "K must be a 1-element 1-D tensor, got ", kt.describe());
      k = scalar_int(kt, "K");
    }
    if (x.rank() == 0) fail(ErrorCode::kInvalidArgument, "input must have rank >= 1");
    const int axis = normalize_axis(axis_, x.rank());
    const int64_t len = x.dim(axis);
    if (k < 0 || k > len)
      fail(ErrorCode::kInvalidArgument, "k = ", k, " is out of range for axis ", axis, " of size ", len);
    Shape out_shape = x.shape();
    out_shape[static_cast<size_t>(axis)] = k;
    Tensor& vals = ctx.output(0, out_shape, x.dtype());
    Tensor idx_storage;
    Tensor& idx = ctx.output_wanted(1) ? ctx.output(1, out_shape, DataType::kInt64)
                                       : (idx_storage = Tensor(DataType::kInt64, out_shape));
    if (vals.numel() == 0) return;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      using C = compute_t<T>;
      const T* src = x.data<T>();
      T* vo = vals.data<T>();
      int64_t* io = idx.data<int64_t>();
      parallel_for(ctx.pool(), outer * inner, std::max<int64_t>(1, 2048 / len), [&](int64_t b, int64_t e) {
        std::vector<std::pair<C, int64_t>> items(static_cast<size_t>(len));
        for (int64_t r = b; r < e; ++r) {
          const int64_t o = r / inner, j = r % inner;
          const int64_t base = o * len * inner + j;
          for (int64_t i = 0; i < len; ++i) items[static_cast<size_t>(i)] = {C(src[base + i * inner]), i};
          auto before = [&](const std::pair<C, int64_t>& a, const std::pair<C, int64_t>& c) {
            if (largest_ ? greater_nan_max(a.first, c.first) : greater_nan_max(c.first, a.first)) return true;
            if (largest_ ? greater_nan_max(c.first, a.first) : greater_nan_max(a.first, c.first)) return false;
            return a.second < c.second;
          };
          std::partial_sort(items.begin(), items.begin() + k, items.end(), before);
          const int64_t obase = o * k * inner + j;
          for (int64_t i = 0; i < k; ++i) {
            const int64_t src_i = items[static_cast<size_t>(i)].second;
            vo[obase + i * inner] = src[base + src_i * inner];
            io[obase + i * inner] = src_i;
          }
        }
      });
    }, "TopK");
  }

 private:
  int opset_;
  int64_t axis_;
  bool largest_;
  int64_t k_ = 0;
};

void infer_topk(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    ctx.set_output_unranked(1, DataType::kInt64);
    return;
  }
  const int rank = static_cast<int>(in->size());
  int64_t axis = ctx.node().attr_int("axis", -1);
  if (axis < -rank || axis >= rank) ctx.fail("axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  ir::Dim k;
  if (ctx.opset() < 10) {
    k = ir::Dim(ctx.node().attr_int("k", 0));
  } else if (const ir::Dims* v = ctx.input_values(1); v && v->size() == 1) {
    k = (*v)[0];
  }
  const ir::Dim& d = (*in)[static_cast<size_t>(axis)];
  if (k.known() && d.known() && k.value > d.value)
    ctx.fail("k = ", k.value, " is larger than axis ", axis, " of size ", d.value);
  ir::Dims out = *in;
  out[static_cast<size_t>(axis)] = k;
  ctx.set_output(0, dt, out);
  ctx.set_output(1, DataType::kInt64, out);
}

}  // namespace

ONYX_KERNEL({.op = "TopK", .since = 1, .types = kNumericTypes, .infer = infer_topk, .create = create<TopK>});

}  // namespace onyx
