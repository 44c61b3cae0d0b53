// The row kernels of rows.h written once over a vector type and instantiated
// per ISA by rows_avx2.cc (8 floats) and rows_avx512.cc (16), on the structs
// of ymm_math.h and zmm_math.h. Sums are kept in vector lanes (two
// accumulators, so the add latency is hidden); the last n % kWidth elements
// go through masked loads and stores rather than a scalar loop.
//
// Include inside an unnamed namespace, after vmath_simd.inl (exp_v).

template <class O>
void skip_layer_norm(const float* x, const float* skip, const float* bias, const float* gamma, const float* beta,
                     float eps, int64_t n, float* y, float* sum) {
  using V = typename O::V;
  constexpr int W = O::kWidth;
  const int64_t nw = n / W * W;
  const auto tm = O::first(n - nw);
  // Pass 1: s = x + skip (+ bias) into y (and sum); the sum of s.
  V a0 = O::zero(), a1 = O::zero();
  int64_t c = 0;
  auto s_at = [&](int64_t i) {
    const V v = O::add(O::load(x + i), O::load(skip + i));
    return bias ? O::add(v, O::load(bias + i)) : v;
  };
  for (; c + 2 * W <= nw; c += 2 * W) {
    const V v0 = s_at(c), v1 = s_at(c + W);
    O::store(y + c, v0);
    O::store(y + c + W, v1);
    if (sum) {
      O::store(sum + c, v0);
      O::store(sum + c + W, v1);
    }
    a0 = O::add(a0, v0);
    a1 = O::add(a1, v1);
  }
  for (; c < nw; c += W) {
    const V v = s_at(c);
    O::store(y + c, v);
    if (sum) O::store(sum + c, v);
    a0 = O::add(a0, v);
  }
  if (c < n) {
    V v = O::add(O::load_first(x + c, tm), O::load_first(skip + c, tm));
    if (bias) v = O::add(v, O::load_first(bias + c, tm));
    O::store_first(y + c, tm, v);
    if (sum) O::store_first(sum + c, tm, v);
    a1 = O::add(a1, v);  // masked-off lanes loaded as 0
  }
  const float mean = O::hsum(O::add(a0, a1)) / static_cast<float>(n);
  const V vm = O::set1(mean);
  // Pass 2: the centred variance (no cancellation, unlike E[s^2] - mean^2).
  a0 = O::zero();
  a1 = O::zero();
  c = 0;
  for (; c + 2 * W <= nw; c += 2 * W) {
    const V d0 = O::sub(O::load(y + c), vm), d1 = O::sub(O::load(y + c + W), vm);
    a0 = O::fma(d0, d0, a0);
    a1 = O::fma(d1, d1, a1);
  }
  for (; c < nw; c += W) {
    const V d = O::sub(O::load(y + c), vm);
    a0 = O::fma(d, d, a0);
  }
  if (c < n) {
    const V d = O::select(tm, O::sub(O::load_first(y + c, tm), vm), O::zero());
    a1 = O::fma(d, d, a1);
  }
  const float var = O::hsum(O::add(a0, a1)) / static_cast<float>(n);
  const V vi = O::set1(1.f / std::sqrt(var + eps));
  // Pass 3: y = (s - mean) * inv * gamma (+ beta).
  c = 0;
  for (; c < nw; c += W) {
    const V t = O::mul(O::sub(O::load(y + c), vm), vi);
    const V g = O::load(gamma + c);
    O::store(y + c, beta ? O::fma(t, g, O::load(beta + c)) : O::mul(t, g));
  }
  if (c < n) {
    const V t = O::mul(O::sub(O::load_first(y + c, tm), vm), vi);
    const V g = O::load_first(gamma + c, tm);
    O::store_first(y + c, tm, beta ? O::fma(t, g, O::load_first(beta + c, tm)) : O::mul(t, g));
  }
}

template <class O>
float attention_softmax(float* row, const float* mask, int64_t mask_step, int64_t live, int64_t keys) {
  using V = typename O::V;
  constexpr int W = O::kWidth;
  const int64_t nw = live / W * W;
  const V ninf = O::set1(-INFINITY);
  V vm = ninf;
  int64_t j = 0;
  // Pass 1: add the mask, take the maximum. The running maximum is max's
  // second operand, so NaN scores are skipped.
  if (mask && mask_step != 0) {
    for (; j < nw; j += W) {
      const V v = O::add(O::load(row + j), O::load(mask + j));
      O::store(row + j, v);
      vm = O::max(v, vm);
    }
  } else {
    const V m = O::set1(mask ? mask[0] : 0.f);
    for (; j < nw; j += W) {
      const V v = O::add(O::load(row + j), m);
      O::store(row + j, v);
      vm = O::max(v, vm);
    }
  }
  const auto tm = O::first(live - nw);
  if (j < live) {
    V v = O::load_first(row + j, tm);
    if (mask) v = O::add(v, mask_step ? O::load_first(mask + j, tm) : O::set1(mask[0]));
    O::store_first(row + j, tm, v);
    vm = O::max(O::select(tm, v, ninf), vm);
  }
  const float mx = O::hmax(vm);
  if (mx == -INFINITY) {
    std::fill(row, row + keys, 0.f);
    return 0.f;
  }
  // Pass 2: the exponentials and their sum (two accumulators).
  const V mv = O::set1(mx);
  V s0 = O::zero(), s1 = O::zero();
  j = 0;
  for (; j + 2 * W <= nw; j += 2 * W) {
    const V e0 = exp_v<O>(O::sub(O::load(row + j), mv)), e1 = exp_v<O>(O::sub(O::load(row + j + W), mv));
    O::store(row + j, e0);
    O::store(row + j + W, e1);
    s0 = O::add(s0, e0);
    s1 = O::add(s1, e1);
  }
  for (; j < nw; j += W) {
    const V e = exp_v<O>(O::sub(O::load(row + j), mv));
    O::store(row + j, e);
    s0 = O::add(s0, e);
  }
  if (j < live) {
    const V e = O::select(tm, exp_v<O>(O::sub(O::load_first(row + j, tm), mv)), O::zero());
    O::store_first(row + j, tm, e);
    s1 = O::add(s1, e);
  }
  std::fill(row + live, row + keys, 0.f);
  return 1.f / O::hsum(O::add(s0, s1));
}
