// FlexAttention (ai.onnx.preview, version 1): scaled dot-product attention
// whose scores and probabilities pass through user subgraphs.
//
//   Q [B, Hq, L, D], K [B, Hkv, S, D], V [B, Hkv, S, Dv] -> Y [B, Hq, L, Dv]
//
//   scores = (Q @ K^T) * scale          (scale defaults to 1/sqrt(D))
//   scores = score_mod(scores)          (graph attribute, optional)
//   scores = mask_mod(scores)           (graph attribute of the first draft, optional)
//   probs  = softmax(scores, axis=-1)   (a fully masked row gives zeros)
//   probs  = prob_mod(probs)            (graph attribute, optional)
//   Y      = probs @ V
//
// Each subgraph takes one [B, Hq, L, S] tensor (Q's element type) and must
// return one of the same shape. With fewer KV heads than query heads, query
// head h uses KV head h / (Hq / Hkv) (contiguous groups).
#include "kernels/common/attention_util.h"
#include "runtime/plan.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

const char* const kModNames[] = {"score_mod", "mask_mod", "prob_mod"};

void check_mod_graph(const ir::Node& node, const ir::Graph& g, const char* name) {
  if (g.inputs.size() != 1 || g.outputs.size() != 1)
    fail(ErrorCode::kInvalidGraph, node.describe(), ": subgraph '", name, "' must have one input and one output, has ",
         g.inputs.size(), " and ", g.outputs.size());
}

class FlexAttention final : public Kernel {
 public:
  explicit FlexAttention(const KernelInit& init) {
    const ir::Node& n = init.node;
    has_scale_ = n.has_attr("scale");
    scale_ = n.attr_float("scale", 1.0f);
    for (int m = 0; m < 3; ++m) {
      if (const ir::Graph* g = n.attr_graph(kModNames[m])) {
        check_mod_graph(n, *g, kModNames[m]);
        mods_[m] = init.compile_subgraph(*g);
      }
    }
  }

  void run(KernelContext& ctx) const override {
    if (ctx.input(0).dtype() == DataType::kDouble || ctx.input(2).dtype() == DataType::kDouble) compute<double>(ctx);
    else compute<float>(ctx);
  }

 private:
  // Runs modifier m on `x` (dense [B, Hq, L, S] in C), replacing its contents.
  template <typename C>
  void apply_mod(KernelContext& ctx, int m, std::vector<C>& x, const Shape& shape, DataType dt) const {
    Tensor in(dt, shape, ctx.allocator());
    for (int64_t i = 0; i < in.numel(); ++i) float_store<C>(in, i, x[static_cast<size_t>(i)]);
    const Value feed[1] = {Value(std::move(in))};
    std::vector<Value> outs = ctx.run_subgraph(*mods_[m], feed);
    if (outs.size() != 1 || !outs[0].is_tensor())
      fail(ErrorCode::kInvalidArgument, kModNames[m], " must return one tensor");
    const Tensor& r = outs[0].tensor();
    if (r.shape() != shape || !dtype_is_float(r.dtype()) || dtype_bits(r.dtype()) < 16)
      fail(ErrorCode::kInvalidArgument, kModNames[m], " returned ", r.describe(), " but must return a float tensor of shape ",
           shape_str(shape));
    for (int64_t i = 0; i < r.numel(); ++i) x[static_cast<size_t>(i)] = float_at<C>(r, i);
  }

