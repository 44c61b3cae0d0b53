// Concat and Split: joining and cutting along one axis.
//
// Both see a tensor as [outer, axis, inner] and move contiguous blocks of
// axis*inner elements. A Split part that is one contiguous, 64-byte aligned
// block of the input (splitting the outermost non-trivial axis) is returned as
// a view instead of a copy; unaligned parts are copied because kernels may
// rely on the allocator's 64-byte alignment.
#include <numeric>

#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

int64_t prod(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

// ---- Concat ---------------------------------------------------------------------

class Concat final : public Kernel {
 public:
  explicit Concat(const KernelInit& init) : axis_(init.node.attr_int("axis", 1)) {
    if (init.opset() >= 4 && !init.node.has_attr("axis"))
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": attribute 'axis' is required");
  }
  void run(KernelContext& ctx) const override {
    std::vector<const Tensor*> ins;
    for (int i = 0; i < ctx.num_inputs(); ++i) ins.push_back(&ctx.input(i));
    if (ins.empty()) fail(ErrorCode::kInvalidArgument, "Concat needs at least one input");
    // The first non-empty input fixes rank and dims; empty inputs that do not
    // match (e.g. a [0] placeholder) contribute nothing and are skipped.
    const Tensor* ref = ins[0];
    for (const Tensor* t : ins)
      if (t->numel() > 0) {
        ref = t;
        break;
      }
    const int rank = ref->rank();
    if (rank == 0) fail(ErrorCode::kInvalidArgument, "cannot concatenate scalars");
    const int axis = normalize_axis(axis_, rank);
    Shape out_shape = ref->shape();
    out_shape[static_cast<size_t>(axis)] = 0;
    std::vector<const Tensor*> parts;
    for (size_t k = 0; k < ins.size(); ++k) {
      const Tensor* t = ins[k];
      if (t->dtype() != ref->dtype())
        fail(ErrorCode::kInvalidArgument, "input ", k, " has element type ", dtype_name(t->dtype()), " but input 0 has ",
             dtype_name(ref->dtype()));
      bool match = t->rank() == rank;
      for (int d = 0; match && d < rank; ++d)
        if (d != axis && t->dim(d) != ref->dim(d)) match = false;
      if (!match) {
        if (t->numel() == 0) continue;
        fail(ErrorCode::kInvalidArgument, "input ", k, " ", t->describe(), " does not match ", ref->describe(),
             " outside axis ", axis);
      }
      out_shape[static_cast<size_t>(axis)] += t->dim(axis);
      parts.push_back(t);
    }
    Tensor& out = ctx.output(0, out_shape, ref->dtype());
    if (out.numel() == 0) return;
    if (dtype_is_packed(out.dtype())) fail(ErrorCode::kNotImplemented, "Concat of packed ", dtype_name(out.dtype()));
    const int64_t outer = prod(out_shape, 0, static_cast<size_t>(axis));
    const int64_t inner = prod(out_shape, static_cast<size_t>(axis) + 1, out_shape.size());
    if (outer >= 64) {
      // Many rows: the threads split them.
      const int64_t out_row = out_shape[static_cast<size_t>(axis)] * inner;
      parallel_for(ctx.pool(), outer, std::max<int64_t>(1, 32768 / std::max<int64_t>(out_row, 1)), [&](int64_t o0, int64_t o1) {
        for (int64_t o = o0; o < o1; ++o) {
          int64_t dst = o * out_row;
          for (const Tensor* t : parts) {
            int64_t block = t->dim(axis) * inner;
            copy_elements(*t, o * block, out, dst, block);
            dst += block;
          }
        }
      });
      return;
    }
    // Few rows (the channel Concat of a CNN: [1, C, H, W] on axis 1): copies
    // of at most kPiece elements, split over the threads; whole blocks of
    // megabytes would leave all but one thread idle.
    constexpr int64_t kPiece = 16384;
    struct Piece {
      const Tensor* src;
      int64_t src_off, dst_off, count;
    };
    std::vector<Piece> pieces;
    for (int64_t o = 0, dst = 0; o < outer; ++o)
      for (const Tensor* t : parts) {
        const int64_t block = t->dim(axis) * inner;
        for (int64_t i = 0; i < block; i += kPiece)
          pieces.push_back({t, o * block + i, dst + i, std::min(kPiece, block - i)});
        dst += block;
      }
    const int64_t avg = std::max<int64_t>(1, out.numel() / std::max<int64_t>(1, static_cast<int64_t>(pieces.size())));
    parallel_for(ctx.pool(), static_cast<int64_t>(pieces.size()), std::max<int64_t>(1, 32768 / avg),
                 [&](int64_t p0, int64_t p1) {
                   for (int64_t p = p0; p < p1; ++p) {
                     const Piece& pc = pieces[static_cast<size_t>(p)];
                     copy_elements(*pc.src, pc.src_off, out, pc.dst_off, pc.count);
                   }
                 });
  }

 private:
  int64_t axis_;
};

