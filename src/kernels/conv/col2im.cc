// Col2Im (opset 18): rearranges column blocks [N, C * prod(block_shape), L]
// into images [N, C, image_shape...], summing where blocks overlap (the
// adjoint of im2col; PyTorch's fold). image_shape and block_shape are
// inputs; L must equal the number of block positions given the strides,
// dilations and pads. Float16/BFloat16 sum in float; integers wrap.
#include "kernels/common/gemm_ref.h"
#include "kernels/common/math.h"
#include "kernels/common/window.h"
#include "kernels/conv/im2col.h"
#include "shape/infer.h"

namespace onyx {

namespace {

constexpr int64_t kMaxValue = int64_t{1} << 31;

struct Col2ImAttrs {
  std::vector<int64_t> dilations, pads, strides;
  explicit Col2ImAttrs(const ir::Node& n)
      : dilations(n.attr_ints("dilations")), pads(n.attr_ints("pads")), strides(n.attr_ints("strides")) {}
};

// Checks the inputs and returns the geometry (image = output spatial dims,
// grid = block positions).
ColGeometry col2im_geometry(const Col2ImAttrs& a, const Shape& in, const std::vector<int64_t>& image,
                            const std::vector<int64_t>& block) {
  const size_t n = image.size();
  if (in.size() != 3)
    fail(ErrorCode::kInvalidArgument, "input ", shape_str(in), " must be 3-D [N, C * prod(block_shape), L]");
  if (n == 0 || block.size() != n)
    fail(ErrorCode::kInvalidArgument, "image_shape ", ints_str(image), " and block_shape ", ints_str(block),
         " must be non-empty and of the same length");
  auto per_axis = [&](const std::vector<int64_t>& v, const char* name, size_t want, int64_t dflt, int64_t lo) {
    if (v.empty()) return std::vector<int64_t>(want, dflt);
    if (v.size() != want)
      fail(ErrorCode::kInvalidArgument, name, " ", ints_str(v), " has ", v.size(), " values; expected ", want);
    for (int64_t x : v)
      if (x < lo || x > kMaxValue)
        fail(ErrorCode::kInvalidArgument, name, " ", ints_str(v), lo > 0 ? " must hold positive values"
                                                                          : " must not be negative");
    return v;
  };
  std::vector<int64_t> dil = per_axis(a.dilations, "dilations", n, 1, 1);
  std::vector<int64_t> str = per_axis(a.strides, "strides", n, 1, 1);
  std::vector<int64_t> pads = per_axis(a.pads, "pads", 2 * n, 0, 0);
  per_axis(block, "block_shape", n, 1, 1);
  per_axis(image, "image_shape", n, 0, 0);
  shape_numel(block);  // refuse products past 2^62 before computing with them
  shape_numel(image);
  ColGeometry g;
  g.image = image;
  g.kernel = block;
  g.stride = str;
  g.dilation = dil;
  g.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(n));
  for (size_t i = 0; i < n; ++i) {
    const int64_t ek = (block[i] - 1) * dil[i] + 1;
    const int64_t padded = image[i] + pads[i] + pads[i + n];
    if (padded < ek)
      fail(ErrorCode::kInvalidArgument, "block_shape ", ints_str(block), " (with dilations) does not fit the padded image ",
           ints_str(image), " on axis ", i);
    g.grid.push_back((padded - ek) / str[i] + 1);
  }
  shape_numel(g.grid);
  const int64_t ksize = g.kernel_size();
  if (in[1] % ksize != 0)
    fail(ErrorCode::kInvalidArgument, "input dim 1 (", in[1], ") is not a multiple of prod(block_shape) = ", ksize);
  if (in[2] != g.grid_size())
    fail(ErrorCode::kInvalidArgument, "input dim 2 (", in[2], ") must be the number of blocks, ",
         ints_str(g.grid), " = ", g.grid_size());
  return g;
}

std::vector<int64_t> shape_input(const Tensor& t, const char* what) {
  if (!dtype_is_integer(t.dtype()) || t.rank() != 1)
    fail(ErrorCode::kInvalidArgument, what, " ", t.describe(), " must be a 1-D integer tensor");
  return t.to_int64_vector();
}

class Col2Im final : public Kernel {
 public:
  explicit Col2Im(const KernelInit& init) : attrs_(init.node) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> image = shape_input(ctx.input(1), "image_shape");
    std::vector<int64_t> block = shape_input(ctx.input(2), "block_shape");
    ColGeometry g = col2im_geometry(attrs_, x.shape(), image, block);
    const int64_t N = x.dim(0), C = x.dim(1) / g.kernel_size();
    Shape ys{N, C};
    ys.insert(ys.end(), image.begin(), image.end());
    Tensor& y = ctx.output(0, ys, x.dtype());
    const int64_t in_per = x.dim(1) * x.dim(2), out_per = C * g.image_size();
    dispatch_numeric(x.dtype(), [&]<typename T>() {
      // Sum type: float for small floats, the type itself for float/double,
      // uint64 for integers (wraps like the integer type).
      using S = std::conditional_t<std::is_integral_v<T>, uint64_t, compute_t<T>>;
      std::vector<S> col(static_cast<size_t>(in_per)), out(static_cast<size_t>(out_per));
      for (int64_t n = 0; n < N; ++n) {
        const T* src = x.data<T>() + n * in_per;
        for (int64_t i = 0; i < in_per; ++i) {
          if constexpr (std::is_integral_v<T>) col[static_cast<size_t>(i)] = static_cast<S>(static_cast<int64_t>(src[i]));
          else col[static_cast<size_t>(i)] = static_cast<S>(src[i]);
        }
        std::fill(out.begin(), out.end(), S(0));
        col2im_add(col.data(), C, g, 0, g.lines(), out.data(), ctx.pool());
        T* dst = y.data<T>() + n * out_per;
        for (int64_t i = 0; i < out_per; ++i) dst[i] = store_as<T>(out[static_cast<size_t>(i)]);
      }
    });
  }

 private:
  Col2ImAttrs attrs_;
};

void infer_col2im(InferContext& ctx) {
  const DataType t = ctx.input_dtype(0);
  const ir::Dims* x = ctx.input_dims(0);
  const ir::Dims* image = ctx.input_values(1);
  const ir::Dims* block = ctx.input_values(2);
  if (x && x->size() != 3) ctx.fail("input ", shape_str(*x), " must be 3-D [N, C * prod(block_shape), L]");
  const ir::Dims* img_dims = ctx.input_dims(1);
  if (!image && (!img_dims || img_dims->size() != 1 || !(*img_dims)[0].known())) {
    ctx.set_output_unranked(0, t);
    return;
  }
  const size_t n = image ? image->size() : static_cast<size_t>((*img_dims)[0].value);
  ir::Dims out(2 + n);
  if (x) out[0] = (*x)[0];
  if (x && block && (*x)[1].known()) {
    int64_t k = 1;
    bool known = true;
    for (const ir::Dim& d : *block) {
      known &= d.known() && d.value > 0;
      if (d.known()) k *= d.value;
    }
    if (known) {
      if ((*x)[1].value % k != 0)
        ctx.fail("input dim 1 (", (*x)[1].value, ") is not a multiple of prod(block_shape) = ", k);
      out[1] = ir::Dim((*x)[1].value / k);
    }
  }
  if (image)
    for (size_t i = 0; i < n; ++i) out[2 + i] = (*image)[i];
  ctx.set_output(0, t, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "Col2Im", .since = 18, .types = kNumericTypes, .infer = infer_col2im, .create = create<Col2Im>});

}  // namespace onyx
