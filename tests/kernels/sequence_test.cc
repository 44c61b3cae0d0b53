// Sequence and optional ops: positions (negative, out of range), element
// types, empty sequences, splitting and concatenating along every axis, and
// SequenceMap over sequences and tensors.
#include <cstring>

#include "kernels/op_test.h"
#include "kernels/subgraph.h"

namespace onyx::test {

namespace {

Value f32(Shape s, std::vector<float> d) { return Value(make_tensor<float>(std::move(s), d)); }
Value i64(Shape s, std::vector<int64_t> d) { return Value(make_tensor<int64_t>(std::move(s), d)); }
Value seq(DataType dt, std::vector<Value> items) { return Value::sequence(dt, std::move(items)); }
ir::Type seq_type(DataType dt) { return ir::Type::sequence(ir::Type::tensor(dt)); }

// Three float tensors of different shapes.
Value three() { return seq(DataType::kFloat, {f32({1}, {1}), f32({2}, {2, 3}), f32({}, {4})}); }

}  // namespace

// ---- SequenceEmpty / SequenceConstruct / SequenceLength ----

TEST(SequenceEmpty, DefaultsToFloat) {
  OpTest("SequenceEmpty", 11).output_value("s", seq(DataType::kFloat, {})).run();
}

TEST(SequenceEmpty, TakesTheDtypeAttribute) {
  auto out = OpTest("SequenceEmpty", 11)
                 .attr("dtype", static_cast<int64_t>(DataType::kInt64))
                 .output_value("s", seq(DataType::kInt64, {}))
                 .run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq().elem_dtype, DataType::kInt64);
}

TEST(SequenceConstruct, KeepsOrderAndShapes) {
  OpTest("SequenceConstruct", 11)
      .input<float>("a", {2}, {1, 2})
      .input<float>("b", {1, 3}, {3, 4, 5})
      .output_value("s", seq(DataType::kFloat, {f32({2}, {1, 2}), f32({1, 3}, {3, 4, 5})}))
      .run();
}

TEST(SequenceConstruct, StringTensors) {
  Tensor a = make_tensor<std::string>({2}, {"x", "y"});
  OpTest("SequenceConstruct", 11).input("a", a).output_value("s", seq(DataType::kString, {Value(a)})).run();
}

TEST(SequenceConstruct, MixedElementTypesAreRejected) {
  OpTest("SequenceConstruct", 11)
      .input<float>("a", {1}, {1})
      .input<int64_t>("b", {1}, {2})
      .output_unchecked("s")
      .expect_error("input 1 is int64 but input 0 is float32");
}

TEST(SequenceLength, CountsItems) {
  OpTest("SequenceLength", 11).value_input("s", three(), seq_type(DataType::kFloat)).output<int64_t>("n", {}, {3}).run();
  OpTest("SequenceLength", 11)
      .value_input("s", seq(DataType::kFloat, {}), seq_type(DataType::kFloat))
      .output<int64_t>("n", {}, {0})
      .run();
}

// ---- SequenceAt ----

