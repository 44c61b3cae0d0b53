// Unique: the distinct elements (or slices along `axis`) of a tensor, sorted
// or in order of first occurrence, with first-occurrence indices, the
// inverse mapping and counts.
//
// Slices are compared lexicographically, as numpy.unique does with an axis;
// NaN sorts after every number and all NaNs count as one value.
#include <algorithm>
#include <numeric>

#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

// Three-way comparison of two elements: -1, 0, 1.
template <typename T>
int compare_elems(const T& a, const T& b) {
  if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> || std::is_integral_v<T>) {
    return a < b ? -1 : (b < a ? 1 : 0);
  } else if constexpr (std::is_same_v<T, Complex64> || std::is_same_v<T, Complex128>) {
    int r = compare_elems(a.re, b.re);
    return r != 0 ? r : compare_elems(a.im, b.im);
  } else {
    double x, y;
    if constexpr (std::is_floating_point_v<T>) {
      x = a;
      y = b;
    } else {
      x = static_cast<float>(a);
      y = static_cast<float>(b);
    }
    bool nx = std::isnan(x), ny = std::isnan(y);
    if (nx || ny) return nx == ny ? 0 : (nx ? 1 : -1);
    return x < y ? -1 : (y < x ? 1 : 0);
  }
}

class Unique final : public Kernel {
 public:
  explicit Unique(const KernelInit& init)
      : sorted_(init.node.attr_int("sorted", 1) != 0), has_axis_(init.node.has_attr("axis")),
        axis_(init.node.attr_int("axis", 0)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "Unique of packed ", dtype_name(x.dtype()));
    Tensor in = has_axis_ ? x : x.reshaped({x.numel()});
    if (in.rank() == 0) fail(ErrorCode::kInvalidArgument, "input must have rank >= 1 when axis is given");
    const int axis = has_axis_ ? normalize_axis(axis_, in.rank()) : 0;
    const int64_t len = in.dim(axis);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= in.dim(d);
    for (int d = axis + 1; d < in.rank(); ++d) inner *= in.dim(d);
    const int64_t row = len * inner;

    // Stable sort of slice positions: equal slices stay in input order, so the
    // first of each run is its first occurrence.
    std::vector<int64_t> order(static_cast<size_t>(len));
    std::iota(order.begin(), order.end(), 0);
    std::vector<int64_t> group_of(static_cast<size_t>(len));  // slice -> group (in sorted order)
    std::vector<int64_t> firsts, counts;
    dispatch_all(x.dtype(), [&]<typename T>() {
      const T* p = in.data<T>();
      auto cmp = [&](int64_t a, int64_t b) {
        for (int64_t o = 0; o < outer; ++o)
          for (int64_t k = 0; k < inner; ++k) {
            int c = compare_elems<T>(p[o * row + a * inner + k], p[o * row + b * inner + k]);
            if (c != 0) return c;
          }
        return 0;
      };
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return cmp(a, b) < 0; });
      for (size_t i = 0; i < order.size(); ++i) {
        if (i == 0 || cmp(order[i - 1], order[i]) != 0) {
          firsts.push_back(order[i]);
          counts.push_back(0);
        }
        group_of[static_cast<size_t>(order[i])] = static_cast<int64_t>(firsts.size()) - 1;
        ++counts.back();
      }
    }, "Unique");
    const int64_t n = static_cast<int64_t>(firsts.size());
    // Output position of each sorted group.
    std::vector<int64_t> slot(static_cast<size_t>(n));
    std::iota(slot.begin(), slot.end(), 0);
    if (!sorted_) {
      std::vector<int64_t> by_first(static_cast<size_t>(n));
      std::iota(by_first.begin(), by_first.end(), 0);
      std::sort(by_first.begin(), by_first.end(),
                [&](int64_t a, int64_t b) { return firsts[static_cast<size_t>(a)] < firsts[static_cast<size_t>(b)]; });
      for (int64_t i = 0; i < n; ++i) slot[static_cast<size_t>(by_first[static_cast<size_t>(i)])] = i;
    }
    Shape ys = in.shape();
    ys[static_cast<size_t>(axis)] = n;
    Tensor& y = ctx.output(0, ys, x.dtype());
    for (int64_t g = 0; g < n; ++g) {
      const int64_t s = slot[static_cast<size_t>(g)];
      for (int64_t o = 0; o < outer; ++o)
        copy_elements(in, o * row + firsts[static_cast<size_t>(g)] * inner, y, (o * n + s) * inner, inner);
    }
    if (ctx.output_wanted(1)) {
      int64_t* o = ctx.output(1, {n}, DataType::kInt64).data<int64_t>();
      for (int64_t g = 0; g < n; ++g) o[slot[static_cast<size_t>(g)]] = firsts[static_cast<size_t>(g)];
    }
    if (ctx.output_wanted(2)) {
      int64_t* o = ctx.output(2, {len}, DataType::kInt64).data<int64_t>();
      for (int64_t i = 0; i < len; ++i) o[i] = slot[static_cast<size_t>(group_of[static_cast<size_t>(i)])];
    }
    if (ctx.output_wanted(3)) {
      int64_t* o = ctx.output(3, {n}, DataType::kInt64).data<int64_t>();
      for (int64_t g = 0; g < n; ++g) o[slot[static_cast<size_t>(g)]] = counts[static_cast<size_t>(g)];
    }
  }

 private:
  bool sorted_;
  bool has_axis_;
  int64_t axis_;
};

void infer_unique(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  ir::Dim len;
  if (!ctx.node().has_attr("axis")) {
    ctx.set_output(0, dt, ir::Dims(1));
    if (in) len = tinfer::product(*in);
  } else if (in) {
    const int rank = static_cast<int>(in->size());
    int64_t axis = ctx.node().attr_int("axis", 0);
    if (axis < -rank || axis >= rank) ctx.fail("axis ", axis, " is out of range for rank ", rank);
    if (axis < 0) axis += rank;
    ir::Dims out = *in;
    out[static_cast<size_t>(axis)] = ir::Dim();
    len = (*in)[static_cast<size_t>(axis)];
    ctx.set_output(0, dt, std::move(out));
  } else {
    ctx.set_output_unranked(0, dt);
  }
  ctx.set_output(1, DataType::kInt64, ir::Dims(1));
  ctx.set_output(2, DataType::kInt64, {len});
  ctx.set_output(3, DataType::kInt64, ir::Dims(1));
}

}  // namespace

ONYX_KERNEL({.op = "Unique", .since = 11, .infer = infer_unique, .create = create<Unique>});

}  // namespace onyx