  template <typename C>
  void compute(KernelContext& ctx) const {
    const Tensor& q = ctx.input(0);
    const Tensor& k = ctx.input(1);
    const Tensor& v = ctx.input(2);
    for (const Tensor* t : {&q, &k, &v}) {
      if (t->rank() != 4)
        fail(ErrorCode::kInvalidArgument, "Q, K and V must be 4-D [batch, heads, seq, head_size], got ",
             shape_str(t->shape()));
      if (!dtype_is_float(t->dtype()) || dtype_bits(t->dtype()) < 16)
        fail(ErrorCode::kInvalidArgument, "Q, K and V must be float tensors, got ", dtype_name(t->dtype()));
    }
    const int64_t B = q.dim(0), Hq = q.dim(1), L = q.dim(2), D = q.dim(3);
    const int64_t Hkv = k.dim(1), S = k.dim(2), Dv = v.dim(3);
    if (k.dim(0) != B || v.dim(0) != B || k.dim(3) != D || v.dim(1) != Hkv || v.dim(2) != S)
      fail(ErrorCode::kInvalidArgument, "Q ", shape_str(q.shape()), ", K ", shape_str(k.shape()), " and V ",
           shape_str(v.shape()), " do not fit [B, Hq, L, D], [B, Hkv, S, D], [B, Hkv, S, Dv]");
    if (Hkv == 0 || Hq % Hkv != 0)
      fail(ErrorCode::kInvalidArgument, "the ", Hq, " query heads are not a multiple of the ", Hkv, " KV heads");
    const int64_t group = Hq / Hkv;
    const C scale = has_scale_ ? static_cast<C>(scale_) : C(1) / std::sqrt(static_cast<C>(D));
    const HeadLayout lq = head_layout(q, 0, "Q"), lk = head_layout(k, 0, "K"), lv = head_layout(v, 0, "V");
    const std::vector<C> qb = gather_heads<C>(q, lq), kb = gather_heads<C>(k, lk), vb = gather_heads<C>(v, lv);
    const Shape sshape{B, Hq, L, S};
    std::vector<C> s(static_cast<size_t>(B * Hq * L * S));
    const int64_t rows = B * Hq * L;
    parallel_for(ctx.pool(), rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, S * D)), [&](int64_t r0, int64_t r1) {
      for (int64_t row = r0; row < r1; ++row) {
        const int64_t h = (row / L) % Hq, b = row / (L * Hq);
        const C* qi = &qb[static_cast<size_t>(row * D)];
        const C* kbase = &kb[static_cast<size_t>((b * Hkv + h / group) * S * D)];
        for (int64_t j = 0; j < S; ++j) {
          C acc = 0;
          for (int64_t d = 0; d < D; ++d) acc += qi[d] * kbase[j * D + d];
          s[static_cast<size_t>(row * S + j)] = acc * scale;
        }
      }
    });
    if (mods_[0]) apply_mod(ctx, 0, s, sshape, q.dtype());
    if (mods_[1]) apply_mod(ctx, 1, s, sshape, q.dtype());
    parallel_for(ctx.pool(), rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, S)), [&](int64_t r0, int64_t r1) {
      for (int64_t row = r0; row < r1; ++row) softmax_row(&s[static_cast<size_t>(row * S)], S);
    });
    if (mods_[2]) apply_mod(ctx, 2, s, sshape, q.dtype());
    Tensor& y = ctx.output(0, {B, Hq, L, Dv}, v.dtype());
    parallel_for(ctx.pool(), rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, S * Dv)), [&](int64_t r0, int64_t r1) {
      std::vector<C> acc(static_cast<size_t>(Dv));
      for (int64_t row = r0; row < r1; ++row) {
        const int64_t h = (row / L) % Hq, b = row / (L * Hq);
        const C* vbase = &vb[static_cast<size_t>((b * Hkv + h / group) * S * Dv)];
        std::fill(acc.begin(), acc.end(), C(0));
        for (int64_t j = 0; j < S; ++j) {
          const C p = s[static_cast<size_t>(row * S + j)];
          for (int64_t d = 0; d < Dv; ++d) acc[static_cast<size_t>(d)] += p * vbase[j * Dv + d];
        }
        for (int64_t d = 0; d < Dv; ++d) float_store<C>(y, row * Dv + d, acc[static_cast<size_t>(d)]);
      }
    });
  }

  bool has_scale_ = false;
  float scale_ = 1.0f;
  std::shared_ptr<const Plan> mods_[3];
};

void infer_flex_attention(InferContext& ctx) {
  const ir::Dims* q = ctx.input_dims(0);
  const ir::Dims* k = ctx.input_dims(1);
  const ir::Dims* v = ctx.input_dims(2);
  for (int i = 0; i < 3; ++i)
    if (ctx.input_rank(i) >= 0 && ctx.input_rank(i) != 4)
      ctx.fail("Q, K and V must be 4-D, input ", i, " has rank ", ctx.input_rank(i));
  // Each modifier maps the [B, Hq, L, S] score tensor to one of the same type.
  ir::Dims sdims(4);
  if (q) {
    sdims[0] = (*q)[0];
    sdims[1] = (*q)[1];
    sdims[2] = (*q)[2];
  }
  if (k) sdims[3] = (*k)[2];
  for (const char* name : kModNames) {
    ir::Graph* g = ctx.node().attr_graph(name);
    if (!g) continue;
    if (g->inputs.size() != 1 || g->outputs.size() != 1)
      ctx.fail("subgraph '", name, "' must have one input and one output");
    std::vector<ir::Type> out = ctx.infer_subgraph(*g, {ir::Type::tensor(ctx.input_dtype(0), sdims)});
    if (!out.empty() && out[0].kind != ir::Type::Kind::kUnknown && !out[0].is_tensor())
      ctx.fail("subgraph '", name, "' must return a tensor, returns ", out[0].str());
  }
  if (q && v) ctx.set_output(0, ctx.input_dtype(2), {(*q)[0], (*q)[1], (*q)[2], (*v)[3]});
  else ctx.set_output_unranked(0, ctx.input_dtype(2));
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.preview", .op = "FlexAttention", .since = 1, .types = kFloatTypes,
             .infer = infer_flex_attention, .create = create<FlexAttention>});

}  // namespace onyx
