// SVMClassifier and SVMRegressor (ai.onnx.ml 1), as libsvm / liblinear
// models exported by skl2onnx use them, with the ONNX reference's rules.
//
// Kernels K(a, b): LINEAR a.b, POLY (gamma a.b + coef0)^degree, RBF
// exp(-gamma |a - b|^2), SIGMOID tanh(gamma a.b + coef0); kernel_params =
// [gamma, coef0, degree].
//
// SVMRegressor: with n_supports > 0, y = rho[0] + sum_j coef[j] K(x, sv_j);
// otherwise y = rho[0] + coefficients . x. one_class turns y into +1 / -1.
//
// SVMClassifier: without support vectors (liblinear), one score per class,
// rho[0] + coefficients[c] . x. With them (libsvm, one-vs-one), every pair of
// classes (i, j) gets s = rho[k] + (class i's vectors weighted by coef row
// j-1) + (class j's vectors weighted by coef row i), which votes for i when
// s > 0, else for j; the pairwise scores are the output. With prob_a / prob_b
// the pairwise scores become class probabilities (Platt scaling, then
// libsvm's multiclass coupling). The label is the most voted (or best
// scoring) class; binary models (one rho) follow the ONNX reference's
// thresholds, and a single score is widened to two columns.
#include <cmath>

#include "kernels/common/ml_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class SvmKernel { kLinear, kPoly, kRbf, kSigmoid };

struct SvmParams {
  SvmKernel kernel = SvmKernel::kLinear;
  double gamma = 0, coef0 = 0;
  double degree = 0;

  explicit SvmParams(const ir::Node& n) {
    const std::string k = n.attr_string("kernel_type", "LINEAR");
    if (k == "LINEAR") kernel = SvmKernel::kLinear;
    else if (k == "POLY") kernel = SvmKernel::kPoly;
    else if (k == "RBF") kernel = SvmKernel::kRbf;
    else if (k == "SIGMOID") kernel = SvmKernel::kSigmoid;
    else fail(ErrorCode::kInvalidGraph, n.describe(), ": kernel_type is '", k, "', expected LINEAR, POLY, RBF or SIGMOID");
    const std::vector<float> p = n.attr_floats("kernel_params");
    if (!p.empty()) {
      if (p.size() != 3)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": kernel_params must be [gamma, coef0, degree], got ", p.size(),
             " values");
      gamma = p[0];
      coef0 = p[1];
      degree = static_cast<double>(static_cast<int64_t>(p[2]));
    }
  }

  double dot(const double* a, const float* b, int64_t n) const {
    double s = 0;
    switch (kernel) {
      case SvmKernel::kRbf:
        for (int64_t i = 0; i < n; ++i) {
          const double d = a[i] - b[i];
          s += d * d;
        }
        return std::exp(-gamma * s);
      default:
        for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
        if (kernel == SvmKernel::kPoly) return std::pow(s * gamma + coef0, degree);
        if (kernel == SvmKernel::kSigmoid) return std::tanh(s * gamma + coef0);
        return s;
    }
  }
};

