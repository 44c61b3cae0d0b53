#include "kernels/common/reduce_util.h"

#include <algorithm>

namespace onyx {

std::vector<bool> reduce_axes_mask(std::span<const int64_t> axes, int rank) {
  std::vector<bool> mask(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    int ax = normalize_axis(a, rank, "reduction axis");
    if (mask[static_cast<size_t>(ax)])
      fail(ErrorCode::kInvalidArgument, "reduction axis ", a, " is repeated in axes ", shape_str(axes));
    mask[static_cast<size_t>(ax)] = true;
  }
  return mask;
}

Shape reduced_shape(const Shape& in, const std::vector<bool>& mask, bool keepdims) {
  Shape out;
  for (size_t d = 0; d < in.size(); ++d) {
    if (!mask[d]) out.push_back(in[d]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

ReducePlan make_reduce_plan(const Shape& in, const std::vector<bool>& mask) {
  // Runs of merged dims, outermost first; size-1 dims change nothing.
  struct Run {
    int64_t size;
    bool reduced;
  };
  std::vector<Run> runs;
  for (size_t d = 0; d < in.size(); ++d) {
    if (in[d] == 1) continue;
    if (!runs.empty() && runs.back().reduced == mask[d]) runs.back().size *= in[d];
    else runs.push_back({in[d], mask[d]});
  }
  ReducePlan p;
  if (runs.empty()) {  // a single element
    p.reduced_offsets = {0};
    return p;
  }
  std::vector<int64_t> strides(runs.size());
  int64_t acc = 1;
  for (size_t r = runs.size(); r-- > 0;) {
    strides[r] = acc;
    acc *= runs[r].size;
  }
  p.inner_reduced = runs.back().reduced;
  p.inner = runs.back().size;
  const size_t outer_runs = runs.size() - 1;
  // Offsets of every combination of the outer reduced runs (odometer order).
  p.reduced_offsets = {0};
  for (size_t r = 0; r < outer_runs; ++r) {
    if (!runs[r].reduced) continue;
    std::vector<int64_t> next;
    next.reserve(p.reduced_offsets.size() * static_cast<size_t>(runs[r].size));
    for (int64_t base : p.reduced_offsets)
      for (int64_t i = 0; i < runs[r].size; ++i) next.push_back(base + i * strides[r]);
    p.reduced_offsets = std::move(next);
  }
  for (size_t r = 0; r < outer_runs; ++r)
    if (!runs[r].reduced) {
      p.kept_dims.push_back(runs[r].size);
      p.kept_strides.push_back(strides[r]);
    }
  int64_t kept = 1;
  for (int64_t d : p.kept_dims) kept *= d;
  const int64_t combos = static_cast<int64_t>(p.reduced_offsets.size());
  if (p.inner_reduced) {
    p.outputs = kept;
    p.reduced = combos * p.inner;
  } else {
    p.outputs = kept * p.inner;
    p.reduced = combos;
  }
  return p;
}

AxisSplit split_at_axis(const Shape& shape, int axis) {
  AxisSplit s;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    int64_t n = shape[static_cast<size_t>(d)];
    if (d < axis) s.outer *= n;
    else if (d == axis) s.n = n;
    else s.inner *= n;
  }
  return s;
}

AxisSplit split_coerced_2d(const Shape& shape, int axis) {
  AxisSplit s;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (d < axis) s.outer *= shape[static_cast<size_t>(d)];
    else s.n *= shape[static_cast<size_t>(d)];
  }
  return s;
}

std::optional<ir::Dims> infer_reduced_dims(const ir::Dims& in, const std::vector<int64_t>* axes, bool keepdims,
                                           bool noop_if_empty) {
  const int rank = static_cast<int>(in.size());
  if (!axes) {
    if (!keepdims) return std::nullopt;
    // Same rank; a dim stays only where it is 1 either way.
    ir::Dims out;
    for (const ir::Dim& d : in) out.push_back(d.known() && d.value == 1 ? d : ir::Dim());
    return out;
  }
  if (axes->empty() && noop_if_empty) return in;
  std::vector<bool> mask(static_cast<size_t>(rank), axes->empty());
  if (!axes->empty()) mask = reduce_axes_mask(*axes, rank);
  ir::Dims out;
  for (int d = 0; d < rank; ++d) {
    if (!mask[static_cast<size_t>(d)]) out.push_back(in[static_cast<size_t>(d)]);
    else if (keepdims) out.push_back(ir::Dim(1));
  }
  return out;
}

}  // namespace onyx
