// RNN, GRU, LSTM.
//
// Random cases are checked against a plain per-element implementation of the
// ONNX equations written here (double precision, one time step and one batch
// entry at a time, no GEMM), which shares no code with the kernels: every
// direction, both layouts, sequence_lens, initial states, clip, peepholes,
// input_forget, linear_before_reset and activations with alpha/beta.
#include <cctype>
#include <cmath>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

struct Case {
  std::string op = "RNN";  // RNN, GRU, LSTM
  std::string direction = "forward";
  int layout = 0;
  int64_t seq = 3, batch = 2, input = 3, hidden = 4;
  std::vector<int32_t> lens;  // empty: no sequence_lens input
  bool bias = true, init_h = false, init_c = false, peep = false;
  float clip = 0;             // 0: no clip attribute
  int linear_before_reset = 0;
  int input_forget = 0;
  std::vector<std::string> acts;
  std::vector<float> alphas, betas;
  int opset = 22;
  uint32_t seed = 1;
};

int gates_of(const std::string& op) { return op == "LSTM" ? 4 : op == "GRU" ? 3 : 1; }

struct Act {
  std::string name;
  double alpha = 0, beta = 0;
  double operator()(double x) const {
    if (name == "relu") return std::max(0.0, x);
    if (name == "tanh") return std::tanh(x);
    if (name == "sigmoid") return 1 / (1 + std::exp(-x));
    if (name == "affine") return alpha * x + beta;
    if (name == "leakyrelu") return x >= 0 ? x : alpha * x;
    if (name == "thresholdedrelu") return x > alpha ? x : 0;
    if (name == "scaledtanh") return alpha * std::tanh(beta * x);
    if (name == "hardsigmoid") return std::min(1.0, std::max(0.0, alpha * x + beta));
    if (name == "elu") return x >= 0 ? x : alpha * (std::exp(x) - 1);
    if (name == "softsign") return x / (1 + std::fabs(x));
    if (name == "softplus") return std::log(1 + std::exp(x));
    ADD_FAILURE() << "unknown activation " << name;
    return 0;
  }
};

// The activations of each direction, alpha/beta consumed in order by the
// functions that take them (defaults as the ONNX operators).
// One set given for a bidirectional node serves both directions (as the
// kernel does), so the result always holds `per direction * dirs` functions.
std::vector<Act> activations(const Case& c, int dirs) {
  const size_t per = c.op == "LSTM" ? 3 : c.op == "GRU" ? 2 : 1;
  std::vector<std::string> names = c.acts;
  if (names.empty())
    names = c.op == "LSTM" ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
            : c.op == "GRU" ? std::vector<std::string>{"Sigmoid", "Tanh"}
                            : std::vector<std::string>{"Tanh"};
  if (names.size() == per && dirs == 2) {
    const std::vector<std::string> once = names;
    names.insert(names.end(), once.begin(), once.end());
  }
  EXPECT_EQ(names.size(), per * static_cast<size_t>(dirs)) << "activations of the test case";
  std::vector<Act> out;
  size_t ai = 0, bi = 0;
  for (std::string n : names) {
    for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    Act a{n};
    auto take_alpha = [&](double d) { a.alpha = ai < c.alphas.size() ? c.alphas[ai++] : d; };
    auto take_beta = [&](double d) { a.beta = bi < c.betas.size() ? c.betas[bi++] : d; };
    if (n == "affine") take_alpha(1), take_beta(0);
    if (n == "leakyrelu") take_alpha(0.01);
    if (n == "thresholdedrelu") take_alpha(1);
    if (n == "scaledtanh") take_alpha(1), take_beta(1);
    if (n == "hardsigmoid") take_alpha(0.2), take_beta(0.5);
    if (n == "elu") take_alpha(1);
    out.push_back(a);
  }
  return out;
}

std::vector<double> doubles(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.real_at(i);
  return v;
}

Tensor float_tensor(const Shape& s, const std::vector<double>& v) {
  Tensor t(DataType::kFloat, s);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(v[static_cast<size_t>(i)]);
  return t;
}

struct Expected {
  std::vector<double> y, yh, yc;  // layout 0: [seq, dirs, batch, H], [dirs, batch, H]
};