// libsvm's coupling of pairwise probabilities r (k x k) into class
// probabilities p (Wu, Lin and Weng's second method).
void multiclass_probability(int64_t k, const std::vector<double>& r, double* p) {
  std::vector<double> q(static_cast<size_t>(k * k)), qp(static_cast<size_t>(k));
  auto R = [&](int64_t i, int64_t j) { return r[static_cast<size_t>(i * k + j)]; };
  auto Q = [&](int64_t i, int64_t j) -> double& { return q[static_cast<size_t>(i * k + j)]; };
  const int64_t max_iter = std::max<int64_t>(100, k);
  const double eps = 0.005 / static_cast<double>(k);
  for (int64_t t = 0; t < k; ++t) {
    p[t] = 1.0 / static_cast<double>(k);
    Q(t, t) = 0;
    for (int64_t j = 0; j < t; ++j) {
      Q(t, t) += R(j, t) * R(j, t);
      Q(t, j) = Q(j, t);
    }
    for (int64_t j = t + 1; j < k; ++j) {
      Q(t, t) += R(j, t) * R(j, t);
      Q(t, j) = -R(j, t) * R(t, j);
    }
  }
  for (int64_t it = 0; it < max_iter; ++it) {
    double pqp = 0;
    for (int64_t t = 0; t < k; ++t) {
      qp[static_cast<size_t>(t)] = 0;
      for (int64_t j = 0; j < k; ++j) qp[static_cast<size_t>(t)] += Q(t, j) * p[j];
      pqp += p[t] * qp[static_cast<size_t>(t)];
    }
    double max_error = 0;
    for (int64_t t = 0; t < k; ++t) max_error = std::max(max_error, std::abs(qp[static_cast<size_t>(t)] - pqp));
    if (max_error < eps) break;
    for (int64_t t = 0; t < k; ++t) {
      const double diff = (-qp[static_cast<size_t>(t)] + pqp) / Q(t, t);
      p[t] += diff;
      pqp = (pqp + diff * (diff * Q(t, t) + 2 * qp[static_cast<size_t>(t)])) / (1 + diff) / (1 + diff);
      for (int64_t j = 0; j < k; ++j) {
        qp[static_cast<size_t>(j)] = (qp[static_cast<size_t>(j)] + diff * Q(t, j)) / (1 + diff);
        p[j] /= (1 + diff);
      }
    }
  }
}

