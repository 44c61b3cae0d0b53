// Reshape, Flatten, Squeeze, Unsqueeze: the same bytes under another shape.
//
// None of them copies: the output is a view of the input (inputs are
// read-only by contract, so sharing the bytes is safe). Their inference keeps
// symbolic dims and passes shape values through, so the BERT-style chain
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape ends with symbolic dims.
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

// ---- Reshape ------------------------------------------------------------------

// Resolves a Reshape target against the input shape: 0 copies the input dim
// (unless allowzero), -1 takes what is left.
Shape resolve_reshape(const Shape& in, const std::vector<int64_t>& target, bool allowzero) {
  Shape out;
  int missing = -1;
  bool has_zero = false;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t v = target[i];
    if (v == -1) {
      if (missing >= 0) fail(ErrorCode::kInvalidArgument, "shape ", shape_str(target), " has more than one -1");
      missing = static_cast<int>(i);
      out.push_back(1);
    } else if (v == 0 && !allowzero) {
      if (i >= in.size())
        fail(ErrorCode::kInvalidArgument, "shape ", shape_str(target), " has 0 at position ", i,
             " (copy the input dim) but the input ", shape_str(in), " has rank ", in.size());
      out.push_back(in[i]);
    } else if (v < 0) {
      fail(ErrorCode::kInvalidArgument, "shape ", shape_str(target), " has invalid dim ", v);
    } else {
      has_zero = has_zero || v == 0;
      out.push_back(v);
    }
  }
  if (missing >= 0 && has_zero)
    fail(ErrorCode::kInvalidArgument, "shape ", shape_str(target), " has both -1 and 0 with allowzero=1");
  int64_t numel = shape_numel(in);
  if (missing >= 0) {
    int64_t rest = shape_numel(out);
    if (rest == 0 || numel % rest != 0)
      fail(ErrorCode::kInvalidArgument, "cannot reshape ", shape_str(in), " (", numel, " elements) to ",
           shape_str(target));
    out[static_cast<size_t>(missing)] = numel / rest;
  }
  if (shape_numel(out) != numel)
    fail(ErrorCode::kInvalidArgument, "cannot reshape ", shape_str(in), " (", numel, " elements) to ",
         shape_str(target), " (", shape_numel(out), " elements)");
  return out;
}

class Reshape final : public Kernel {
 public:
  explicit Reshape(const KernelInit& init)
      : allowzero_(init.node.attr_int("allowzero", 0) != 0), legacy_(init.opset() < 5) {
    if (legacy_) shape_ = init.node.attr_ints("shape");
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> target = shape_;
    if (!legacy_) {
      const Tensor& s = ctx.input(1);
      if (s.rank() != 1 || s.dtype() != DataType::kInt64)
        fail(ErrorCode::kInvalidArgument, "shape input must be a 1-D int64 tensor, got ", s.describe());
      target = s.to_int64_vector();
    }
    ctx.set_output(0, x.reshaped(resolve_reshape(x.shape(), target, allowzero_)));
  }

 private:
  bool allowzero_;
  bool legacy_;
  std::vector<int64_t> shape_;
};

void infer_reshape(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  bool allowzero = ctx.node().attr_int("allowzero", 0) != 0;
  const ir::Dims* in = ctx.input_dims(0);
  // Target entries: exact when the target is constant (-1 kept), else tracked
  // values (possibly symbolic), else only the length.
  std::optional<std::vector<int64_t>> exact;
  std::optional<ir::Dims> vals;
  if (ctx.opset() < 5) {
    exact = ctx.node().attr_ints("shape");
  } else {
    if (const Tensor* c = ctx.input_constant(1)) {
      if (c->rank() != 1) ctx.fail("shape input must be 1-D, got ", c->describe());
      exact = c->to_int64_vector();
    } else {
      vals = tinfer::shape_input_dims(ctx, 1);
    }
  }
  ir::Dims out;
  int missing = -1;  // the entry to solve by element count (-1, or an unknown value)
  int unknowns = 0;
  if (exact) {
    for (size_t i = 0; i < exact->size(); ++i) {
      int64_t v = (*exact)[i];
      if (v == -1) {
        if (missing >= 0) ctx.fail("shape ", shape_str(*exact), " has more than one -1");
        missing = static_cast<int>(i);
        out.emplace_back();
      } else if (v == 0 && !allowzero) {
        if (in && i >= in->size())
          ctx.fail("shape ", shape_str(*exact), " has 0 at position ", i, " but the input has rank ", in->size());
        out.push_back(in ? (*in)[i] : ir::Dim());
      } else if (v < 0) {
        ctx.fail("shape ", shape_str(*exact), " has invalid dim ", v);
      } else {
        out.emplace_back(v);
      }
    }
    unknowns = missing >= 0 ? 1 : 0;
  } else if (vals) {
    for (size_t i = 0; i < vals->size(); ++i) {
      const ir::Dim& v = (*vals)[i];
      if (v.known() && v.value == 0 && !allowzero) {
        out.push_back(in && i < in->size() ? (*in)[i] : ir::Dim());
      } else if (v.unknown()) {
        // Could be -1, 0 or any size: only the element count can tell.
        missing = static_cast<int>(i);
        ++unknowns;
        out.emplace_back();
      } else {
        out.push_back(v);
      }
    }
  } else {
    ctx.set_output_unranked(0, dt);
    return;
  }
  if (in && unknowns == 1) {
    ir::Dims others;
    bool ok = true;
    for (size_t i = 0; i < out.size(); ++i) {
      if (static_cast<int>(i) == missing) continue;
      // An unknown value of 0 copies an input dim: the count argument still holds.
      if (out[i].unknown()) ok = false;
      others.push_back(out[i]);
    }
    if (ok) out[static_cast<size_t>(missing)] = tinfer::solve_missing(*in, others);
  }
  if (in && exact) {
    auto si = tinfer::known_shape(*in), so = tinfer::known_shape(out);
    if (si && so && shape_numel(*si) != shape_numel(*so))
      ctx.fail("cannot reshape ", shape_str(*si), " to ", shape_str(*exact));
  }
  ctx.set_output(0, dt, out);
  if (const ir::Dims* v = ctx.input_values(0))
    if (out.size() <= 1) tinfer::set_values(ctx, 0, *v);
}

