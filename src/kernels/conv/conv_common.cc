#include "kernels/conv/conv_common.h"

namespace onyx {

ConvShapes check_conv_shapes(const WindowAttrs& attrs, int64_t group, const Shape& x, const Shape& w) {
  if (x.size() < 3)
    fail(ErrorCode::kInvalidArgument, "X ", shape_str(x),
         " must have at least 3 dims (batch, channels, and one or more spatial dims)");
  if (w.size() != x.size())
    fail(ErrorCode::kInvalidArgument, "W ", shape_str(w), " must have the rank of X ", shape_str(x));
  if (group < 1 || group > (int64_t{1} << 31))
    fail(ErrorCode::kInvalidArgument, "group ", group, " must be positive (and at most 2^31)");
  ConvShapes s;
  s.batch = x[0];
  s.in_channels = x[1];
  s.out_channels = w[0];
  s.group = group;
  if (s.in_channels % group != 0)
    fail(ErrorCode::kInvalidArgument, "group ", group, " does not divide the ", s.in_channels, " input channels of X ",
         shape_str(x));
  if (s.out_channels % group != 0)
    fail(ErrorCode::kInvalidArgument, "group ", group, " does not divide the ", s.out_channels,
         " output channels of W ", shape_str(w));
  if (w[1] * group != s.in_channels)
    fail(ErrorCode::kInvalidArgument, "X ", shape_str(x), " has ", s.in_channels, " channels but W ", shape_str(w),
         " with group ", group, " expects ", w[1] * group);
  std::span<const int64_t> in(x.data() + 2, x.size() - 2);
  std::span<const int64_t> k(w.data() + 2, w.size() - 2);
  s.geo = resolve_window(attrs, in, k);
  s.out_shape = {s.batch, s.out_channels};
  for (int64_t o : s.geo.out) s.out_shape.push_back(o);
  return s;
}

void check_per_channel(const Tensor& t, int64_t channels, const char* what, bool allow_scalar) {
  if (allow_scalar && t.numel() == 1 && t.rank() <= 1) return;
  if (t.rank() != 1 || t.dim(0) != channels)
    fail(ErrorCode::kInvalidArgument, what, " ", shape_str(t.shape()), " must be a 1-D tensor of ", channels,
         " values (one per output channel)", allow_scalar ? " or a scalar" : "");
}

void infer_conv_output(InferContext& ctx, int x_input, int w_input, DataType out_type) {
  const ir::Dims* x = ctx.input_dims(x_input);
  const ir::Dims* w = ctx.input_dims(w_input);
  if (!x) {
    ctx.set_output_unranked(0, out_type);
    return;
  }
  if (x->size() < 3)
    ctx.fail("X ", shape_str(*x), " must have at least 3 dims (batch, channels, and one or more spatial dims)");
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group < 1) ctx.fail("group ", group, " must be positive");
  ir::Dims out{(*x)[0], ir::Dim()};
  ir::Dims spatial(x->begin() + 2, x->end());
  std::vector<int64_t> kernel;
  if (w) {
    if (w->size() != x->size()) ctx.fail("W ", shape_str(*w), " must have the rank of X ", shape_str(*x));
    out[1] = (*w)[0];
    const ir::Dim& c = (*x)[1];
    if (c.known() && c.value % group != 0)
      ctx.fail("group ", group, " does not divide the ", c.value, " input channels of X ", shape_str(*x));
    if ((*w)[0].known() && (*w)[0].value % group != 0)
      ctx.fail("group ", group, " does not divide the ", (*w)[0].value, " output channels of W ", shape_str(*w));
    if (c.known() && (*w)[1].known() && (*w)[1].value * group != c.value)
      ctx.fail("X ", shape_str(*x), " has ", c.value, " channels but W ", shape_str(*w), " with group ", group,
               " expects ", (*w)[1].value * group);
    for (size_t i = 2; i < w->size(); ++i) kernel.push_back((*w)[i].known() ? (*w)[i].value : -1);
  }
  WindowAttrs attrs = WindowAttrs::from_node(ctx.node());
  if (kernel.empty() && attrs.kernel_shape.empty()) {
    // Kernel unknown (W untyped): only the rank is known.
    out.resize(x->size());
  } else {
    try {
      ir::Dims o = infer_window_dims(attrs, spatial, kernel);
      out.insert(out.end(), o.begin(), o.end());
    } catch (const Error& e) {
      ctx.fail(e.what());
    }
  }
  ctx.set_output(0, out_type, std::move(out));
}

}  // namespace onyx
