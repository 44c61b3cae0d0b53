// Transpose: permutes axes (default: reversed).
//
// A permutation that only moves size-1 axes leaves the memory order alone and
// returns a view; otherwise a strided copy (dims merged where the permuted
// view is contiguous). Packed 4-/2-bit types go through one byte per element.
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

std::vector<int> resolve_perm(const std::vector<int64_t>& perm, bool given, int rank) {
  std::vector<int> p(static_cast<size_t>(rank));
  if (!given) {
    for (int i = 0; i < rank; ++i) p[static_cast<size_t>(i)] = rank - 1 - i;
    return p;
  }
  if (static_cast<int>(perm.size()) != rank)
    fail(ErrorCode::kInvalidArgument, "perm ", shape_str(perm), " has ", perm.size(), " entries for an input of rank ",
         rank);
  std::vector<int> ax = normalize_axes(perm, rank, "perm");
  return ax;
}

Tensor transpose(const Tensor& x, const std::vector<int>& perm, Allocator* alloc, ThreadPool* pool) {
  const int rank = x.rank();
  Shape out_shape(static_cast<size_t>(rank)), strides(static_cast<size_t>(rank));
  Shape in_strides = shape_strides(x.shape());
  for (int i = 0; i < rank; ++i) {
    out_shape[static_cast<size_t>(i)] = x.dim(perm[static_cast<size_t>(i)]);
    strides[static_cast<size_t>(i)] = in_strides[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  }
  // Only size-1 axes move: same memory order.
  int last = -1;
  bool same_order = true;
  for (int p : perm) {
    if (x.dim(p) == 1) continue;
    if (p < last) same_order = false;
    last = p;
  }
  if (same_order) return x.reshaped(out_shape);
  if (dtype_is_packed(x.dtype())) {
    Tensor bytes = unpack_subbyte(x);
    Tensor t(DataType::kUInt8, out_shape);
    copy_strided(bytes, 0, out_shape, strides, t, pool);
    return pack_subbyte(t, x.dtype(), alloc);
  }
  Tensor out(x.dtype(), out_shape, alloc);
  copy_strided(x, 0, out_shape, strides, out, pool);
  return out;
}

class Transpose final : public Kernel {
 public:
  explicit Transpose(const KernelInit& init)
      : perm_(init.node.attr_ints("perm")), given_(init.node.has_attr("perm")) {}
  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    ctx.set_output(0, transpose(x, resolve_perm(perm_, given_, x.rank()), ctx.allocator(), ctx.pool()));
  }

 private:
  std::vector<int64_t> perm_;
  bool given_;
};

void infer_transpose(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  const ir::Dims* in = ctx.input_dims(0);
  bool given = ctx.node().has_attr("perm");
  std::vector<int64_t> perm = ctx.node().attr_ints("perm");
  if (!in) {
    if (given) ctx.set_output(0, dt, ir::Dims(perm.size()));
    else ctx.set_output_unranked(0, dt);
    return;
  }
  int rank = static_cast<int>(in->size());
  std::vector<int> p;
  try {
    p = resolve_perm(perm, given, rank);
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  ir::Dims out;
  for (int a : p) out.push_back((*in)[static_cast<size_t>(a)]);
  ctx.set_output(0, dt, std::move(out));
}

}  // namespace

ONYX_KERNEL({.op = "Transpose", .since = 1, .infer = infer_transpose, .create = create<Transpose>});

}  // namespace onyx
