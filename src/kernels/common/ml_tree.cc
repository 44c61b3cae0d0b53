#include "kernels/common/ml_tree.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace onyx {

namespace {

[[noreturn]] void tree_fail(const ir::Node& node, const std::string& msg) {
  fail(ErrorCode::kInvalidGraph, node.describe(), ": ", msg);
}

std::vector<double> tensor_values(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[static_cast<size_t>(i)] = t.real_at(i);
  return v;
}

MlTreeNode::Mode classic_mode(const ir::Node& node, const std::string& s) {
  using M = MlTreeNode::Mode;
  if (s == "BRANCH_LEQ") return M::kLeq;
  if (s == "BRANCH_LT") return M::kLt;
  if (s == "BRANCH_GTE") return M::kGte;
  if (s == "BRANCH_GT") return M::kGt;
  if (s == "BRANCH_EQ") return M::kEq;
  if (s == "BRANCH_NEQ") return M::kNeq;
  if (s == "LEAF") return M::kLeaf;
  tree_fail(node, str_cat("nodes_modes holds '", s, "', not a known node mode"));
}

}  // namespace

std::vector<double> ml_float_list(const ir::Node& node, const std::string& name) {
  if (const Tensor* t = node.attr_tensor(name + "_as_tensor")) return tensor_values(*t);
  const std::vector<float> f = node.attr_floats(name);
  return std::vector<double>(f.begin(), f.end());
}

const MlTreeNode& MlTreeEnsemble::leaf(size_t t, const double* x) const {
  using M = MlTreeNode::Mode;
  const MlTreeNode* n = &nodes[static_cast<size_t>(roots[t])];
  while (n->mode != M::kLeaf) {
    const double v = x[n->feature];
    bool r;
    if (std::isnan(v) && nan_by_flag_only) {
      r = n->missing_true;
    } else {
      switch (n->mode) {
        case M::kLeq: r = v <= n->value; break;
        case M::kLt: r = v < n->value; break;
        case M::kGte: r = v >= n->value; break;
        case M::kGt: r = v > n->value; break;
        case M::kEq: r = v == n->value; break;
        case M::kNeq: r = v != n->value; break;
        case M::kMember:
          r = std::find(members.begin() + n->begin, members.begin() + n->end, v) != members.begin() + n->end;
          break;
        default: r = false; break;
      }
      if (std::isnan(v)) r = r || n->missing_true;
    }
    n = &nodes[static_cast<size_t>(r ? n->true_child : n->false_child)];
  }
  return *n;
}

void MlTreeEnsemble::validate(const ir::Node& node) const {
  const int64_t n = static_cast<int64_t>(nodes.size());
  for (int64_t i = 0; i < n; ++i) {
    const MlTreeNode& t = nodes[static_cast<size_t>(i)];
    if (t.mode == MlTreeNode::Mode::kLeaf) continue;
    if (t.true_child < 0 || t.true_child >= n || t.false_child < 0 || t.false_child >= n)
      tree_fail(node, str_cat("node ", i, " has a child outside the ", n, " nodes"));
    if (t.feature < 0) tree_fail(node, str_cat("node ", i, " tests a negative feature id ", t.feature));
  }
  for (int64_t r : roots)
    if (r < 0 || r >= n) tree_fail(node, str_cat("tree root ", r, " is outside the ", n, " nodes"));
  // Depth-first walk from every root: a node met again while still on the
  // path is a cycle (evaluation would never reach a leaf).
  std::vector<uint8_t> state(static_cast<size_t>(n), 0);  // 0 new, 1 on path, 2 done
  std::vector<std::pair<int64_t, int>> stack;             // node, children visited
  for (int64_t r : roots) {
    if (state[static_cast<size_t>(r)] == 2) continue;
    stack.push_back({r, 0});
    state[static_cast<size_t>(r)] = 1;
    while (!stack.empty()) {
      auto& [id, k] = stack.back();
      const MlTreeNode& t = nodes[static_cast<size_t>(id)];
      if (t.mode == MlTreeNode::Mode::kLeaf || k == 2) {
        state[static_cast<size_t>(id)] = 2;
        stack.pop_back();
        continue;
      }
      const int64_t c = k++ == 0 ? t.true_child : t.false_child;
      if (state[static_cast<size_t>(c)] == 1) tree_fail(node, str_cat("the trees contain a cycle through node ", c));
      if (state[static_cast<size_t>(c)] == 0) {
        state[static_cast<size_t>(c)] = 1;
        stack.push_back({c, 0});
      }
    }
  }
}

