// AVX2 + FMA vmath (see vmath.h for the accuracy and special values).
//
// exp: x = n ln2 + r, |r| <= ln2/2, e^r by its degree-7 Taylor polynomial
// (truncation 5e-9 relative), 2^n applied in two halves so results down to
// the denormals and up to overflow come out right without special cases.
// tanh: x * P(x^2) below 0.625 (fitted, 2e-10 relative), else 1 - 2/(e^2x + 1).
// erf: x * P(x^2) below 1 (fitted, 1.4e-9 relative), else 1 - exp(Q(x)) with
// Q fitted to log(erfc) on [1, 4] (6e-10 absolute); erf = 1 in float past 3.92.
#include <immintrin.h>

#include <cmath>

#include "ukernels/vmath.h"
#include "ukernels/avx2_lanes.h"

namespace onyx::ukernel {

namespace {

inline __m256 set1(float v) { return _mm256_set1_ps(v); }

inline __m256 keep_nan(__m256 r, __m256 x) { return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q)); }

inline __m256 exp8(__m256 x) {
  const __m256 xc = _mm256_min_ps(_mm256_max_ps(x, set1(-104.f)), set1(88.8f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, set1(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, set1(0.693359375f), xc);
  r = _mm256_fnmadd_ps(n, set1(-2.12194440e-4f), r);
  __m256 p = set1(1.f / 5040.f);
  p = _mm256_fmadd_ps(p, r, set1(1.f / 720.f));
  p = _mm256_fmadd_ps(p, r, set1(1.f / 120.f));
  p = _mm256_fmadd_ps(p, r, set1(1.f / 24.f));
  p = _mm256_fmadd_ps(p, r, set1(1.f / 6.f));
  p = _mm256_fmadd_ps(p, r, set1(0.5f));
  p = _mm256_fmadd_ps(p, r, set1(1.f));
  p = _mm256_fmadd_ps(p, r, set1(1.f));
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i n1 = _mm256_srai_epi32(ni, 1);
  const __m256i n2 = _mm256_sub_epi32(ni, n1);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, _mm256_set1_epi32(127)), 23));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, _mm256_set1_epi32(127)), 23));
  return keep_nan(_mm256_mul_ps(_mm256_mul_ps(p, s1), s2), x);
}

inline __m256 sign_of(__m256 x) { return _mm256_and_ps(x, set1(-0.f)); }
inline __m256 abs_of(__m256 x) { return _mm256_andnot_ps(set1(-0.f), x); }

inline __m256 tanh8(__m256 x) {
  const __m256 a = abs_of(x);
  const __m256 a2 = _mm256_mul_ps(a, a);
  __m256 p = set1(0.0021421815940323415f);
  p = _mm256_fmadd_ps(p, a2, set1(-0.008176101157062715f));
  p = _mm256_fmadd_ps(p, a2, set1(0.02169986939414846f));
  p = _mm256_fmadd_ps(p, a2, set1(-0.05394650200790717f));
  p = _mm256_fmadd_ps(p, a2, set1(0.13333201928572264f));
  p = _mm256_fmadd_ps(p, a2, set1(-0.33333330516711557f));
  p = _mm256_fmadd_ps(p, a2, set1(0.9999999999376467f));
  p = _mm256_mul_ps(p, a);
  // All eight below the switch (a NaN lane is not): the polynomial alone, as
  // in erf8. For gpt2's tanh GELU 23% of 8-float vectors are: no change
  // measured there.
  const __m256 small = _mm256_cmp_ps(a, set1(0.625f), _CMP_LT_OQ);
  if (_mm256_movemask_ps(small) == 0xFF) return _mm256_or_ps(p, sign_of(x));
  const __m256 e = exp8(_mm256_add_ps(a, a));
  const __m256 big = _mm256_sub_ps(set1(1.f), _mm256_div_ps(set1(2.f), _mm256_add_ps(e, set1(1.f))));
  const __m256 r = _mm256_blendv_ps(big, p, small);
  return keep_nan(_mm256_or_ps(r, sign_of(x)), x);
}

