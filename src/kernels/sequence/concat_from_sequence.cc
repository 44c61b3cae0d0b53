// ConcatFromSequence (opset 11): concatenates a sequence's tensors along
// `axis`, or stacks them along a new axis when new_axis = 1 (then `axis` may
// also be rank, i.e. after the last dim).
#include "kernels/control/slices.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class ConcatFromSequence final : public Kernel {
 public:
  explicit ConcatFromSequence(const KernelInit& init)
      : axis_(init.node.required_attr("axis", ir::AttrType::kInt).i), new_axis_(init.node.attr_int("new_axis", 0)) {
    if (new_axis_ != 0 && new_axis_ != 1)
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": new_axis must be 0 or 1, got ", new_axis_);
  }

  void run(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (!v || !v->is_sequence())
      fail(ErrorCode::kInvalidArgument, "input 0 should be a sequence but is ", v ? v->describe() : "missing");
    const auto& items = v->seq().items;
    if (items.empty()) fail(ErrorCode::kInvalidArgument, "cannot concatenate an empty sequence");
    const Tensor& first = items[0].tensor();
    const int rank = first.rank();
    if (rank == 0 && !new_axis_) fail(ErrorCode::kInvalidArgument, "cannot concatenate scalars (use new_axis = 1)");
    const int axis = normalize_axis(axis_, rank, "axis", new_axis_ == 1);
    // Each item as [outer, len_i, inner] over the output axis.
    Shape out_shape = first.shape();
    if (new_axis_) out_shape.insert(out_shape.begin() + axis, 0);
    int64_t total = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      const Tensor& t = items[i].tensor();
      bool ok = t.dtype() == first.dtype() && t.rank() == rank;
      for (int d = 0; ok && d < rank; ++d) ok = (!new_axis_ && d == axis) || t.dim(d) == first.dim(d);
      if (!ok)
        fail(ErrorCode::kInvalidArgument, "item ", i, " is ", t.describe(), " but item 0 is ", first.describe(),
             new_axis_ ? " (stacked items must have the same shape)"
                       : " (items must match in every dim but the concatenation axis)");
      total += new_axis_ ? 1 : t.dim(axis);
    }
    out_shape[static_cast<size_t>(axis)] = total;
    Tensor& y = ctx.output(0, out_shape, first.dtype());
    const int64_t outer = slices::outer_size(out_shape, axis), inner = slices::inner_size(out_shape, axis);
    int64_t at = 0;
    for (const Value& item : items) {
      const Tensor& t = item.tensor();
      const int64_t len = new_axis_ ? 1 : t.dim(axis);
      for (int64_t o = 0; o < outer; ++o)
        slices::copy_elements(t, o * len * inner, y, (o * total + at) * inner, len * inner);
      at += len;
    }
  }

 private:
  int64_t axis_;
  int64_t new_axis_;
};

void infer_concat_from_sequence(InferContext& ctx) {
  const ir::Node& node = ctx.node();
  const ir::Attribute* a = node.attr("axis");
  if (!a) ctx.fail("attribute 'axis' is required");
  const int64_t new_axis = node.attr_int("new_axis", 0);
  if (new_axis != 0 && new_axis != 1) ctx.fail("new_axis must be 0 or 1, got ", new_axis);
  const ir::Type& s = ctx.input_type(0);
  if (s.kind != ir::Type::Kind::kSequence && s.kind != ir::Type::Kind::kUnknown)
    ctx.fail("input 0 must be a sequence, is ", s.str());
  const ir::Type elem = s.inner ? *s.inner : ir::Type{};
  if (!elem.has_shape) {
    ctx.set_output_unranked(0, elem.elem);
    return;
  }
  const int r = elem.rank() + static_cast<int>(new_axis);
  if (a->i < -r || a->i >= r) ctx.fail("axis ", a->i, " is out of range for rank ", r);
  const size_t axis = static_cast<size_t>(a->i < 0 ? a->i + r : a->i);
  ir::Dims dims = elem.dims;
  if (new_axis) dims.insert(dims.begin() + static_cast<ptrdiff_t>(axis), ir::Dim());
  else dims[axis] = ir::Dim();  // the number of items is a run-time fact
  ctx.set_output(0, elem.elem, std::move(dims));
}

}  // namespace

ONYX_KERNEL({.op = "ConcatFromSequence", .since = 11, .infer = infer_concat_from_sequence, .create = create<ConcatFromSequence>});

}  // namespace onyx
