#include "kernels/common/rnn_util.h"

#include <algorithm>
#include <cctype>

#include "runtime/kernel.h"
#include "shape/infer.h"

namespace onyx {

namespace {

struct ActSpec {
  const char* name;
  RnnActKind kind;
  bool takes_alpha, takes_beta;
  float alpha, beta;  // defaults
};

// Defaults follow the ONNX operators of the same name (Affine, ScaledTanh and
// ThresholdedRelu from the experimental ops of opset 1).
constexpr ActSpec kActSpecs[] = {
    {"relu", RnnActKind::kRelu, false, false, 0, 0},
    {"tanh", RnnActKind::kTanh, false, false, 0, 0},
    {"sigmoid", RnnActKind::kSigmoid, false, false, 0, 0},
    {"affine", RnnActKind::kAffine, true, true, 1.0f, 0.0f},
    {"leakyrelu", RnnActKind::kLeakyRelu, true, false, 0.01f, 0},
    {"thresholdedrelu", RnnActKind::kThresholdedRelu, true, false, 1.0f, 0},
    {"scaledtanh", RnnActKind::kScaledTanh, true, true, 1.0f, 1.0f},
    {"hardsigmoid", RnnActKind::kHardSigmoid, true, true, 0.2f, 0.5f},
    {"elu", RnnActKind::kElu, true, false, 1.0f, 0},
    {"softsign", RnnActKind::kSoftsign, false, false, 0, 0},
    {"softplus", RnnActKind::kSoftplus, false, false, 0, 0},
};

const ActSpec& find_activation(const std::string& name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const ActSpec& s : kActSpecs)
    if (lower == s.name) return s;
  fail(ErrorCode::kInvalidArgument, "unknown activation function '", name,
       "' (expected Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, "
       "Softsign or Softplus)");
}

int gates_of(const std::string& op) { return op == "LSTM" ? 4 : op == "GRU" ? 3 : 1; }

}  // namespace

RnnAttrs rnn_attrs(const ir::Node& node, const std::vector<std::string>& defaults) {
  RnnAttrs a;
  const std::string dir = node.attr_string("direction", "forward");
  if (dir == "forward") a.direction = RnnDirection::kForward;
  else if (dir == "reverse") a.direction = RnnDirection::kReverse;
  else if (dir == "bidirectional") a.direction = RnnDirection::kBidirectional;
  else fail(ErrorCode::kInvalidArgument, "direction must be forward, reverse or bidirectional, got '", dir, "'");
  a.num_directions = a.direction == RnnDirection::kBidirectional ? 2 : 1;
  if (node.has_attr("hidden_size")) {
    a.hidden_size = node.attr_int("hidden_size", 0);
    if (a.hidden_size <= 0) fail(ErrorCode::kInvalidArgument, "hidden_size must be positive, got ", a.hidden_size);
  }
  a.layout = static_cast<int>(node.opset >= 14 ? node.attr_int("layout", 0) : 0);
  if (a.layout != 0 && a.layout != 1) fail(ErrorCode::kInvalidArgument, "layout must be 0 or 1, got ", a.layout);
  if (node.has_attr("clip")) {
    a.has_clip = true;
    a.clip = node.attr_float("clip", 0);
    if (!(a.clip > 0)) fail(ErrorCode::kInvalidArgument, "clip must be positive, got ", a.clip);
  }
  const size_t per_dir = defaults.size();
  std::vector<std::string> names = node.attr_strings("activations");
  if (names.empty()) {
    for (int d = 0; d < a.num_directions; ++d) names.insert(names.end(), defaults.begin(), defaults.end());
  } else if (names.size() == per_dir && a.num_directions == 2) {
    // One set given for a bidirectional node: both directions use it.
    std::vector<std::string> twice = names;
    twice.insert(twice.end(), names.begin(), names.end());
    names = std::move(twice);
  } else if (names.size() != per_dir * static_cast<size_t>(a.num_directions)) {
    fail(ErrorCode::kInvalidArgument, "activations lists ", names.size(), " functions; expected ", per_dir,
         " per direction (", per_dir * static_cast<size_t>(a.num_directions), " for ", dir, ")");
  }
  const std::vector<float> alphas = node.attr_floats("activation_alpha");
  const std::vector<float> betas = node.attr_floats("activation_beta");
  size_t ai = 0, bi = 0;
  for (const std::string& n : names) {
    const ActSpec& s = find_activation(n);
    RnnActivation act{s.kind, s.alpha, s.beta};
    if (s.takes_alpha && ai < alphas.size()) act.alpha = alphas[ai++];
    if (s.takes_beta && bi < betas.size()) act.beta = betas[bi++];
    a.activations.push_back(act);
  }
  return a;
}

