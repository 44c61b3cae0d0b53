#include "kernels/common/window.h"

#include <algorithm>
#include <sstream>

#include "base/error.h"

namespace onyx {

namespace {

// Attribute values beyond this are refused: it keeps every extent
// ((k - 1) * d + 1, in + pads ...) far from int64 overflow.
constexpr int64_t kMaxWindowValue = int64_t{1} << 31;

struct Resolved {
  std::vector<int64_t> kernel, stride, dilation, pads;
};

// Checks the attributes that do not depend on the input's values. The
// kernel may hold -1 entries (unknown at inference).
Resolved resolve_attrs(const WindowAttrs& a, int rank, std::span<const int64_t> weight_kernel) {
  Resolved r;
  const size_t n = static_cast<size_t>(rank);
  if (!a.kernel_shape.empty()) {
    if (a.kernel_shape.size() != n)
      fail(ErrorCode::kInvalidArgument, "kernel_shape ", ints_str(a.kernel_shape), " has ", a.kernel_shape.size(),
           " values but the input has ", rank, " spatial dims");
    if (!weight_kernel.empty()) {
      if (weight_kernel.size() != n)
        fail(ErrorCode::kInvalidArgument, "the weight has ", weight_kernel.size(),
             " spatial dims but the input has ", rank);
      for (size_t i = 0; i < n; ++i)
        if (weight_kernel[i] >= 0 && weight_kernel[i] != a.kernel_shape[i])
          fail(ErrorCode::kInvalidArgument, "kernel_shape ", ints_str(a.kernel_shape),
               " does not match the weight's spatial dims ", ints_str(weight_kernel));
    }
    r.kernel = a.kernel_shape;
  } else if (!weight_kernel.empty()) {
    if (weight_kernel.size() != n)
      fail(ErrorCode::kInvalidArgument, "the weight has ", weight_kernel.size(), " spatial dims but the input has ",
           rank);
    r.kernel.assign(weight_kernel.begin(), weight_kernel.end());
  } else {
    fail(ErrorCode::kInvalidArgument, "attribute kernel_shape is required");
  }
  for (int64_t k : r.kernel)
    if (k == 0 || k < -1 || k > kMaxWindowValue || (k == -1 && !a.kernel_shape.empty()))
      fail(ErrorCode::kInvalidArgument, "kernel shape ", ints_str(r.kernel), " must hold positive values");

  auto per_axis = [&](const std::vector<int64_t>& v, const char* name, int64_t dflt) {
    if (v.empty()) return std::vector<int64_t>(n, dflt);
    if (v.size() != n)
      fail(ErrorCode::kInvalidArgument, name, " ", ints_str(v), " has ", v.size(), " values but the input has ", rank,
           " spatial dims");
    for (int64_t x : v)
      if (x <= 0 || x > kMaxWindowValue)
        fail(ErrorCode::kInvalidArgument, name, " ", ints_str(v), " must hold positive values");
    return v;
  };
  r.stride = per_axis(a.strides, "strides", 1);
  r.dilation = per_axis(a.dilations, "dilations", 1);

  if (a.auto_pad == AutoPad::kNotSet && !a.pads.empty()) {
    if (a.pads.size() != 2 * n)
      fail(ErrorCode::kInvalidArgument, "pads ", ints_str(a.pads), " has ", a.pads.size(), " values; expected ",
           2 * n, " (begin and end for each of ", rank, " spatial dims)");
    for (int64_t p : a.pads)
      if (p < 0 || p > kMaxWindowValue)
        fail(ErrorCode::kInvalidArgument, "pads ", ints_str(a.pads), " must not be negative");
    r.pads = a.pads;
  } else {
    r.pads.assign(2 * n, 0);
  }
  return r;
}

// Output size and pads of one axis of known input size `in`.
void resolve_axis(const WindowAttrs& a, const Resolved& r, int i, int64_t in, int64_t* pb, int64_t* pe, int64_t* out) {
  const size_t u = static_cast<size_t>(i);
  const int rank = static_cast<int>(r.kernel.size());
  const int64_t k = r.kernel[u], s = r.stride[u], d = r.dilation[u];
  const int64_t ek = (k - 1) * d + 1;
  if (a.auto_pad == AutoPad::kSameUpper || a.auto_pad == AutoPad::kSameLower) {
    *out = (in + s - 1) / s;
    const int64_t total = std::max<int64_t>(0, (*out - 1) * s + ek - in);
    const int64_t small = total / 2, big = total - small;
    *pb = a.auto_pad == AutoPad::kSameUpper ? small : big;
    *pe = a.auto_pad == AutoPad::kSameUpper ? big : small;
    return;
  }
  *pb = r.pads[u];
  *pe = r.pads[u + static_cast<size_t>(rank)];
  const int64_t padded = in + *pb + *pe;
  if (padded < ek)
    fail(ErrorCode::kInvalidArgument, "the kernel (extent ", ek, " with dilation ", d, ") is larger than the padded input (",
         in, " + pads ", *pb, " + ", *pe, " = ", padded, ") on spatial axis ", i);
  if (!a.ceil_mode) {
    *out = (padded - ek) / s + 1;
  } else {
    *out = (padded - ek + s - 1) / s + 1;
    // As in PyTorch: a window that would start in the end padding is dropped.
    if ((*out - 1) * s >= in + *pb) --*out;
  }
}

}  // namespace

std::string ints_str(std::span<const int64_t> v) { return shape_str(v); }

WindowAttrs WindowAttrs::from_node(const ir::Node& node, bool use_dilations) {
  WindowAttrs a;
  std::string ap = node.attr_string("auto_pad", "NOTSET");
  if (ap == "NOTSET" || ap.empty()) a.auto_pad = AutoPad::kNotSet;
  else if (ap == "VALID") a.auto_pad = AutoPad::kValid;
  else if (ap == "SAME_UPPER") a.auto_pad = AutoPad::kSameUpper;
  else if (ap == "SAME_LOWER") a.auto_pad = AutoPad::kSameLower;
  else
    fail(ErrorCode::kInvalidGraph, node.describe(), ": auto_pad '", ap,
         "' is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER");
  a.kernel_shape = node.attr_ints("kernel_shape");
  a.strides = node.attr_ints("strides");
  if (use_dilations) a.dilations = node.attr_ints("dilations");
  a.pads = node.attr_ints("pads");
  a.ceil_mode = node.attr_int("ceil_mode", 0) != 0;
  return a;
}

int64_t WindowGeometry::in_size() const {
  int64_t p = 1;
  for (int64_t v : in) p *= v;
  return p;
}
int64_t WindowGeometry::out_size() const {
  int64_t p = 1;
  for (int64_t v : out) p *= v;
  return p;
}
int64_t WindowGeometry::kernel_size() const {
  int64_t p = 1;
  for (int64_t v : kernel) p *= v;
  return p;
}

WindowGeometry resolve_window(const WindowAttrs& attrs, std::span<const int64_t> in,
                              std::span<const int64_t> weight_kernel) {
  const int rank = static_cast<int>(in.size());
  Resolved r = resolve_attrs(attrs, rank, weight_kernel);
  WindowGeometry g;
  g.in.assign(in.begin(), in.end());
  g.kernel = r.kernel;
  g.stride = r.stride;
  g.dilation = r.dilation;
  g.pad_begin.resize(static_cast<size_t>(rank));
  g.pad_end.resize(static_cast<size_t>(rank));
  g.out.resize(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const size_t u = static_cast<size_t>(i);
    resolve_axis(attrs, r, i, in[u], &g.pad_begin[u], &g.pad_end[u], &g.out[u]);
  }
  return g;
}

ir::Dims infer_window_dims(const WindowAttrs& attrs, const ir::Dims& in, std::span<const int64_t> weight_kernel) {
  const int rank = static_cast<int>(in.size());
  Resolved r = resolve_attrs(attrs, rank, weight_kernel);
  ir::Dims out(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    const size_t u = static_cast<size_t>(i);
    if (r.kernel[u] < 0) continue;  // kernel unknown: output unknown
    if (in[u].known()) {
      int64_t pb, pe, o;
      resolve_axis(attrs, r, i, in[u].value, &pb, &pe, &o);
      out[u] = ir::Dim(o);
      continue;
    }
    // A symbolic input dim passes through windows that keep the size.
    const int64_t ek = (r.kernel[u] - 1) * r.dilation[u] + 1;
    bool keeps = false;
    if (r.stride[u] == 1) {
      if (attrs.auto_pad == AutoPad::kSameUpper || attrs.auto_pad == AutoPad::kSameLower) keeps = true;
      else keeps = r.pads[u] + r.pads[u + static_cast<size_t>(rank)] == ek - 1;
    }
    if (keeps) out[u] = in[u];
  }
  return out;
}

}  // namespace onyx