MlTreeEnsemble MlTreeEnsemble::from_classic(const ir::Node& node, const char* prefix) {
  MlTreeEnsemble e;
  const std::vector<int64_t> tree_ids = node.attr_ints("nodes_treeids");
  const std::vector<int64_t> node_ids = node.attr_ints("nodes_nodeids");
  const std::vector<int64_t> features = node.attr_ints("nodes_featureids");
  const std::vector<std::string> modes = node.attr_strings("nodes_modes");
  const std::vector<double> values = ml_float_list(node, "nodes_values");
  const std::vector<int64_t> true_ids = node.attr_ints("nodes_truenodeids");
  const std::vector<int64_t> false_ids = node.attr_ints("nodes_falsenodeids");
  const std::vector<int64_t> missing = node.attr_ints("nodes_missing_value_tracks_true");
  const size_t n = tree_ids.size();
  if (n == 0) tree_fail(node, "the ensemble has no nodes (nodes_treeids is empty)");
  auto check_len = [&](size_t len, const char* what, bool optional) {
    if (len != n && !(optional && len == 0))
      tree_fail(node, str_cat(what, " has ", len, " entries but nodes_treeids has ", n));
  };
  check_len(node_ids.size(), "nodes_nodeids", false);
  check_len(modes.size(), "nodes_modes", false);
  check_len(features.size(), "nodes_featureids", true);
  check_len(values.size(), "nodes_values", true);
  check_len(true_ids.size(), "nodes_truenodeids", true);
  check_len(false_ids.size(), "nodes_falsenodeids", true);
  check_len(missing.size(), "nodes_missing_value_tracks_true", true);

  std::map<std::pair<int64_t, int64_t>, int64_t> index;  // (tree, node id) -> position
  std::map<int64_t, int64_t> root_of;                    // tree id -> first position
  for (size_t i = 0; i < n; ++i) {
    if (!index.emplace(std::make_pair(tree_ids[i], node_ids[i]), static_cast<int64_t>(i)).second)
      tree_fail(node, str_cat("tree ", tree_ids[i], " has node id ", node_ids[i], " twice"));
    root_of.emplace(tree_ids[i], static_cast<int64_t>(i));
  }
  auto find = [&](int64_t tree, int64_t id, const char* what) {
    auto it = index.find({tree, id});
    if (it == index.end()) tree_fail(node, str_cat(what, " names node ", id, " of tree ", tree, ", which does not exist"));
    return it->second;
  };
  e.nodes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    MlTreeNode& t = e.nodes[i];
    t.mode = classic_mode(node, modes[i]);
    if (t.mode == MlTreeNode::Mode::kLeaf) continue;
    if (features.empty() || values.empty() || true_ids.empty() || false_ids.empty())
      tree_fail(node, "interior nodes need nodes_featureids, nodes_values, nodes_truenodeids and nodes_falsenodeids");
    t.feature = features[i];
    t.value = values[i];
    t.missing_true = !missing.empty() && missing[i] != 0;
    t.true_child = find(tree_ids[i], true_ids[i], "nodes_truenodeids");
    t.false_child = find(tree_ids[i], false_ids[i], "nodes_falsenodeids");
    e.max_feature = std::max(e.max_feature, t.feature);
  }
  for (const auto& [tree, pos] : root_of) e.roots.push_back(pos);

  // Leaf contributions, grouped by the leaf they belong to.
  const std::string p = prefix;
  const std::vector<int64_t> t_ids = node.attr_ints(p + "_ids");
  const std::vector<int64_t> t_nodes = node.attr_ints(p + "_nodeids");
  const std::vector<int64_t> t_trees = node.attr_ints(p + "_treeids");
  const std::vector<double> t_weights = ml_float_list(node, p + "_weights");
  const size_t m = t_ids.size();
  if (t_nodes.size() != m || t_trees.size() != m || t_weights.size() != m)
    tree_fail(node, str_cat(p, "_ids, ", p, "_nodeids, ", p, "_treeids and ", p, "_weights must have the same length, got ",
                            m, ", ", t_nodes.size(), ", ", t_trees.size(), ", ", t_weights.size()));
  std::vector<std::vector<MlTreeTarget>> per_node(n);
  for (size_t i = 0; i < m; ++i) {
    const int64_t pos = find(t_trees[i], t_nodes[i], (p + "_nodeids").c_str());
    if (e.nodes[static_cast<size_t>(pos)].mode != MlTreeNode::Mode::kLeaf)
      tree_fail(node, str_cat(p, " weight ", i, " is attached to node ", t_nodes[i], " of tree ", t_trees[i],
                              ", which is not a leaf"));
    if (t_ids[i] < 0) tree_fail(node, str_cat(p, "_ids holds a negative id ", t_ids[i]));
    per_node[static_cast<size_t>(pos)].push_back({t_ids[i], t_weights[i]});
  }
  for (size_t i = 0; i < n; ++i) {
    e.nodes[i].begin = static_cast<int64_t>(e.targets.size());
    e.targets.insert(e.targets.end(), per_node[i].begin(), per_node[i].end());
    e.nodes[i].end = static_cast<int64_t>(e.targets.size());
  }
  e.validate(node);
  return e;
}

