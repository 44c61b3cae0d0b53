// The basic tensor-sequence ops (opset 11): SequenceEmpty, SequenceConstruct,
// SequenceAt, SequenceInsert, SequenceErase, SequenceLength.
//
// Sequences are immutable values whose items share their tensors' bytes:
// inserting or erasing builds a new list of the same tensors, never copies
// tensor data. Positions are untrusted inputs: each is checked against the
// sequence's length and a bad one is an error naming both.
#include "shape/infer.h"

namespace onyx {

namespace {

const Value::Sequence& sequence_input(const KernelContext& ctx, int i) {
  const Value* v = ctx.input_value(i);
  if (!v || v->is_none()) fail(ErrorCode::kInvalidArgument, "input ", i, " (a sequence) is missing");
  if (!v->is_sequence()) fail(ErrorCode::kInvalidArgument, "input ", i, " should be a sequence but is ", v->describe());
  return v->seq();
}

// Reads a position input: one int32/int64 element in [-n, n) (or [-n, n] with allow_end).
int64_t position(const KernelContext& ctx, int i, int64_t n, bool allow_end) {
  const Tensor& p = ctx.input(i);
  if (p.dtype() != DataType::kInt32 && p.dtype() != DataType::kInt64)
    fail(ErrorCode::kInvalidArgument, "position must be int32 or int64, got ", dtype_name(p.dtype()));
  if (p.numel() != 1)
    fail(ErrorCode::kInvalidArgument, "position must be a scalar, got shape ", shape_str(p.shape()));
  const int64_t pos = p.int_at(0);
  const int64_t hi = allow_end ? n : n - 1;
  if (pos < -n || pos > hi)
    fail(ErrorCode::kInvalidArgument, "position ", pos, " is out of range for a sequence of ", n,
         " tensors (accepted: ", -n, " to ", hi, ")");
  return pos < 0 ? pos + n : pos;
}

// The union of two element types of one sequence: equal dims kept, others unknown.
ir::Type union_elem(const ir::Type& a, const ir::Type& b) {
  if (a.kind != ir::Type::Kind::kTensor) return b;
  if (b.kind != ir::Type::Kind::kTensor) return a;
  DataType elem = a.elem != DataType::kUndefined ? a.elem : b.elem;
  if (!a.has_shape || !b.has_shape || a.dims.size() != b.dims.size()) return ir::Type::tensor(elem);
  ir::Dims dims(a.dims.size());
  for (size_t d = 0; d < dims.size(); ++d)
    if (a.dims[d] == b.dims[d]) dims[d] = a.dims[d];
  return ir::Type::tensor(elem, std::move(dims));
}

const ir::Type* seq_elem_type(const InferContext& ctx, int i) {
  const ir::Type& t = ctx.input_type(i);
  if (t.kind == ir::Type::Kind::kSequence && t.inner) return t.inner.get();
  return nullptr;
}

void check_seq_input(InferContext& ctx, int i) {
  const ir::Type& t = ctx.input_type(i);
  if (t.kind != ir::Type::Kind::kUnknown && t.kind != ir::Type::Kind::kSequence)
    ctx.fail("input ", i, " must be a sequence, is ", t.str());
}

void check_position_type(InferContext& ctx, int i) {
  DataType dt = ctx.input_dtype(i);
  if (ctx.has_input(i) && dt != DataType::kUndefined && dt != DataType::kInt32 && dt != DataType::kInt64)
    ctx.fail("position must be int32 or int64, got ", dtype_name(dt));
}

// ---- SequenceEmpty ----

class SequenceEmpty final : public Kernel {
 public:
  explicit SequenceEmpty(const KernelInit& init) {
    int64_t dt = init.node.attr_int("dtype", static_cast<int64_t>(DataType::kFloat));
    if (!dtype_is_valid(static_cast<int32_t>(dt)) || dt == 0)
      fail(ErrorCode::kInvalidGraph, init.node.describe(), ": attribute dtype ", dt, " is not a tensor element type");
    dtype_ = static_cast<DataType>(dt);
  }
  void run(KernelContext& ctx) const override { ctx.set_output(0, Value::sequence(dtype_, {})); }

 private:
  DataType dtype_;
};

void infer_sequence_empty(InferContext& ctx) {
  int64_t dt = ctx.node().attr_int("dtype", static_cast<int64_t>(DataType::kFloat));
  if (!dtype_is_valid(static_cast<int32_t>(dt)) || dt == 0) ctx.fail("attribute dtype ", dt, " is not a tensor element type");
  ctx.set_output(0, ir::Type::sequence(ir::Type::tensor(static_cast<DataType>(dt))));
}

// ---- SequenceConstruct ----

class SequenceConstruct final : public Kernel {
 public:
  explicit SequenceConstruct(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    if (ctx.num_inputs() < 1) fail(ErrorCode::kInvalidArgument, "needs at least one input tensor");
    std::vector<Value> items;
    items.reserve(static_cast<size_t>(ctx.num_inputs()));
    DataType dt = ctx.input(0).dtype();
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      const Tensor& t = ctx.input(i);
      if (t.dtype() != dt)
        fail(ErrorCode::kInvalidArgument, "input ", i, " is ", dtype_name(t.dtype()), " but input 0 is ", dtype_name(dt),
             " (a sequence holds one element type)");
      items.emplace_back(t);
    }
    ctx.set_output(0, Value::sequence(dt, std::move(items)));
  }
};

void infer_sequence_construct(InferContext& ctx) {
  if (ctx.num_inputs() < 1) ctx.fail("needs at least one input tensor");
  ir::Type elem = ctx.input_type(0);
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Type& t = ctx.input_type(i);
    if (t.kind != ir::Type::Kind::kTensor && t.kind != ir::Type::Kind::kUnknown)
      ctx.fail("input ", i, " must be a tensor, is ", t.str());
    if (t.elem != DataType::kUndefined && elem.elem != DataType::kUndefined && t.elem != elem.elem)
      ctx.fail("input ", i, " is ", dtype_name(t.elem), " but input 0 is ", dtype_name(elem.elem),
               " (a sequence holds one element type)");
    if (i > 0) elem = union_elem(elem, t);
  }
  if (elem.kind != ir::Type::Kind::kTensor) elem = ir::Type::tensor(DataType::kUndefined);
  ctx.set_output(0, ir::Type::sequence(elem));
}

