// RotaryEmbedding (opset 23): rotates pairs of features of each head by a
// position-dependent angle given as cos / sin caches.
//
//   input: [B, H, S, D], or [B, S, H*D] with the num_heads attribute
//   cos_cache, sin_cache: [max_position, R/2] indexed by position_ids [B, S],
//                         or [B, S, R/2] when position_ids is omitted
//
// R = rotary_embedding_dim (0: the whole head, D). The first R features of a
// head are split into pairs (x1, x2) -- halves [0, R/2) and [R/2, R), or even
// and odd features when interleaved = 1 -- and become
//   (cos * x1 - sin * x2, sin * x1 + cos * x2);
// features from R on pass through. Position ids are untrusted: each is checked
// against the cache length.
#include "kernels/common/attention_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class RotaryEmbedding final : public Kernel {
 public:
  explicit RotaryEmbedding(const KernelInit& init) {
    const ir::Node& n = init.node;
    interleaved_ = n.attr_int("interleaved", 0) != 0;
    num_heads_ = n.attr_int("num_heads", 0);
    rotary_dim_ = n.attr_int("rotary_embedding_dim", 0);
    if (rotary_dim_ < 0 || num_heads_ < 0)
      fail(ErrorCode::kInvalidGraph, n.describe(), ": num_heads and rotary_embedding_dim must not be negative");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() == DataType::kDouble) compute<double>(ctx);
    else compute<float>(ctx);
  }

 private:
  template <typename C>
  void compute(KernelContext& ctx) const {
    const Tensor& x = ctx.input(0);
    const Tensor& cosc = ctx.input(1);
    const Tensor& sinc = ctx.input(2);
    const Tensor* pos = ctx.optional_input(3);
    if (!dtype_is_float(x.dtype()) || dtype_bits(x.dtype()) < 16)
      fail(ErrorCode::kInvalidArgument, "input must be a float tensor, got ", dtype_name(x.dtype()));
    if (x.rank() == 3 && num_heads_ == 0)
      fail(ErrorCode::kInvalidArgument, "a 3-D input needs the num_heads attribute");
    const HeadLayout l = head_layout(x, num_heads_, "input");
    const int64_t B = l.batch, H = l.heads, S = l.seq, D = l.dim;
    const int64_t R = rotary_dim_ == 0 ? D : rotary_dim_;
    if (R > D || R % 2 != 0)
      fail(ErrorCode::kInvalidArgument, "rotary_embedding_dim ", R, " must be even and at most the head size ", D);
    const int64_t half = R / 2;
    if (cosc.shape() != sinc.shape())
      fail(ErrorCode::kInvalidArgument, "cos_cache ", shape_str(cosc.shape()), " and sin_cache ",
           shape_str(sinc.shape()), " must have the same shape");
    int64_t max_pos = 0;
    std::vector<int64_t> ids;
    if (pos) {
      if (cosc.rank() != 2 || cosc.dim(1) != half)
        fail(ErrorCode::kInvalidArgument, "with position_ids, cos_cache must be [max_position, ", half, "], got ",
             shape_str(cosc.shape()));
      if (pos->rank() != 2 || pos->dim(0) != B || pos->dim(1) != S || !dtype_is_integer(pos->dtype()))
        fail(ErrorCode::kInvalidArgument, "position_ids must be an integer tensor of shape [", B, ", ", S, "], got ",
             pos->describe());
      max_pos = cosc.dim(0);
      ids = pos->to_int64_vector();
      for (int64_t id : ids)
        if (id < 0 || id >= max_pos)
          fail(ErrorCode::kInvalidArgument, "position id ", id, " is outside the caches' ", max_pos, " positions");
    } else if (cosc.rank() != 3 || cosc.dim(0) != B || cosc.dim(1) != S || cosc.dim(2) != half) {
      fail(ErrorCode::kInvalidArgument, "without position_ids, cos_cache must be [", B, ", ", S, ", ", half,
           "], got ", shape_str(cosc.shape()));
    }
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    parallel_for(ctx.pool(), B * S, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, H * D)), [&](int64_t r0, int64_t r1) {
      std::vector<C> in(static_cast<size_t>(D)), out(static_cast<size_t>(D));
      for (int64_t bs = r0; bs < r1; ++bs) {
        const int64_t b = bs / S, s = bs % S;
        const int64_t cache_row = (pos ? ids[static_cast<size_t>(bs)] : bs) * half;
        for (int64_t h = 0; h < H; ++h) {
          const int64_t base = l.offset(b, h, s);
          for (int64_t d = 0; d < D; ++d) in[static_cast<size_t>(d)] = float_at<C>(x, base + d);
          out = in;
          for (int64_t p = 0; p < half; ++p) {
            const C c = float_at<C>(cosc, cache_row + p), sn = float_at<C>(sinc, cache_row + p);
            const int64_t i1 = interleaved_ ? 2 * p : p, i2 = interleaved_ ? 2 * p + 1 : p + half;
            const C x1 = in[static_cast<size_t>(i1)], x2 = in[static_cast<size_t>(i2)];
            out[static_cast<size_t>(i1)] = c * x1 - sn * x2;
            out[static_cast<size_t>(i2)] = sn * x1 + c * x2;
          }
          for (int64_t d = 0; d < D; ++d) float_store<C>(y, base + d, out[static_cast<size_t>(d)]);
        }
      }
    });
  }

  bool interleaved_ = false;
  int64_t num_heads_ = 0, rotary_dim_ = 0;
};

void infer_rotary(InferContext& ctx) {
  if (ctx.input_rank(0) == 3 && ctx.node().attr_int("num_heads", 0) <= 0)
    ctx.fail("a 3-D input needs the num_heads attribute");
  if (ctx.input_rank(0) >= 0 && ctx.input_rank(0) != 3 && ctx.input_rank(0) != 4)
    ctx.fail("input must be 3-D or 4-D, got rank ", ctx.input_rank(0));
  infer::same_as_input(ctx);
}

}  // namespace

ONYX_KERNEL({.op = "RotaryEmbedding", .since = 23, .types = kFloatTypes, .infer = infer_rotary,
             .create = create<RotaryEmbedding>});

}  // namespace onyx