MlTreeEnsemble MlTreeEnsemble::from_v5(const ir::Node& node) {
  MlTreeEnsemble e;
  e.nan_by_flag_only = false;
  auto tensor_attr = [&](const char* name, bool required) -> std::vector<double> {
    const Tensor* t = node.attr_tensor(name);
    if (!t) {
      if (required) tree_fail(node, str_cat("attribute '", name, "' (a tensor) is required"));
      return {};
    }
    return tensor_values(*t);
  };
  const std::vector<double> splits = tensor_attr("nodes_splits", true);
  const std::vector<double> modes = tensor_attr("nodes_modes", true);
  const std::vector<int64_t> features = node.attr_ints("nodes_featureids");
  const std::vector<int64_t> true_ids = node.attr_ints("nodes_truenodeids");
  const std::vector<int64_t> false_ids = node.attr_ints("nodes_falsenodeids");
  const std::vector<int64_t> true_leafs = node.attr_ints("nodes_trueleafs");
  const std::vector<int64_t> false_leafs = node.attr_ints("nodes_falseleafs");
  const std::vector<int64_t> missing = node.attr_ints("nodes_missing_value_tracks_true");
  const std::vector<int64_t> leaf_targets = node.attr_ints("leaf_targetids");
  const std::vector<double> leaf_weights = tensor_attr("leaf_weights", true);
  const std::vector<int64_t> roots = node.attr_ints("tree_roots");
  const std::vector<double> members = tensor_attr("membership_values", false);
  const size_t n = splits.size(), l = leaf_targets.size();
  for (const auto& [len, what] : {std::pair<size_t, const char*>{modes.size(), "nodes_modes"},
                                  {features.size(), "nodes_featureids"}, {true_ids.size(), "nodes_truenodeids"},
                                  {false_ids.size(), "nodes_falsenodeids"}, {true_leafs.size(), "nodes_trueleafs"},
                                  {false_leafs.size(), "nodes_falseleafs"}})
    if (len != n) tree_fail(node, str_cat(what, " has ", len, " entries but nodes_splits has ", n));
  if (!missing.empty() && missing.size() != n)
    tree_fail(node, str_cat("nodes_missing_value_tracks_true has ", missing.size(), " entries but nodes_splits has ", n));
  if (leaf_weights.size() != l)
    tree_fail(node, str_cat("leaf_weights has ", leaf_weights.size(), " entries but leaf_targetids has ", l));
  if (roots.empty()) tree_fail(node, "tree_roots is empty");

  // Interior nodes first, then one node per leaf.
  e.nodes.resize(n + l);
  size_t member_pos = 0;
  for (size_t i = 0; i < n; ++i) {
    MlTreeNode& t = e.nodes[i];
    const double m = modes[i];
    if (!(m >= 0 && m <= 6) || m != std::floor(m)) tree_fail(node, str_cat("nodes_modes[", i, "] is ", m, ", expected 0 to 6"));
    t.mode = static_cast<MlTreeNode::Mode>(static_cast<int>(m));
    t.feature = features[i];
    t.value = splits[i];
    t.missing_true = !missing.empty() && missing[i] != 0;
    auto child = [&](int64_t id, int64_t is_leaf, const char* what) -> int64_t {
      const int64_t limit = is_leaf ? static_cast<int64_t>(l) : static_cast<int64_t>(n);
      if (id < 0 || id >= limit)
        tree_fail(node, str_cat(what, "[", i, "] is ", id, ", outside the ", limit, is_leaf ? " leaves" : " nodes"));
      return is_leaf ? static_cast<int64_t>(n) + id : id;
    };
    t.true_child = child(true_ids[i], true_leafs[i], "nodes_truenodeids");
    t.false_child = child(false_ids[i], false_leafs[i], "nodes_falsenodeids");
    if (t.mode == MlTreeNode::Mode::kMember) {
      // This node's set: the next run of membership_values up to a NaN.
      t.begin = static_cast<int64_t>(e.members.size());
      bool closed = false;
      while (member_pos < members.size()) {
        const double v = members[member_pos++];
        if (std::isnan(v)) {
          closed = true;
          break;
        }
        e.members.push_back(v);
      }
      if (!closed && member_pos >= members.size() && e.members.size() == static_cast<size_t>(t.begin))
        tree_fail(node, str_cat("node ", i, " is a set-membership node but membership_values has no set left for it"));
      t.end = static_cast<int64_t>(e.members.size());
    }
    e.max_feature = std::max(e.max_feature, t.feature);
  }
  for (size_t j = 0; j < l; ++j) {
    MlTreeNode& t = e.nodes[n + j];
    t.mode = MlTreeNode::Mode::kLeaf;
    t.begin = static_cast<int64_t>(e.targets.size());
    if (leaf_targets[j] < 0) tree_fail(node, str_cat("leaf_targetids[", j, "] is negative: ", leaf_targets[j]));
    e.targets.push_back({leaf_targets[j], leaf_weights[j]});
    t.end = t.begin + 1;
  }
  for (int64_t r : roots) {
    if (r < 0 || r >= static_cast<int64_t>(n))
      tree_fail(node, str_cat("tree root ", r, " is outside the ", n, " nodes"));
    e.roots.push_back(r);
  }
  e.validate(node);
  return e;
}

}  // namespace onyx
