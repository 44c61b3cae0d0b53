// LSTM, opsets 1, 7, 14 (layout) and 22 (bfloat16). Gates in W, R and B are
// ordered i, o, f, c; peepholes P are ordered i, o, f:
//   i = f(X Wi^T + H Ri^T + Pi . C + Wbi + Rbi)
//   f = f(X Wf^T + H Rf^T + Pf . C + Wbf + Rbf)     (1 - i with input_forget)
//   c = g(X Wc^T + H Rc^T + Wbc + Rbc)
//   C' = f . C + i . c
//   o = f(X Wo^T + H Ro^T + Po . C' + Wbo + Rbo)
//   H' = o . h(C')
// clip bounds the gate pre-activations. sequence_lens as in RNN (see rnn.cc);
// Y_c holds each batch entry's cell after its last step.
#include "kernels/common/rnn_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Lstm final : public Kernel {
 public:
  explicit Lstm(const KernelInit& init)
      : a_(rnn_attrs(init.node, {"Sigmoid", "Tanh", "Tanh"})),
        input_forget_(init.node.attr_int("input_forget", 0) != 0) {}

  void run(KernelContext& ctx) const override {
    const RnnShapes s = rnn_check_inputs(ctx, a_, 4);
    rnn_check_state(ctx.optional_input(6), s, a_.layout, "initial_c");
    rnn_check_vector(ctx.optional_input(7), s, 3 * s.hidden, "P", "3*hidden_size");
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
    const std::vector<C> bias = rnn_load<C, T>(ctx.optional_input(3), s.dirs * 8 * H);
    const std::vector<C> peep = rnn_load<C, T>(ctx.optional_input(7), s.dirs * 3 * H);
    std::vector<C> h = rnn_load_state<C, T>(ctx.optional_input(5), s, a_.layout);
    std::vector<C> c = rnn_load_state<C, T>(ctx.optional_input(6), s, a_.layout);
    const bool want_y = ctx.output_wanted(0);
    std::vector<C> y(want_y ? static_cast<size_t>(s.seq * s.dirs * B * H) : 0, C(0));
    const int64_t steps = s.lens.empty() ? 0 : *std::max_element(s.lens.begin(), s.lens.end());
    std::vector<C> xw, hr(static_cast<size_t>(B * 4 * H)), b_sum(static_cast<size_t>(4 * H));
    const int64_t grain = std::max<int64_t>(1, 2048 / std::max<int64_t>(H, 1));
    const bool clip = a_.has_clip;
    const float cl = a_.clip;
    for (int d = 0; d < s.dirs; ++d) {
      const bool reverse = a_.direction == RnnDirection::kReverse || d == 1;
      const RnnActivation f = a_.activations[static_cast<size_t>(d * 3)];
      const RnnActivation g = a_.activations[static_cast<size_t>(d * 3 + 1)];
      const RnnActivation hf = a_.activations[static_cast<size_t>(d * 3 + 2)];
      const C* bd = bias.data() + d * 8 * H;
      for (int64_t j = 0; j < 4 * H; ++j) b_sum[static_cast<size_t>(j)] = bd[j] + bd[4 * H + j];
      rnn_project_inputs(x, s, w.data() + d * 4 * H * s.input, 4 * H, b_sum.data(), xw, ctx.pool());
      C* hd = h.data() + d * B * H;
      C* cd = c.data() + d * B * H;
      const C* rd = r.data() + d * 4 * H * H;
      const C* pi = peep.data() + d * 3 * H;
      const C* po = pi + H;
      const C* pf = pi + 2 * H;
      for (int64_t step = 0; step < steps; ++step) {
        rnn_recur(hd, B, H, rd, 4 * H, H, hr.data(), ctx.pool());
        parallel_for(ctx.pool(), B, grain, [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            const int64_t len = s.lens[static_cast<size_t>(b)];
            if (step >= len) continue;
            const int64_t t = reverse ? len - 1 - step : step;
            const C* xr = xw.data() + (t * B + b) * 4 * H;
            const C* hrb = hr.data() + b * 4 * H;
            C* hb = hd + b * H;
            C* cb = cd + b * H;
            for (int64_t j = 0; j < H; ++j) {
              const C c_prev = cb[j];
              const C ig = f(rnn_clip(xr[j] + hrb[j] + pi[j] * c_prev, clip, cl));
              const C fg = input_forget_ ? C(1) - ig : f(rnn_clip(xr[2 * H + j] + hrb[2 * H + j] + pf[j] * c_prev, clip, cl));
              const C cand = g(rnn_clip(xr[3 * H + j] + hrb[3 * H + j], clip, cl));
              const C c_new = fg * c_prev + ig * cand;
              const C og = f(rnn_clip(xr[H + j] + hrb[H + j] + po[j] * c_new, clip, cl));
              cb[j] = c_new;
              hb[j] = og * hf(c_new);
            }
            if (want_y) std::copy(hb, hb + H, y.data() + ((t * s.dirs + d) * B + b) * H);
          }
        });
      }
    }
    rnn_store_y<C, T>(ctx, 0, y, s, a_.layout);
    rnn_store_state<C, T>(ctx, 1, h, s, a_.layout);
    rnn_store_state<C, T>(ctx, 2, c, s, a_.layout);
  }

  RnnAttrs a_;
  bool input_forget_;
};

}  // namespace

ONYX_KERNEL({.op = "LSTM", .since = 1, .types = kFloatTypes, .infer = rnn_infer, .create = create<Lstm>});

}  // namespace onyx
