// Shape inference of the tensor ops: symbolic dims must survive the chains
// exporters emit (Shape -> Gather -> Unsqueeze -> Concat -> Reshape in BERT),
// targets known only symbolically must still give symbolic outputs, and
// contradictions must be load errors.
#include <gtest/gtest.h>

#include "runtime/session.h"
#include "unit/model_builder.h"

namespace onyx::test {

namespace {

using ir::Dim;

Tensor i64s(std::vector<int64_t> v) { return Tensor::from<int64_t>(v, {static_cast<int64_t>(v.size())}); }

// The inferred type of graph output `i`, as "tensor(float)[batch,seq,12,64]".
std::string out_type(ModelBuilder& mb, size_t i = 0) {
  std::string bytes = mb.bytes();
  auto s = Session::create(bytes.data(), bytes.size());
  return s->outputs().at(i).type.str();
}

// x [batch, seq, 768] and the Gather(Shape(x), k) -> Unsqueeze pieces of its shape.
struct BertShape {
  ModelBuilder mb{17};
  ir::Value* x;
  ir::Value* shape;
  BertShape() {
    x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), Dim::sym("seq"), 768});
    shape = mb.node("Shape", {x});
  }
  ir::Value* dim(int64_t k) {
    ir::Value* g = mb.node("Gather", {shape, mb.constant("k" + std::to_string(k), Tensor::scalar<int64_t>(k))},
                           {ModelBuilder::attr_int("axis", 0)});
    return mb.node("Unsqueeze", {g, mb.constant("ax" + std::to_string(k), i64s({0}))});
  }
  ir::Value* concat(std::vector<ir::Value*> parts) {
    return mb.node("Concat", std::move(parts), {ModelBuilder::attr_int("axis", 0)});
  }
};

}  // namespace

TEST(TensorInfer, BertReshapeKeepsSymbolicDims) {
  BertShape b;
  ir::Value* target = b.concat({b.dim(0), b.dim(1), b.mb.constant("heads", i64s({12})), b.mb.constant("hd", i64s({64}))});
  b.mb.output(b.mb.node("Reshape", {b.x, target}));
  EXPECT_EQ(out_type(b.mb), "tensor(float)[batch,seq,12,64]");
}

TEST(TensorInfer, MinusOneIsSolvedFromTheElementCount) {
  BertShape b;
  ir::Value* target = b.concat({b.dim(0), b.dim(1), b.mb.constant("m1", i64s({-1})), b.mb.constant("hd", i64s({64}))});
  b.mb.output(b.mb.node("Reshape", {b.x, target}));
  EXPECT_EQ(out_type(b.mb), "tensor(float)[batch,seq,12,64]");
}

TEST(TensorInfer, ReshapeBackMergesSymbols) {
  // [batch, seq, 12, 64] -> Reshape(Concat(batch, seq, -1)) = [batch, seq, 768]
  BertShape b;
  ir::Value* t1 = b.concat({b.dim(0), b.dim(1), b.mb.constant("heads", i64s({12})), b.mb.constant("hd", i64s({64}))});
  ir::Value* split = b.mb.node("Reshape", {b.x, t1});
  ir::Value* t2 = b.concat({b.dim(0), b.dim(1), b.mb.constant("m1", i64s({-1}))});
  b.mb.output(b.mb.node("Reshape", {split, t2}));
  EXPECT_EQ(out_type(b.mb), "tensor(float)[batch,seq,768]");
}

TEST(TensorInfer, SliceOfShapeValues) {
  // x.size()[:-1] + (12, 64), as TorchScript exports it.
  BertShape b;
  ir::Value* head = b.mb.node("Slice", {b.shape, b.mb.constant("s", i64s({0})), b.mb.constant("e", i64s({-1}))});
  ir::Value* target = b.concat({head, b.mb.constant("tail", i64s({12, 64}))});
  b.mb.output(b.mb.node("Reshape", {b.x, target}));
  EXPECT_EQ(out_type(b.mb), "tensor(float)[batch,seq,12,64]");
}

TEST(TensorInfer, SplitOfShapeValues) {
  BertShape b;
  b.mb.node("Split", {b.shape, b.mb.constant("sizes", i64s({1, 2}))}, {ModelBuilder::attr_int("axis", 0)}, 2);
  ir::Node* split = b.mb.last_node();
  ir::Value* target = b.concat({split->outputs[1], split->outputs[0]});
  b.mb.output(b.mb.node("ConstantOfShape", {target}));
  EXPECT_EQ(out_type(b.mb), "tensor(float)[seq,768,batch]");
}

TEST(TensorInfer, ConstantOfShapeExpandTileFromShapeValues) {
  BertShape b;
  b.mb.output(b.mb.node("ConstantOfShape", {b.shape}));
  ir::Value* one = b.mb.constant("one", Tensor::from<float>(std::vector<float>{1.f}, {1}));
  b.mb.output(b.mb.node("Expand", {one, b.shape}));
  ir::Value* row = b.mb.input("row", DataType::kFloat, {1, 3});
  b.mb.output(b.mb.node("Tile", {row, b.concat({b.dim(0), b.mb.constant("r1", i64s({1}))})}));
  EXPECT_EQ(out_type(b.mb, 0), "tensor(float)[batch,seq,768]");
  EXPECT_EQ(out_type(b.mb, 1), "tensor(float)[batch,seq,768]");
  EXPECT_EQ(out_type(b.mb, 2), "tensor(float)[batch,3]");
}

