#include "kernels/common/ml_util.h"

#include <algorithm>
#include <limits>

namespace onyx {

PostTransform post_transform_attr(const ir::Node& node) {
  const std::string s = node.attr_string("post_transform", "NONE");
  if (s == "NONE") return PostTransform::kNone;
  if (s == "SOFTMAX") return PostTransform::kSoftmax;
  if (s == "LOGISTIC") return PostTransform::kLogistic;
  if (s == "SOFTMAX_ZERO") return PostTransform::kSoftmaxZero;
  if (s == "PROBIT") return PostTransform::kProbit;
  fail(ErrorCode::kInvalidGraph, node.describe(), ": post_transform is '", s,
       "', expected NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO or PROBIT");
}

PostTransform post_transform_from_int(const ir::Node& node, int64_t v) {
  if (v < 0 || v > 4)
    fail(ErrorCode::kInvalidGraph, node.describe(), ": post_transform is ", v, ", expected 0 to 4");
  return static_cast<PostTransform>(v);
}

double ml_probit(double p) {
  double x = 2.0 * p - 1.0;
  const double sgn = x < 0 ? -1.0 : 1.0;
  x = (1.0 - x) * (1.0 + x);
  if (x == 0) return 0.0;
  const double lg = std::log(x);
  const double v = 2.0 / (3.14159265358979323846 * 0.147) + 0.5 * lg;
  const double v2 = 1.0 / 0.147 * lg;
  const double v3 = -v + std::sqrt(v * v - v2);
  return 1.41421356 * sgn * std::sqrt(v3);
}

void ml_softmax(double* v, int64_t n) {
  if (n <= 0) return;
  const double mx = *std::max_element(v, v + n);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    v[i] = std::exp(v[i] - mx);
    s += v[i];
  }
  for (int64_t i = 0; i < n; ++i) v[i] /= s;
}

void ml_softmax_zero(double* v, int64_t n) {
  if (n <= 0) return;
  const double mx = *std::max_element(v, v + n);
  const double exp_neg_max = std::exp(-mx);
  double s = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (v[i] > 1e-7 || v[i] < -1e-7) v[i] = std::exp(v[i] - mx);
    else v[i] *= exp_neg_max;
    s += v[i];
  }
  for (int64_t i = 0; i < n; ++i) v[i] = s == 0 ? 0.5 : v[i] / s;
}

void ml_post_transform(PostTransform t, double* v, int64_t n) {
  switch (t) {
    case PostTransform::kNone: break;
    case PostTransform::kSoftmax: ml_softmax(v, n); break;
    case PostTransform::kLogistic:
      for (int64_t i = 0; i < n; ++i) v[i] = ml_logistic(v[i]);
      break;
    case PostTransform::kSoftmaxZero: ml_softmax_zero(v, n); break;
    case PostTransform::kProbit:
      for (int64_t i = 0; i < n; ++i) v[i] = ml_probit(v[i]);
      break;
  }
}

bool ml_numeric_input(DataType t) {
  return t == DataType::kFloat || t == DataType::kDouble || t == DataType::kInt32 || t == DataType::kInt64;
}

MlRows ml_rows(const Tensor& x) {
  if (!ml_numeric_input(x.dtype()) && x.dtype() != DataType::kFloat16)
    fail(ErrorCode::kInvalidArgument, "input must be float, double, int32 or int64, got ", dtype_name(x.dtype()));
  MlRows r;
  if (x.rank() == 1) {
    r.n = 1;
    r.c = x.dim(0);
  } else if (x.rank() == 2) {
    r.n = x.dim(0);
    r.c = x.dim(1);
  } else {
    fail(ErrorCode::kInvalidArgument, "input must be 1-D [C] or 2-D [N, C], got shape ", shape_str(x.shape()));
  }
  r.data.resize(static_cast<size_t>(x.numel()));
  for (int64_t i = 0; i < x.numel(); ++i) r.data[static_cast<size_t>(i)] = x.real_at(i);
  return r;
}

}  // namespace onyx