// The ONNX equations, one batch entry and one step at a time.
Expected reference(const Case& c, const std::vector<double>& x0, const std::vector<double>& W,
                   const std::vector<double>& R, const std::vector<double>& B, const std::vector<double>& H0,
                   const std::vector<double>& C0, const std::vector<double>& P) {
  const int dirs = c.direction == "bidirectional" ? 2 : 1;
  const int G = gates_of(c.op);
  const int64_t S = c.seq, N = c.batch, I = c.input, H = c.hidden;
  const std::vector<Act> acts = activations(c, dirs);
  const int per = G == 4 ? 3 : G == 3 ? 2 : 1;
  Expected e;
  e.y.assign(static_cast<size_t>(S * dirs * N * H), 0.0);
  e.yh.assign(static_cast<size_t>(dirs * N * H), 0.0);
  e.yc.assign(static_cast<size_t>(dirs * N * H), 0.0);
  auto X = [&](int64_t t, int64_t b, int64_t i) {
    return c.layout == 0 ? x0[static_cast<size_t>((t * N + b) * I + i)] : x0[static_cast<size_t>((b * S + t) * I + i)];
  };
  auto state = [&](const std::vector<double>& v, int d, int64_t b, int64_t j) {
    if (v.empty()) return 0.0;
    return c.layout == 0 ? v[static_cast<size_t>((d * N + b) * H + j)] : v[static_cast<size_t>((b * dirs + d) * H + j)];
  };
  auto clip = [&](double v) { return c.clip > 0 ? std::min<double>(c.clip, std::max<double>(-c.clip, v)) : v; };
  for (int d = 0; d < dirs; ++d) {
    const bool rev = c.direction == "reverse" || d == 1;
    const Act& f = acts.at(static_cast<size_t>(d * per));
    for (int64_t b = 0; b < N; ++b) {
      const int64_t len = c.lens.empty() ? S : c.lens[static_cast<size_t>(b)];
      std::vector<double> h(static_cast<size_t>(H)), cell(static_cast<size_t>(H));
      for (int64_t j = 0; j < H; ++j) {
        h[static_cast<size_t>(j)] = state(H0, d, b, j);
        cell[static_cast<size_t>(j)] = state(C0, d, b, j);
      }
      for (int64_t step = 0; step < len; ++step) {
        const int64_t t = rev ? len - 1 - step : step;
        // xw[g][j] = X W_g^T + Wb_g ; hr[g][j] = H R_g^T + Rb_g
        auto xw = [&](int g, int64_t j) {
          double acc = B.empty() ? 0 : B[static_cast<size_t>((d * 2 * G + g) * H + j)];
          for (int64_t i = 0; i < I; ++i) acc += X(t, b, i) * W[static_cast<size_t>(((d * G + g) * H + j) * I + i)];
          return acc;
        };
        auto rb = [&](int g, int64_t j) { return B.empty() ? 0.0 : B[static_cast<size_t>((d * 2 * G + G + g) * H + j)]; };
        auto hr = [&](int g, int64_t j, const std::vector<double>& hv) {
          double acc = 0;
          for (int64_t k = 0; k < H; ++k) acc += hv[static_cast<size_t>(k)] * R[static_cast<size_t>(((d * G + g) * H + j) * H + k)];
          return acc;
        };
        std::vector<double> nh(static_cast<size_t>(H)), nc(static_cast<size_t>(H));
        if (G == 1) {
          for (int64_t j = 0; j < H; ++j) nh[static_cast<size_t>(j)] = f(clip(xw(0, j) + hr(0, j, h) + rb(0, j)));
        } else if (G == 3) {
          const Act& g = acts.at(static_cast<size_t>(d * per + 1));
          std::vector<double> z(static_cast<size_t>(H)), r(static_cast<size_t>(H)), rh(static_cast<size_t>(H));
          for (int64_t j = 0; j < H; ++j) {
            z[static_cast<size_t>(j)] = f(clip(xw(0, j) + hr(0, j, h) + rb(0, j)));
            r[static_cast<size_t>(j)] = f(clip(xw(1, j) + hr(1, j, h) + rb(1, j)));
            rh[static_cast<size_t>(j)] = r[static_cast<size_t>(j)] * h[static_cast<size_t>(j)];
          }
          for (int64_t j = 0; j < H; ++j) {
            const double pre = c.linear_before_reset ? xw(2, j) + r[static_cast<size_t>(j)] * (hr(2, j, h) + rb(2, j))
                                                     : xw(2, j) + hr(2, j, rh) + rb(2, j);
            const double cand = g(clip(pre));
            nh[static_cast<size_t>(j)] = (1 - z[static_cast<size_t>(j)]) * cand + z[static_cast<size_t>(j)] * h[static_cast<size_t>(j)];
          }
        } else {
          const Act& g = acts.at(static_cast<size_t>(d * per + 1));
          const Act& hh = acts.at(static_cast<size_t>(d * per + 2));
          auto p = [&](int k, int64_t j) { return P.empty() ? 0.0 : P[static_cast<size_t>((d * 3 + k) * H + j)]; };
          for (int64_t j = 0; j < H; ++j) {
            const double cp = cell[static_cast<size_t>(j)];
            const double ig = f(clip(xw(0, j) + hr(0, j, h) + rb(0, j) + p(0, j) * cp));
            const double fg = c.input_forget ? 1 - ig : f(clip(xw(2, j) + hr(2, j, h) + rb(2, j) + p(2, j) * cp));
            const double cand = g(clip(xw(3, j) + hr(3, j, h) + rb(3, j)));
            const double cn = fg * cp + ig * cand;
            const double og = f(clip(xw(1, j) + hr(1, j, h) + rb(1, j) + p(1, j) * cn));
            nc[static_cast<size_t>(j)] = cn;
            nh[static_cast<size_t>(j)] = og * hh(cn);
          }
          cell = nc;
        }
        h = nh;
        for (int64_t j = 0; j < H; ++j) e.y[static_cast<size_t>(((t * dirs + d) * N + b) * H + j)] = h[static_cast<size_t>(j)];
      }
      for (int64_t j = 0; j < H; ++j) {
        e.yh[static_cast<size_t>((d * N + b) * H + j)] = h[static_cast<size_t>(j)];
        e.yc[static_cast<size_t>((d * N + b) * H + j)] = cell[static_cast<size_t>(j)];
      }
    }
  }
  return e;
}

