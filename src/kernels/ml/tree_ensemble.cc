// Tree ensembles of ai.onnx.ml: TreeEnsembleRegressor and
// TreeEnsembleClassifier (versions 1 and 3; 3 adds the *_as_tensor forms of
// the float attributes) and TreeEnsemble (version 5, one op for both with
// tensor attributes, set-membership nodes and an integer post_transform).
// The trees are compiled and checked once (kernels/common/ml_tree.h).
//
// Regression (and TreeEnsemble): each tree routes the row to a leaf, whose
// (target, weight) entries are aggregated per target over the trees: SUM,
// AVERAGE (sum / trees), MIN or MAX (a target no leaf reached is 0); then
// base_values are added (regressor) and post_transform applied to the row.
//
// Classification: per class, base_values (one per class, or one for all)
// plus the sum of the reached leaves' class weights. When every class_id is
// the same (a binary model scoring one class) the scores become
// [1 - s, s] (post_transform NONE or PROBIT) or [-s, s] (otherwise), as in
// the ONNX reference. The post_transform is applied, and the label is the
// class with the highest score (the first one on ties).
#include <limits>

#include "kernels/common/float_elem.h"
#include "kernels/common/ml_tree.h"
#include "kernels/common/ml_util.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class Aggregate { kAverage = 0, kSum = 1, kMin = 2, kMax = 3 };

Aggregate aggregate_from_string(const ir::Node& node) {
  const std::string s = node.attr_string("aggregate_function", "SUM");
  if (s == "SUM") return Aggregate::kSum;
  if (s == "AVERAGE") return Aggregate::kAverage;
  if (s == "MIN") return Aggregate::kMin;
  if (s == "MAX") return Aggregate::kMax;
  fail(ErrorCode::kInvalidGraph, node.describe(), ": aggregate_function is '", s, "', expected SUM, AVERAGE, MIN or MAX");
}

// Scores of one row: `n_targets` aggregated values.
void aggregate_row(const MlTreeEnsemble& e, Aggregate agg, const double* x, double* out, int64_t n_targets,
                   std::vector<uint8_t>& seen) {
  std::fill(out, out + n_targets, 0.0);
  std::fill(seen.begin(), seen.end(), 0);
  for (size_t t = 0; t < e.roots.size(); ++t) {
    const MlTreeNode& leaf = e.leaf(t, x);
    for (int64_t k = leaf.begin; k < leaf.end; ++k) {
      const MlTreeTarget& tg = e.targets[static_cast<size_t>(k)];
      double& o = out[tg.target];
      switch (agg) {
        case Aggregate::kSum:
        case Aggregate::kAverage: o += tg.weight; break;
        case Aggregate::kMin: o = seen[static_cast<size_t>(tg.target)] ? std::min(o, tg.weight) : tg.weight; break;
        case Aggregate::kMax: o = seen[static_cast<size_t>(tg.target)] ? std::max(o, tg.weight) : tg.weight; break;
      }
      seen[static_cast<size_t>(tg.target)] = 1;
    }
  }
  if (agg == Aggregate::kAverage && !e.roots.empty())
    for (int64_t i = 0; i < n_targets; ++i) out[i] /= static_cast<double>(e.roots.size());
}

void check_features(const MlTreeEnsemble& e, const MlRows& rows) {
  if (e.max_feature >= rows.c)
    fail(ErrorCode::kInvalidArgument, "the trees test feature ", e.max_feature, " but the input has only ", rows.c,
         " features per row");
}

void check_targets(const ir::Node& node, const MlTreeEnsemble& e, int64_t n, const char* what) {
  for (const MlTreeTarget& t : e.targets)
    if (t.target >= n)
      fail(ErrorCode::kInvalidGraph, node.describe(), ": ", what, " id ", t.target, " is not below ", what,
           " count ", n);
}

// ---- TreeEnsembleRegressor (1, 3) and TreeEnsemble (5) ----

