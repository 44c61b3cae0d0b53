// MelWeightMatrix (opset 17): the [dft_length / 2 + 1, num_mel_bins] matrix
// that maps a one-sided magnitude spectrum onto triangular mel-scale filters.
//
// The num_mel_bins + 2 filter edges are equally spaced on the mel scale
// (mel = 2595 log10(1 + hz / 700)) between lower_edge_hertz and
// upper_edge_hertz, with the spacing (high - low) / (num_mel_bins + 2) used
// by the ONNX reference and ONNX Runtime, then mapped to spectrogram bins
// floor((dft_length + 1) * hz / sample_rate). Filter i rises linearly from
// edge i to edge i + 1 (a single 1 when they coincide) and falls to edge i + 2.
// The edges come from untrusted inputs: bins outside the spectrogram are an
// error, never a write out of bounds.
#include <cmath>

#include "kernels/common/image_util.h"
#include "kernels/common/signal_util.h"
#include "kernels/common/tensor_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

int64_t int_scalar(const Tensor& t, const char* what) {
  if (!dtype_is_integer(t.dtype()) || t.numel() != 1)
    fail(ErrorCode::kInvalidArgument, what, " must be an integer scalar, got ", t.describe());
  return t.int_at(0);
}

double float_scalar(const Tensor& t, const char* what) {
  if (!dtype_is_float(t.dtype()) || t.numel() != 1)
    fail(ErrorCode::kInvalidArgument, what, " must be a float scalar, got ", t.describe());
  return t.real_at(0);
}

class MelWeightMatrix final : public Kernel {
 public:
  explicit MelWeightMatrix(const KernelInit& init) : out_(signal_output_type(init.node)) {}

  void run(KernelContext& ctx) const override {
    const int64_t mel_bins = int_scalar(ctx.input(0), "num_mel_bins");
    const int64_t dft_length = int_scalar(ctx.input(1), "dft_length");
    const int64_t rate = int_scalar(ctx.input(2), "sample_rate");
    const double lower = float_scalar(ctx.input(3), "lower_edge_hertz");
    const double upper = float_scalar(ctx.input(4), "upper_edge_hertz");
    if (mel_bins <= 0) fail(ErrorCode::kInvalidArgument, "num_mel_bins must be positive, got ", mel_bins);
    if (dft_length <= 0) fail(ErrorCode::kInvalidArgument, "dft_length must be positive, got ", dft_length);
    if (rate <= 0) fail(ErrorCode::kInvalidArgument, "sample_rate must be positive, got ", rate);
    if (!(lower >= 0) || !std::isfinite(upper) || !(lower <= upper))
      fail(ErrorCode::kInvalidArgument, "need 0 <= lower_edge_hertz <= upper_edge_hertz, got ", lower, " and ", upper);
    const int64_t spec_bins = dft_length / 2 + 1;
    shape_numel(Shape{spec_bins, mel_bins});
    // The mel edges in float, as the reference computes them from float inputs.
    const float low_mel = 2595.0f * std::log10(1.0f + static_cast<float>(lower) / 700.0f);
    const float high_mel = 2595.0f * std::log10(1.0f + static_cast<float>(upper) / 700.0f);
    const double step = static_cast<double>(high_mel - low_mel) / static_cast<double>(mel_bins + 2);
    std::vector<int64_t> edge(static_cast<size_t>(mel_bins + 2));
    for (int64_t i = 0; i < mel_bins + 2; ++i) {
      const double mel = static_cast<double>(i) * step + static_cast<double>(low_mel);
      const double hz = 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0);
      edge[static_cast<size_t>(i)] =
          static_cast<int64_t>(std::floor(static_cast<double>(dft_length + 1) * hz / static_cast<double>(rate)));
    }
    for (int64_t i = 0; i < mel_bins; ++i) {
      const int64_t l = edge[static_cast<size_t>(i)], c = edge[static_cast<size_t>(i + 1)], h = edge[static_cast<size_t>(i + 2)];
      const int64_t last = std::max(c, h - 1);
      if (l < 0 || last >= spec_bins)
        fail(ErrorCode::kInvalidArgument, "mel filter ", i, " spans spectrogram bins ", l, "..", last, " but there are only ",
             spec_bins, " (upper_edge_hertz ", upper, " is above sample_rate / 2 = ", static_cast<double>(rate) / 2, "?)");
    }
    std::vector<double> w(static_cast<size_t>(spec_bins * mel_bins), 0.0);
    auto at = [&](int64_t j, int64_t i) -> double& { return w[static_cast<size_t>(j * mel_bins + i)]; };
    for (int64_t i = 0; i < mel_bins; ++i) {
      const int64_t l = edge[static_cast<size_t>(i)], c = edge[static_cast<size_t>(i + 1)], h = edge[static_cast<size_t>(i + 2)];
      if (c == l) at(c, i) = 1;
      else
        for (int64_t j = l; j <= c; ++j) at(j, i) = static_cast<double>(j - l) / static_cast<double>(c - l);
      if (h > c)
        for (int64_t j = c; j < h; ++j) at(j, i) = static_cast<double>(h - j) / static_cast<double>(h - c);
    }
    Tensor& y = ctx.output(0, {spec_bins, mel_bins}, out_);
    dispatch_numeric(out_, [&]<typename T>() {
      T* p = y.data<T>();
      for (size_t k = 0; k < w.size(); ++k) p[k] = store_real<T>(w[k]);
    });
  }

 private:
  DataType out_;
};

void infer_mel(InferContext& ctx) {
  const int64_t t = ctx.node().attr_int("output_datatype", 1);
  const DataType dt = dtype_is_valid(static_cast<int32_t>(t)) ? static_cast<DataType>(t) : DataType::kUndefined;
  if (!signal_output_type_ok(dt)) ctx.fail("output_datatype ", t, " is not a supported numeric type");
  ir::Dim rows, cols;
  if (auto v = tinfer::input_ints(ctx, 0); v && v->size() == 1) cols = infer::dim_of((*v)[0]);
  if (auto v = tinfer::input_ints(ctx, 1); v && v->size() == 1 && (*v)[0] > 0) rows = ir::Dim((*v)[0] / 2 + 1);
  ctx.set_output(0, dt, {rows, cols});
}

}  // namespace

ONYX_KERNEL({.op = "MelWeightMatrix", .since = 17, .types = {DataType::kInt32, DataType::kInt64}, .infer = infer_mel,
             .create = create<MelWeightMatrix>});

}  // namespace onyx
