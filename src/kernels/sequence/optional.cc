// Optional, OptionalHasElement, OptionalGetElement (opset 15; 18 widened the
// last two to accept plain tensors and sequences, and an omitted input).
//
// At run time an optional is just its value: a tensor or a sequence when it
// holds one, Value::none() when empty. So wrapping and unwrapping never copy.
#include "shape/infer.h"

namespace onyx {

namespace {

// ---- Optional ----

class Optional final : public Kernel {
 public:
  explicit Optional(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    ctx.set_output(0, v ? *v : Value::none());
  }
};

void infer_optional(InferContext& ctx) {
  if (ctx.has_input(0)) {
    const ir::Type& t = ctx.input_type(0);
    if (t.kind != ir::Type::Kind::kTensor && t.kind != ir::Type::Kind::kSequence && t.kind != ir::Type::Kind::kUnknown)
      ctx.fail("input must be a tensor or a sequence, is ", t.str());
    if (t.kind != ir::Type::Kind::kUnknown) ctx.set_output(0, ir::Type::optional(t));
    return;
  }
  const ir::Attribute* a = ctx.node().attr("type");
  if (!a || a->types.empty())
    ctx.fail("an Optional without input needs the attribute 'type' (the type of the empty optional)");
  ctx.set_output(0, ir::Type::optional(a->types[0]));
}

// ---- OptionalHasElement ----

class OptionalHasElement final : public Kernel {
 public:
  explicit OptionalHasElement(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    ctx.output(0, {}, DataType::kBool).data<bool>()[0] = ctx.has_input(0);
  }
};

void infer_optional_has_element(InferContext& ctx) {
  if (ctx.opset() < 18) {
    if (!ctx.has_input(0)) ctx.fail("input is required before opset 18");
    const ir::Type& t = ctx.input_type(0);
    if (t.kind != ir::Type::Kind::kOptional && t.kind != ir::Type::Kind::kUnknown)
      ctx.fail("input must be an optional before opset 18, is ", t.str());
  }
  ctx.set_output(0, DataType::kBool, {});
}

// ---- OptionalGetElement ----

class OptionalGetElement final : public Kernel {
 public:
  explicit OptionalGetElement(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Value* v = ctx.input_value(0);
    if (!v || v->is_none()) fail(ErrorCode::kInvalidArgument, "the optional input is empty: it has no element to get");
    ctx.set_output(0, *v);
  }
};

void infer_optional_get_element(InferContext& ctx) {
  const ir::Type& t = ctx.input_type(0);
  switch (t.kind) {
    case ir::Type::Kind::kOptional:
      if (t.inner) ctx.set_output(0, *t.inner);
      return;
    case ir::Type::Kind::kTensor:
    case ir::Type::Kind::kSequence:
      if (ctx.opset() < 18) ctx.fail("input must be an optional before opset 18, is ", t.str());
      ctx.set_output(0, t);
      return;
    case ir::Type::Kind::kUnknown: return;
    default: ctx.fail("input must be an optional, a tensor or a sequence, is ", t.str());
  }
}

}  // namespace

ONYX_KERNEL({.op = "Optional", .since = 15, .infer = infer_optional, .create = create<Optional>});
ONYX_KERNEL({.op = "OptionalHasElement", .since = 15, .infer = infer_optional_has_element, .create = create<OptionalHasElement>});
ONYX_KERNEL({.op = "OptionalGetElement", .since = 15, .infer = infer_optional_get_element, .create = create<OptionalGetElement>});

}  // namespace onyx
