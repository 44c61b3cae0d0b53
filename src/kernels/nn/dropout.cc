// Dropout (opsets 1, 6, 7, 10, 12, 13, 22).
//
// Inference (the usual case) is the identity: the output is the input tensor
// itself, no copy, and the optional mask is all ones (bool from opset 10,
// the input's type before).
// Training mode zeroes each element with probability `ratio` and scales the
// survivors by 1 / (1 - ratio). It is on when:
//   1, 6:  is_test = 0 (the default), ratio attribute;
//   7-11:  never (the op has no training switch then);
//   12+:   the optional training_mode input is true; ratio is the optional
//          second input (default 0.5); ratio 0 means no dropout at all.
// With a `seed` attribute the mask is reproducible and equals numpy's
//   np.random.seed(seed); mask = np.random.uniform(0, 1, x.shape) >= ratio
// (the legacy MT19937 seeding and 53-bit draws, which the ONNX reference and
// its test data use); without one each run draws a fresh seed.
#include <random>

#include "kernels/common/math.h"
#include "kernels/common/reduce_util.h"
#include "shape/infer.h"

namespace onyx {

namespace {

// numpy's RandomState.random_sample() from a std::mt19937 (same generator,
// same seeding for a 32-bit integer seed): 27 + 26 random bits.
inline double numpy_uniform(std::mt19937& gen) {
  const uint32_t a = gen() >> 5, b = gen() >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

class Dropout final : public Kernel {
 public:
  explicit Dropout(const KernelInit& init) {
    const ir::Node& n = init.node;
    opset_ = init.opset();
    if (opset_ < 12) {
      ratio_ = n.attr_float("ratio", 0.5f);
      training_ = opset_ < 7 && n.attr_int("is_test", 0) == 0;
    }
    if (n.has_attr("seed")) {
      has_seed_ = true;
      seed_ = static_cast<uint32_t>(n.attr_int("seed", 0));
    }
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    double ratio = ratio_;
    bool training = training_;
    if (opset_ >= 12) {
      if (const Tensor* r = ctx.optional_input(1)) {
        if (r->numel() != 1) fail(ErrorCode::kInvalidArgument, "ratio must be a scalar, got ", r->describe());
        ratio = r->real_at(0);
      }
      if (const Tensor* t = ctx.optional_input(2)) {
        if (t->numel() != 1 || t->dtype() != DataType::kBool)
          fail(ErrorCode::kInvalidArgument, "training_mode must be a bool scalar, got ", t->describe());
        training = t->data<bool>()[0];
      }
    }
    const DataType mask_type = opset_ >= 10 ? DataType::kBool : x.dtype();
    if (!training || ratio == 0) {
      ctx.set_output(0, Value(x));
      if (ctx.output_wanted(1)) fill_mask(ctx.output(1, x.shape(), mask_type), nullptr);
      return;
    }
    if (!(ratio >= 0 && ratio < 1)) fail(ErrorCode::kInvalidArgument, "ratio must be in [0, 1), got ", ratio);
    std::mt19937 gen(has_seed_ ? seed_ : std::random_device{}());
    std::vector<bool> keep(static_cast<size_t>(x.numel()));
    for (size_t i = 0; i < keep.size(); ++i) keep[i] = numpy_uniform(gen) >= ratio;
    Tensor& y = ctx.output(0, x.shape(), x.dtype());
    dispatch_all(x.dtype(), [&]<typename T>() {
      if constexpr (std::is_integral_v<T> || std::is_same_v<T, std::string> || std::is_same_v<T, Complex64> ||
                    std::is_same_v<T, Complex128> || std::is_same_v<T, Float8E8M0>) {
        throw_unsupported_dtype(x.dtype(), "Dropout");
      } else {
        using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
        const C keep_prob = static_cast<C>(1 - static_cast<C>(ratio));
        const T* px = x.data<T>();
        T* py = y.data<T>();
        for (size_t i = 0; i < keep.size(); ++i) {
          const C v = static_cast<C>(px[i]);  // float8/16 convert through their operator float
          py[i] = keep[i] ? T(v / keep_prob) : T(0.0f);
        }
      }
    });
    if (ctx.output_wanted(1)) fill_mask(ctx.output(1, x.shape(), mask_type), &keep);
  }

 private:
  // Mask values: `keep` (null = all kept) as bool, or as 1 / 0 of a float type (opset < 10).
  static void fill_mask(Tensor& m, const std::vector<bool>* keep) {
    dispatch_all(m.dtype(), [&]<typename M>() {
      if constexpr (std::is_same_v<M, bool>) {
        for (int64_t i = 0; i < m.numel(); ++i) m.data<bool>()[i] = !keep || (*keep)[static_cast<size_t>(i)];
      } else if constexpr (std::is_same_v<M, float> || std::is_same_v<M, double> || is_small_float_v<M>) {
        for (int64_t i = 0; i < m.numel(); ++i)
          m.data<M>()[i] = store_as<M>(!keep || (*keep)[static_cast<size_t>(i)] ? 1.0f : 0.0f);
      } else {
        throw_unsupported_dtype(m.dtype(), "Dropout mask");
      }
    });
  }

  int opset_ = 13;
  double ratio_ = 0.5;
  bool training_ = false;
  bool has_seed_ = false;
  uint32_t seed_ = 0;
};

void infer_dropout(InferContext& ctx) {
  infer::same_as_input(ctx);
  if (ctx.num_outputs() > 1 && ctx.has_output(1)) {
    const DataType mask = ctx.opset() >= 10 ? DataType::kBool : ctx.input_dtype(0);
    if (const ir::Dims* d = ctx.input_dims(0)) ctx.set_output(1, mask, *d);
    else ctx.set_output_unranked(1, mask);
  }
}

std::vector<DataType> dropout_types() {
  std::vector<DataType> v = float_type_list();
  for (DataType t : {DataType::kFloat8E4M3FN, DataType::kFloat8E4M3FNUZ, DataType::kFloat8E5M2,
                     DataType::kFloat8E5M2FNUZ})
    v.push_back(t);
  return v;
}

}  // namespace

ONYX_KERNEL({.op = "Dropout", .since = 1, .types = dropout_types(), .infer = infer_dropout, .create = create<Dropout>});

}  // namespace onyx