RnnShapes rnn_check_inputs(const KernelContext& ctx, const RnnAttrs& a, int gates) {
  const Tensor& x = ctx.input(0);
  const Tensor& w = ctx.input(1);
  const Tensor& r = ctx.input(2);
  if (x.rank() != 3)
    fail(ErrorCode::kInvalidArgument, "X must have rank 3 (", a.layout == 0 ? "[seq_length, batch_size, input_size]"
                                                                           : "[batch_size, seq_length, input_size]",
         "), got ", x.describe());
  for (int i : {1, 2, 3, 5, 6, 7}) {
    const Tensor* t = ctx.optional_input(i);
    if (t && t->dtype() != x.dtype())
      fail(ErrorCode::kInvalidArgument, "input ", i, " has element type ", dtype_name(t->dtype()), " but X has ",
           dtype_name(x.dtype()));
  }
  RnnShapes s;
  s.dirs = a.num_directions;
  s.seq = x.dim(a.layout == 0 ? 0 : 1);
  s.batch = x.dim(a.layout == 0 ? 1 : 0);
  s.input = x.dim(2);
  if (r.rank() != 3) fail(ErrorCode::kInvalidArgument, "R must have rank 3, got ", r.describe());
  s.hidden = a.hidden_size >= 0 ? a.hidden_size : r.dim(2);
  const Shape w_want{s.dirs, gates * s.hidden, s.input};
  const Shape r_want{s.dirs, gates * s.hidden, s.hidden};
  const char* g = gates == 4 ? "4*hidden_size" : gates == 3 ? "3*hidden_size" : "hidden_size";
  if (w.shape() != w_want)
    fail(ErrorCode::kInvalidArgument, "W has shape ", shape_str(w.shape()), "; expected [num_directions, ", g,
         ", input_size] = ", shape_str(w_want));
  if (r.shape() != r_want)
    fail(ErrorCode::kInvalidArgument, "R has shape ", shape_str(r.shape()), "; expected [num_directions, ", g,
         ", hidden_size] = ", shape_str(r_want));
  rnn_check_vector(ctx.optional_input(3), s, 2 * gates * s.hidden, "B", gates == 4 ? "8*hidden_size"
                                                                       : gates == 3 ? "6*hidden_size"
                                                                                    : "2*hidden_size");
  s.lens.assign(static_cast<size_t>(s.batch), s.seq);
  if (const Tensor* sl = ctx.optional_input(4)) {
    if (sl->dtype() != DataType::kInt32 && sl->dtype() != DataType::kInt64)
      fail(ErrorCode::kInvalidArgument, "sequence_lens must be int32, got ", dtype_name(sl->dtype()));
    if (sl->shape() != Shape{s.batch})
      fail(ErrorCode::kInvalidArgument, "sequence_lens has shape ", shape_str(sl->shape()), "; expected [batch_size] = [",
           s.batch, "]");
    for (int64_t b = 0; b < s.batch; ++b) {
      const int64_t v = sl->int_at(b);
      if (v < 0 || v > s.seq)
        fail(ErrorCode::kInvalidArgument, "sequence_lens[", b, "] = ", v, " is outside [0, seq_length = ", s.seq, "]");
      s.lens[static_cast<size_t>(b)] = v;
    }
  }
  rnn_check_state(ctx.optional_input(5), s, a.layout, "initial_h");
  return s;
}

void rnn_check_state(const Tensor* t, const RnnShapes& s, int layout, const char* name) {
  if (!t) return;
  const Shape want = layout == 0 ? Shape{s.dirs, s.batch, s.hidden} : Shape{s.batch, s.dirs, s.hidden};
  if (t->shape() != want)
    fail(ErrorCode::kInvalidArgument, name, " has shape ", shape_str(t->shape()), "; expected ",
         layout == 0 ? "[num_directions, batch_size, hidden_size] = " : "[batch_size, num_directions, hidden_size] = ",
         shape_str(want));
}

void rnn_check_vector(const Tensor* t, const RnnShapes& s, int64_t n, const char* name, const char* expect) {
  if (!t) return;
  const Shape want{s.dirs, n};
  if (t->shape() != want)
    fail(ErrorCode::kInvalidArgument, name, " has shape ", shape_str(t->shape()), "; expected [num_directions, ",
         expect, "] = ", shape_str(want));
}

