// The vectorised math of vmath.h, written once over a vector type and
// instantiated per ISA by vmath_avx2.cc (8 floats) and vmath_avx512.cc (16),
// each compiled with its own -m flags. See vmath.h for the accuracy and
// special values.
//
// exp: x = n ln2 + r, |r| <= ln2/2, e^r by its degree-7 Taylor polynomial
// (truncation 5e-9 relative), times 2^n (O::ldexp: exact down to the
// denormals and up to overflow, without special cases).
// tanh: x * P(x^2) below 0.625 (fitted, 2e-10 relative), else 1 - 2/(e^2x + 1).
// erf: x * P(x^2) below 1 (fitted, 1.4e-9 relative), else 1 - exp(Q(x)) with
// Q fitted to log(erfc) on [1, 4] (6e-10 absolute); erf = 1 in float past 3.92.
//
// Include inside an unnamed namespace, after ymm_math.h or zmm_math.h, whose
// struct (O below) has: V (the vector), M (a lane mask), kWidth, set1, zero,
// load, store, add, sub, mul, div, fma(a, b, c) = a b + c,
// fnmadd(a, b, c) = c - a b, min, max (both
// return b when a lane of either is NaN, as the x86 instructions do),
// round (to nearest), abs, sign (x's sign bit alone), or_, lt, ge (ordered:
// false on NaN), unord (x is NaN), select(m, t, f), all(m), ldexp(p, n)
// (p 2^n, n integral), hmax, hsum. Then vmath_table_of<O>() is its VMath.

template <class O>
inline typename O::V keep_nan(typename O::V r, typename O::V x) {
  return O::select(O::unord(x), x, r);
}

template <class O>
inline typename O::V exp_v(typename O::V x) {
  using V = typename O::V;
  const V xc = O::min(O::max(x, O::set1(-104.f)), O::set1(88.8f));
  const V n = O::round(O::mul(xc, O::set1(1.44269504088896341f)));
  V r = O::fnmadd(n, O::set1(0.693359375f), xc);
  r = O::fnmadd(n, O::set1(-2.12194440e-4f), r);
  V p = O::set1(1.f / 5040.f);
  p = O::fma(p, r, O::set1(1.f / 720.f));
  p = O::fma(p, r, O::set1(1.f / 120.f));
  p = O::fma(p, r, O::set1(1.f / 24.f));
  p = O::fma(p, r, O::set1(1.f / 6.f));
  p = O::fma(p, r, O::set1(0.5f));
  p = O::fma(p, r, O::set1(1.f));
  p = O::fma(p, r, O::set1(1.f));
  return keep_nan<O>(O::ldexp(p, n), x);
}

template <class O>
inline typename O::V tanh_v(typename O::V x) {
  using V = typename O::V;
  const V a = O::abs(x);
  const V a2 = O::mul(a, a);
  V p = O::set1(0.0021421815940323415f);
  p = O::fma(p, a2, O::set1(-0.008176101157062715f));
  p = O::fma(p, a2, O::set1(0.02169986939414846f));
  p = O::fma(p, a2, O::set1(-0.05394650200790717f));
  p = O::fma(p, a2, O::set1(0.13333201928572264f));
  p = O::fma(p, a2, O::set1(-0.33333330516711557f));
  p = O::fma(p, a2, O::set1(0.9999999999376467f));
  p = O::mul(p, a);
  // Every lane below the switch (a NaN lane is not): the polynomial alone,
  // as in erf_v. For gpt2's tanh GELU 23% of 8-float vectors are: no change
  // measured there.
  const auto small = O::lt(a, O::set1(0.625f));
  if (O::all(small)) return O::or_(p, O::sign(x));
  const V e = exp_v<O>(O::add(a, a));
  const V big = O::sub(O::set1(1.f), O::div(O::set1(2.f), O::add(e, O::set1(1.f))));
  return keep_nan<O>(O::or_(O::select(small, p, big), O::sign(x)), x);
}

