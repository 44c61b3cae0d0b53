// Pooling on NCHWc tensors (layout in kernels/conv/nchwc.h), so the layout
// pass need not convert back to NCHW around the pools between convolutions:
//   com.onyx NchwcMaxPool(X [N,Cb,H,W,8]) with MaxPool's attributes (2-D)
//   com.onyx NchwcGlobalAveragePool(X [N,Cb,H,W,8]) -> [N,Cb,1,1,8]
// Each output is one 8-channel vector. MaxPool's rows run on the AVX2 or the
// portable build of kernels/conv/nchwc_rows.inl; the average's 8-lane loop is
// plain C++. Their oracle is MaxPool / GlobalAveragePool on NCHW:
// tests/kernels/nchwc_test.cc and the layout pass's graph tests.
#include <algorithm>
#include <limits>

#include "cpu/features.h"
#include "kernels/common/window.h"
#include "kernels/conv/nchwc.h"
#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

using nchwc::kBlock;

void check_blocked(const Tensor& x) {
  if (x.dtype() != DataType::kFloat || x.rank() != 5 || x.dim(4) != kBlock)
    fail(ErrorCode::kInvalidArgument, "X ", x.describe(), " must be a float32 NCHWc tensor [N, C/8, H, W, 8]");
}

class NchwcMaxPool final : public Kernel {
 public:
  explicit NchwcMaxPool(const KernelInit& init) : attrs_(WindowAttrs::from_node(init.node)) {
    if (init.node.attr_int("storage_order", 0) != 0 || init.node.num_outputs() > 1)
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": NchwcMaxPool has one output and no storage_order");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    check_blocked(x);
    const int64_t in[2] = {x.dim(2), x.dim(3)};
    if (attrs_.kernel_shape.size() != 2)
      fail(ErrorCode::kInvalidArgument, "kernel_shape ", ints_str(attrs_.kernel_shape), " must have 2 entries");
    const WindowGeometry g = resolve_window(attrs_, in);
    const int64_t H = in[0], W = in[1], OH = g.out[0], OW = g.out[1];
    Tensor& y = ctx.output(0, {x.dim(0), x.dim(1), OH, OW, kBlock}, DataType::kFloat);
    const nchwc::ConvGeo geo{H,           W,           OH,          OW,           g.kernel[0],    g.kernel[1], g.stride[0],
                             g.stride[1], g.dilation[0], g.dilation[1], g.pad_begin[0], g.pad_begin[1], 1};
    const nchwc::PoolRowFn row = nchwc::row_kernels(active_isa()).max_pool;
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    parallel_for(ctx.pool(), x.dim(0) * x.dim(1) * OH, std::max<int64_t>(1, 2048 / std::max<int64_t>(1, OW)),
                 [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        const int64_t oh = i % OH, plane = i / OH;
        row({&geo, xp + plane * H * W * kBlock, yp + (plane * OH + oh) * OW * kBlock}, oh);
      }
    });
  }

 private:
  WindowAttrs attrs_;
};

class NchwcGlobalAveragePool final : public Kernel {
 public:
  explicit NchwcGlobalAveragePool(const KernelInit&) {}

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    check_blocked(x);
    const int64_t planes = x.dim(0) * x.dim(1), HW = x.dim(2) * x.dim(3);
    Tensor& y = ctx.output(0, {x.dim(0), x.dim(1), 1, 1, kBlock}, DataType::kFloat);
    const float* xp = x.data<float>();
    float* yp = y.data<float>();
    parallel_for(ctx.pool(), planes, std::max<int64_t>(1, 4096 / std::max<int64_t>(HW, 1)), [&](int64_t p0, int64_t p1) {
      for (int64_t p = p0; p < p1; ++p) {
        float s[kBlock] = {};
        const float* v = xp + p * HW * kBlock;
        for (int64_t i = 0; i < HW; ++i)
          for (int c = 0; c < kBlock; ++c) s[c] += v[i * kBlock + c];
        for (int c = 0; c < kBlock; ++c) yp[p * kBlock + c] = HW ? s[c] / static_cast<float>(HW) : 0.f;
      }
    });
  }
};

void infer_nchwc_max_pool(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) return ctx.set_output_unranked(0, DataType::kFloat);
  if (x->size() != 5) ctx.fail("X ", shape_str(*x), " must be 5-D [N, C/8, H, W, 8]");
  ir::Dims o;
  try {
    o = infer_window_dims(WindowAttrs::from_node(ctx.node()), ir::Dims{(*x)[2], (*x)[3]});
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  ctx.set_output(0, DataType::kFloat, {(*x)[0], (*x)[1], o[0], o[1], ir::Dim(kBlock)});
}

void infer_nchwc_global_average_pool(InferContext& ctx) {
  const ir::Dims* x = ctx.input_dims(0);
  if (!x) return ctx.set_output_unranked(0, DataType::kFloat);
  if (x->size() != 5) ctx.fail("X ", shape_str(*x), " must be 5-D [N, C/8, H, W, 8]");
  ctx.set_output(0, DataType::kFloat, {(*x)[0], (*x)[1], ir::Dim(1), ir::Dim(1), ir::Dim(kBlock)});
}

}  // namespace

ONYX_KERNEL({.domain = "com.onyx", .op = "NchwcMaxPool", .since = 1, .types = {DataType::kFloat},
             .infer = infer_nchwc_max_pool, .create = create<NchwcMaxPool>});
ONYX_KERNEL({.domain = "com.onyx", .op = "NchwcGlobalAveragePool", .since = 1, .types = {DataType::kFloat},
             .infer = infer_nchwc_global_average_pool, .create = create<NchwcGlobalAveragePool>});

}  // namespace onyx
