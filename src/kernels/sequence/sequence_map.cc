// SequenceMap (opset 17): runs `body` once per item of input_sequence.
//
// Each additional input is either a sequence of the same length (item i goes
// to run i) or a tensor (given whole to every run). Each body output becomes
// an output sequence with one item per run.
#include "runtime/plan.h"
#include "shape/infer.h"

namespace onyx {

namespace {

class SequenceMap final : public Kernel {
 public:
  explicit SequenceMap(const KernelInit& init) {
    const ir::Node& node = init.node;
    const ir::Graph* body = node.attr_graph("body");
    if (!body) fail(ErrorCode::kInvalidGraph, node.describe(), ": attribute 'body' (a graph) is required");
    if (body->inputs.size() != node.inputs.size())
      fail(ErrorCode::kInvalidGraph, node.describe(), ": body has ", body->inputs.size(), " inputs but the node has ",
           node.inputs.size());
    if (body->outputs.size() != node.outputs.size())
      fail(ErrorCode::kInvalidGraph, node.describe(), ": body has ", body->outputs.size(), " outputs but the node has ",
           node.outputs.size());
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      DataType dt = DataType::kUndefined;
      if (k < init.output_types.size() && init.output_types[k].inner) dt = init.output_types[k].inner->elem;
      if (dt == DataType::kUndefined) dt = body->outputs[k]->type.elem;
      out_dtypes_.push_back(dt);
    }
    body_ = init.compile_subgraph(*body);
  }

  void run(KernelContext& ctx) const override {
    const Value* s0 = ctx.input_value(0);
    if (!s0 || !s0->is_sequence())
      fail(ErrorCode::kInvalidArgument, "input 0 should be a sequence but is ", s0 ? s0->describe() : "missing");
    const size_t n = s0->seq().items.size();
    const int num_in = ctx.num_inputs();
    for (int i = 1; i < num_in; ++i) {
      const Value* v = ctx.input_value(i);
      if (!v || v->is_none()) fail(ErrorCode::kInvalidArgument, "input ", i, " is missing");
      if (v->is_sequence() && v->seq().items.size() != n)
        fail(ErrorCode::kInvalidArgument, "input ", i, " is a sequence of ", v->seq().items.size(),
             " but input 0 has ", n, " (sequences are mapped item by item)");
      if (!v->is_sequence() && !v->is_tensor())
        fail(ErrorCode::kInvalidArgument, "input ", i, " must be a sequence or a tensor, is ", v->describe());
    }
    std::vector<std::vector<Value>> outs(static_cast<size_t>(ctx.num_outputs()));
    std::vector<Value> feeds(static_cast<size_t>(num_in));
    for (size_t it = 0; it < n; ++it) {
      if (ctx.terminate_requested())
        fail(ErrorCode::kFail, "run terminated by the caller (RunOptions terminate flag) at item ", it);
      for (int i = 0; i < num_in; ++i) {
        const Value* v = ctx.input_value(i);
        feeds[static_cast<size_t>(i)] = v->is_sequence() ? v->seq().items[it] : *v;
      }
      std::vector<Value> res = ctx.run_subgraph(*body_, feeds);
      for (size_t k = 0; k < outs.size(); ++k) {
        if (!res[k].is_tensor())
          fail(ErrorCode::kInvalidArgument, "body output ", k, " must be a tensor, got ", res[k].describe(),
               " for item ", it);
        outs[k].push_back(std::move(res[k]));
      }
    }
    for (size_t k = 0; k < outs.size(); ++k) {
      DataType dt = outs[k].empty() ? out_dtypes_[k] : outs[k][0].tensor().dtype();
      for (size_t it = 1; it < outs[k].size(); ++it)
        if (outs[k][it].tensor().dtype() != dt)
          fail(ErrorCode::kInvalidArgument, "body output ", k, " is ", dtype_name(outs[k][it].tensor().dtype()),
               " for item ", it, " but ", dtype_name(dt), " for item 0");
      ctx.set_output(static_cast<int>(k), Value::sequence(dt, std::move(outs[k])));
    }
  }

 private:
  std::vector<DataType> out_dtypes_;
  std::shared_ptr<const Plan> body_;
};

void infer_sequence_map(InferContext& ctx) {
  ir::Graph* body = ctx.node().attr_graph("body");
  if (!body) ctx.fail("attribute 'body' (a graph) is required");
  if (ctx.input_type(0).kind != ir::Type::Kind::kSequence && ctx.input_type(0).kind != ir::Type::Kind::kUnknown)
    ctx.fail("input 0 must be a sequence, is ", ctx.input_type(0).str());
  std::vector<ir::Type> in;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const ir::Type& t = ctx.input_type(i);
    if (t.kind == ir::Type::Kind::kSequence) in.push_back(t.inner ? *t.inner : ir::Type{});
    else in.push_back(t);
  }
  std::vector<ir::Type> out = ctx.infer_subgraph(*body, in);
  if (out.size() != static_cast<size_t>(ctx.num_outputs()))
    ctx.fail("body has ", out.size(), " outputs but the node has ", ctx.num_outputs());
  for (size_t k = 0; k < out.size(); ++k) {
    ir::Type t = out[k];
    if (t.kind == ir::Type::Kind::kUnknown) t = ir::Type::tensor(DataType::kUndefined);
    if (t.kind != ir::Type::Kind::kTensor) ctx.fail("body output ", k, " must be a tensor, is ", t.str());
    ctx.set_output(static_cast<int>(k), ir::Type::sequence(std::move(t)));
  }
}

}  // namespace

ONYX_KERNEL({.op = "SequenceMap", .since = 17, .infer = infer_sequence_map, .create = create<SequenceMap>});

}  // namespace onyx