class SVMClassifier final : public Kernel {
 public:
  explicit SVMClassifier(const KernelInit& init) : params_(init.node) {
    const ir::Node& n = init.node;
    coef_ = n.attr_floats("coefficients");
    sv_ = n.attr_floats("support_vectors");
    rho_ = n.attr_floats("rho");
    prob_a_ = n.attr_floats("prob_a");
    prob_b_ = n.attr_floats("prob_b");
    post_ = post_transform_attr(n);
    int_labels_ = n.attr_ints("classlabels_ints");
    str_labels_ = n.attr_strings("classlabels_strings");
    if (!int_labels_.empty() && !str_labels_.empty())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": only one of classlabels_ints and classlabels_strings may be given");
    classes_ = static_cast<int64_t>(std::max<size_t>({int_labels_.size(), str_labels_.size(), 1}));
    for (int64_t v : n.attr_ints("vectors_per_class")) {
      if (v < 0) fail(ErrorCode::kInvalidGraph, n.describe(), ": vectors_per_class holds a negative count ", v);
      starts_.push_back(vectors_);
      per_class_.push_back(v);
      vectors_ += v;
    }
    svc_ = vectors_ > 0;
    if (rho_.empty()) fail(ErrorCode::kInvalidGraph, n.describe(), ": rho is required");
    if (coef_.empty()) fail(ErrorCode::kInvalidGraph, n.describe(), ": coefficients are required");
    if (svc_) {
      if (static_cast<int64_t>(per_class_.size()) != classes_)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": vectors_per_class has ", per_class_.size(), " entries for ",
             classes_, " classes");
      if (static_cast<int64_t>(coef_.size()) != (classes_ - 1) * vectors_)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": ", coef_.size(), " coefficients do not fit ", classes_ - 1,
             " rows of ", vectors_, " support vectors");
      if (sv_.size() % static_cast<size_t>(vectors_) != 0)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": ", sv_.size(), " support vector values do not split into ",
             vectors_, " vectors");
      const int64_t pairs = classes_ * (classes_ - 1) / 2;
      if (static_cast<int64_t>(rho_.size()) < pairs)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": rho has ", rho_.size(), " values for ", pairs, " class pairs");
      proba_ = !prob_a_.empty();
      if (proba_ && (static_cast<int64_t>(prob_a_.size()) < pairs || static_cast<int64_t>(prob_b_.size()) < pairs))
        fail(ErrorCode::kInvalidGraph, n.describe(), ": prob_a and prob_b need ", pairs, " values each");
    } else if (coef_.size() % static_cast<size_t>(classes_) != 0) {
      fail(ErrorCode::kInvalidGraph, n.describe(), ": ", coef_.size(), " coefficients do not split into ", classes_,
           " classes");
    }
    all_positive_ = *std::min_element(coef_.begin(), coef_.end()) >= 0;
    // Score width: probabilities per class, pairwise scores, or one per class
    // (linear); a single score is widened to two when the binary rule asks.
    raw_width_ = svc_ ? (proba_ ? classes_ : classes_ * (classes_ - 1) / 2) : classes_;
    widen_ = raw_width_ == 1 && rho_.size() == 1 && classes_ == 2 && post_ != PostTransform::kProbit;
    width_ = widen_ ? 2 : raw_width_;
  }

  void run(KernelContext& ctx) const override {
    const MlRows rows = ml_rows(ctx.input(0));
    const int64_t f = rows.c;
    if (svc_ && static_cast<int64_t>(sv_.size()) != vectors_ * f)
      fail(ErrorCode::kInvalidArgument, "the support vectors have ", static_cast<int64_t>(sv_.size()) / vectors_,
           " features but the input has ", f);
    if (!svc_ && static_cast<int64_t>(coef_.size()) != classes_ * f)
      fail(ErrorCode::kInvalidArgument, "the coefficients have ", static_cast<int64_t>(coef_.size()) / classes_,
           " features per class but the input has ", f);
    const bool strings = !str_labels_.empty();
    Tensor& labels = ctx.output(0, {rows.n}, strings ? DataType::kString : DataType::kInt64);
    Tensor* scores = ctx.output_wanted(1) ? &ctx.output(1, {rows.n, width_}, DataType::kFloat) : nullptr;
    parallel_for(ctx.pool(), rows.n, 16, [&](int64_t r0, int64_t r1) {
      std::vector<double> kern(static_cast<size_t>(vectors_)), s, votes(static_cast<size_t>(classes_));
      for (int64_t r = r0; r < r1; ++r) {
        const double* x = rows.row(r);
        s.clear();
        std::fill(votes.begin(), votes.end(), 0.0);
        if (svc_) {
          for (int64_t j = 0; j < vectors_; ++j) kern[static_cast<size_t>(j)] = params_.dot(x, &sv_[static_cast<size_t>(j * f)], f);
          int64_t k = 0;
          for (int64_t i = 0; i < classes_; ++i)
            for (int64_t j = i + 1; j < classes_; ++j, ++k) {
              double v = rho_[static_cast<size_t>(k)];
              for (int64_t m = 0; m < per_class_[static_cast<size_t>(i)]; ++m)
                v += coef_[static_cast<size_t>((j - 1) * vectors_ + starts_[static_cast<size_t>(i)] + m)] *
                     kern[static_cast<size_t>(starts_[static_cast<size_t>(i)] + m)];
              for (int64_t m = 0; m < per_class_[static_cast<size_t>(j)]; ++m)
                v += coef_[static_cast<size_t>(i * vectors_ + starts_[static_cast<size_t>(j)] + m)] *
                     kern[static_cast<size_t>(starts_[static_cast<size_t>(j)] + m)];
              s.push_back(v);
              votes[static_cast<size_t>(v > 0 ? i : j)] += 1;
            }
          if (proba_) s = probabilities(s);
        } else {
          for (int64_t c = 0; c < classes_; ++c)
            s.push_back(rho_[0] + params_.dot(x, &coef_[static_cast<size_t>(c * f)], f));
        }
        // Label: most votes (one-vs-one) or best score (linear).
        const std::vector<double>& pick = svc_ ? votes : s;
        int64_t best = 0;
        double best_w = 0;
        if (!pick.empty()) {
          best = std::max_element(pick.begin(), pick.end()) - pick.begin();
          best_w = pick[static_cast<size_t>(best)];
        }
        int64_t label_index = best;   // into the label list
        int64_t label_value = -1;     // an explicit int label (binary rule without 2 labels)
        if (rho_.size() == 1) {
          if (classes_ == 2) {
            if (!proba_ && all_positive_ && best_w >= 0.5) label_index = 1;
          } else {
            label_value = best_w > 0 ? 1 : 0;
          }
        }
        write_label(labels, r, label_index, label_value);
        if (scores) write_scores(*scores, r, s);
      }
    });
  }

 private:
  std::vector<double> probabilities(const std::vector<double>& pairwise) const {
    const int64_t k = classes_;
    std::vector<double> r(static_cast<size_t>(k * k), 0.0), p(static_cast<size_t>(k));
    int64_t idx = 0;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = i + 1; j < k; ++j, ++idx) {
        // Platt: P(i beats j) = 1 - logistic(s * A + B), kept inside (1e-7, 1 - 1e-7).
        const double v = 1.0 - ml_logistic(pairwise[static_cast<size_t>(idx)] * prob_a_[static_cast<size_t>(idx)] +
                                           prob_b_[static_cast<size_t>(idx)]);
        const double c = std::min(std::max(v, 1e-7), 1 - 1e-7);
        r[static_cast<size_t>(i * k + j)] = c;
        r[static_cast<size_t>(j * k + i)] = 1 - c;
      }
    multiclass_probability(k, r, p.data());
    return p;
  }

  void write_label(Tensor& labels, int64_t r, int64_t index, int64_t value) const {
    if (!str_labels_.empty()) {
      const int64_t i = value >= 0 ? value : index;
      if (i >= static_cast<int64_t>(str_labels_.size()))
        fail(ErrorCode::kInvalidArgument, "class index ", i, " has no label among the ", str_labels_.size(), " given");
      labels.data<std::string>()[r] = str_labels_[static_cast<size_t>(i)];
    } else if (value >= 0) {
      labels.data<int64_t>()[r] = value;
    } else {
      labels.data<int64_t>()[r] = int_labels_.empty() ? index : int_labels_[static_cast<size_t>(index)];
    }
  }

  void write_scores(Tensor& out, int64_t r, std::vector<double>& s) const {
    float* o = out.data<float>() + r * width_;
    if (s.size() >= 2) {
      ml_post_transform(post_, s.data(), static_cast<int64_t>(s.size()));
      for (size_t i = 0; i < s.size(); ++i) o[i] = static_cast<float>(s[i]);
      return;
    }
    const double v = s.empty() ? 0.0 : s[0];
    if (post_ == PostTransform::kProbit || !widen_) {
      o[0] = static_cast<float>(post_ == PostTransform::kProbit ? ml_probit(v) : v);
      return;
    }
    // A binary model's one score s becomes [-s, s], then post-transformed.
    double pair[2] = {-v, v};
    if (post_ == PostTransform::kLogistic) {
      pair[0] = ml_logistic(-v);
      pair[1] = ml_logistic(v);
    } else if (post_ == PostTransform::kSoftmax || post_ == PostTransform::kSoftmaxZero) {
      ml_post_transform(post_, pair, 2);
    }
    o[0] = static_cast<float>(pair[0]);
    o[1] = static_cast<float>(pair[1]);
  }

  SvmParams params_;
  std::vector<float> coef_, sv_, rho_, prob_a_, prob_b_;
  PostTransform post_ = PostTransform::kNone;
  std::vector<int64_t> int_labels_;
  std::vector<std::string> str_labels_;
  int64_t classes_ = 1, vectors_ = 0;
  std::vector<int64_t> starts_, per_class_;
  bool svc_ = false, proba_ = false, all_positive_ = false, widen_ = false;
  int64_t raw_width_ = 0, width_ = 0;
};

