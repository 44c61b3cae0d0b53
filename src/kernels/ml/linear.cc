// LinearRegressor and LinearClassifier (ai.onnx.ml 1): scores = X W^T + b
// with W = `coefficients` as [E, C] (E targets or classes, C features).
//
// LinearRegressor: Y [N, targets] = post_transform(scores).
// LinearClassifier: with one row of coefficients and two class labels the
// scores become [-s, s] (one per class); post_transform is applied; with
// several score columns the label is the best-scoring class, with one it is
// the first label when the score reaches the threshold (0, or 0.5 after a
// post_transform) and 0 / "" otherwise. multi_class does not change the
// computation (as in the ONNX reference).
#include "kernels/common/ml_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// Scores of row x: out[e] = b[e] + sum_c w[e, c] x[c].
void linear_scores(const std::vector<float>& w, const std::vector<float>& b, const double* x, int64_t c, int64_t e,
                   double* out) {
  for (int64_t i = 0; i < e; ++i) {
    double acc = b.empty() ? 0.0 : b[static_cast<size_t>(i)];
    for (int64_t k = 0; k < c; ++k) acc += static_cast<double>(w[static_cast<size_t>(i * c + k)]) * x[k];
    out[i] = acc;
  }
}

// Checks the coefficients against the input width: E = size / C.
int64_t coefficient_rows(const std::vector<float>& w, int64_t c, int64_t expected_rows) {
  if (c == 0 || w.size() % static_cast<size_t>(c) != 0 ||
      (expected_rows > 0 && static_cast<int64_t>(w.size()) != expected_rows * c))
    fail(ErrorCode::kInvalidArgument, "the ", w.size(), " coefficients do not fit inputs of ", c, " features",
         expected_rows > 0 ? str_cat(" and ", expected_rows, " targets") : std::string());
  return static_cast<int64_t>(w.size()) / c;
}

class LinearRegressor final : public Kernel {
 public:
  explicit LinearRegressor(const KernelInit& init) {
    const ir::Node& n = init.node;
    coef_ = n.attr_floats("coefficients");
    intercepts_ = n.attr_floats("intercepts");
    targets_ = n.attr_int("targets", 1);
    post_ = post_transform_attr(n);
    if (targets_ <= 0) fail(ErrorCode::kInvalidGraph, n.describe(), ": targets must be positive, got ", targets_);
    if (!intercepts_.empty() && static_cast<int64_t>(intercepts_.size()) != targets_)
      fail(ErrorCode::kInvalidGraph, n.describe(), ": intercepts has ", intercepts_.size(), " values for ", targets_,
           " targets");
  }

  void run(KernelContext& ctx) const override {
    const MlRows rows = ml_rows(ctx.input(0));
    coefficient_rows(coef_, rows.c, targets_);
    Tensor& y = ctx.output(0, {rows.n, targets_}, DataType::kFloat);
    parallel_for(ctx.pool(), rows.n, 64, [&](int64_t r0, int64_t r1) {
      std::vector<double> s(static_cast<size_t>(targets_));
      for (int64_t r = r0; r < r1; ++r) {
        linear_scores(coef_, intercepts_, rows.row(r), rows.c, targets_, s.data());
        ml_post_transform(post_, s.data(), targets_);
        for (int64_t t = 0; t < targets_; ++t) y.data<float>()[r * targets_ + t] = static_cast<float>(s[static_cast<size_t>(t)]);
      }
    });
  }

 private:
  std::vector<float> coef_, intercepts_;
  int64_t targets_ = 1;
  PostTransform post_ = PostTransform::kNone;
};

