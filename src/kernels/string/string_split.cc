// StringSplit (opset 20): splits each string on `delimiter`, at most
// `maxsplit` times from the left, exactly like Python's str.split:
//
//   delimiter given:        "a,,b" -> ["a", "", "b"] (consecutive delimiters delimit empty strings)
//   delimiter empty/absent: runs of Unicode whitespace separate, leading and
//                           trailing whitespace is dropped ("" -> [])
//
// Y has X's shape plus one axis as long as the most pieces any string gave,
// padded with ""; Z (int64, X's shape) holds each string's piece count.
#include <limits>
#include <string_view>

#include "kernels/string/utf8.h"
#include "shape/infer.h"

namespace onyx {

namespace {

void split_on(std::string_view s, std::string_view sep, int64_t maxsplit, std::vector<std::string_view>& out) {
  size_t i = 0;
  for (int64_t n = 0; n < maxsplit; ++n) {
    size_t p = s.find(sep, i);
    if (p == std::string_view::npos) break;
    out.push_back(s.substr(i, p - i));
    i = p + sep.size();
  }
  out.push_back(s.substr(i));
}

void split_on_whitespace(std::string_view s, int64_t maxsplit, std::vector<std::string_view>& out) {
  // Positions of the next code point that is / is not whitespace. Malformed
  // bytes count as non-space.
  auto skip = [&](size_t i, bool space) {
    while (i < s.size()) {
      size_t j = i;
      int32_t c = utf8::next(s, j);
      if (utf8::is_space(c) != space) break;
      i = j;
    }
    return i;
  };
  size_t i = 0;
  for (int64_t n = 0; n < maxsplit; ++n) {
    i = skip(i, true);
    if (i == s.size()) return;
    size_t j = skip(i, false);
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  i = skip(i, true);
  if (i < s.size()) out.push_back(s.substr(i));
}

class StringSplit final : public Kernel {
 public:
  explicit StringSplit(const KernelInit& init)
      : delimiter_(init.node.attr_string("delimiter", "")),
        maxsplit_(init.node.attr_int("maxsplit", -1)) {
    if (maxsplit_ < 0) maxsplit_ = std::numeric_limits<int64_t>::max();
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kString)
      fail(ErrorCode::kInvalidArgument, "input must be a string tensor, got ", dtype_name(x.dtype()));
    const int64_t n = x.numel();
    std::vector<std::vector<std::string_view>> pieces(static_cast<size_t>(n));
    size_t widest = 0;
    for (int64_t i = 0; i < n; ++i) {
      std::string_view s = x.data<std::string>()[i];
      auto& p = pieces[static_cast<size_t>(i)];
      if (delimiter_.empty()) split_on_whitespace(s, maxsplit_, p);
      else split_on(s, delimiter_, maxsplit_, p);
      widest = std::max(widest, p.size());
    }
    Shape ys = x.shape();
    ys.push_back(static_cast<int64_t>(widest));
    Tensor& y = ctx.output(0, ys, DataType::kString);
    std::string* py = y.data<std::string>();
    for (int64_t i = 0; i < n; ++i)
      for (size_t k = 0; k < pieces[static_cast<size_t>(i)].size(); ++k)
        py[static_cast<size_t>(i) * widest + k] = pieces[static_cast<size_t>(i)][k];
    if (ctx.output_wanted(1)) {
      Tensor& z = ctx.output(1, x.shape(), DataType::kInt64);
      for (int64_t i = 0; i < n; ++i) z.data<int64_t>()[i] = static_cast<int64_t>(pieces[static_cast<size_t>(i)].size());
    }
  }

 private:
  std::string delimiter_;
  int64_t maxsplit_;
};

void infer_string_split(InferContext& ctx) {
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(0) != DataType::kString)
    ctx.fail("input must be a string tensor, is ", dtype_name(ctx.input_dtype(0)));
  const ir::Dims* d = ctx.input_dims(0);
  if (!d) {
    ctx.set_output_unranked(0, DataType::kString);
    ctx.set_output_unranked(1, DataType::kInt64);
    return;
  }
  ir::Dims y = *d;
  y.push_back(ir::Dim());  // the most pieces: known only at run time
  ctx.set_output(0, DataType::kString, std::move(y));
  ctx.set_output(1, DataType::kInt64, *d);
}

}  // namespace

ONYX_KERNEL({.op = "StringSplit", .since = 20, .types = {DataType::kString}, .infer = infer_string_split,
             .create = create<StringSplit>});

}  // namespace onyx