template <typename C, typename T>
void rnn_store_y(KernelContext& ctx, int index, const std::vector<C>& y, const RnnShapes& s, int layout) {
  if (!ctx.output_wanted(index)) return;
  const Shape shape = layout == 0 ? Shape{s.seq, s.dirs, s.batch, s.hidden} : Shape{s.batch, s.seq, s.dirs, s.hidden};
  T* out = ctx.output(index, shape, dtype_of<T>).template data<T>();
  for (int64_t t = 0; t < s.seq; ++t)
    for (int d = 0; d < s.dirs; ++d)
      for (int64_t b = 0; b < s.batch; ++b) {
        const C* src = y.data() + ((t * s.dirs + d) * s.batch + b) * s.hidden;
        T* dst = out + (layout == 0 ? ((t * s.dirs + d) * s.batch + b) : ((b * s.seq + t) * s.dirs + d)) * s.hidden;
        for (int64_t i = 0; i < s.hidden; ++i) dst[i] = store_as<T>(src[i]);
      }
}

template <typename C, typename T>
void rnn_store_state(KernelContext& ctx, int index, const std::vector<C>& h, const RnnShapes& s, int layout) {
  if (!ctx.output_wanted(index)) return;
  const Shape shape = layout == 0 ? Shape{s.dirs, s.batch, s.hidden} : Shape{s.batch, s.dirs, s.hidden};
  T* out = ctx.output(index, shape, dtype_of<T>).template data<T>();
  for (int d = 0; d < s.dirs; ++d)
    for (int64_t b = 0; b < s.batch; ++b) {
      const C* src = h.data() + (d * s.batch + b) * s.hidden;
      T* dst = out + (layout == 0 ? (d * s.batch + b) : (b * s.dirs + d)) * s.hidden;
      for (int64_t i = 0; i < s.hidden; ++i) dst[i] = store_as<T>(src[i]);
    }
}

#define ONYX_RNN_STORE(C, T)                                                                                   \
  template void rnn_store_y<C, T>(KernelContext&, int, const std::vector<C>&, const RnnShapes&, int);           \
  template void rnn_store_state<C, T>(KernelContext&, int, const std::vector<C>&, const RnnShapes&, int);
ONYX_RNN_STORE(float, float)
ONYX_RNN_STORE(float, Float16)
ONYX_RNN_STORE(float, BFloat16)
ONYX_RNN_STORE(double, double)
#undef ONYX_RNN_STORE

void rnn_infer(InferContext& ctx) {
  const ir::Node& node = ctx.node();
  const int gates = gates_of(node.op_type);
  const DataType t = ctx.input_dtype(0);
  for (int i : {1, 2, 3, 5, 6, 7})
    if (ctx.has_input(i) && ctx.input_dtype(i) != DataType::kUndefined && t != DataType::kUndefined &&
        ctx.input_dtype(i) != t)
      ctx.fail("input ", i, " has element type ", dtype_name(ctx.input_dtype(i)), " but X has ", dtype_name(t));
  const std::string dir = node.attr_string("direction", "forward");
  ir::Dim dirs = dir == "bidirectional" ? ir::Dim(2) : (dir == "forward" || dir == "reverse") ? ir::Dim(1) : ir::Dim();
  const int layout = static_cast<int>(ctx.opset() >= 14 ? node.attr_int("layout", 0) : 0);
  ir::Dim hidden;
  if (node.has_attr("hidden_size") && node.attr_int("hidden_size", 0) > 0) {
    hidden = ir::Dim(node.attr_int("hidden_size", 0));
  } else if (const ir::Dims* r = ctx.input_dims(2); r && r->size() == 3 && (*r)[2].known()) {
    hidden = (*r)[2];
  } else if (const ir::Dims* w = ctx.input_dims(1); w && w->size() == 3 && (*w)[1].known()) {
    hidden = ir::Dim((*w)[1].value / gates);
  }
  ir::Dim seq, batch;
  if (const ir::Dims* x = ctx.input_dims(0)) {
    if (x->size() != 3) ctx.fail("X must have rank 3, got rank ", x->size());
    seq = (*x)[layout == 0 ? 0 : 1];
    batch = (*x)[layout == 0 ? 1 : 0];
  }
  if (ctx.has_output(0))
    ctx.set_output(0, t, layout == 0 ? ir::Dims{seq, dirs, batch, hidden} : ir::Dims{batch, seq, dirs, hidden});
  for (int i = 1; i < ctx.num_outputs(); ++i)
    if (ctx.has_output(i))
      ctx.set_output(i, t, layout == 0 ? ir::Dims{dirs, batch, hidden} : ir::Dims{batch, dirs, hidden});
}

}  // namespace onyx
