// The tree-ensemble engine behind TreeEnsemble (ai.onnx.ml 5),
// TreeEnsembleClassifier and TreeEnsembleRegressor (ai.onnx.ml 1, 3).
//
// Both attribute encodings compile, once at session creation, into one flat
// form: a node array where interior nodes hold their test and the indices of
// their two children, and leaves hold a range of (target, weight) entries.
// Every index in the attributes is untrusted: node ids, child ids, leaf ids,
// feature ids and target ids are checked while compiling (feature ids again
// against each input's width), and the trees must be acyclic, so evaluation
// never reads out of bounds nor loops.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace onyx {

struct MlTreeNode {
  enum class Mode : uint8_t { kLeq, kLt, kGte, kGt, kEq, kNeq, kMember, kLeaf };
  Mode mode = Mode::kLeaf;
  bool missing_true = false;  // NaN features take the true branch
  int64_t feature = 0;
  double value = 0;
  int64_t true_child = -1, false_child = -1;
  int64_t begin = 0, end = 0;  // leaf: targets[begin, end); member: members[begin, end)
};

struct MlTreeTarget {
  int64_t target = 0;
  double weight = 0;
};

class MlTreeEnsemble {
 public:
  // How a NaN feature is routed: the classic ops send it by
  // nodes_missing_value_tracks_true alone; TreeEnsemble-5 takes the true
  // branch when the comparison holds (NaN != v does) or the flag is set.
  bool nan_by_flag_only = true;

  std::vector<MlTreeNode> nodes;
  std::vector<int64_t> roots;  // one per tree
  std::vector<MlTreeTarget> targets;
  std::vector<double> members;
  int64_t max_feature = -1;

  // The leaf that tree t sends row x to.
  const MlTreeNode& leaf(size_t t, const double* x) const;

  // Builds from the classic attributes (nodes_* keyed by tree id and node id);
  // `prefix` is "target" (regressor) or "class" (classifier).
  static MlTreeEnsemble from_classic(const ir::Node& node, const char* prefix);
  // Builds from TreeEnsemble-5's attributes.
  static MlTreeEnsemble from_v5(const ir::Node& node);

 private:
  // Checks children, features and that every tree is acyclic.
  void validate(const ir::Node& node) const;
};

// A float list attribute that may come as `name` (floats) or, from ai.onnx.ml
// 3, as `name`_as_tensor (a float or double tensor); empty when neither.
std::vector<double> ml_float_list(const ir::Node& node, const std::string& name);

}  // namespace onyx