class SVMRegressor final : public Kernel {
 public:
  explicit SVMRegressor(const KernelInit& init) : params_(init.node) {
    const ir::Node& n = init.node;
    coef_ = n.attr_floats("coefficients");
    sv_ = n.attr_floats("support_vectors");
    rho_ = n.attr_floats("rho");
    n_supports_ = n.attr_int("n_supports", 0);
    one_class_ = n.attr_int("one_class", 0) != 0;
    post_ = post_transform_attr(n);
    if (rho_.empty()) fail(ErrorCode::kInvalidGraph, n.describe(), ": rho is required");
    if (n_supports_ < 0) fail(ErrorCode::kInvalidGraph, n.describe(), ": n_supports must not be negative");
    if (n_supports_ > 0) {
      if (static_cast<int64_t>(coef_.size()) < n_supports_)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": ", coef_.size(), " coefficients for ", n_supports_,
             " support vectors");
      if (sv_.size() % static_cast<size_t>(n_supports_) != 0)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": ", sv_.size(), " support vector values do not split into ",
             n_supports_, " vectors");
    }
  }

  void run(KernelContext& ctx) const override {
    const MlRows rows = ml_rows(ctx.input(0));
    const int64_t f = rows.c;
    if (n_supports_ > 0 && static_cast<int64_t>(sv_.size()) != n_supports_ * f)
      fail(ErrorCode::kInvalidArgument, "the support vectors have ", static_cast<int64_t>(sv_.size()) / n_supports_,
           " features but the input has ", f);
    if (n_supports_ == 0 && static_cast<int64_t>(coef_.size()) != f)
      fail(ErrorCode::kInvalidArgument, "there are ", coef_.size(), " coefficients but the input has ", f, " features");
    Tensor& y = ctx.output(0, {rows.n, 1}, DataType::kFloat);
    parallel_for(ctx.pool(), rows.n, 16, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const double* x = rows.row(r);
        double s = 0;
        if (n_supports_ > 0) {
          for (int64_t j = 0; j < n_supports_; ++j) s += coef_[static_cast<size_t>(j)] * params_.dot(x, &sv_[static_cast<size_t>(j * f)], f);
        } else {
          s = params_.dot(x, coef_.data(), f);
        }
        s += rho_[0];
        if (one_class_) s = s > 0 ? 1.0 : -1.0;
        ml_post_transform(post_, &s, 1);
        y.data<float>()[r] = static_cast<float>(s);
      }
    });
  }

 private:
  SvmParams params_;
  std::vector<float> coef_, sv_, rho_;
  int64_t n_supports_ = 0;
  bool one_class_ = false;
  PostTransform post_ = PostTransform::kNone;
};

ir::Dim batch_dim(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) return ir::Dim();
  if (x->size() == 1) return ir::Dim(1);
  if (x->size() != 2) ctx.fail("input must be 1-D or 2-D, got rank ", x->size());
  return (*x)[0];
}

void infer_svm_classifier(InferContext& ctx) {
  const bool strings = !ctx.node().attr_strings("classlabels_strings").empty();
  ctx.set_output(0, strings ? DataType::kString : DataType::kInt64, {batch_dim(ctx)});
  if (ctx.has_output(1)) ctx.set_output(1, DataType::kFloat, {batch_dim(ctx), ir::Dim()});
}

void infer_svm_regressor(InferContext& ctx) { ctx.set_output(0, DataType::kFloat, {batch_dim(ctx), ir::Dim(1)}); }

const std::vector<DataType> kMlNumeric = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32};

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "SVMClassifier", .since = 1, .types = kMlNumeric,
             .infer = infer_svm_classifier, .create = create<SVMClassifier>});
ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "SVMRegressor", .since = 1, .types = kMlNumeric,
             .infer = infer_svm_regressor, .create = create<SVMRegressor>});

}  // namespace onyx
