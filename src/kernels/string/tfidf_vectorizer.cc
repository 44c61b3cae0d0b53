// TfIdfVectorizer (opset 9): counts n-grams of a token sequence (strings or
// int32/int64 ids) against a fixed pool and weighs the counts.
//
// The pool lists every n-gram, grouped by length: ngram_counts[k] is where the
// (k+1)-grams start. N-grams are numbered in pool order, and ngram_indexes maps
// that number to an output column. N-grams between min_gram_length and
// max_gram_length are counted; skip grams allow up to max_skip_count tokens
// between the items of an n-gram (unigrams are counted once, not per skip).
//
// The pool becomes a trie at session creation: from each start position a run
// walks it token by token, so counting costs O(tokens x max_gram_length x
// (max_skip_count + 1)) whatever the pool size.
//
// Output: float [output size] for input [C], [B, output size] for input [B, C];
// output size = max(ngram_indexes) + 1. TF: counts; IDF: weight (1 without
// weights) where the count is positive; TFIDF: weight x count.
#include <unordered_map>

#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class Mode { kTF, kIDF, kTFIDF };

template <typename Key>
struct Trie {
  struct Node {
    int64_t column = -1;  // output column of the n-gram ending here (-1: not counted)
    std::unordered_map<Key, int32_t> next;  // index into nodes
  };
  std::vector<Node> nodes{Node{}};

  // Adds a path; returns the node it ends at.
  int32_t insert(std::span<const Key> gram) {
    int32_t at = 0;
    for (const Key& k : gram) {
      auto it = nodes[static_cast<size_t>(at)].next.find(k);
      if (it != nodes[static_cast<size_t>(at)].next.end()) {
        at = it->second;
        continue;
      }
      int32_t id = static_cast<int32_t>(nodes.size());
      nodes[static_cast<size_t>(at)].next.emplace(k, id);
      nodes.emplace_back();
      at = id;
    }
    return at;
  }
  int32_t step(int32_t at, const Key& k) const {
    const auto& next = nodes[static_cast<size_t>(at)].next;
    auto it = next.find(k);
    return it == next.end() ? -1 : it->second;
  }
};