// Layout-0 buffers to the case's layout.
std::vector<double> y_layout(const Case& c, int dirs, const std::vector<double>& y) {
  if (c.layout == 0) return y;
  std::vector<double> o(y.size());
  for (int64_t t = 0; t < c.seq; ++t)
    for (int d = 0; d < dirs; ++d)
      for (int64_t b = 0; b < c.batch; ++b)
        for (int64_t j = 0; j < c.hidden; ++j)
          o[static_cast<size_t>(((b * c.seq + t) * dirs + d) * c.hidden + j)] =
              y[static_cast<size_t>(((t * dirs + d) * c.batch + b) * c.hidden + j)];
  return o;
}
std::vector<double> state_layout(const Case& c, int dirs, const std::vector<double>& s) {
  if (c.layout == 0) return s;
  std::vector<double> o(s.size());
  for (int d = 0; d < dirs; ++d)
    for (int64_t b = 0; b < c.batch; ++b)
      for (int64_t j = 0; j < c.hidden; ++j)
        o[static_cast<size_t>((b * dirs + d) * c.hidden + j)] = s[static_cast<size_t>((d * c.batch + b) * c.hidden + j)];
  return o;
}

void check(const Case& c) {
  const int dirs = c.direction == "bidirectional" ? 2 : 1;
  const int G = gates_of(c.op);
  const int64_t H = c.hidden;
  const Shape xs = c.layout == 0 ? Shape{c.seq, c.batch, c.input} : Shape{c.batch, c.seq, c.input};
  const Shape ss = c.layout == 0 ? Shape{dirs, c.batch, H} : Shape{c.batch, dirs, H};
  const Shape ys = c.layout == 0 ? Shape{c.seq, dirs, c.batch, H} : Shape{c.batch, c.seq, dirs, H};
  Tensor x = random_tensor(DataType::kFloat, xs, c.seed);
  Tensor w = random_tensor(DataType::kFloat, {dirs, G * H, c.input}, c.seed + 1, -0.6, 0.6);
  Tensor r = random_tensor(DataType::kFloat, {dirs, G * H, H}, c.seed + 2, -0.6, 0.6);
  Tensor b = random_tensor(DataType::kFloat, {dirs, 2 * G * H}, c.seed + 3, -0.3, 0.3);
  Tensor h0 = random_tensor(DataType::kFloat, ss, c.seed + 4);
  Tensor c0 = random_tensor(DataType::kFloat, ss, c.seed + 5);
  Tensor p = random_tensor(DataType::kFloat, {dirs, 3 * H}, c.seed + 6, -0.5, 0.5);
  const Expected e = reference(c, doubles(x), doubles(w), doubles(r), c.bias ? doubles(b) : std::vector<double>{},
                               c.init_h ? doubles(h0) : std::vector<double>{},
                               c.init_c ? doubles(c0) : std::vector<double>{}, c.peep ? doubles(p) : std::vector<double>{});
  OpTest t(c.op, c.opset);
  t.input("X", x).input("W", w).input("R", r);
  const bool need_c = c.op == "LSTM" && (c.init_c || c.peep);
  const bool need_h = c.init_h || need_c;
  const bool need_lens = !c.lens.empty() || need_h;
  const bool need_b = c.bias || need_lens;
  if (need_b) {
    if (c.bias) t.input("B", b);
    else t.omitted_input();
  }
  if (need_lens) {
    if (!c.lens.empty()) t.input<int32_t>("sequence_lens", {c.batch}, c.lens);
    else t.omitted_input();
  }
  if (need_h) {
    if (c.init_h) t.input("initial_h", h0);
    else t.omitted_input();
  }
  if (need_c) {
    if (c.init_c) t.input("initial_c", c0);
    else t.omitted_input();
    if (c.peep) t.input("P", p);
  }
  t.attr("hidden_size", H).attr("direction", c.direction);
  if (c.opset >= 14) t.attr("layout", static_cast<int64_t>(c.layout));
  if (c.clip > 0) t.attr("clip", c.clip);
  if (c.op == "GRU") t.attr("linear_before_reset", static_cast<int64_t>(c.linear_before_reset));
  if (c.op == "LSTM" && c.input_forget) t.attr("input_forget", static_cast<int64_t>(1));
  if (!c.acts.empty()) t.attr("activations", c.acts);
  if (!c.alphas.empty()) t.attr("activation_alpha", c.alphas);
  if (!c.betas.empty()) t.attr("activation_beta", c.betas);
  t.output("Y", float_tensor(ys, y_layout(c, dirs, e.y)));
  t.output("Y_h", float_tensor(ss, state_layout(c, dirs, e.yh)));
  if (c.op == "LSTM") t.output("Y_c", float_tensor(ss, state_layout(c, dirs, e.yc)));
  t.tolerance(1e-4, 1e-5).run();
}

}  // namespace

