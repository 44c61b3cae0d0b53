// NonMaxSuppression (opsets 10, 11): greedy per-(batch, class) selection of
// the highest-scoring boxes, dropping any box whose IoU with an already
// selected box of the same class exceeds iou_threshold.
//
// boxes [B, S, 4] are corners (y1, x1, y2, x2) in either order per axis
// (center_point_box = 0) or (x_center, y_center, width, height) (1); scores
// are [B, C, S]. Boxes are taken by decreasing score, ties by lower index;
// with score_threshold given, only scores strictly above it are considered.
// The output lists (batch, class, box) triples, class by class, in selection
// order. Arithmetic is done in the input's precision (float for float), as
// the reference does, so threshold ties decide the same way.
#include <algorithm>

#include "kernels/common/image_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

template <typename C>
struct Box {
  C x0, y0, x1, y1, area;
};

template <typename C>
Box<C> make_box(const C* b, bool center) {
  Box<C> r;
  if (center) {
    const C hw = b[2] / C(2), hh = b[3] / C(2);
    r.x0 = b[0] - hw;
    r.x1 = b[0] + hw;
    r.y0 = b[1] - hh;
    r.y1 = b[1] + hh;
  } else {
    r.y0 = std::min(b[0], b[2]);
    r.y1 = std::max(b[0], b[2]);
    r.x0 = std::min(b[1], b[3]);
    r.x1 = std::max(b[1], b[3]);
  }
  r.area = (r.x1 - r.x0) * (r.y1 - r.y0);
  return r;
}

// Whether box b is suppressed by the selected box a.
template <typename C>
bool suppresses(const Box<C>& a, const Box<C>& b, C iou_threshold) {
  const C ix0 = std::max(a.x0, b.x0), ix1 = std::min(a.x1, b.x1);
  if (!(ix1 > ix0)) return false;
  const C iy0 = std::max(a.y0, b.y0), iy1 = std::min(a.y1, b.y1);
  if (!(iy1 > iy0)) return false;
  const C inter = (ix1 - ix0) * (iy1 - iy0);
  if (!(inter > 0)) return false;
  const C uni = a.area + b.area - inter;
  if (!(a.area > 0) || !(b.area > 0) || !(uni > 0)) return false;
  return inter / uni > iou_threshold;
}

class NonMaxSuppression final : public Kernel {
 public:
  explicit NonMaxSuppression(const KernelInit& init) : center_(init.node.attr_int("center_point_box", 0)) {
    if (center_ != 0 && center_ != 1)
      fail(ErrorCode::kInvalidArgument, "center_point_box must be 0 or 1, got ", center_);
  }

  void run(KernelContext& ctx) const override {
    const Tensor& boxes = ctx.input(0);
    const Tensor& scores = ctx.input(1);
    if (boxes.rank() != 3 || boxes.dim(2) != 4)
      fail(ErrorCode::kInvalidArgument, "boxes must be [num_batches, spatial_dimension, 4], got ", boxes.describe());
    if (scores.rank() != 3 || scores.dim(0) != boxes.dim(0) || scores.dim(2) != boxes.dim(1))
      fail(ErrorCode::kInvalidArgument, "scores has shape ", shape_str(scores.shape()),
           "; expected [num_batches = ", boxes.dim(0), ", num_classes, spatial_dimension = ", boxes.dim(1), "]");
    if (scores.dtype() != boxes.dtype())
      fail(ErrorCode::kInvalidArgument, "scores has element type ", dtype_name(scores.dtype()), " but boxes has ",
           dtype_name(boxes.dtype()));
    int64_t max_out = 0;
    if (const Tensor* t = ctx.optional_input(2); t && t->numel() > 0) {
      if (!dtype_is_integer(t->dtype()) || t->numel() != 1)
        fail(ErrorCode::kInvalidArgument, "max_output_boxes_per_class must be one int64, got ", t->describe());
      max_out = std::max<int64_t>(0, t->int_at(0));
    }
    double iou = 0;
    if (const Tensor* t = ctx.optional_input(3); t && t->numel() > 0) {
      if (!dtype_is_float(t->dtype()) || t->numel() != 1)
        fail(ErrorCode::kInvalidArgument, "iou_threshold must be one float, got ", t->describe());
      iou = t->real_at(0);
      if (!(iou >= 0 && iou <= 1)) fail(ErrorCode::kInvalidArgument, "iou_threshold must be in [0, 1], got ", iou);
    }
    bool has_score_threshold = false;
    double score_threshold = 0;
    if (const Tensor* t = ctx.optional_input(4); t && t->numel() > 0) {
      if (!dtype_is_float(t->dtype()) || t->numel() != 1)
        fail(ErrorCode::kInvalidArgument, "score_threshold must be one float, got ", t->describe());
      has_score_threshold = true;
      score_threshold = t->real_at(0);
    }
    const int64_t B = boxes.dim(0), S = boxes.dim(1), NC = scores.dim(1);
    std::vector<std::vector<int64_t>> picked(static_cast<size_t>(B * NC));
    if (max_out > 0 && S > 0) {
      dispatch_float(boxes.dtype(), [&]<typename T>() {
        using C = compute_t<T>;
        const T* bp = boxes.data<T>();
        const T* sp = scores.data<T>();
        parallel_for(ctx.pool(), B * NC, 1, [&](int64_t q0, int64_t q1) {
          std::vector<std::pair<C, int64_t>> cand;
          std::vector<Box<C>> chosen;
          for (int64_t q = q0; q < q1; ++q) {
            const int64_t b = q / NC;
            const T* s = sp + q * S;
            cand.clear();
            for (int64_t i = 0; i < S; ++i) {
              const C v = static_cast<C>(s[i]);
              if (std::isnan(v)) continue;  // NaN scores can never be ranked
              if (has_score_threshold && !(v > static_cast<C>(score_threshold))) continue;
              cand.emplace_back(v, i);
            }
            std::stable_sort(cand.begin(), cand.end(), [](const auto& a, const auto& c) { return a.first > c.first; });
            chosen.clear();
            std::vector<int64_t>& out = picked[static_cast<size_t>(q)];
            for (const auto& [score, i] : cand) {
              if (static_cast<int64_t>(out.size()) >= max_out) break;
              C raw[4];
              for (int k = 0; k < 4; ++k) raw[k] = static_cast<C>(bp[(b * S + i) * 4 + k]);
              const Box<C> box = make_box(raw, center_ == 1);
              bool keep = true;
              for (const Box<C>& sel : chosen)
                if (suppresses(sel, box, static_cast<C>(iou))) {
                  keep = false;
                  break;
                }
              if (keep) {
                chosen.push_back(box);
                out.push_back(i);
              }
            }
          }
        });
      });
    }
    int64_t total = 0;
    for (const auto& v : picked) total += static_cast<int64_t>(v.size());
    Tensor& y = ctx.output(0, {total, 3}, DataType::kInt64);
    int64_t* o = y.data<int64_t>();
    for (int64_t q = 0; q < B * NC; ++q)
      for (int64_t i : picked[static_cast<size_t>(q)]) {
        *o++ = q / NC;
        *o++ = q % NC;
        *o++ = i;
      }
  }

 private:
  int64_t center_;
};

void infer_nms(InferContext& ctx) { ctx.set_output(0, DataType::kInt64, {ir::Dim(), ir::Dim(3)}); }

}  // namespace

ONYX_KERNEL({.op = "NonMaxSuppression", .since = 10, .types = kFloatTypes, .infer = infer_nms, .create = create<NonMaxSuppression>});

}  // namespace onyx
