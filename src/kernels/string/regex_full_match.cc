// RegexFullMatch (opset 20): Y[i] = whether X[i] matches `pattern` in full.
//
// The pattern is RE2 syntax (the spec names RE2), so RE2 does the matching:
// linear time in the input whatever the pattern, so a hostile pattern or
// string cannot stall a run. It is compiled once, at session creation; an
// RE2 object may be used from several threads at once.
#include <re2/re2.h>

#include "runtime/thread_pool.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class RegexFullMatch final : public Kernel {
 public:
  explicit RegexFullMatch(const KernelInit& init) {
    const std::string pattern = init.node.required_attr("pattern", ir::AttrType::kString).s;
    RE2::Options opts;
    opts.set_log_errors(false);
    re_ = std::make_unique<RE2>(pattern, opts);
    if (!re_->ok())
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": pattern '", pattern, "' is not a valid RE2 regex: ",
           re_->error());
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kString)
      fail(ErrorCode::kInvalidArgument, "input must be a string tensor, got ", dtype_name(x.dtype()));
    Tensor& y = ctx.output(0, x.shape(), DataType::kBool);
    const std::string* in = x.data<std::string>();
    bool* out = y.data<bool>();
    parallel_for(ctx.pool(), x.numel(), 256, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) out[i] = RE2::FullMatch(in[i], *re_);
    });
  }

 private:
  std::unique_ptr<RE2> re_;
};

void infer_regex_full_match(InferContext& ctx) {
  if (!ctx.node().has_attr("pattern")) ctx.fail("attribute 'pattern' is required");
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(0) != DataType::kString)
    ctx.fail("input must be a string tensor, is ", dtype_name(ctx.input_dtype(0)));
  infer::same_shape_as(ctx, 0, DataType::kBool);
}

}  // namespace

ONYX_KERNEL({.op = "RegexFullMatch", .since = 20, .types = {DataType::kString}, .infer = infer_regex_full_match,
             .create = create<RegexFullMatch>});

}  // namespace onyx