TEST(Rnn, ForwardDefaults) { check({.op = "RNN"}); }
TEST(Rnn, ReverseWithInitialState) { check({.op = "RNN", .direction = "reverse", .init_h = true, .seed = 11}); }
TEST(Rnn, BidirectionalSequenceLensShorterThanSeq) {
  check({.op = "RNN", .direction = "bidirectional", .seq = 5, .batch = 3, .lens = {5, 2, 3}, .init_h = true, .seed = 21});
}
TEST(Rnn, ZeroLengthSequenceKeepsInitialState) {
  // A batch entry with length 0 runs no step: Y stays zero, Y_h is initial_h.
  check({.op = "RNN", .direction = "bidirectional", .seq = 4, .batch = 3, .lens = {0, 4, 1}, .init_h = true, .seed = 25});
}
TEST(Rnn, LayoutOneAndActivationsWithAlphaBeta) {
  // LeakyRelu takes the first alpha, HardSigmoid the second alpha and the first beta.
  check({.op = "RNN", .direction = "bidirectional", .layout = 1, .lens = {2, 3}, .init_h = true,
         .acts = {"LeakyRelu", "HardSigmoid"}, .alphas = {0.3f, 0.4f}, .betas = {0.45f}, .seed = 31});
}
TEST(Rnn, EveryActivationFunction) {
  const std::vector<std::vector<std::string>> sets = {{"Relu"}, {"Sigmoid"}, {"Affine"}, {"ThresholdedRelu"},
                                                      {"ScaledTanh"}, {"Elu"}, {"Softsign"}, {"Softplus"}};
  uint32_t seed = 40;
  for (const auto& a : sets) {
    SCOPED_TRACE(a[0]);
    check({.op = "RNN", .acts = a, .alphas = {0.7f}, .betas = {0.2f}, .seed = seed++});
  }
}
TEST(Rnn, ClipBoundsPreActivation) { check({.op = "RNN", .clip = 0.25f, .acts = {"Relu"}, .seed = 51}); }
TEST(Rnn, OldOpsetsWithoutLayout) { check({.op = "RNN", .direction = "reverse", .opset = 7, .seed = 55}); }

