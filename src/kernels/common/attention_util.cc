#include "kernels/common/attention_util.h"

namespace onyx {

HeadLayout head_layout(const Tensor& t, int64_t heads, const char* what) {
  HeadLayout l;
  if (t.rank() == 4) {
    l.batch = t.dim(0);
    l.heads = t.dim(1);
    l.seq = t.dim(2);
    l.dim = t.dim(3);
    return l;
  }
  if (t.rank() != 3)
    fail(ErrorCode::kInvalidArgument, what, " must be 3-D [batch, seq, heads*head_size] or 4-D [batch, heads, seq, head_size], got shape ",
         shape_str(t.shape()));
  if (heads <= 0)
    fail(ErrorCode::kInvalidArgument, what, " is 3-D (shape ", shape_str(t.shape()),
         "): the number of heads must be given by the op's num_heads attributes");
  if (t.dim(2) % heads != 0)
    fail(ErrorCode::kInvalidArgument, what, " hidden size ", t.dim(2), " is not divisible by its ", heads, " heads");
  l.packed = true;
  l.batch = t.dim(0);
  l.seq = t.dim(1);
  l.heads = heads;
  l.dim = t.dim(2) / heads;
  return l;
}

template <typename C>
std::vector<C> gather_heads(const Tensor& t, const HeadLayout& l) {
  std::vector<C> out(static_cast<size_t>(l.numel()));
  size_t o = 0;
  for (int64_t b = 0; b < l.batch; ++b)
    for (int64_t h = 0; h < l.heads; ++h)
      for (int64_t s = 0; s < l.seq; ++s) {
        const int64_t base = l.offset(b, h, s);
        for (int64_t d = 0; d < l.dim; ++d) out[o++] = float_at<C>(t, base + d);
      }
  return out;
}

template <typename C>
void scatter_heads(const std::vector<C>& src, const HeadLayout& l, Tensor& out) {
  size_t o = 0;
  for (int64_t b = 0; b < l.batch; ++b)
    for (int64_t h = 0; h < l.heads; ++h)
      for (int64_t s = 0; s < l.seq; ++s) {
        const int64_t base = l.offset(b, h, s);
        for (int64_t d = 0; d < l.dim; ++d) float_store<C>(out, base + d, src[o++]);
      }
}

template std::vector<float> gather_heads<float>(const Tensor&, const HeadLayout&);
template std::vector<double> gather_heads<double>(const Tensor&, const HeadLayout&);
template void scatter_heads<float>(const std::vector<float>&, const HeadLayout&, Tensor&);
template void scatter_heads<double>(const std::vector<double>&, const HeadLayout&, Tensor&);

}  // namespace onyx
