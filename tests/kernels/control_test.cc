// If, Loop, Scan: branches and bodies with outer-scope values, nesting, empty
// loops, concurrent runs, the terminate flag and bad inputs.
#include <atomic>
#include <chrono>
#include <thread>

#include "kernels/op_test.h"
#include "kernels/subgraph.h"

namespace onyx::test {

namespace {

Value f32(Shape s, std::vector<float> d) { return Value(make_tensor<float>(std::move(s), d)); }
Value i64(Shape s, std::vector<int64_t> d) { return Value(make_tensor<int64_t>(std::move(s), d)); }
Value boolean(bool b) { return Value(make_bool_tensor({}, {b ? 1 : 0})); }
ir::Type f32_type(ir::Dims d) { return ir::Type::tensor(DataType::kFloat, std::move(d)); }

// then: x + y, else: x - y, both reading x and y from the enclosing graph.
TestModel add_or_sub(int opset) {
  TestModel m(opset);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("x", f32_type({2}));
  m.input("y", f32_type({2}));
  Subgraph t("then");
  t.output(t.op("Add", {t.outer("x"), t.outer("y")}));
  Subgraph e("else");
  e.output(e.op("Sub", {e.outer("x"), e.outer("y")}));
  m.output(m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")}));
  return m;
}

// Loop(M, "", x0): x += w (w from the enclosing graph); scan output: x after each step.
TestModel counting_loop(int opset) {
  TestModel m(opset);
  ir::Value* trips = m.input("M", scalar_type(DataType::kInt64));
  ir::Value* x0 = m.input("x0", f32_type({2}));
  m.input("w", f32_type({2}));
  Subgraph body("body");
  body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  ir::Value* x = body.input("x", f32_type({2}));
  ir::Value* next = body.op("Add", {x, body.outer("w")});
  body.output(c);  // the condition passes through unchanged
  body.output(next);
  body.output(next);
  auto outs = m.ops("Loop", {trips, nullptr, x0}, 2, {body.attr("body")});
  m.output(outs[0]);
  m.output(outs[1]);
  return m;
}

}  // namespace

// ---- If ----

TEST(If, RunsTheChosenBranchWithOuterScopeValues) {
  for (int opset : {1, 11, 13, 16, 19, 21, 24}) {
    SCOPED_TRACE(opset);
    TestModel m = add_or_sub(opset);
    m.check({{"cond", boolean(true)}, {"x", f32({2}, {1, 2})}, {"y", f32({2}, {10, 20})}}, {f32({2}, {11, 22})});
    m.check({{"cond", boolean(false)}, {"x", f32({2}, {1, 2})}, {"y", f32({2}, {10, 20})}}, {f32({2}, {-9, -18})});
  }
}

TEST(If, BranchesMayProduceDifferentShapes) {
  TestModel m(11);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("x", f32_type({2}));
  m.input("z", f32_type({3}));
  Subgraph t("then");
  t.output(t.outer("x"));  // an outer value is the branch output itself
  Subgraph e("else");
  e.output(e.outer("z"));
  m.output(m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")}));
  auto s = m.session();
  EXPECT_EQ(s->outputs()[0].type.str(), ir::Type::tensor(DataType::kFloat, {ir::Dim()}).str());
  m.check({{"cond", boolean(true)}, {"x", f32({2}, {1, 2})}, {"z", f32({3}, {7, 8, 9})}}, {f32({2}, {1, 2})});
  m.check({{"cond", boolean(false)}, {"x", f32({2}, {1, 2})}, {"z", f32({3}, {7, 8, 9})}}, {f32({3}, {7, 8, 9})});
}

TEST(If, SequenceOutput) {
  TestModel m(13);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("x", f32_type({2}));
  Subgraph t("then");
  ir::Value* tx = t.outer("x");
  t.output(t.op("SequenceConstruct", {tx, tx}));
  Subgraph e("else");
  e.output(e.op("SequenceEmpty", {}));
  m.output(m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")}));
  Value x = f32({2}, {1, 2});
  m.check({{"cond", boolean(true)}, {"x", x}}, {Value::sequence(DataType::kFloat, {x, x})});
  m.check({{"cond", boolean(false)}, {"x", x}}, {Value::sequence(DataType::kFloat, {})});
}

TEST(If, OptionalOutput) {
  TestModel m(16);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("x", f32_type({2}));
  Subgraph t("then");
  t.output(t.op("Optional", {t.outer("x")}));
  Subgraph e("else");
  ir::Attribute type;
  type.name = "type";
  type.type = ir::AttrType::kTypeProto;
  type.types = {ir::Type::tensor(DataType::kFloat)};
  e.output(e.op("Optional", {}, {type}));
  ir::Value* opt = m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")});
  m.output(opt);
  m.output(m.op("OptionalHasElement", {opt}));
  Value x = f32({2}, {1, 2});
  m.check({{"cond", boolean(true)}, {"x", x}}, {x, boolean(true)});
  m.check({{"cond", boolean(false)}, {"x", x}}, {Value::none(), boolean(false)});
}

TEST(If, CondMustHoldOneElement) {
  TestModel m(11);
  ir::Value* cond = m.input("cond", ir::Type::tensor(DataType::kBool, {2}));
  m.input("x", f32_type({2}));
  Subgraph t("then");
  t.output(t.outer("x"));
  Subgraph e("else");
  e.output(e.outer("x"));
  m.output(m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")}));
  m.expect_error({{"cond", Value(make_bool_tensor({2}, {1, 0}))}, {"x", f32({2}, {1, 2})}},
                 "cond must hold exactly one element, got shape [2]");
}

TEST(If, BranchOutputCountMustMatchTheNode) {
  TestModel m(11);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("x", f32_type({2}));
  Subgraph t("then");
  ir::Value* tx = t.outer("x");
  t.output(tx);
  t.output(tx);
  Subgraph e("else");
  ir::Value* ex = e.outer("x");
  e.output(ex);
  e.output(ex);
  m.output(m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")}));
  m.expect_error({{"cond", boolean(true)}, {"x", f32({2}, {1, 2})}}, "the node has 1 outputs but its branches have 2");
}

TEST(If, ABranchThatCannotBeInferredFailsOnlyWhenTaken) {
  // then: [2] + [3] cannot broadcast; a model may carry such a branch for
  // inputs it never receives (functions expanded per rank).
  TestModel m(13);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("x", f32_type({2}));
  m.input("z", f32_type({3}));
  Subgraph t("then");
  t.output(t.op("Add", {t.outer("x"), t.outer("z")}));
  Subgraph e("else");
  e.output(e.outer("x"));
  m.output(m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")}));
  m.check({{"cond", boolean(false)}, {"x", f32({2}, {1, 2})}, {"z", f32({3}, {1, 2, 3})}}, {f32({2}, {1, 2})});
  m.expect_error({{"cond", boolean(true)}, {"x", f32({2}, {1, 2})}, {"z", f32({3}, {1, 2, 3})}}, "cannot be broadcast");
}

// ---- Loop ----

TEST(Loop, ForLoopWithScanOutputAndOuterScope) {
  for (int opset : {1, 11, 13, 16, 19, 21, 24}) {
    SCOPED_TRACE(opset);
    TestModel m = counting_loop(opset);
    m.check({{"M", i64({}, {3})}, {"x0", f32({2}, {0, 0})}, {"w", f32({2}, {1, 2})}},
            {f32({2}, {3, 6}), f32({3, 2}, {1, 2, 2, 4, 3, 6})});
  }
}

TEST(Loop, ZeroIterationsPassInitialValuesAndEmptyScans) {
  TestModel m = counting_loop(16);
  auto out = m.run({{"M", i64({}, {0})}, {"x0", f32({2}, {5, 6})}, {"w", f32({2}, {1, 2})}});
  EXPECT_EQ(compare(f32({2}, {5, 6}), out[0], 0, 0), "");
  ASSERT_TRUE(out[1].is_tensor());
  EXPECT_EQ(out[1].tensor().shape(), (Shape{0, 2}));
  EXPECT_EQ(out[1].tensor().dtype(), DataType::kFloat);
  // A negative trip count runs no iteration either.
  out = m.run({{"M", i64({}, {-4})}, {"x0", f32({2}, {5, 6})}, {"w", f32({2}, {1, 2})}});
  EXPECT_EQ(out[1].tensor().shape(), (Shape{0, 2}));
}

TEST(Loop, FalseInitialConditionRunsNothing) {
  TestModel m(16);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  ir::Value* x0 = m.input("x0", f32_type({2}));
  Subgraph body("body");
  body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  ir::Value* x = body.input("x", f32_type({2}));
  body.output(c);
  body.output(body.op("Add", {x, x}));
  m.output(m.op("Loop", {nullptr, cond, x0}, {body.attr("body")}));
  m.check({{"cond", boolean(false)}, {"x0", f32({2}, {1, 2})}}, {f32({2}, {1, 2})});
}

TEST(Loop, BodyConditionEndsTheLoop) {
  // cond_out = flags[i]: a while loop that stops after the first false flag.
  TestModel m(16);
  ir::Value* trips = m.input("M", scalar_type(DataType::kInt64));
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("flags", ir::Type::sequence(ir::Type::tensor(DataType::kBool, ir::Dims{})));
  ir::Value* x0 = m.input("x0", scalar_type(DataType::kInt64));
  Subgraph body("body");
  ir::Value* i = body.input("i", scalar_type(DataType::kInt64));
  body.input("c", scalar_type(DataType::kBool));
  ir::Value* x = body.input("x", scalar_type(DataType::kInt64));
  body.output(body.op("SequenceAt", {body.outer("flags"), i}));
  body.output(body.op("Add", {x, i}));
  body.output(i);
  auto outs = m.ops("Loop", {trips, cond, x0}, 2, {body.attr("body")});
  m.output(outs[0]);
  m.output(outs[1]);
  std::vector<Value> flags;
  for (int f : {1, 1, 0, 1, 1}) flags.push_back(boolean(f != 0));
  Value seq = Value::sequence(DataType::kBool, flags);
  m.check({{"M", i64({}, {100})}, {"cond", boolean(true)}, {"flags", seq}, {"x0", i64({}, {0})}},
          {i64({}, {3}), i64({3}, {0, 1, 2})});
  // The trip count bounds it first.
  m.check({{"M", i64({}, {2})}, {"cond", boolean(true)}, {"flags", seq}, {"x0", i64({}, {0})}},
          {i64({}, {1}), i64({2}, {0, 1})});
}

TEST(Loop, CarriesASequence) {
  TestModel m(13);
  ir::Value* trips = m.input("M", scalar_type(DataType::kInt64));
  ir::Value* empty = m.op("SequenceEmpty", {}, {int_attr("dtype", static_cast<int64_t>(DataType::kInt64))});
  Subgraph body("body");
  ir::Value* i = body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  ir::Value* s = body.input("s", ir::Type::sequence(ir::Type::tensor(DataType::kInt64)));
  body.output(c);
  body.output(body.op("SequenceInsert", {s, i}));
  m.output(m.op("Loop", {trips, nullptr, empty}, {body.attr("body")}));
  m.check({{"M", i64({}, {3})}},
          {Value::sequence(DataType::kInt64, {i64({}, {0}), i64({}, {1}), i64({}, {2})})});
  m.check({{"M", i64({}, {0})}}, {Value::sequence(DataType::kInt64, {})});
}

TEST(Loop, NestedInIfSeesValuesTwoScopesOut) {
  TestModel m(16);
  ir::Value* cond = m.input("cond", scalar_type(DataType::kBool));
  m.input("M", scalar_type(DataType::kInt64));
  m.input("x0", f32_type({2}));
  m.input("w", f32_type({2}));
  Subgraph body("body");
  body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  ir::Value* x = body.input("x", f32_type({2}));
  body.output(c);
  body.output(body.op("Add", {x, body.outer("w")}));  // w lives two graphs out
  Subgraph t("then");
  t.output(t.op("Loop", {t.outer("M"), nullptr, t.outer("x0")}, {body.attr("body")}));
  Subgraph e("else");
  e.output(e.outer("x0"));
  m.output(m.op("If", {cond}, {t.attr("then_branch"), e.attr("else_branch")}));
  std::vector<std::pair<std::string, Value>> feeds{
      {"cond", boolean(true)}, {"M", i64({}, {4})}, {"x0", f32({2}, {1, 1})}, {"w", f32({2}, {0.5f, 2})}};
  m.check(feeds, {f32({2}, {3, 9})});
  feeds[0].second = boolean(false);
  m.check(feeds, {f32({2}, {1, 1})});
}

TEST(Loop, ConcurrentRunsOfOneSession) {
  TestModel m = counting_loop(16);
  auto s = m.session();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < 40; ++r) {
        const int64_t trips = (t * 7 + r) % 9;
        std::vector<std::string> names{"M", "x0", "w"};
        std::vector<Value> values{i64({}, {trips}), f32({2}, {0, 0}), f32({2}, {1, static_cast<float>(t)})};
        std::vector<Value> out = s->run(names, values, {});
        const Tensor& x = out[0].tensor();
        const Tensor& scan = out[1].tensor();
        bool ok = x.data<float>()[0] == static_cast<float>(trips) &&
                  x.data<float>()[1] == static_cast<float>(trips * t) && scan.shape() == Shape{trips, 2};
        for (int64_t k = 0; ok && k < trips; ++k) ok = scan.data<float>()[k * 2] == static_cast<float>(k + 1);
        if (!ok) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(Loop, TerminateFlagStopsAnEndlessLoop) {
  // No trip count, no condition input, a body with no nodes: the loop runs
  // until the caller says stop.
  TestModel m(16);
  ir::Value* x0 = m.input("x0", f32_type({2}));
  Subgraph body("body");
  body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  ir::Value* x = body.input("x", f32_type({2}));
  body.output(c);
  body.output(x);
  m.output(m.op("Loop", {nullptr, nullptr, x0}, {body.attr("body")}));
  auto s = m.session();
  std::atomic<bool> stop{false};
  RunOptions ro;
  ro.terminate = &stop;
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop = true;
  });
  std::vector<std::string> names{"x0"};
  std::vector<Value> values{f32({2}, {1, 2})};
  try {
    s->run(names, values, {}, ro);
    ADD_FAILURE() << "the loop returned without being terminated";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("terminated by the caller"), std::string::npos) << e.what();
  }
  setter.join();
}

TEST(Loop, ScanOutputsMustKeepTheirShape) {
  TestModel m(16);
  ir::Value* trips = m.input("M", scalar_type(DataType::kInt64));
  m.input("parts", ir::Type::sequence(ir::Type::tensor(DataType::kFloat)));
  Subgraph body("body");
  ir::Value* i = body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  body.output(c);
  body.output(body.op("SequenceAt", {body.outer("parts"), i}));
  m.output(m.op("Loop", {trips, nullptr}, {body.attr("body")}));
  Value parts = Value::sequence(DataType::kFloat, {f32({1}, {1}), f32({2}, {2, 3})});
  m.expect_error({{"M", i64({}, {2})}, {"parts", parts}}, "scan output 0 is float32[2] at iteration 1 but was float32[1]");
  // An index past the sequence is reported, not read.
  m.expect_error({{"M", i64({}, {3})}, {"parts", Value::sequence(DataType::kFloat, {f32({1}, {1}), f32({1}, {2})})}},
                 "position 2 is out of range for a sequence of 2 tensors");
}

TEST(Loop, TripCountMustBeOneInt64) {
  TestModel bad(16);
  ir::Value* trips = bad.input("M", ir::Type::tensor(DataType::kInt64, {2}));
  ir::Value* x0 = bad.input("x0", f32_type({2}));
  Subgraph body("body");
  body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  body.output(c);
  body.output(body.input("x", f32_type({2})));
  bad.output(bad.op("Loop", {trips, nullptr, x0}, {body.attr("body")}));
  bad.expect_error({{"M", i64({2}, {1, 2})}, {"x0", f32({2}, {0, 0})}}, "M must hold exactly one element, got shape [2]");
}

TEST(Loop, BodyInputsMustMatchTheNode) {
  TestModel m(16);
  ir::Value* trips = m.input("M", scalar_type(DataType::kInt64));
  ir::Value* x0 = m.input("x0", f32_type({2}));
  Subgraph body("body");
  body.input("i", scalar_type(DataType::kInt64));
  ir::Value* c = body.input("c", scalar_type(DataType::kBool));
  body.output(c);
  body.output(c);
  m.output(m.op("Loop", {trips, nullptr, x0}, {body.attr("body")}));
  m.expect_error({{"M", i64({}, {1})}, {"x0", f32({2}, {0, 0})}}, "body has 2 inputs; expected 3");
}

// ---- Scan ----

namespace {

// Scan: state s += x_t; scan output: s after each step.
Subgraph accumulate_body(ir::Dims state_dims) {
  Subgraph body("body");
  ir::Value* s = body.input("s", f32_type(state_dims));
  ir::Value* x = body.input("x", f32_type(state_dims));
  ir::Value* next = body.op("Add", {s, x});
  body.output(next);
  body.output(body.op("Identity", {next}));
  return body;
}

}  // namespace

TEST(Scan, SumsAlongAxisZero) {
  for (int opset : {9, 11, 16, 19, 21, 24}) {
    SCOPED_TRACE(opset);
    Subgraph body = accumulate_body({2});
    OpTest("Scan", opset)
        .input<float>("s0", {2}, {0, 0})
        .input<float>("x", {3, 2}, {1, 2, 3, 4, 5, 6})
        .attr(body.attr("body"))
        .attr("num_scan_inputs", 1)
        .output<float>("s", {2}, {9, 12})
        .output<float>("y", {3, 2}, {1, 2, 4, 6, 9, 12})
        .run();
  }
}

TEST(Scan, AxesAndDirections) {
  // Scan X [2, 3] along axis 1 in reverse; stack outputs along axis 1, prepending.
  Subgraph body = accumulate_body({2});
  OpTest("Scan", 11)
      .input<float>("s0", {2}, {0, 0})
      .input<float>("x", {2, 3}, {1, 2, 3, 10, 20, 30})
      .attr(body.attr("body"))
      .attr("num_scan_inputs", 1)
      .attr("scan_input_axes", std::vector<int64_t>{-1})
      .attr("scan_input_directions", std::vector<int64_t>{1})
      .attr("scan_output_axes", std::vector<int64_t>{1})
      .attr("scan_output_directions", std::vector<int64_t>{1})
      .output<float>("s", {2}, {6, 60})
      .output<float>("y", {2, 3}, {6, 5, 3, 60, 50, 30})
      .run();
}

TEST(Scan, ZeroLengthScan) {
  Subgraph body = accumulate_body({2});
  OpTest("Scan", 16)
      .input<float>("s0", {2}, {1, 2})
      .input<float>("x", {0, 2}, {})
      .attr(body.attr("body"))
      .attr("num_scan_inputs", 1)
      .output<float>("s", {2}, {1, 2})
      .output<float>("y", {0, 2}, {})
      .run();
}

TEST(Scan, ScanInputsMustHaveTheSameLength) {
  Subgraph body("body");
  ir::Value* s = body.input("s", f32_type({1}));
  ir::Value* a = body.input("a", f32_type({1}));
  ir::Value* b = body.input("b", f32_type({1}));
  body.output(body.op("Add", {s, body.op("Add", {a, b})}));
  OpTest("Scan", 16)
      .input<float>("s0", {1}, {0})
      .input<float>("a", {3, 1}, {1, 2, 3})
      .input<float>("b", {2, 1}, {1, 2})
      .attr(body.attr("body"))
      .attr("num_scan_inputs", 2)
      .output_unchecked("s")
      .expect_error("scan input 1 has length 2 on its scan axis 0 but scan input 0 has 3");
}

TEST(Scan, BadAxisIsRejected) {
  Subgraph body = accumulate_body({2});
  OpTest("Scan", 16)
      .input<float>("s0", {2}, {0, 0})
      .input<float>("x", {3, 2}, {1, 2, 3, 4, 5, 6})
      .attr(body.attr("body"))
      .attr("num_scan_inputs", 1)
      .attr("scan_input_axes", std::vector<int64_t>{2})
      .output_unchecked("s")
      .output_unchecked("y")
      .expect_error("scan_input_axes entry 2 is out of range");
}

TEST(Scan, Opset8BatchesWithSequenceLengthsAndReverse) {
  Subgraph body = accumulate_body({1});
  OpTest("Scan", 8)
      .input<int64_t>("lens", {2}, {3, 1})
      .input<float>("s0", {2, 1}, {0, 0})
      .input<float>("x", {2, 3, 1}, {1, 2, 3, 10, 20, 30})
      .attr(body.attr("body"))
      .attr("num_scan_inputs", 1)
      .attr("directions", std::vector<int64_t>{1})
      .output<float>("s", {2, 1}, {6, 10})
      .output<float>("y", {2, 3, 1}, {3, 5, 6, 10, 0, 0})  // past a batch entry's length: zeros
      .run();
}

TEST(Scan, Opset8WithoutSequenceLengths) {
  Subgraph body = accumulate_body({1});
  OpTest("Scan", 8)
      .omitted_input()
      .input<float>("s0", {2, 1}, {0, 100})
      .input<float>("x", {2, 2, 1}, {1, 2, 3, 4})
      .attr(body.attr("body"))
      .attr("num_scan_inputs", 1)
      .output<float>("s", {2, 1}, {3, 107})
      .output<float>("y", {2, 2, 1}, {1, 3, 103, 107})
      .run();
}

TEST(Scan, Opset8RejectsSequenceLengthsPastTheMaximum) {
  Subgraph body = accumulate_body({1});
  OpTest("Scan", 8)
      .input<int64_t>("lens", {2}, {3, 4})
      .input<float>("s0", {2, 1}, {0, 0})
      .input<float>("x", {2, 3, 1}, {1, 2, 3, 10, 20, 30})
      .attr(body.attr("body"))
      .attr("num_scan_inputs", 1)
      .output_unchecked("s")
      .output_unchecked("y")
      .expect_error("sequence_lens[1] = 4 is outside [0, 3]");
}

}  // namespace onyx::test