TEST(SequenceAt, PositiveAndNegativePositions) {
  OpTest("SequenceAt", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int64_t>("p", {}, {1})
      .output<float>("t", {2}, {2, 3})
      .run();
  OpTest("SequenceAt", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int32_t>("p", {}, {-3})
      .output<float>("t", {1}, {1})
      .run();
}

TEST(SequenceAt, OutOfRangeIsAnError) {
  OpTest("SequenceAt", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int64_t>("p", {}, {3})
      .output_unchecked("t")
      .expect_error("position 3 is out of range for a sequence of 3 tensors (accepted: -3 to 2)");
  OpTest("SequenceAt", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int64_t>("p", {}, {-4})
      .output_unchecked("t")
      .expect_error("position -4 is out of range");
  OpTest("SequenceAt", 11)
      .value_input("s", seq(DataType::kFloat, {}), seq_type(DataType::kFloat))
      .input<int64_t>("p", {}, {0})
      .output_unchecked("t")
      .expect_error("position 0 is out of range for a sequence of 0 tensors");
}

TEST(SequenceAt, PositionMustBeAScalarInteger) {
  OpTest("SequenceAt", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int64_t>("p", {2}, {0, 1})
      .output_unchecked("t")
      .expect_error("position must be a scalar, got shape [2]");
}

// ---- SequenceInsert ----

TEST(SequenceInsert, AppendsByDefault) {
  OpTest("SequenceInsert", 11)
      .value_input("s", seq(DataType::kFloat, {f32({1}, {1})}), seq_type(DataType::kFloat))
      .input<float>("t", {1}, {2})
      .output_value("o", seq(DataType::kFloat, {f32({1}, {1}), f32({1}, {2})}))
      .run();
}

TEST(SequenceInsert, AtFrontMiddleAndEnd) {
  auto base = [] { return seq(DataType::kInt64, {i64({}, {0}), i64({}, {1})}); };
  struct Case {
    int64_t pos;
    std::vector<int64_t> want;
  };
  for (const Case& c : {Case{0, {9, 0, 1}}, Case{1, {0, 9, 1}}, Case{2, {0, 1, 9}}, Case{-1, {0, 9, 1}},
                        Case{-2, {9, 0, 1}}}) {
    SCOPED_TRACE(c.pos);
    std::vector<Value> items;
    for (int64_t v : c.want) items.push_back(i64({}, {v}));
    OpTest("SequenceInsert", 11)
        .value_input("s", base(), seq_type(DataType::kInt64))
        .input<int64_t>("t", {}, {9})
        .input<int64_t>("p", {}, {c.pos})
        .output_value("o", seq(DataType::kInt64, items))
        .run();
  }
}

TEST(SequenceInsert, IntoAnEmptySequence) {
  OpTest("SequenceInsert", 11)
      .value_input("s", seq(DataType::kFloat, {}), seq_type(DataType::kFloat))
      .input<float>("t", {2}, {1, 2})
      .input<int64_t>("p", {}, {0})
      .output_value("o", seq(DataType::kFloat, {f32({2}, {1, 2})}))
      .run();
}

TEST(SequenceInsert, BadPositionAndTypeAreErrors) {
  OpTest("SequenceInsert", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<float>("t", {1}, {2})
      .input<int64_t>("p", {}, {4})
      .output_unchecked("o")
      .expect_error("position 4 is out of range for a sequence of 3 tensors (accepted: -3 to 3)");
  OpTest("SequenceInsert", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int64_t>("t", {1}, {2})
      .output_unchecked("o")
      .expect_error("cannot insert a int64 tensor into a sequence of float32");
}

// ---- SequenceErase ----

TEST(SequenceErase, RemovesTheLastByDefault) {
  OpTest("SequenceErase", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .output_value("o", seq(DataType::kFloat, {f32({1}, {1}), f32({2}, {2, 3})}))
      .run();
}

TEST(SequenceErase, AtAPosition) {
  OpTest("SequenceErase", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int64_t>("p", {}, {-3})
      .output_value("o", seq(DataType::kFloat, {f32({2}, {2, 3}), f32({}, {4})}))
      .run();
}

TEST(SequenceErase, EmptySequenceAndBadPositionAreErrors) {
  OpTest("SequenceErase", 11)
      .value_input("s", seq(DataType::kFloat, {}), seq_type(DataType::kFloat))
      .output_unchecked("o")
      .expect_error("cannot erase from an empty sequence");
  OpTest("SequenceErase", 11)
      .value_input("s", three(), seq_type(DataType::kFloat))
      .input<int64_t>("p", {}, {3})
      .output_unchecked("o")
      .expect_error("position 3 is out of range for a sequence of 3 tensors");
}

// ---- SplitToSequence ----

TEST(SplitToSequence, OnePiecePerRowKeepingOrDroppingTheAxis) {
  OpTest("SplitToSequence", 11)
      .input<float>("x", {3, 2}, {1, 2, 3, 4, 5, 6})
      .output_value("s", seq(DataType::kFloat, {f32({1, 2}, {1, 2}), f32({1, 2}, {3, 4}), f32({1, 2}, {5, 6})}))
      .run();
  OpTest("SplitToSequence", 11)
      .input<float>("x", {3, 2}, {1, 2, 3, 4, 5, 6})
      .attr("axis", 1)
      .attr("keepdims", 0)
      .output_value("s", seq(DataType::kFloat, {f32({3}, {1, 3, 5}), f32({3}, {2, 4, 6})}))
      .run();
}

TEST(SplitToSequence, ScalarSplitLeavesAShorterLastPiece) {
  OpTest("SplitToSequence", 11)
      .input<float>("x", {2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
      .input<int64_t>("split", {}, {2})
      .attr("axis", -1)
      .output_value("s", seq(DataType::kFloat, {f32({2, 2}, {0, 1, 5, 6}), f32({2, 2}, {2, 3, 7, 8}),
                                                f32({2, 1}, {4, 9})}))
      .run();
}

TEST(SplitToSequence, ListedLengths) {
  OpTest("SplitToSequence", 11)
      .input<int32_t>("x", {4}, {1, 2, 3, 4})
      .input<int32_t>("split", {3}, {1, 0, 3})
      .attr("keepdims", 0)  // ignored when split is given
      .output_value("s", seq(DataType::kInt32, {Value(make_tensor<int32_t>({1}, {1})), Value(make_tensor<int32_t>({0}, {})),
                                                Value(make_tensor<int32_t>({3}, {2, 3, 4}))}))
      .run();
}

TEST(SplitToSequence, PackedInt4AlongAnInnerAxis) {
  // uint4 [2, 3] split along axis 1 into [2, 1] and [2, 2]: pieces start mid-byte.
  auto packed = [](Shape shape, std::vector<uint8_t> nibbles) {
    Tensor t(DataType::kUInt4, std::move(shape));
    std::memset(t.raw(), 0, t.nbytes());
    auto* p = static_cast<uint8_t*>(t.raw());
    for (size_t i = 0; i < nibbles.size(); ++i) p[i / 2] |= static_cast<uint8_t>(nibbles[i] << (4 * (i % 2)));
    return t;
  };
  OpTest("SplitToSequence", 21)
      .input("x", packed({2, 3}, {1, 2, 3, 4, 5, 6}))
      .input<int64_t>("split", {2}, {1, 2})
      .attr("axis", 1)
      .output_value("s", seq(DataType::kUInt4, {Value(packed({2, 1}, {1, 4})), Value(packed({2, 2}, {2, 3, 5, 6}))}))
      .run();
}

TEST(SplitToSequence, EmptyAxisGivesAnEmptySequence) {
  OpTest("SplitToSequence", 11)
      .input<float>("x", {0, 2}, {})
      .output_value("s", seq(DataType::kFloat, {}))
      .run();
}

TEST(SplitToSequence, BadSplitsAreErrors) {
  OpTest("SplitToSequence", 11)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input<int64_t>("split", {2}, {1, 2})
      .output_unchecked("s")
      .expect_error("split lengths [1,2] do not sum to 4");
  OpTest("SplitToSequence", 11)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input<int64_t>("split", {}, {0})
      .output_unchecked("s")
      .expect_error("split is 0; a piece length must be positive");
  OpTest("SplitToSequence", 11)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .input<int64_t>("split", {2}, {-1, 5})
      .output_unchecked("s")
      .expect_error("split[0] is -1");
  OpTest("SplitToSequence", 11)
      .input<float>("x", {4}, {1, 2, 3, 4})
      .attr("axis", 1)
      .output_unchecked("s")
      .expect_error("axis 1 is out of range for rank 1");
}

// ---- ConcatFromSequence ----

TEST(ConcatFromSequence, AlongAnExistingAxis) {
  Value s = seq(DataType::kFloat, {f32({2, 1}, {1, 2}), f32({2, 2}, {3, 4, 5, 6})});
  OpTest("ConcatFromSequence", 11)
      .value_input("s", s, seq_type(DataType::kFloat))
      .attr("axis", -1)
      .output<float>("y", {2, 3}, {1, 3, 4, 2, 5, 6})
      .run();
}

TEST(ConcatFromSequence, StackingOnANewAxis) {
  Value s = seq(DataType::kFloat, {f32({2}, {1, 2}), f32({2}, {3, 4}), f32({2}, {5, 6})});
  OpTest("ConcatFromSequence", 11)
      .value_input("s", s, seq_type(DataType::kFloat))
      .attr("axis", 0)
      .attr("new_axis", 1)
      .output<float>("y", {3, 2}, {1, 2, 3, 4, 5, 6})
      .run();
  // With new_axis = 1 the axis may be one past the last (here: 1 for rank 1).
  OpTest("ConcatFromSequence", 11)
      .value_input("s", s, seq_type(DataType::kFloat))
      .attr("axis", 1)
      .attr("new_axis", 1)
      .output<float>("y", {2, 3}, {1, 3, 5, 2, 4, 6})
      .run();
  OpTest("ConcatFromSequence", 11)
      .value_input("s", seq(DataType::kInt64, {i64({}, {7}), i64({}, {8})}), seq_type(DataType::kInt64))
      .attr("axis", -1)
      .attr("new_axis", 1)
      .output<int64_t>("y", {2}, {7, 8})
      .run();
}

TEST(ConcatFromSequence, StringItems) {
  Value s = seq(DataType::kString, {Value(make_tensor<std::string>({1}, {"a"})), Value(make_tensor<std::string>({2}, {"b", "c"}))});
  OpTest("ConcatFromSequence", 11)
      .value_input("s", s, seq_type(DataType::kString))
      .attr("axis", 0)
      .output("y", make_tensor<std::string>({3}, {"a", "b", "c"}))
      .run();
}

TEST(ConcatFromSequence, MismatchesAndEmptySequencesAreErrors) {
  OpTest("ConcatFromSequence", 11)
      .value_input("s", seq(DataType::kFloat, {f32({2, 1}, {1, 2}), f32({3, 1}, {3, 4, 5})}), seq_type(DataType::kFloat))
      .attr("axis", 1)
      .output_unchecked("y")
      .expect_error("item 1 is float32[3,1] but item 0 is float32[2,1]");
  OpTest("ConcatFromSequence", 11)
      .value_input("s", seq(DataType::kFloat, {}), seq_type(DataType::kFloat))
      .attr("axis", 0)
      .output_unchecked("y")
      .expect_error("cannot concatenate an empty sequence");
  OpTest("ConcatFromSequence", 11)
      .value_input("s", seq(DataType::kFloat, {f32({2}, {1, 2})}), seq_type(DataType::kFloat))
      .attr("axis", 1)
      .output_unchecked("y")
      .expect_error("axis 1 is out of range for rank 1");
}

// ---- SequenceMap ----

TEST(SequenceMap, OneSequenceAndOneTensor) {
  Subgraph body("body");
  ir::Value* x = body.input("x", ir::Type::tensor(DataType::kFloat));
  ir::Value* b = body.input("b", ir::Type::tensor(DataType::kFloat, {1}));
  body.output(body.op("Add", {x, b}));
  OpTest("SequenceMap", 17)
      .value_input("s", seq(DataType::kFloat, {f32({2}, {1, 2}), f32({1}, {3})}), seq_type(DataType::kFloat))
      .input<float>("b", {1}, {10})
      .attr(body.attr("body"))
      .output_value("y", seq(DataType::kFloat, {f32({2}, {11, 12}), f32({1}, {13})}))
      .run();
}

TEST(SequenceMap, TwoSequencesTwoOutputs) {
  Subgraph body("body");
  ir::Value* a = body.input("a", ir::Type::tensor(DataType::kFloat));
  ir::Value* c = body.input("c", ir::Type::tensor(DataType::kFloat));
  body.output(body.op("Add", {a, c}));
  body.output(body.op("Mul", {a, c}));
  OpTest("SequenceMap", 17)
      .value_input("a", seq(DataType::kFloat, {f32({1}, {2}), f32({1}, {3})}), seq_type(DataType::kFloat))
      .value_input("c", seq(DataType::kFloat, {f32({1}, {4}), f32({1}, {5})}), seq_type(DataType::kFloat))
      .attr(body.attr("body"))
      .output_value("sum", seq(DataType::kFloat, {f32({1}, {6}), f32({1}, {8})}))
      .output_value("prod", seq(DataType::kFloat, {f32({1}, {8}), f32({1}, {15})}))
      .run();
}

TEST(SequenceMap, EmptySequenceGivesEmptyOutputs) {
  Subgraph body("body");
  ir::Value* x = body.input("x", ir::Type::tensor(DataType::kInt64));
  body.output(body.op("Add", {x, x}));
  auto out = OpTest("SequenceMap", 17)
                 .value_input("s", seq(DataType::kInt64, {}), seq_type(DataType::kInt64))
                 .attr(body.attr("body"))
                 .output_value("y", seq(DataType::kInt64, {}))
                 .run();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq().elem_dtype, DataType::kInt64);
}

TEST(SequenceMap, SequencesMustHaveTheSameLength) {
  Subgraph body("body");
  ir::Value* a = body.input("a", ir::Type::tensor(DataType::kFloat));
  ir::Value* c = body.input("c", ir::Type::tensor(DataType::kFloat));
  body.output(body.op("Add", {a, c}));
  OpTest("SequenceMap", 17)
      .value_input("a", seq(DataType::kFloat, {f32({1}, {2}), f32({1}, {3})}), seq_type(DataType::kFloat))
      .value_input("c", seq(DataType::kFloat, {f32({1}, {4})}), seq_type(DataType::kFloat))
      .attr(body.attr("body"))
      .output_unchecked("y")
      .expect_error("input 1 is a sequence of 1 but input 0 has 2");
}

// ---- Optional ----

TEST(Optional, WrapsAValueOrNothing) {
  OpTest("Optional", 15).input<float>("x", {2}, {1, 2}).output<float>("o", {2}, {1, 2}).run();
  ir::Attribute type;
  type.name = "type";
  type.type = ir::AttrType::kTypeProto;
  type.types = {ir::Type::tensor(DataType::kFloat)};
  OpTest("Optional", 15).attr(type).output_value("o", Value::none()).run();
  OpTest("Optional", 15).output_unchecked("o").expect_error("needs the attribute 'type'");
}

TEST(OptionalHasElement, OfOptionalsTensorsAndOmittedInputs) {
  ir::Type opt = ir::Type::optional(ir::Type::tensor(DataType::kFloat));
  OpTest("OptionalHasElement", 15).value_input("o", f32({1}, {1}), opt).output("b", make_bool_tensor({}, {1})).run();
  OpTest("OptionalHasElement", 18).value_input("o", Value::none(), opt).output("b", make_bool_tensor({}, {0})).run();
  OpTest("OptionalHasElement", 18).input<float>("t", {1}, {1}).output("b", make_bool_tensor({}, {1})).run();
  OpTest("OptionalHasElement", 18).omitted_input().output("b", make_bool_tensor({}, {0})).run();
  OpTest("OptionalHasElement", 15).input<float>("t", {1}, {1}).output_unchecked("b").expect_error(
      "input must be an optional before opset 18");
}

TEST(OptionalGetElement, UnwrapsOrFails) {
  ir::Type opt = ir::Type::optional(ir::Type::tensor(DataType::kFloat));
  OpTest("OptionalGetElement", 15).value_input("o", f32({2}, {1, 2}), opt).output<float>("t", {2}, {1, 2}).run();
  OpTest("OptionalGetElement", 18)
      .value_input("o", three(), seq_type(DataType::kFloat))
      .output_value("t", three())
      .run();
  OpTest("OptionalGetElement", 18)
      .value_input("o", Value::none(), opt)
      .output_unchecked("t")
      .expect_error("the optional input is empty");
}

}  // namespace onyx::test