class TfIdfVectorizer final : public Kernel {
 public:
  explicit TfIdfVectorizer(const KernelInit& init) {
    const ir::Node& node = init.node;
    auto bad = [&](const auto&... args) { fail(ErrorCode::kInvalidGraph, node.describe(), ": ", args...); };
    std::string mode = node.required_attr("mode", ir::AttrType::kString).s;
    if (mode == "TF") mode_ = Mode::kTF;
    else if (mode == "IDF") mode_ = Mode::kIDF;
    else if (mode == "TFIDF") mode_ = Mode::kTFIDF;
    else bad("mode is '", mode, "'; expected TF, IDF or TFIDF");
    min_gram_ = node.required_attr("min_gram_length", ir::AttrType::kInt).i;
    max_gram_ = node.required_attr("max_gram_length", ir::AttrType::kInt).i;
    max_skip_ = node.required_attr("max_skip_count", ir::AttrType::kInt).i;
    if (min_gram_ < 1 || max_gram_ < min_gram_)
      bad("gram lengths must satisfy 1 <= min_gram_length <= max_gram_length, got ", min_gram_, " and ", max_gram_);
    if (max_skip_ < 0) bad("max_skip_count must not be negative, got ", max_skip_);
    const std::vector<int64_t> counts = node.attr_ints("ngram_counts");
    const std::vector<int64_t> indexes = node.attr_ints("ngram_indexes");
    weights_ = node.attr_floats("weights");
    if (!node.has_attr("ngram_counts") || !node.has_attr("ngram_indexes"))
      bad("attributes ngram_counts and ngram_indexes are required");
    for (int64_t c : indexes)
      if (c < 0) bad("ngram_indexes holds ", c, "; output columns cannot be negative");
    out_size_ = indexes.empty() ? 0 : *std::max_element(indexes.begin(), indexes.end()) + 1;
    if (!weights_.empty() && static_cast<int64_t>(weights_.size()) < out_size_)
      bad("weights has ", weights_.size(), " entries for ", out_size_, " output columns");

    const bool strings = node.has_attr("pool_strings");
    if (strings == node.has_attr("pool_int64s")) bad("exactly one of pool_strings and pool_int64s must be given");
    strings_ = strings;
    if (strings) build(str_trie_, node.attr_strings("pool_strings"), counts, indexes, bad);
    else build(int_trie_, node.attr_ints("pool_int64s"), counts, indexes, bad);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const DataType dt = x.dtype();
    if (strings_ ? dt != DataType::kString : (dt != DataType::kInt32 && dt != DataType::kInt64))
      fail(ErrorCode::kInvalidArgument, "input is ", dtype_name(dt), " but the pool holds ",
           strings_ ? "strings" : "integers (input must be int32 or int64)");
    if (x.rank() > 2)
      fail(ErrorCode::kInvalidArgument, "input must have shape [C] or [B, C], got ", shape_str(x.shape()));
    const int64_t rows = x.rank() == 2 ? x.dim(0) : 1;
    const int64_t cols = x.rank() == 0 ? 1 : x.dim(-1);
    Shape shape{out_size_};
    if (x.rank() == 2) shape.insert(shape.begin(), rows);
    Tensor& y = ctx.output(0, shape, DataType::kFloat);
    float* out = y.data<float>();
    std::fill(out, out + y.numel(), 0.0f);
    parallel_for(ctx.pool(), rows, 1, [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        float* row = out + r * out_size_;
        if (dt == DataType::kString) count(str_trie_, x.data<std::string>() + r * cols, cols, row);
        else if (dt == DataType::kInt32) count(int_trie_, x.data<int32_t>() + r * cols, cols, row);
        else count(int_trie_, x.data<int64_t>() + r * cols, cols, row);
        weigh(row);
      }
    });
  }

 private:
  template <typename Key, typename Bad>
  void build(Trie<Key>& trie, const std::vector<Key>& pool, const std::vector<int64_t>& counts,
             const std::vector<int64_t>& indexes, Bad& bad) {
    const int64_t total = static_cast<int64_t>(pool.size());
    int64_t gram_id = 0;  // n-grams are numbered over the whole pool, counted or not
    for (size_t k = 0; k < counts.size(); ++k) {
      const int64_t n = static_cast<int64_t>(k) + 1;
      const int64_t begin = counts[k];
      const int64_t end = k + 1 < counts.size() ? counts[k + 1] : total;
      if (begin < 0 || begin > end || end > total)
        bad("ngram_counts ", shape_str(counts), " does not fit a pool of ", total, " items");
      const int64_t grams = (end - begin) / n;
      for (int64_t g = 0; g < grams; ++g, ++gram_id) {
        if (n < min_gram_ || n > max_gram_) continue;
        if (gram_id >= static_cast<int64_t>(indexes.size()))
          bad("ngram_indexes has ", indexes.size(), " entries but the pool holds more n-grams");
        std::span<const Key> gram(pool.data() + begin + g * n, static_cast<size_t>(n));
        trie.nodes[static_cast<size_t>(trie.insert(gram))].column = indexes[static_cast<size_t>(gram_id)];
      }
    }
  }

  // Adds the n-gram counts of one row of tokens to `row`.
  template <typename Key, typename T>
  void count(const Trie<Key>& trie, const T* tokens, int64_t n, float* row) const {
    int64_t min_len = min_gram_;
    for (int64_t skip = 0; skip <= max_skip_; ++skip) {
      const int64_t stride = skip + 1;
      for (int64_t start = 0; start + stride * (min_len - 1) < n; ++start) {
        int32_t at = 0;
        for (int64_t len = 1, pos = start; len <= max_gram_ && pos < n; ++len, pos += stride) {
          if constexpr (std::is_same_v<T, Key>) at = trie.step(at, tokens[pos]);
          else at = trie.step(at, static_cast<Key>(tokens[pos]));
          if (at < 0) break;
          int64_t col = trie.nodes[static_cast<size_t>(at)].column;
          if (len >= min_len && col >= 0) row[col] += 1.0f;
        }
      }
      // Unigrams do not depend on the skip: count them with the first stride only.
      if (min_len == 1) {
        min_len = 2;
        if (min_len > max_gram_) break;
      }
    }
  }

  void weigh(float* row) const {
    for (int64_t i = 0; i < out_size_; ++i) {
      const float w = weights_.empty() ? 1.0f : weights_[static_cast<size_t>(i)];
      if (mode_ == Mode::kIDF) row[i] = row[i] > 0 ? w : 0.0f;
      else if (mode_ == Mode::kTFIDF) row[i] *= w;
    }
  }

  Mode mode_ = Mode::kTF;
  int64_t min_gram_ = 1, max_gram_ = 1, max_skip_ = 0, out_size_ = 0;
  std::vector<float> weights_;
  bool strings_ = false;
  Trie<std::string> str_trie_;
  Trie<int64_t> int_trie_;
};

void infer_tfidf(InferContext& ctx) {
  const DataType dt = ctx.input_dtype(0);
  if (dt != DataType::kUndefined && dt != DataType::kString && dt != DataType::kInt32 && dt != DataType::kInt64)
    ctx.fail("input must be string, int32 or int64, is ", dtype_name(dt));
  std::vector<int64_t> idx = ctx.node().attr_ints("ngram_indexes");
  ir::Dim size = idx.empty() ? ir::Dim(0) : infer::dim_of(*std::max_element(idx.begin(), idx.end()) + 1);
  const ir::Dims* d = ctx.input_dims(0);
  if (!d) {
    ctx.set_output_unranked(0, DataType::kFloat);
    return;
  }
  if (d->size() > 2) ctx.fail("input must have shape [C] or [B, C], has ", shape_str(*d));
  if (d->size() == 2) ctx.set_output(0, DataType::kFloat, {(*d)[0], size});
  else ctx.set_output(0, DataType::kFloat, {size});
}

}  // namespace

ONYX_KERNEL({.op = "TfIdfVectorizer", .since = 9, .types = {DataType::kString, DataType::kInt32, DataType::kInt64},
             .infer = infer_tfidf, .create = create<TfIdfVectorizer>});

}  // namespace onyx