// ---- Flatten ------------------------------------------------------------------

class Flatten final : public Kernel {
 public:
  explicit Flatten(const KernelInit& init) : axis_(init.node.attr_int("axis", 1)) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    // Flatten's axis is in [-r, r]: a negative one counts from the end like any axis.
    const int rank = x.rank();
    if (axis_ < -rank || axis_ > rank) fail(ErrorCode::kInvalidArgument, "axis ", axis_, " is out of range for rank ", rank);
    const int axis = static_cast<int>(axis_ < 0 ? axis_ + rank : axis_);
    Shape outer(x.shape().begin(), x.shape().begin() + axis), inner(x.shape().begin() + axis, x.shape().end());
    ctx.set_output(0, x.reshaped({shape_numel(outer), shape_numel(inner)}));
  }

 private:
  int64_t axis_;
};

void infer_flatten(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  if (!in) {
    ctx.set_output(0, dt, ir::Dims(2));
    return;
  }
  int rank = static_cast<int>(in->size());
  int64_t axis = ctx.node().attr_int("axis", 1);
  if (axis < -rank || axis > rank) ctx.fail("axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  std::span<const ir::Dim> all(*in);
  ctx.set_output(0, dt, {tinfer::product(all.subspan(0, static_cast<size_t>(axis))),
                         tinfer::product(all.subspan(static_cast<size_t>(axis)))});
}

// ---- Squeeze ------------------------------------------------------------------

std::vector<int64_t> squeeze_axes_attr(const ir::Node& node, bool* given) {
  *given = node.has_attr("axes");
  return node.attr_ints("axes");
}

class Squeeze final : public Kernel {
 public:
  explicit Squeeze(const KernelInit& init) : from_input_(init.opset() >= 13) {
    if (!from_input_) axes_ = squeeze_axes_attr(init.node, &has_axes_);
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> axes = axes_;
    bool has_axes = has_axes_;
    if (from_input_) {
      const Tensor* a = ctx.optional_input(1);
      has_axes = a != nullptr;
      if (a) {
        if (a->rank() > 1 || a->dtype() != DataType::kInt64)
          fail(ErrorCode::kInvalidArgument, "axes must be a 1-D int64 tensor, got ", a->describe());
        axes = a->to_int64_vector();
      }
    }
    Shape out;
    if (!has_axes) {
      for (int64_t d : x.shape())
        if (d != 1) out.push_back(d);
    } else {
      std::vector<int> ax = normalize_axes(axes, x.rank());
      std::vector<bool> drop(static_cast<size_t>(x.rank()), false);
      for (int a : ax) {
        if (x.dim(a) != 1)
          fail(ErrorCode::kInvalidArgument, "cannot squeeze axis ", a, " of size ", x.dim(a), " (only size-1 axes)");
        drop[static_cast<size_t>(a)] = true;
      }
      for (int i = 0; i < x.rank(); ++i)
        if (!drop[static_cast<size_t>(i)]) out.push_back(x.dim(i));
    }
    ctx.set_output(0, x.reshaped(std::move(out)));
  }

 private:
  bool from_input_;
  bool has_axes_ = false;
  std::vector<int64_t> axes_;
};

void infer_squeeze(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  std::optional<std::vector<int64_t>> axes;
  bool has_axes;
  if (ctx.opset() < 13) {
    std::vector<int64_t> a = squeeze_axes_attr(ctx.node(), &has_axes);
    if (has_axes) axes = a;
  } else {
    has_axes = ctx.has_input(1);
    if (has_axes) axes = tinfer::input_ints(ctx, 1);
  }
  ir::Dims out;
  if (!in || (has_axes && !axes)) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  int rank = static_cast<int>(in->size());
  if (!has_axes) {
    for (const ir::Dim& d : *in) {
      if (!d.known()) {  // might be 1 at run time: the rank is not known
        ctx.set_output_unranked(0, dt);
        return;
      }
      if (d.value != 1) out.push_back(d);
    }
  } else {
    std::vector<bool> drop(static_cast<size_t>(rank), false);
    for (int64_t a : *axes) {
      if (a < -rank || a >= rank) ctx.fail("axes value ", a, " is out of range for rank ", rank);
      int n = static_cast<int>(a < 0 ? a + rank : a);
      const ir::Dim& d = (*in)[static_cast<size_t>(n)];
      if (d.known() && d.value != 1) ctx.fail("cannot squeeze axis ", n, " of size ", d.value);
      drop[static_cast<size_t>(n)] = true;
    }
    for (int i = 0; i < rank; ++i)
      if (!drop[static_cast<size_t>(i)]) out.push_back((*in)[static_cast<size_t>(i)]);
  }
  size_t r = out.size();
  ctx.set_output(0, dt, std::move(out));
  if (const ir::Dims* v = ctx.input_values(0))
    if (r <= 1) tinfer::set_values(ctx, 0, *v);
}

// ---- Unsqueeze ----------------------------------------------------------------

Shape unsqueeze_shape(const Shape& in, const std::vector<int64_t>& axes) {
  int out_rank = static_cast<int>(in.size() + axes.size());
  std::vector<int> ax = normalize_axes(axes, out_rank);
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int a : ax) inserted[static_cast<size_t>(a)] = true;
  Shape out;
  size_t k = 0;
  for (int i = 0; i < out_rank; ++i) out.push_back(inserted[static_cast<size_t>(i)] ? 1 : in[k++]);
  return out;
}