// ---- SequenceAt ----

class SequenceAt final : public Kernel {
 public:
  explicit SequenceAt(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Value::Sequence& s = sequence_input(ctx, 0);
    int64_t pos = position(ctx, 1, static_cast<int64_t>(s.items.size()), false);
    ctx.set_output(0, s.items[static_cast<size_t>(pos)]);
  }
};

void infer_sequence_at(InferContext& ctx) {
  check_seq_input(ctx, 0);
  check_position_type(ctx, 1);
  if (const ir::Type* e = seq_elem_type(ctx, 0)) ctx.set_output(0, *e);
}

// ---- SequenceInsert ----

class SequenceInsert final : public Kernel {
 public:
  explicit SequenceInsert(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Value::Sequence& s = sequence_input(ctx, 0);
    const Tensor& t = ctx.input(1);
    if (s.elem_dtype != DataType::kUndefined && t.dtype() != s.elem_dtype)
      fail(ErrorCode::kInvalidArgument, "cannot insert a ", dtype_name(t.dtype()), " tensor into a sequence of ",
           dtype_name(s.elem_dtype));
    const int64_t n = static_cast<int64_t>(s.items.size());
    int64_t pos = ctx.has_input(2) ? position(ctx, 2, n, true) : n;
    std::vector<Value> items;
    items.reserve(s.items.size() + 1);
    items.insert(items.end(), s.items.begin(), s.items.begin() + pos);
    items.emplace_back(t);
    items.insert(items.end(), s.items.begin() + pos, s.items.end());
    ctx.set_output(0, Value::sequence(t.dtype(), std::move(items)));
  }
};

void infer_sequence_insert(InferContext& ctx) {
  check_seq_input(ctx, 0);
  check_position_type(ctx, 2);
  const ir::Type* e = seq_elem_type(ctx, 0);
  const ir::Type& t = ctx.input_type(1);
  if (e && e->elem != DataType::kUndefined && t.elem != DataType::kUndefined && e->elem != t.elem)
    ctx.fail("cannot insert a ", dtype_name(t.elem), " tensor into a sequence of ", dtype_name(e->elem));
  ir::Type elem = e ? union_elem(*e, t) : t;
  if (elem.kind != ir::Type::Kind::kTensor) elem = ir::Type::tensor(DataType::kUndefined);
  if (elem.elem == DataType::kUndefined) elem.elem = t.elem;
  ctx.set_output(0, ir::Type::sequence(elem));
}

// ---- SequenceErase ----

class SequenceErase final : public Kernel {
 public:
  explicit SequenceErase(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Value::Sequence& s = sequence_input(ctx, 0);
    const int64_t n = static_cast<int64_t>(s.items.size());
    if (n == 0) fail(ErrorCode::kInvalidArgument, "cannot erase from an empty sequence");
    int64_t pos = ctx.has_input(1) ? position(ctx, 1, n, false) : n - 1;
    std::vector<Value> items;
    items.reserve(s.items.size() - 1);
    for (int64_t i = 0; i < n; ++i)
      if (i != pos) items.push_back(s.items[static_cast<size_t>(i)]);
    ctx.set_output(0, Value::sequence(s.elem_dtype, std::move(items)));
  }
};

void infer_sequence_erase(InferContext& ctx) {
  check_seq_input(ctx, 0);
  check_position_type(ctx, 1);
  ctx.set_output(0, ctx.input_type(0));
}

// ---- SequenceLength ----

class SequenceLength final : public Kernel {
 public:
  explicit SequenceLength(const KernelInit&) {}
  void run(KernelContext& ctx) const override {
    const Value::Sequence& s = sequence_input(ctx, 0);
    ctx.output(0, {}, DataType::kInt64).data<int64_t>()[0] = static_cast<int64_t>(s.items.size());
  }
};

void infer_sequence_length(InferContext& ctx) {
  check_seq_input(ctx, 0);
  ctx.set_output(0, DataType::kInt64, {});
}

}  // namespace

ONYX_KERNEL({.op = "SequenceEmpty", .since = 11, .infer = infer_sequence_empty, .create = create<SequenceEmpty>});
ONYX_KERNEL({.op = "SequenceConstruct", .since = 11, .infer = infer_sequence_construct, .create = create<SequenceConstruct>});
ONYX_KERNEL({.op = "SequenceAt", .since = 11, .infer = infer_sequence_at, .create = create<SequenceAt>});
ONYX_KERNEL({.op = "SequenceInsert", .since = 11, .infer = infer_sequence_insert, .create = create<SequenceInsert>});
ONYX_KERNEL({.op = "SequenceErase", .since = 11, .infer = infer_sequence_erase, .create = create<SequenceErase>});
ONYX_KERNEL({.op = "SequenceLength", .since = 11, .infer = infer_sequence_length, .create = create<SequenceLength>});

}  // namespace onyx
