// GRU, opsets 1, 3 (linear_before_reset), 7, 14 (layout) and 22 (bfloat16).
// Gates in W, R and B are ordered z (update), r (reset), h (hidden):
//   z = f(X Wz^T + H Rz^T + Wbz + Rbz)      r = f(X Wr^T + H Rr^T + Wbr + Rbr)
//   h = g(X Wh^T + (r . H) Rh^T + Rbh + Wbh)            linear_before_reset = 0
//   h = g(X Wh^T + r . (H Rh^T + Rbh) + Wbh)            linear_before_reset = 1
//   H' = (1 - z) . h + z . H
// sequence_lens as in RNN (see rnn.cc).
#include "kernels/common/rnn_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Gru final : public Kernel {
 public:
  explicit Gru(const KernelInit& init)
      : a_(rnn_attrs(init.node, {"Sigmoid", "Tanh"})),
        linear_before_reset_(init.node.attr_int("linear_before_reset", 0) != 0) {}

  void run(KernelContext& ctx) const override {
    const RnnShapes s = rnn_check_inputs(ctx, a_, 3);
    dispatch_float(ctx.input(0).dtype(), [&]<typename T>() { compute<T>(ctx, s); });
  }

 private:
  template <typename T>
  void compute(KernelContext& ctx, const RnnShapes& s) const {
    using C = compute_t<T>;
    const int64_t H = s.hidden, B = s.batch;
    const std::vector<C> x = rnn_load_x<C, T>(ctx.input(0), s, a_.layout);
    const std::vector<C> w = rnn_load<C, T>(&ctx.input(1));
    const std::vector<C> r = rnn_load<C, T>(&ctx.input(2));
    const std::vector<C> bias = rnn_load<C, T>(ctx.optional_input(3), s.dirs * 6 * H);
    std::vector<C> h = rnn_load_state<C, T>(ctx.optional_input(5), s, a_.layout);
    const bool want_y = ctx.output_wanted(0);
    std::vector<C> y(want_y ? static_cast<size_t>(s.seq * s.dirs * B * H) : 0, C(0));
    const int64_t steps = s.lens.empty() ? 0 : *std::max_element(s.lens.begin(), s.lens.end());
    const bool lbr = linear_before_reset_;
    // hr: H R^T for z and r (and h with linear_before_reset); rh: r . H, then (r . H) Rh^T.
    std::vector<C> xw, hr(static_cast<size_t>(B * 3 * H)), z(static_cast<size_t>(B * H)),
        rh(static_cast<size_t>(B * H)), rh_out(static_cast<size_t>(B * H)), b_in(static_cast<size_t>(3 * H));
    const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(H, 1));
    const bool clip = a_.has_clip;
    const float cl = a_.clip;
    for (int d = 0; d < s.dirs; ++d) {
      const bool reverse = a_.direction == RnnDirection::kReverse || d == 1;
      const RnnActivation f = a_.activations[static_cast<size_t>(d * 2)];
      const RnnActivation g = a_.activations[static_cast<size_t>(d * 2 + 1)];
      const C* bd = bias.data() + d * 6 * H;
      const C* rbh = bd + 5 * H;
      // Biases that are plain sums fold into the input projection.
      for (int64_t j = 0; j < 3 * H; ++j)
        b_in[static_cast<size_t>(j)] = bd[j] + ((j >= 2 * H && lbr) ? C(0) : bd[3 * H + j]);
      rnn_project_inputs(x, s, w.data() + d * 3 * H * s.input, 3 * H, b_in.data(), xw, ctx.pool());
      C* hd = h.data() + d * B * H;
      const C* rd = r.data() + d * 3 * H * H;
      const int64_t hr_cols = lbr ? 3 * H : 2 * H;
      for (int64_t step = 0; step < steps; ++step) {
        auto active = [&](int64_t b, int64_t* t) {
          const int64_t len = s.lens[static_cast<size_t>(b)];
          if (step >= len) return false;
          *t = reverse ? len - 1 - step : step;
          return true;
        };
        rnn_recur(hd, B, H, rd, hr_cols, H, hr.data(), ctx.pool());
        parallel_for(ctx.pool(), B, grain, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            int64_t t;
            if (!active(b, &t)) continue;
            const C* xr = xw.data() + (t * B + b) * 3 * H;
            const C* hb = hd + b * H;
            const C* hrb = hr.data() + b * hr_cols;
            for (int64_t j = 0; j < H; ++j) {
              z[static_cast<size_t>(b * H + j)] = f(rnn_clip(xr[j] + hrb[j], clip, cl));
              const C rg = f(rnn_clip(xr[H + j] + hrb[H + j], clip, cl));
              // With linear_before_reset, rh holds r . (H Rh^T + Rbh) directly.
              rh[static_cast<size_t>(b * H + j)] = lbr ? rg * (hrb[2 * H + j] + rbh[j]) : rg * hb[j];
            }
          }
        });
        if (!lbr) rnn_recur(rh.data(), B, H, rd + 2 * H * H, H, H, rh_out.data(), ctx.pool());
        const std::vector<C>& hh = lbr ? rh : rh_out;
        parallel_for(ctx.pool(), B, grain, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            int64_t t;
            if (!active(b, &t)) continue;
            const C* xr = xw.data() + (t * B + b) * 3 * H;
            C* hb = hd + b * H;
            for (int64_t j = 0; j < H; ++j) {
              const size_t k = static_cast<size_t>(b * H + j);
              const C cand = g(rnn_clip(xr[2 * H + j] + hh[k], clip, cl));
              hb[j] = (C(1) - z[k]) * cand + z[k] * hb[j];
            }
            if (want_y) std::copy(hb, hb + H, y.data() + ((t * s.dirs + d) * B + b) * H);
          }
        });
      }
    }
    rnn_store_y<C, T>(ctx, 0, y, s, a_.layout);
    rnn_store_state<C, T>(ctx, 1, h, s, a_.layout);
  }

  RnnAttrs a_;
  bool linear_before_reset_;
};

}  // namespace

ONYX_KERNEL({.op = "GRU", .since = 1, .types = kFloatTypes, .infer = rnn_infer, .create = create<Gru>});

}  // namespace onyx