TEST(Gru, ForwardDefaults) { check({.op = "GRU", .seed = 61}); }
TEST(Gru, LinearBeforeReset) {
  check({.op = "GRU", .direction = "bidirectional", .init_h = true, .linear_before_reset = 1, .seed = 62});
}
TEST(Gru, ReverseSequenceLensAndLayout1) {
  check({.op = "GRU", .direction = "reverse", .layout = 1, .seq = 4, .batch = 3, .lens = {1, 4, 2}, .init_h = true,
         .seed = 63});
}
TEST(Gru, NoBiasClipAndCustomActivations) {
  check({.op = "GRU", .bias = false, .clip = 0.5f, .acts = {"HardSigmoid", "Softsign"}, .alphas = {0.25f},
         .betas = {0.4f}, .seed = 64});
}
TEST(Gru, Opset3) { check({.op = "GRU", .linear_before_reset = 1, .opset = 3, .seed = 65}); }

TEST(Lstm, ForwardDefaults) { check({.op = "LSTM", .seed = 71}); }
TEST(Lstm, PeepholesAndInitialStates) {
  check({.op = "LSTM", .init_h = true, .init_c = true, .peep = true, .seed = 72});
}
TEST(Lstm, BidirectionalInputForgetSequenceLens) {
  check({.op = "LSTM", .direction = "bidirectional", .seq = 4, .batch = 3, .lens = {3, 1, 4}, .init_h = true,
         .init_c = true, .peep = true, .input_forget = 1, .seed = 73});
}
TEST(Lstm, Layout1ReverseClipActivations) {
  check({.op = "LSTM", .direction = "reverse", .layout = 1, .lens = {2, 3}, .init_c = true, .clip = 0.7f,
         .acts = {"Sigmoid", "Elu", "ScaledTanh"}, .alphas = {0.8f, 1.5f}, .betas = {0.6f}, .seed = 74});
}
TEST(Lstm, BidirectionalWithOneActivationSetUsesItTwice) {
  check({.op = "LSTM", .direction = "bidirectional", .acts = {"Sigmoid", "Tanh", "Tanh"}, .seed = 75});
}

TEST(Rnn, EmptyBatch) {
  OpTest("LSTM", 22)
      .input<float>("X", {3, 0, 2}, {})
      .input("W", random_tensor(DataType::kFloat, {1, 8, 2}, 1))
      .input("R", random_tensor(DataType::kFloat, {1, 8, 2}, 2))
      .attr("hidden_size", int64_t{2})
      .output<float>("Y", {3, 1, 0, 2}, {})
      .output<float>("Y_h", {1, 0, 2}, {})
      .output<float>("Y_c", {1, 0, 2}, {})
      .run();
}

TEST(Rnn, EmptySequenceGivesInitialState) {
  OpTest("GRU", 22)
      .input<float>("X", {0, 1, 2}, {})
      .input("W", random_tensor(DataType::kFloat, {1, 3, 2}, 1))
      .input("R", random_tensor(DataType::kFloat, {1, 3, 1}, 2))
      .omitted_input()
      .omitted_input()
      .input<float>("initial_h", {1, 1, 1}, {0.25f})
      .attr("hidden_size", int64_t{1})
      .output<float>("Y", {0, 1, 1, 1}, {})
      .output<float>("Y_h", {1, 1, 1}, {0.25f})
      .run();
}

TEST(Rnn, OnlyYhRequested) {
  // Y omitted: Y_h alone. One step, W = 1, R = 0, no bias: Y_h = tanh(x).
  OpTest("RNN", 14)
      .input<float>("X", {1, 1, 1}, {0.5f})
      .input<float>("W", {1, 1, 1}, {1})
      .input<float>("R", {1, 1, 1}, {0})
      .attr("hidden_size", int64_t{1})
      .omitted_output()
      .output<float>("Y_h", {1, 1, 1}, {std::tanh(0.5f)})
      .run();
}

TEST(Rnn, HiddenSizeFromR) {
  // No hidden_size attribute: taken from R.
  OpTest("RNN", 22)
      .input<float>("X", {1, 1, 1}, {1})
      .input<float>("W", {1, 2, 1}, {1, -1})
      .input<float>("R", {1, 2, 2}, {0, 0, 0, 0})
      .attr("activations", std::vector<std::string>{"Relu"})
      .output<float>("Y", {1, 1, 1, 2}, {1, 0})
      .run();
}