TEST(TensorInfer, RangeToASymbolicLimit) {
  BertShape b;
  ir::Value* seq = b.mb.node("Gather", {b.shape, b.mb.constant("one", Tensor::scalar<int64_t>(1))});
  b.mb.output(b.mb.node("Range", {b.mb.constant("z", Tensor::scalar<int64_t>(0)), seq,
                                  b.mb.constant("d", Tensor::scalar<int64_t>(1))}));
  EXPECT_EQ(out_type(b.mb), "tensor(int64)[seq]");
}

TEST(TensorInfer, PrefixSliceOfABufferBySymbolicLength) {
  // position_ids[:, :seq] on a [1, 512] buffer.
  BertShape b;
  ir::Value* buf = b.mb.input("buf", DataType::kInt64, {1, 512});
  b.mb.output(b.mb.node("Slice", {buf, b.mb.constant("s", i64s({0})), b.dim(1), b.mb.constant("a", i64s({1}))}));
  EXPECT_EQ(out_type(b.mb), "tensor(int64)[1,seq]");
}

TEST(TensorInfer, SizeOfASymbolicVector) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("n")});
  ir::Value* size = mb.node("Size", {x});
  ir::Value* vec = mb.node("Unsqueeze", {size, mb.constant("ax", i64s({0}))});
  mb.output(mb.node("ConstantOfShape", {vec}));
  EXPECT_EQ(out_type(mb), "tensor(float)[n]");
}

TEST(TensorInfer, FlattenSqueezeUnsqueezeTranspose) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 1, 3, 4});
  mb.output(mb.node("Flatten", {x}, {ModelBuilder::attr_int("axis", 1)}));
  mb.output(mb.node("Flatten", {x}, {ModelBuilder::attr_int("axis", 3)}));
  mb.output(mb.node("Squeeze", {x, mb.constant("ax", i64s({1}))}));
  mb.output(mb.node("Squeeze", {x}));  // batch might be 1: rank unknown
  mb.output(mb.node("Transpose", {x}, {ModelBuilder::attr_ints("perm", {3, 0, 2, 1})}));
  EXPECT_EQ(out_type(mb, 0), "tensor(float)[batch,12]");
  EXPECT_EQ(out_type(mb, 1), "tensor(float)[?,4]");
  EXPECT_EQ(out_type(mb, 2), "tensor(float)[batch,3,4]");
  EXPECT_EQ(out_type(mb, 3), "tensor(float)");
  EXPECT_EQ(out_type(mb, 4), "tensor(float)[4,batch,3,1]");
}

TEST(TensorInfer, NonConstantTargetsStillGiveTheRank) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 6});
  ir::Value* shape = mb.input("shape", DataType::kInt64, {3});
  mb.output(mb.node("Reshape", {x, shape}));
  mb.output(mb.node("Expand", {x, shape}));
  EXPECT_EQ(out_type(mb, 0), "tensor(float)[?,?,?]");
  EXPECT_EQ(out_type(mb, 1), "tensor(float)[?,?,6]");
}

TEST(TensorInfer, GatherConcatSplitPadShapes) {
  ModelBuilder mb(18);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 10});
  ir::Value* idx = mb.input("idx", DataType::kInt64, {Dim::sym("seq")});
  mb.output(mb.node("Gather", {x, idx}, {ModelBuilder::attr_int("axis", 1)}));
  mb.output(mb.node("Concat", {x, x}, {ModelBuilder::attr_int("axis", -1)}));
  mb.node("Split", {x}, {ModelBuilder::attr_int("axis", 1), ModelBuilder::attr_int("num_outputs", 3)}, 3);
  ir::Node* split = mb.last_node();
  mb.output(split->outputs[2]);
  mb.output(mb.node("Pad", {x, mb.constant("pads", i64s({0, 1, 0, 2}))}));
  EXPECT_EQ(out_type(mb, 0), "tensor(float)[batch,seq]");
  EXPECT_EQ(out_type(mb, 1), "tensor(float)[batch,20]");
  EXPECT_EQ(out_type(mb, 2), "tensor(float)[batch,2]");
  EXPECT_EQ(out_type(mb, 3), "tensor(float)[batch,13]");
}

TEST(TensorInfer, DataDependentOutputs) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 5});
  mb.output(mb.node("NonZero", {x}));
  mb.node("TopK", {x, mb.constant("k", i64s({2}))}, {}, 2);
  mb.output(mb.last_node()->outputs[1]);
  EXPECT_EQ(out_type(mb, 0), "tensor(int64)[2,?]");
  EXPECT_EQ(out_type(mb, 1), "tensor(int64)[batch,2]");
}

TEST(TensorInfer, IncompatibleConstantReshapeIsALoadError) {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3});
  mb.output(mb.node("Reshape", {x, mb.constant("s", i64s({4, 2}))}));
  std::string bytes = mb.bytes();
  try {
    Session::create(bytes.data(), bytes.size());
    ADD_FAILURE() << "expected a load error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot reshape [2,3] to [4,2]"), std::string::npos) << e.what();
  }
}

TEST(TensorInfer, GatherOnShapeValuesChecksConstantIndices) {
  BertShape b;
  b.mb.output(b.mb.node("Gather", {b.shape, b.mb.constant("k", Tensor::scalar<int64_t>(5))}));
  std::string bytes = b.mb.bytes();
  try {
    Session::create(bytes.data(), bytes.size());
    ADD_FAILURE() << "expected a load error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index 5 is out of range"), std::string::npos) << e.what();
  }
}

}  // namespace onyx::test