class TreeRegressor final : public Kernel {
 public:
  explicit TreeRegressor(const KernelInit& init) {
    const ir::Node& n = init.node;
    v5_ = n.op_type == "TreeEnsemble";
    if (v5_) {
      ensemble_ = MlTreeEnsemble::from_v5(n);
      const int64_t agg = n.attr_int("aggregate_function", 1);
      if (agg < 0 || agg > 3)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": aggregate_function is ", agg, ", expected 0 to 3");
      agg_ = static_cast<Aggregate>(agg);
      post_ = post_transform_from_int(n, n.attr_int("post_transform", 0));
      n_targets_ = n.required_attr("n_targets", ir::AttrType::kInt).i;
    } else {
      ensemble_ = MlTreeEnsemble::from_classic(n, "target");
      agg_ = aggregate_from_string(n);
      post_ = post_transform_attr(n);
      n_targets_ = n.attr_int("n_targets", 1);
      base_ = ml_float_list(n, "base_values");
      if (!base_.empty() && static_cast<int64_t>(base_.size()) != n_targets_)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": base_values has ", base_.size(), " values for ", n_targets_,
             " targets");
    }
    if (n_targets_ <= 0) fail(ErrorCode::kInvalidGraph, n.describe(), ": n_targets must be positive, got ", n_targets_);
    check_targets(n, ensemble_, n_targets_, "target");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const MlRows rows = ml_rows(x);
    check_features(ensemble_, rows);
    // TreeEnsemble-5 keeps the input's float type; the classic op gives float.
    const DataType out_type = v5_ ? x.dtype() : DataType::kFloat;
    Tensor& y = ctx.output(0, {rows.n, n_targets_}, out_type);
    parallel_for(ctx.pool(), rows.n, std::max<int64_t>(1, 256 / std::max<size_t>(1, ensemble_.roots.size())),
                 [&](int64_t r0, int64_t r1) {
                   std::vector<double> s(static_cast<size_t>(n_targets_));
                   std::vector<uint8_t> seen(static_cast<size_t>(n_targets_));
                   for (int64_t r = r0; r < r1; ++r) {
                     aggregate_row(ensemble_, agg_, rows.row(r), s.data(), n_targets_, seen);
                     for (size_t i = 0; i < base_.size(); ++i) s[i] += base_[i];
                     ml_post_transform(post_, s.data(), n_targets_);
                     for (int64_t i = 0; i < n_targets_; ++i)
                       float_store<double>(y, r * n_targets_ + i, s[static_cast<size_t>(i)]);
                   }
                 });
  }

 private:
  bool v5_ = false;
  MlTreeEnsemble ensemble_;
  Aggregate agg_ = Aggregate::kSum;
  PostTransform post_ = PostTransform::kNone;
  int64_t n_targets_ = 1;
  std::vector<double> base_;
};

// ---- TreeEnsembleClassifier (1, 3) ----

class TreeClassifier final : public Kernel {
 public:
  explicit TreeClassifier(const KernelInit& init) {
    const ir::Node& n = init.node;
    ensemble_ = MlTreeEnsemble::from_classic(n, "class");
    post_ = post_transform_attr(n);
    int_labels_ = n.attr_ints("classlabels_int64s");
    str_labels_ = n.attr_strings("classlabels_strings");
    if (int_labels_.empty() == str_labels_.empty())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": exactly one of classlabels_int64s and classlabels_strings is needed");
    n_classes_ = static_cast<int64_t>(std::max(int_labels_.size(), str_labels_.size()));
    base_ = ml_float_list(n, "base_values");
    if (!base_.empty() && base_.size() != 1 && static_cast<int64_t>(base_.size()) != n_classes_)
      fail(ErrorCode::kInvalidGraph, n.describe(), ": base_values has ", base_.size(), " values for ", n_classes_,
           " classes");
    check_targets(n, ensemble_, n_classes_, "class");
    // One class id throughout: a binary model scoring the positive class.
    const std::vector<int64_t> ids = n.attr_ints("class_ids");
    binary_ = !ids.empty() && std::all_of(ids.begin(), ids.end(), [&](int64_t v) { return v == ids[0]; });
    if (binary_) binary_id_ = ids[0];
    if (binary_ && n_classes_ == 1 && !str_labels_.empty())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": a binary classifier needs two string labels");
  }

  void run(KernelContext& ctx) const override {
    const MlRows rows = ml_rows(ctx.input(0));
    check_features(ensemble_, rows);
    const int64_t width = binary_ ? std::max<int64_t>(2, n_classes_) : n_classes_;
    Tensor& labels = ctx.output(0, {rows.n}, str_labels_.empty() ? DataType::kInt64 : DataType::kString);
    Tensor* scores = ctx.output_wanted(1) ? &ctx.output(1, {rows.n, width}, DataType::kFloat) : nullptr;
    parallel_for(ctx.pool(), rows.n, std::max<int64_t>(1, 256 / std::max<size_t>(1, ensemble_.roots.size())),
                 [&](int64_t r0, int64_t r1) {
                   std::vector<double> s(static_cast<size_t>(width));
                   std::vector<uint8_t> seen(static_cast<size_t>(width));
                   for (int64_t r = r0; r < r1; ++r) {
                     aggregate_row(ensemble_, Aggregate::kSum, rows.row(r), s.data(), n_classes_, seen);
                     for (int64_t c = 0; c < n_classes_; ++c)
                       s[static_cast<size_t>(c)] += base_.empty() ? 0.0 : base_.size() == 1 ? base_[0] : base_[static_cast<size_t>(c)];
                     if (binary_) {
                       s[1] = s[static_cast<size_t>(binary_id_)];
                       s[0] = (post_ == PostTransform::kNone || post_ == PostTransform::kProbit) ? 1.0 - s[1] : -s[1];
                     }
                     ml_post_transform(post_, s.data(), width);
                     const int64_t best = std::max_element(s.begin(), s.end()) - s.begin();
                     write_label(labels, r, best);
                     if (scores)
                       for (int64_t c = 0; c < width; ++c) scores->data<float>()[r * width + c] = static_cast<float>(s[static_cast<size_t>(c)]);
                   }
                 });
  }

 private:
  void write_label(Tensor& labels, int64_t r, int64_t best) const {
    if (!str_labels_.empty()) {
      labels.data<std::string>()[r] = str_labels_[static_cast<size_t>(std::min<int64_t>(best, n_classes_ - 1))];
    } else if (n_classes_ == 1) {
      // One label: it is the positive class (index 1); the other is 0.
      labels.data<int64_t>()[r] = best == 1 ? int_labels_[0] : 0;
    } else {
      labels.data<int64_t>()[r] = int_labels_[static_cast<size_t>(best)];
    }
  }

  MlTreeEnsemble ensemble_;
  PostTransform post_ = PostTransform::kNone;
  std::vector<int64_t> int_labels_;
  std::vector<std::string> str_labels_;
  int64_t n_classes_ = 0;
  std::vector<double> base_;
  bool binary_ = false;
  int64_t binary_id_ = 0;  // the class the binary model scores
};