template <class O>
inline typename O::V erf_v(typename O::V x) {
  using V = typename O::V;
  const V a = O::min(O::abs(x), O::set1(4.f));
  const V a2 = O::mul(a, a);
  V p = O::set1(7.89806634640261e-05f);
  p = O::fma(p, a2, O::set1(-0.0008024311691281344f));
  p = O::fma(p, a2, O::set1(0.005190048820119905f));
  p = O::fma(p, a2, O::set1(-0.026854806017503313f));
  p = O::fma(p, a2, O::set1(0.11283612364851084f));
  p = O::fma(p, a2, O::set1(-0.3761262883674271f));
  p = O::fma(p, a2, O::set1(1.1283791665082492f));
  p = O::mul(p, a);
  // Every lane below 1 (a NaN lane is not, a was clamped to 4): the
  // polynomial alone, without Q and its exp. GELU's erf sees x / sqrt(2):
  // in bert_base's 12 up-projections 92% of 8-float vectors have every lane
  // below 1 (its reference inputs), and the model took 0.98x the time at 1
  // thread and 0.96x at 2 (one session, alternated per run, 16-20 runs each;
  // the up-projections 1.07x faster).
  const auto small = O::lt(a, O::set1(1.f));
  if (O::all(small)) return O::or_(p, O::sign(x));
  V q = O::set1(1.614049322e-06f);
  q = O::fma(q, a, O::set1(-4.559039240e-05f));
  q = O::fma(q, a, O::set1(5.927677097e-04f));
  q = O::fma(q, a, O::set1(-4.740214314e-03f));
  q = O::fma(q, a, O::set1(2.636469612e-02f));
  q = O::fma(q, a, O::set1(-1.099782106e-01f));
  q = O::fma(q, a, O::set1(-6.319371273e-01f));
  q = O::fma(q, a, O::set1(-1.130166658e+00f));
  q = O::fma(q, a, O::set1(3.032090124e-04f));
  const V big = O::sub(O::set1(1.f), exp_v<O>(q));
  return keep_nan<O>(O::or_(O::select(small, p, big), O::sign(x)), x);
}

template <class O>
inline typename O::V sigmoid_v(typename O::V x) {
  return O::div(O::set1(1.f), O::add(O::set1(1.f), exp_v<O>(O::sub(O::zero(), x))));
}
template <class O>
inline typename O::V silu_v(typename O::V x) {
  return O::div(x, O::add(O::set1(1.f), exp_v<O>(O::sub(O::zero(), x))));
}
template <class O>
inline typename O::V gelu_v(typename O::V x) {
  const typename O::V e = erf_v<O>(O::mul(x, O::set1(0.70710678118654752f)));
  return O::mul(O::mul(O::set1(0.5f), x), O::add(O::set1(1.f), e));
}
// 0.5 x (1 + tanh(u)) is x / (1 + e^(-2u)), since 1 + tanh(u) = 2 / (1 + e^(-2u)):
// one exp and one division, where tanh_v costs an exp, a division and a
// polynomial, and no 1 + tanh(u) to cancel for negative x. 1.13-1.16 ->
// 0.64-0.70 ns per float on AVX2 (`onyx_microbench --benchmark_filter=BM_VMath/fn:4`);
// gpt2 at 1 thread 309.7 -> 306.1 ms (medians of 3 processes each, alternated,
// `onyx bench gpt2.onnx --threads 1 --iters 10`).
template <class O>
inline typename O::V gelu_tanh_v(typename O::V x) {
  using V = typename O::V;
  const V x3 = O::mul(O::mul(x, x), x);
  const V m2u = O::mul(O::set1(-2.f * 0.7978845608028654f), O::fma(O::set1(0.044715f), x3, x));
  return O::div(x, O::add(O::set1(1.f), exp_v<O>(m2u)));
}

// Applies F to n floats, a vector at a time; the tail goes through a
// zero-padded block.
template <class O, typename O::V (*F)(typename O::V)>
void map(const float* x, float* y, int64_t n) {
  constexpr int W = O::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) O::store(y + i, F(O::load(x + i)));
  if (i < n) {
    alignas(64) float buf[W] = {};
    const int64_t t = n - i;
    for (int64_t j = 0; j < t; ++j) buf[j] = x[i + j];
    O::store(buf, F(O::load(buf)));
    for (int64_t j = 0; j < t; ++j) y[i + j] = buf[j];
  }
}