void infer_concat(InferContext& ctx) {
  DataType dt = DataType::kUndefined;
  const ir::Dims* ref = nullptr;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (dt == DataType::kUndefined) dt = ctx.input_dtype(i);
    else if (ctx.input_dtype(i) != DataType::kUndefined && ctx.input_dtype(i) != dt)
      ctx.fail("input ", i, " has element type ", dtype_name(ctx.input_dtype(i)), " but input 0 has ", dtype_name(dt));
  }
  // The run-time reference is the first non-empty input.
  for (int i = 0; i < ctx.num_inputs() && !ref; ++i)
    if (const ir::Dims* d = ctx.input_dims(i); d && !(tinfer::product(*d) == ir::Dim(0))) ref = d;
  for (int i = 0; i < ctx.num_inputs() && !ref; ++i) ref = ctx.input_dims(i);
  if (!ref) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  const int rank = static_cast<int>(ref->size());
  int64_t axis = ctx.node().attr_int("axis", 1);
  if (rank == 0) ctx.fail("cannot concatenate scalars");
  if (axis < -rank || axis >= rank) ctx.fail("axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  ir::Dims out(static_cast<size_t>(rank));
  int64_t total = 0;
  bool total_known = true;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Dims* d = ctx.input_dims(i);
    if (!d) {
      total_known = false;
      continue;
    }
    // An empty input contributes nothing and may differ from the others (it
    // is skipped at run time).
    const ir::Dim n = tinfer::product(*d);
    if (n == ir::Dim(0) && d != ref) {
      // Counted only when it matches the reference: the total is known only
      // when its axis dim is 0 either way.
      if (static_cast<int>(d->size()) != rank || !((*d)[static_cast<size_t>(axis)] == ir::Dim(0))) total_known = false;
      continue;
    }
    if (static_cast<int>(d->size()) != rank) {
      if (n.known()) ctx.fail("input ", i, " has rank ", d->size(), " but another input has rank ", rank);
      total_known = false;
      continue;
    }
    for (int k = 0; k < rank; ++k) {
      const ir::Dim& x = (*d)[static_cast<size_t>(k)];
      if (k == axis) {
        if (x.known() && total <= (int64_t{1} << 62) - x.value) total += x.value;
        else total_known = false;
        continue;
      }
      ir::Dim& o = out[static_cast<size_t>(k)];
      if (x.known()) {
        if (o.known() && o.value != x.value)
          ctx.fail("input ", i, " has dim ", x.value, " at axis ", k, " where another input has ", o.value);
        o = x;
      } else if (o.unknown()) {
        o = x;
      }
    }
  }
  out[static_cast<size_t>(axis)] = total_known ? ir::Dim(total) : ir::Dim();
  ctx.set_output(0, dt, out);
  if (rank == 1 && tinfer::carries_values(dt)) {
    ir::Dims vals;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const ir::Dims* v = ctx.input_values(i);
      if (!v) return;
      vals.insert(vals.end(), v->begin(), v->end());
    }
    tinfer::set_values(ctx, 0, std::move(vals));
  }
}

// ---- Split ----------------------------------------------------------------------

// The sizes of the parts along the axis.
std::vector<int64_t> split_sizes(int64_t dim, int outputs, const std::optional<std::vector<int64_t>>& split,
                                 int64_t num_outputs) {
  std::vector<int64_t> sizes;
  if (split) {
    if (static_cast<int>(split->size()) != outputs)
      fail(ErrorCode::kInvalidArgument, "split ", shape_str(*split), " has ", split->size(), " entries for ", outputs,
           " outputs");
    int64_t sum = 0;
    for (int64_t s : *split) {
      if (s < 0 || s > dim)
        fail(ErrorCode::kInvalidArgument, "split ", shape_str(*split), " has a size outside [0, ", dim, "]");
      sum += s;
    }
    if (sum != dim)
      fail(ErrorCode::kInvalidArgument, "split ", shape_str(*split), " sums to ", sum, " but the axis has size ", dim);
    return *split;
  }
  if (num_outputs > 0) {
    if (num_outputs != outputs)
      fail(ErrorCode::kInvalidArgument, "num_outputs is ", num_outputs, " but the node has ", outputs, " outputs");
    int64_t chunk = (dim + num_outputs - 1) / num_outputs;
    int64_t last = dim - chunk * (num_outputs - 1);
    if (last < 0)
      fail(ErrorCode::kInvalidArgument, "cannot split an axis of size ", dim, " into ", num_outputs,
           " chunks of ", chunk);
    sizes.assign(static_cast<size_t>(num_outputs), chunk);
    sizes.back() = last;
    return sizes;
  }
  if (outputs <= 0 || dim % outputs != 0)
    fail(ErrorCode::kInvalidArgument, "cannot split an axis of size ", dim, " into ", outputs, " equal parts");
  sizes.assign(static_cast<size_t>(outputs), dim / outputs);
  return sizes;
}