TEST(Rnn, SequenceLensOutOfRange) {
  OpTest("RNN", 22)
      .input<float>("X", {2, 1, 1}, {1, 2})
      .input<float>("W", {1, 1, 1}, {1})
      .input<float>("R", {1, 1, 1}, {0})
      .omitted_input()
      .input<int32_t>("sequence_lens", {1}, {3})
      .attr("hidden_size", int64_t{1})
      .output_unchecked("Y")
      .expect_error("sequence_lens[0] = 3 is outside [0, seq_length = 2]");
  OpTest("RNN", 22)
      .input<float>("X", {2, 1, 1}, {1, 2})
      .input<float>("W", {1, 1, 1}, {1})
      .input<float>("R", {1, 1, 1}, {0})
      .omitted_input()
      .input<int32_t>("sequence_lens", {1}, {-1})
      .attr("hidden_size", int64_t{1})
      .output_unchecked("Y")
      .expect_error("sequence_lens[0] = -1");
}

TEST(Rnn, BadShapesAndAttributes) {
  auto base = [](const char* op, int64_t g) {
    OpTest t(op, 22);
    t.input<float>("X", {1, 1, 2}, {1, 2})
        .input("W", random_tensor(DataType::kFloat, {1, g, 3}, 1))
        .input("R", random_tensor(DataType::kFloat, {1, g, 1}, 2))
        .attr("hidden_size", int64_t{1});
    return t;
  };
  base("GRU", 3).output_unchecked("Y").expect_error("W has shape [1,3,3]; expected [num_directions, 3*hidden_size, input_size] = [1,3,2]");
  OpTest("LSTM", 22)
      .input<float>("X", {1, 2}, {1, 2})
      .input("W", random_tensor(DataType::kFloat, {1, 4, 2}, 1))
      .input("R", random_tensor(DataType::kFloat, {1, 4, 1}, 2))
      .output_unchecked("Y")
      .expect_error("must have rank 3");
  OpTest("RNN", 22)
      .input<float>("X", {1, 1, 1}, {1})
      .input<float>("W", {1, 1, 1}, {1})
      .input<float>("R", {1, 1, 1}, {0})
      .attr("activations", std::vector<std::string>{"Swish"})
      .output_unchecked("Y")
      .expect_error("unknown activation function 'Swish'");
  OpTest("GRU", 22)
      .input<float>("X", {1, 1, 1}, {1})
      .input("W", random_tensor(DataType::kFloat, {1, 3, 1}, 1))
      .input("R", random_tensor(DataType::kFloat, {1, 3, 1}, 2))
      .attr("activations", std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"})
      .output_unchecked("Y")
      .expect_error("activations lists 3 functions; expected 2 per direction");
  OpTest("RNN", 22)
      .input<float>("X", {1, 1, 1}, {1})
      .input<float>("W", {1, 1, 1}, {1})
      .input<float>("R", {1, 1, 1}, {0})
      .attr("direction", "sideways")
      .output_unchecked("Y")
      .expect_error("direction must be forward, reverse or bidirectional");
  OpTest("LSTM", 22)
      .input<float>("X", {1, 1, 1}, {1})
      .input("W", random_tensor(DataType::kFloat, {1, 4, 1}, 1))
      .input("R", random_tensor(DataType::kFloat, {1, 4, 1}, 2))
      .omitted_input()
      .omitted_input()
      .omitted_input()
      .omitted_input()
      .input<float>("P", {1, 2}, {0, 0})
      .output_unchecked("Y")
      .expect_error("P has shape [1,2]; expected [num_directions, 3*hidden_size] = [1,3]");
}

TEST(Rnn, Float16AndDouble) {
  // One step, W = 2, no recurrence: Y = tanh(2x) in each type.
  OpTest("RNN", 22)
      .input<double>("X", {1, 1, 1}, {0.25})
      .input<double>("W", {1, 1, 1}, {2})
      .input<double>("R", {1, 1, 1}, {0})
      .output<double>("Y", {1, 1, 1, 1}, {std::tanh(0.5)})
      .run();
  OpTest("RNN", 22)
      .input<Float16>("X", {1, 1, 1}, {Float16(0.25f)})
      .input<Float16>("W", {1, 1, 1}, {Float16(2.0f)})
      .input<Float16>("R", {1, 1, 1}, {Float16(0.0f)})
      .output<Float16>("Y", {1, 1, 1, 1}, {Float16(std::tanh(0.5f))})
      .run();
}

}  // namespace onyx::test