template <class O>
void softmax_row(const float* x, float* y, int64_t n, bool log) {
  using V = typename O::V;
  constexpr int W = O::kWidth;
  if (n <= 0) return;
  int64_t i = 0;
  V vm = O::set1(-INFINITY);
  for (; i + W <= n; i += W) vm = O::max(vm, O::load(x + i));
  float m = O::hmax(vm);
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  const V mv = O::set1(m);
  V vs = O::zero();
  i = 0;
  for (; i + W <= n; i += W) {
    const V e = exp_v<O>(O::sub(O::load(x + i), mv));
    if (!log) O::store(y + i, e);
    vs = O::add(vs, e);
  }
  float sum = O::hsum(vs);
  for (; i < n; ++i) {
    alignas(64) float buf[W] = {x[i] - m};
    O::store(buf, exp_v<O>(O::load(buf)));
    if (!log) y[i] = buf[0];
    sum += buf[0];
  }
  if (log) {
    // (x - m) - log(sum), not x - (m + log(sum)): for large |m| the latter
    // loses log(sum)'s low bits to m's magnitude.
    const float ls = std::log(sum);
    const V lv = O::set1(ls);
    i = 0;
    for (; i + W <= n; i += W) O::store(y + i, O::sub(O::sub(O::load(x + i), mv), lv));
    for (; i < n; ++i) y[i] = (x[i] - m) - ls;
  } else {
    const float inv = 1.f / sum;
    const V iv = O::set1(inv);
    i = 0;
    for (; i + W <= n; i += W) O::store(y + i, O::mul(O::load(y + i), iv));
    for (; i < n; ++i) y[i] *= inv;
  }
}

// Two-parameter maps: a vector at a time, the tail through a zero-padded block.
template <class O, typename O::V (*F)(typename O::V, typename O::V, typename O::V)>
void map2(const float* x, float* y, int64_t n, float p0, float p1) {
  constexpr int W = O::kWidth;
  const typename O::V a = O::set1(p0), b = O::set1(p1);
  int64_t i = 0;
  for (; i + W <= n; i += W) O::store(y + i, F(O::load(x + i), a, b));
  if (i < n) {
    alignas(64) float buf[W] = {};
    const int64_t t = n - i;
    for (int64_t j = 0; j < t; ++j) buf[j] = x[i + j];
    O::store(buf, F(O::load(buf), a, b));
    for (int64_t j = 0; j < t; ++j) y[i + j] = buf[j];
  }
}
// max(v, 0) returns 0 for NaN v (the second operand), as std::max(0.f, v) does.
template <class O>
inline typename O::V hard_sigmoid_v(typename O::V x, typename O::V a, typename O::V b) {
  return O::min(O::max(O::fma(a, x, b), O::zero()), O::set1(1.f));
}
template <class O>
inline typename O::V hard_swish_v(typename O::V x, typename O::V, typename O::V) {
  const typename O::V t = O::max(O::fma(x, O::set1(1.f / 6.f), O::set1(0.5f)), O::zero());
  return O::mul(x, O::min(t, O::set1(1.f)));
}
template <class O>
inline typename O::V leaky_relu_v(typename O::V x, typename O::V a, typename O::V) {
  return O::select(O::ge(x, O::zero()), x, O::mul(x, a));
}

template <class O>
constexpr VMath vmath_table_of() {
  return {map<O, exp_v<O>>,           map<O, tanh_v<O>>,        map<O, sigmoid_v<O>>,       map<O, erf_v<O>>,
          map<O, gelu_v<O>>,          map<O, gelu_tanh_v<O>>,   map<O, silu_v<O>>,          map2<O, hard_sigmoid_v<O>>,
          map2<O, hard_swish_v<O>>,   map2<O, leaky_relu_v<O>>, softmax_row<O>};
}