class LinearClassifier final : public Kernel {
 public:
  explicit LinearClassifier(const KernelInit& init) {
    const ir::Node& n = init.node;
    coef_ = n.attr_floats("coefficients");
    intercepts_ = n.attr_floats("intercepts");
    post_ = post_transform_attr(n);
    int_labels_ = n.attr_ints("classlabels_ints");
    str_labels_ = n.attr_strings("classlabels_strings");
    if (!int_labels_.empty() && !str_labels_.empty())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": only one of classlabels_ints and classlabels_strings may be given");
    if (coef_.empty()) fail(ErrorCode::kInvalidGraph, n.describe(), ": coefficients are required");
  }

  void run(KernelContext& ctx) const override {
    const MlRows rows = ml_rows(ctx.input(0));
    const int64_t e = coefficient_rows(coef_, rows.c, 0);
    if (!intercepts_.empty() && static_cast<int64_t>(intercepts_.size()) != e)
      fail(ErrorCode::kInvalidArgument, "intercepts has ", intercepts_.size(), " values for ", e, " rows of coefficients");
    const int64_t n_labels = static_cast<int64_t>(std::max(int_labels_.size(), str_labels_.size()));
    if (e > 1 && n_labels > 0 && n_labels != e)
      fail(ErrorCode::kInvalidArgument, "there are ", e, " rows of coefficients but ", n_labels, " class labels");
    const bool expand = e == 1 && n_labels == 2;
    const int64_t width = expand ? 2 : e;
    const bool strings = !str_labels_.empty();
    Tensor& labels = ctx.output(0, {rows.n}, strings ? DataType::kString : DataType::kInt64);
    Tensor* scores = ctx.output_wanted(1) ? &ctx.output(1, {rows.n, width}, DataType::kFloat) : nullptr;
    const double threshold = post_ == PostTransform::kNone ? 0.0 : 0.5;
    parallel_for(ctx.pool(), rows.n, 64, [&](int64_t r0, int64_t r1) {
      std::vector<double> s(static_cast<size_t>(std::max<int64_t>(width, 1)));
      for (int64_t r = r0; r < r1; ++r) {
        linear_scores(coef_, intercepts_, rows.row(r), rows.c, e, s.data());
        if (expand) {
          s[1] = s[0];
          s[0] = -s[1];
        }
        ml_post_transform(post_, s.data(), width);
        if (width > 1) {
          const int64_t best = std::max_element(s.begin(), s.begin() + width) - s.begin();
          if (strings) labels.data<std::string>()[r] = str_labels_[static_cast<size_t>(best)];
          else labels.data<int64_t>()[r] = int_labels_.empty() ? best : int_labels_[static_cast<size_t>(best)];
        } else {
          const bool pos = s[0] >= threshold;
          if (strings) labels.data<std::string>()[r] = pos ? str_labels_[0] : std::string();
          else labels.data<int64_t>()[r] = pos ? (int_labels_.empty() ? 1 : int_labels_[0]) : 0;
        }
        if (scores)
          for (int64_t k = 0; k < width; ++k) scores->data<float>()[r * width + k] = static_cast<float>(s[static_cast<size_t>(k)]);
      }
    });
  }

 private:
  std::vector<float> coef_, intercepts_;
  PostTransform post_ = PostTransform::kNone;
  std::vector<int64_t> int_labels_;
  std::vector<std::string> str_labels_;
};

ir::Dim batch_dim(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) return ir::Dim();
  if (x->size() == 1) return ir::Dim(1);
  if (x->size() != 2) ctx.fail("input must be 1-D or 2-D, got rank ", x->size());
  return (*x)[0];
}

void infer_linear_regressor(InferContext& ctx) {
  ctx.set_output(0, DataType::kFloat, {batch_dim(ctx), infer::dim_of(ctx.node().attr_int("targets", 1))});
}

void infer_linear_classifier(InferContext& ctx) {
  const ir::Node& n = ctx.node();
  const bool strings = !n.attr_strings("classlabels_strings").empty();
  const ir::Dim batch = batch_dim(ctx);
  ctx.set_output(0, strings ? DataType::kString : DataType::kInt64, {batch});
  if (!ctx.has_output(1)) return;
  // The score width needs the feature count: coefficients / C rows.
  ir::Dim width;
  const ir::Dims* x = ctx.input_dims(0);
  const size_t nc = n.attr_floats("coefficients").size();
  const size_t nl = std::max(n.attr_ints("classlabels_ints").size(), n.attr_strings("classlabels_strings").size());
  if (x && !x->empty() && x->back().known() && x->back().value > 0) {
    const int64_t e = static_cast<int64_t>(nc) / x->back().value;
    width = ir::Dim(e == 1 && nl == 2 ? 2 : e);
  }
  ctx.set_output(1, DataType::kFloat, {batch, width});
}

const std::vector<DataType> kMlNumeric = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32};

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "LinearRegressor", .since = 1, .types = kMlNumeric,
             .infer = infer_linear_regressor, .create = create<LinearRegressor>});
ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "LinearClassifier", .since = 1, .types = kMlNumeric,
             .infer = infer_linear_classifier, .create = create<LinearClassifier>});

}  // namespace onyx
