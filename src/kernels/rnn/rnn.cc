// RNN: the simple (Elman) recurrent layer, opsets 1, 7, 14 (layout) and 22
// (bfloat16):  H_t = f(X_t W^T + H_{t-1} R^T + Wb + Rb).
//
// The input projection of all steps is one GEMM; each step then does one
// [batch, hidden] x [hidden, hidden] GEMM. With sequence_lens, batch entry b
// runs only its first len_b steps (a reverse direction starts at len_b - 1),
// its Y rows past len_b stay zero and Y_h holds its state after step len_b.
#include "kernels/common/rnn_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class Rnn final : public Kernel {
 public:
  explicit Rnn(const KernelInit& init) : a_(rnn_attrs(init.node, {"Tanh"})) {}

  void run(KernelContext& ctx) const override {
    const RnnShapes s = rnn_check_inputs(ctx, a_, 1);
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
    const std::vector<C> bias = rnn_load<C, T>(ctx.optional_input(3), s.dirs * 2 * H);
    std::vector<C> h = rnn_load_state<C, T>(ctx.optional_input(5), s, a_.layout);
    const bool want_y = ctx.output_wanted(0);
    std::vector<C> y(want_y ? static_cast<size_t>(s.seq * s.dirs * B * H) : 0, C(0));
    const int64_t steps = s.lens.empty() ? 0 : *std::max_element(s.lens.begin(), s.lens.end());
    std::vector<C> xw, hr(static_cast<size_t>(B * H)), b_sum(static_cast<size_t>(H));
    for (int d = 0; d < s.dirs; ++d) {
      const bool reverse = a_.direction == RnnDirection::kReverse || d == 1;
      const RnnActivation f = a_.activations[static_cast<size_t>(d)];
      const C* bd = bias.data() + d * 2 * H;
      for (int64_t j = 0; j < H; ++j) b_sum[static_cast<size_t>(j)] = bd[j] + bd[H + j];
      rnn_project_inputs(x, s, w.data() + d * H * s.input, H, b_sum.data(), xw, ctx.pool());
      C* hd = h.data() + d * B * H;
      const C* rd = r.data() + d * H * H;
      for (int64_t step = 0; step < steps; ++step) {
        rnn_recur(hd, B, H, rd, H, H, hr.data(), ctx.pool());
        parallel_for(ctx.pool(), B, std::max<int64_t>(1, 4096 / std::max<int64_t>(H, 1)), [&](int64_t b0, int64_t b1) {
          for (int64_t b = b0; b < b1; ++b) {
            const int64_t len = s.lens[static_cast<size_t>(b)];
            if (step >= len) continue;
            const int64_t t = reverse ? len - 1 - step : step;
            const C* xr = xw.data() + (t * B + b) * H;
            C* hb = hd + b * H;
            for (int64_t j = 0; j < H; ++j) hb[j] = f(rnn_clip(xr[j] + hr[static_cast<size_t>(b * H + j)], a_.has_clip, a_.clip));
            if (want_y) std::copy(hb, hb + H, y.data() + ((t * s.dirs + d) * B + b) * H);
          }
        });
      }
    }
    rnn_store_y<C, T>(ctx, 0, y, s, a_.layout);
    rnn_store_state<C, T>(ctx, 1, h, s, a_.layout);
  }

  RnnAttrs a_;
};

}  // namespace

ONYX_KERNEL({.op = "RNN", .since = 1, .types = kFloatTypes, .infer = rnn_infer, .create = create<Rnn>});

}  // namespace onyx
