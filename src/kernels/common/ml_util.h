// Helpers shared by the ai.onnx.ml kernels: the score post-transforms
// (NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT), reading the numeric input
// of a classifier / regressor as rows of doubles, and attribute parsing.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "base/tensor.h"
#include "ir/graph.h"

namespace onyx {

enum class PostTransform { kNone = 0, kSoftmax = 1, kLogistic = 2, kSoftmaxZero = 3, kProbit = 4 };

// The `post_transform` attribute in its string form (classic ml ops).
PostTransform post_transform_attr(const ir::Node& node);
// The integer form of TreeEnsemble (ai.onnx.ml 5).
PostTransform post_transform_from_int(const ir::Node& node, int64_t v);

inline double ml_logistic(double v) {
  // Evaluated on |v| so exp never overflows.
  const double e = 1.0 / (1.0 + std::exp(-std::abs(v)));
  return v < 0 ? 1.0 - e : e;
}

// sqrt(2) * erfinv(2p - 1) with Winitzki's closed-form erfinv approximation
// (a = 0.147), the form the ONNX reference and ONNX Runtime use.
double ml_probit(double p);

// Softmax over v[0..n).
void ml_softmax(double* v, int64_t n);
// Softmax over the non-zero entries only: zeros stay zero (|v| <= 1e-7 counts
// as zero); a row of zeros becomes 0.5 everywhere.
void ml_softmax_zero(double* v, int64_t n);
// Applies a post-transform in place to one row of scores.
void ml_post_transform(PostTransform t, double* v, int64_t n);

// The input of a classifier / regressor: [N, C] (or [C], one row) of float,
// double, int32 or int64, as N rows of C doubles.
struct MlRows {
  int64_t n = 0, c = 0;
  std::vector<double> data;  // n * c
  const double* row(int64_t i) const { return data.data() + i * c; }
};
MlRows ml_rows(const Tensor& x);

// Whether `t` is one of the numeric input types the ml ops accept.
bool ml_numeric_input(DataType t);

}  // namespace onyx