inline __m256 erf8(__m256 x) {
  const __m256 a = _mm256_min_ps(abs_of(x), set1(4.f));
  const __m256 a2 = _mm256_mul_ps(a, a);
  __m256 p = set1(7.89806634640261e-05f);
  p = _mm256_fmadd_ps(p, a2, set1(-0.0008024311691281344f));
  p = _mm256_fmadd_ps(p, a2, set1(0.005190048820119905f));
  p = _mm256_fmadd_ps(p, a2, set1(-0.026854806017503313f));
  p = _mm256_fmadd_ps(p, a2, set1(0.11283612364851084f));
  p = _mm256_fmadd_ps(p, a2, set1(-0.3761262883674271f));
  p = _mm256_fmadd_ps(p, a2, set1(1.1283791665082492f));
  p = _mm256_mul_ps(p, a);
  // All eight below 1 (a NaN lane is not, a was clamped to 4): the
  // polynomial alone, without Q and its exp. GELU's erf sees x / sqrt(2):
  // in bert_base's 12 up-projections 92% of 8-float vectors have every lane
  // below 1 (its reference inputs), and the model took 0.98x the time at 1
  // thread and 0.96x at 2 (one session, alternated per run, 16-20 runs each;
  // the up-projections 1.07x faster).
  const __m256 small = _mm256_cmp_ps(a, set1(1.f), _CMP_LT_OQ);
  if (_mm256_movemask_ps(small) == 0xFF) return _mm256_or_ps(p, sign_of(x));
  __m256 q = set1(1.614049322e-06f);
  q = _mm256_fmadd_ps(q, a, set1(-4.559039240e-05f));
  q = _mm256_fmadd_ps(q, a, set1(5.927677097e-04f));
  q = _mm256_fmadd_ps(q, a, set1(-4.740214314e-03f));
  q = _mm256_fmadd_ps(q, a, set1(2.636469612e-02f));
  q = _mm256_fmadd_ps(q, a, set1(-1.099782106e-01f));
  q = _mm256_fmadd_ps(q, a, set1(-6.319371273e-01f));
  q = _mm256_fmadd_ps(q, a, set1(-1.130166658e+00f));
  q = _mm256_fmadd_ps(q, a, set1(3.032090124e-04f));
  const __m256 big = _mm256_sub_ps(set1(1.f), exp8(q));
  const __m256 r = _mm256_blendv_ps(big, p, small);
  return keep_nan(_mm256_or_ps(r, sign_of(x)), x);
}

