// The row-wise float MaxPool / AveragePool (kernels/pool/pool_fast.cc) on
// random 2-D cases (odd sizes, pads, strides, dilations, count_include_pad)
// against a direct evaluation of the ONNX definition; OpTest runs each case
// with the reference kernels and with the default (fast) ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>

#include "kernels/op_test.h"

namespace onyx::test {
namespace {

struct PoolCase {
  int64_t n, c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  bool include_pad;
};

Tensor direct_pool(const Tensor& x, const PoolCase& p, bool max) {
  const int64_t oh = (p.h + p.pt + p.pb - ((p.kh - 1) * p.dh + 1)) / p.sh + 1;
  const int64_t ow = (p.w + p.pl + p.pr - ((p.kw - 1) * p.dw + 1)) / p.sw + 1;
  Tensor y(DataType::kFloat, {p.n, p.c, oh, ow});
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  for (int64_t pl = 0; pl < p.n * p.c; ++pl)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        double best = std::numeric_limits<float>::lowest(), sum = 0;
        int64_t count = 0, padded = 0;
        for (int64_t ky = 0; ky < p.kh; ++ky)
          for (int64_t kx = 0; kx < p.kw; ++kx) {
            const int64_t iy = oy * p.sh - p.pt + ky * p.dh, ix = ox * p.sw - p.pl + kx * p.dw;
            if (iy >= -p.pt && iy < p.h + p.pb && ix >= -p.pl && ix < p.w + p.pr) ++padded;
            if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
            const double v = xp[(pl * p.h + iy) * p.w + ix];
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        const int64_t div = p.include_pad ? padded : count;
        yp[(pl * oh + oy) * ow + ox] = static_cast<float>(max ? best : (div ? sum / static_cast<double>(div) : 0.0));
      }
  return y;
}

TEST(PoolFast, RandomCasesMatchDirect) {
  std::mt19937 rng(1234);
  auto pick = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int i = 0; i < 40; ++i) {
    PoolCase p{};
    p.n = pick(1, 2);
    p.c = pick(1, 5);
    p.kh = pick(1, 4);
    p.kw = pick(1, 4);
    p.dh = pick(1, 2);
    p.dw = pick(1, 2);
    p.sh = pick(1, 3);
    p.sw = pick(1, 3);
    p.pt = pick(0, p.kh - 1);
    p.pb = pick(0, p.kh - 1);
    p.pl = pick(0, p.kw - 1);
    p.pr = pick(0, p.kw - 1);
    p.h = pick((p.kh - 1) * p.dh + 1, 23);
    p.w = pick((p.kw - 1) * p.dw + 1, 37);
    p.include_pad = pick(0, 1) != 0;
    Tensor x = random_tensor(DataType::kFloat, {p.n, p.c, p.h, p.w}, 100 + static_cast<uint32_t>(i));
    for (bool max : {true, false}) {
      SCOPED_TRACE(testing::Message() << "case " << i << (max ? " MaxPool" : " AveragePool") << " x [" << p.n << ","
                                      << p.c << "," << p.h << "," << p.w << "] k " << p.kh << "x" << p.kw << " s "
                                      << p.sh << "," << p.sw << " d " << p.dh << "," << p.dw);
      OpTest t(max ? "MaxPool" : "AveragePool", 19);
      t.input("X", x)
          .attr("kernel_shape", std::vector<int64_t>{p.kh, p.kw})
          .attr("strides", std::vector<int64_t>{p.sh, p.sw})
          .attr("dilations", std::vector<int64_t>{p.dh, p.dw})
          .attr("pads", std::vector<int64_t>{p.pt, p.pl, p.pb, p.pr});
      if (!max) t.attr("count_include_pad", static_cast<int64_t>(p.include_pad));
      t.output("Y", direct_pool(x, p, max)).tolerance(1e-5, 1e-6).run();
    }
  }
}

}  // namespace
}  // namespace onyx::test