class Unsqueeze final : public Kernel {
 public:
  explicit Unsqueeze(const KernelInit& init) : from_input_(init.opset() >= 13) {
    if (!from_input_) axes_ = init.node.required_attr("axes", ir::AttrType::kInts).ints;
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    std::vector<int64_t> axes = axes_;
    if (from_input_) {
      const Tensor& a = ctx.input(1);
      if (a.rank() > 1 || a.dtype() != DataType::kInt64)
        fail(ErrorCode::kInvalidArgument, "axes must be a 1-D int64 tensor, got ", a.describe());
      axes = a.to_int64_vector();
    }
    ctx.set_output(0, x.reshaped(unsqueeze_shape(x.shape(), axes)));
  }

 private:
  bool from_input_;
  std::vector<int64_t> axes_;
};

void infer_unsqueeze(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  std::optional<std::vector<int64_t>> axes;
  if (ctx.opset() < 13) axes = ctx.node().required_attr("axes", ir::AttrType::kInts).ints;
  else axes = tinfer::input_ints(ctx, 1);
  if (!in) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  if (!axes) {
    // Rank known from the axes' length, positions not.
    const ir::Dims* ad = ctx.input_dims(1);
    if (ad && ad->size() <= 1) {
      int64_t n = ad->empty() ? 1 : (*ad)[0].value;
      if (n >= 0) {
        ctx.set_output(0, dt, ir::Dims(in->size() + static_cast<size_t>(n)));
        return;
      }
    }
    ctx.set_output_unranked(0, dt);
    return;
  }
  int out_rank = static_cast<int>(in->size() + axes->size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : *axes) {
    if (a < -out_rank || a >= out_rank) ctx.fail("axes value ", a, " is out of range for output rank ", out_rank);
    int n = static_cast<int>(a < 0 ? a + out_rank : a);
    if (inserted[static_cast<size_t>(n)]) ctx.fail("axes ", shape_str(*axes), " repeat axis ", n);
    inserted[static_cast<size_t>(n)] = true;
  }
  ir::Dims out;
  size_t k = 0;
  for (int i = 0; i < out_rank; ++i) out.push_back(inserted[static_cast<size_t>(i)] ? ir::Dim(1) : (*in)[k++]);
  ctx.set_output(0, dt, out);
  if (const ir::Dims* v = ctx.input_values(0))
    if (out.size() <= 1) tinfer::set_values(ctx, 0, *v);
}

}  // namespace

ONYX_KERNEL({.op = "Reshape", .since = 1, .infer = infer_reshape, .create = create<Reshape>});
ONYX_KERNEL({.op = "Flatten", .since = 1, .infer = infer_flatten, .create = create<Flatten>});
ONYX_KERNEL({.op = "Squeeze", .since = 1, .infer = infer_squeeze, .create = create<Squeeze>});
ONYX_KERNEL({.op = "Unsqueeze", .since = 1, .infer = infer_unsqueeze, .create = create<Unsqueeze>});

}  // namespace onyx
