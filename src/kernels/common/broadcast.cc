#include "kernels/common/broadcast.h"

namespace onyx {

Shape broadcast_shapes(std::span<const Shape* const> shapes) {
  size_t rank = 0;
  for (const Shape* s : shapes) rank = std::max(rank, s->size());
  Shape out(rank, 1);
  for (const Shape* s : shapes) {
    size_t off = rank - s->size();
    for (size_t i = 0; i < s->size(); ++i) {
      int64_t d = (*s)[i];
      int64_t& o = out[off + i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::string all;
      for (const Shape* t : shapes) all += (all.empty() ? "" : " and ") + shape_str(*t);
      fail(ErrorCode::kInvalidArgument, "shapes ", all, " cannot be broadcast together (dim ", off + i, ": ", o,
           " vs ", d, ")");
    }
  }
  return out;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const Shape* s[2] = {&a, &b};
  return broadcast_shapes(std::span<const Shape* const>(s, 2));
}

}  // namespace onyx