ir::Dim batch_dim(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) return ir::Dim();
  if (x->size() == 1) return ir::Dim(1);
  return (*x)[0];
}

void check_input_rank(InferContext& ctx) {
  const int r = ctx.input_rank(0);
  if (r >= 0 && r != 1 && r != 2) ctx.fail("input must be 1-D or 2-D, got rank ", r);
}

void infer_tree_regressor(InferContext& ctx) {
  check_input_rank(ctx);
  ctx.set_output(0, DataType::kFloat, {batch_dim(ctx), infer::dim_of(ctx.node().attr_int("n_targets", 1))});
}

void infer_tree_ensemble(InferContext& ctx) {
  check_input_rank(ctx);
  const ir::Attribute* nt = ctx.node().attr("n_targets");
  ctx.set_output(0, ctx.input_dtype(0), {batch_dim(ctx), nt ? infer::dim_of(nt->i) : ir::Dim()});
}

void infer_tree_classifier(InferContext& ctx) {
  check_input_rank(ctx);
  const ir::Node& n = ctx.node();
  const bool strings = !n.attr_strings("classlabels_strings").empty();
  ctx.set_output(0, strings ? DataType::kString : DataType::kInt64, {batch_dim(ctx)});
  if (ctx.has_output(1)) {
    const int64_t classes =
        static_cast<int64_t>(std::max(n.attr_ints("classlabels_int64s").size(), n.attr_strings("classlabels_strings").size()));
    const std::vector<int64_t> ids = n.attr_ints("class_ids");
    const bool binary = !ids.empty() && std::all_of(ids.begin(), ids.end(), [&](int64_t v) { return v == ids[0]; });
    ctx.set_output(1, DataType::kFloat, {batch_dim(ctx), ir::Dim(binary ? std::max<int64_t>(2, classes) : classes)});
  }
}

const std::vector<DataType> kMlNumeric = {DataType::kFloat, DataType::kDouble, DataType::kInt64, DataType::kInt32};

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "TreeEnsembleRegressor", .since = 1, .types = kMlNumeric,
             .infer = infer_tree_regressor, .create = create<TreeRegressor>});
ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "TreeEnsembleClassifier", .since = 1, .types = kMlNumeric,
             .infer = infer_tree_classifier, .create = create<TreeClassifier>});
ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "TreeEnsemble", .since = 5,
             .types = {DataType::kFloat, DataType::kDouble, DataType::kFloat16}, .infer = infer_tree_ensemble,
             .create = create<TreeRegressor>});

}  // namespace onyx