inline __m256 sigmoid8(__m256 x) {
  return _mm256_div_ps(set1(1.f), _mm256_add_ps(set1(1.f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}
inline __m256 silu8(__m256 x) {
  return _mm256_div_ps(x, _mm256_add_ps(set1(1.f), exp8(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}
inline __m256 gelu8(__m256 x) {
  const __m256 e = erf8(_mm256_mul_ps(x, set1(0.70710678118654752f)));
  return _mm256_mul_ps(_mm256_mul_ps(set1(0.5f), x), _mm256_add_ps(set1(1.f), e));
}
// 0.5 x (1 + tanh(u)) is x / (1 + e^(-2u)), since 1 + tanh(u) = 2 / (1 + e^(-2u)):
// one exp and one division, where tanh8 costs an exp, a division and a
// polynomial, and no 1 + tanh(u) to cancel for negative x. 1.13-1.16 ->
// 0.64-0.70 ns per float (`onyx_microbench --benchmark_filter=BM_VMath/fn:4`);
// gpt2 at 1 thread 309.7 -> 306.1 ms (medians of 3 processes each, alternated,
// `onyx bench gpt2.onnx --threads 1 --iters 10`).
inline __m256 gelu_tanh8(__m256 x) {
  const __m256 x3 = _mm256_mul_ps(_mm256_mul_ps(x, x), x);
  const __m256 m2u = _mm256_mul_ps(set1(-2.f * 0.7978845608028654f), _mm256_fmadd_ps(set1(0.044715f), x3, x));
  return _mm256_div_ps(x, _mm256_add_ps(set1(1.f), exp8(m2u)));
}

// Applies F to n floats, 8 at a time; the tail goes through a zero-padded block.
template <__m256 (*F)(__m256)>
void map(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, F(_mm256_loadu_ps(x + i)));
  if (i < n) {
    alignas(32) float buf[8] = {};
    const int64_t t = n - i;
    for (int64_t j = 0; j < t; ++j) buf[j] = x[i + j];
    _mm256_store_ps(buf, F(_mm256_load_ps(buf)));
    for (int64_t j = 0; j < t; ++j) y[i + j] = buf[j];
  }
}

inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}
using avx2::hsum;

void softmax_row_avx2(const float* x, float* y, int64_t n, bool log) {
  if (n <= 0) return;
  int64_t i = 0;
  __m256 vm = set1(-INFINITY);
  for (; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
  float m = hmax(vm);
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  const __m256 mv = set1(m);
  __m256 vs = _mm256_setzero_ps();
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
    if (!log) _mm256_storeu_ps(y + i, e);
    vs = _mm256_add_ps(vs, e);
  }
  float sum = hsum(vs);
  for (; i < n; ++i) {
    alignas(32) float buf[8] = {x[i] - m};
    _mm256_store_ps(buf, exp8(_mm256_load_ps(buf)));
    if (!log) y[i] = buf[0];
    sum += buf[0];
  }
  if (log) {
    // (x - m) - log(sum), not x - (m + log(sum)): for large |m| the latter
    // loses log(sum)'s low bits to m's magnitude.
    const float ls = std::log(sum);
    const __m256 lv = set1(ls);
    i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv), lv));
    for (; i < n; ++i) y[i] = (x[i] - m) - ls;
  } else {
    const float inv = 1.f / sum;
    const __m256 iv = set1(inv);
    i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_loadu_ps(y + i), iv));
    for (; i < n; ++i) y[i] *= inv;
  }
}

// Two-parameter maps: 8 at a time, the tail through a zero-padded block.
template <__m256 (*F)(__m256, __m256, __m256)>
void map2(const float* x, float* y, int64_t n, float p0, float p1) {
  const __m256 a = set1(p0), b = set1(p1);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, F(_mm256_loadu_ps(x + i), a, b));
  if (i < n) {
    alignas(32) float buf[8] = {};
    const int64_t t = n - i;
    for (int64_t j = 0; j < t; ++j) buf[j] = x[i + j];
    _mm256_store_ps(buf, F(_mm256_load_ps(buf), a, b));
    for (int64_t j = 0; j < t; ++j) y[i + j] = buf[j];
  }
}
// max_ps(v, 0) returns 0 for NaN v (the second operand), as std::max(0.f, v) does.
inline __m256 hard_sigmoid8(__m256 x, __m256 a, __m256 b) {
  const __m256 t = _mm256_max_ps(_mm256_fmadd_ps(a, x, b), _mm256_setzero_ps());
  return _mm256_min_ps(t, set1(1.f));
}
inline __m256 hard_swish8(__m256 x, __m256, __m256) {
  const __m256 t = _mm256_max_ps(_mm256_fmadd_ps(x, set1(1.f / 6.f), set1(0.5f)), _mm256_setzero_ps());
  return _mm256_mul_ps(x, _mm256_min_ps(t, set1(1.f)));
}
inline __m256 leaky_relu8(__m256 x, __m256 a, __m256) {
  return _mm256_blendv_ps(_mm256_mul_ps(x, a), x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
}

const VMath kAvx2{map<exp8>,  map<tanh8>,      map<sigmoid8>,        map<erf8>,
                  map<gelu8>, map<gelu_tanh8>, map<silu8>,           map2<hard_sigmoid8>,
                  map2<hard_swish8>, map2<leaky_relu8>, softmax_row_avx2};

}  // namespace

const VMath& vmath_avx2_table() { return kAvx2; }

}  // namespace onyx::ukernel