class Split final : public Kernel {
 public:
  explicit Split(const KernelInit& init)
      : opset_(init.opset()), axis_(init.node.attr_int("axis", 0)), num_outputs_(init.node.attr_int("num_outputs", 0)) {
    if (init.node.has_attr("split")) split_attr_ = init.node.attr_ints("split");
    if (opset_ >= 18 && num_outputs_ > 0 && init.has_input(1))
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": give either the 'split' input or 'num_outputs', not both");
  }
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const int axis = normalize_axis(axis_, x.rank());
    std::optional<std::vector<int64_t>> split = split_attr_;
    // Opset 1 and 13+ take the sizes as an input.
    if (opset_ < 2 || opset_ >= 13) {
      if (const Tensor* s = ctx.optional_input(1)) {
        if (s->rank() > 1 || !dtype_is_integer(s->dtype()))
          fail(ErrorCode::kInvalidArgument, "split must be a 1-D integer tensor, got ", s->describe());
        split = s->to_int64_vector();
      }
    }
    const int n = ctx.num_outputs();
    std::vector<int64_t> sizes = split_sizes(x.dim(axis), n, split, opset_ >= 18 ? num_outputs_ : 0);
    const Shape& shape = x.shape();
    const int64_t outer = prod(shape, 0, static_cast<size_t>(axis));
    const int64_t inner = prod(shape, static_cast<size_t>(axis) + 1, shape.size());
    const int64_t in_row = x.dim(axis) * inner;
    int64_t start = 0;
    for (int k = 0; k < n; ++k) {
      int64_t size = sizes[static_cast<size_t>(k)];
      Shape os = shape;
      os[static_cast<size_t>(axis)] = size;
      if (ctx.output_wanted(k)) {
        int64_t off = start * inner;
        size_t byte_off = dtype_bytes(x.dtype(), off);
        bool view = outer == 1 && !dtype_is_packed(x.dtype()) && x.dtype() != DataType::kString &&
                    (reinterpret_cast<uintptr_t>(x.raw()) + byte_off) % kTensorAlignment == 0;
        if (view) {
          ctx.set_output(k, Tensor::wrap(x.dtype(), os, static_cast<char*>(const_cast<void*>(x.raw())) + byte_off,
                                         x.owner()));
        } else {
          if (dtype_is_packed(x.dtype())) fail(ErrorCode::kNotImplemented, "Split of packed ", dtype_name(x.dtype()));
          Tensor& out = ctx.output(k, os, x.dtype());
          const int64_t block = size * inner;
          for (int64_t o = 0; o < outer; ++o) copy_elements(x, o * in_row + start * inner, out, o * block, block);
        }
      }
      start += size;
    }
  }

 private:
  int opset_;
  int64_t axis_;
  int64_t num_outputs_;
  std::optional<std::vector<int64_t>> split_attr_;
};

void infer_split(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  const int n = ctx.num_outputs();
  if (!in) {
    for (int k = 0; k < n; ++k) ctx.set_output_unranked(k, dt);
    return;
  }
  const int rank = static_cast<int>(in->size());
  int64_t axis = ctx.node().attr_int("axis", 0);
  if (axis < -rank || axis >= rank) ctx.fail("axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  std::optional<std::vector<int64_t>> split;
  bool split_unknown = false;
  if (ctx.node().has_attr("split")) split = ctx.node().attr_ints("split");
  if ((ctx.opset() < 2 || ctx.opset() >= 13) && ctx.has_input(1)) {
    split = tinfer::input_ints(ctx, 1);
    split_unknown = !split;
  }
  const ir::Dim& d = (*in)[static_cast<size_t>(axis)];
  std::optional<std::vector<int64_t>> sizes;
  if (!split_unknown && (split || d.known())) {
    try {
      sizes = split_sizes(d.known() ? d.value : std::accumulate(split->begin(), split->end(), int64_t{0}), n, split,
                          ctx.opset() >= 18 ? ctx.node().attr_int("num_outputs", 0) : 0);
    } catch (const Error& e) {
      ctx.fail(e.what());
    }
  }
  const ir::Dims* vals = ctx.input_values(0);
  int64_t start = 0;
  for (int k = 0; k < n; ++k) {
    ir::Dims od = *in;
    od[static_cast<size_t>(axis)] = sizes ? ir::Dim((*sizes)[static_cast<size_t>(k)]) : ir::Dim();
    ctx.set_output(k, dt, od);
    if (sizes && vals && rank == 1 && static_cast<int64_t>(vals->size()) >= start + (*sizes)[static_cast<size_t>(k)]) {
      auto b = vals->begin() + start;
      tinfer::set_values(ctx, k, ir::Dims(b, b + (*sizes)[static_cast<size_t>(k)]));
    }
    if (sizes) start += (*sizes)[static_cast<size_t>(k)];
  }
}

}  // namespace

ONYX_KERNEL({.op = "Concat", .since = 1, .infer = infer_concat, .create = create<Concat>});
ONYX_KERNEL({.op = "Split", .since = 1, .infer = infer_split, .create = create<Split>});

}  // namespace onyx
