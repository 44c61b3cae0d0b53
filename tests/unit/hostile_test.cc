// Hostile models: each malformed or malicious input gets an error that names
// what is wrong, never a crash, an out-of-bounds access or an OOM kill, and
// the process (and the session, for run-time errors) carries on afterwards.
// Cases already covered in loader_test.cc (truncation, random corruption,
// cycles, unproduced inputs, direct recursion, external paths leaving the
// folder, tensor size mismatch in a TensorProto) are not repeated here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "onnx/wire.h"
#include "runtime/session.h"
#include "unit/model_builder.h"
#include "unit/raw_proto.h"
#include "unit/temp_dir.h"

namespace onyx::test {
namespace {

using ir::Dim;
using wire::Writer;
using MB = ModelBuilder;

#define EXPECT_HAS(haystack, needle) EXPECT_NE((haystack).find(needle), std::string::npos) << (haystack)

std::string load_error(const std::string& bytes, const SessionOptions& so = {}) {
  return error_of([&] { Session::create(bytes.data(), bytes.size(), so); });
}

// ---- raw models (value_info / node / opset from unit/raw_proto.h) -------------

std::string model_of(const Writer& graph, std::vector<Writer> functions = {}) {
  Writer m;
  m.int64(1, 8);
  m.message(7, graph);
  m.message(8, opset("", 17));
  m.message(8, opset("local", 1));
  for (const Writer& f : functions) m.message(25, f);
  return m.take();
}

// ---- protobuf framing ------------------------------------------------------------

TEST(Hostile, BadVarintsAndLengths) {
  // A varint that never ends within 10 bytes.
  std::string over = "\x08" + std::string(11, '\xff');
  EXPECT_HAS(load_error(over), "varint longer than 10 bytes");
  // A varint cut by the end of the file.
  EXPECT_HAS(load_error(std::string("\x08\xff\xff", 3)), "truncated varint");
  // A length-delimited field (the graph) claiming 2^62 bytes.
  std::string huge_len = "\x3a" + std::string("\x80\x80\x80\x80\x80\x80\x80\x80\x40", 9) + "abc";
  EXPECT_HAS(load_error(huge_len), "runs past the end of the data");
  // Wire types 6 and 7 do not exist; an unknown field using them cannot be skipped.
  std::string bad_wire = std::string("\xa7\x06", 2) + "xxxx";  // field 100, wire type 7
  EXPECT_HAS(load_error(bad_wire), "unsupported wire type 7");
  // A valid model whose graph length is one byte too long.
  ModelBuilder mb;
  mb.output(mb.node("Relu", {mb.input("x", DataType::kFloat, {2})}));
  std::string good = mb.bytes();
  ASSERT_FALSE(load_error(good).size());
  std::string e = load_error(good.substr(0, good.size() - 1));
  EXPECT_FALSE(e.empty());
}

TEST(Hostile, InitializerSizeDisagreesWithData) {
  Writer w;
  w.int64(1, 3);
  w.int64(2, static_cast<int64_t>(DataType::kFloat));
  w.bytes(8, "W");
  w.bytes(9, std::string(8, '\0'));  // raw_data: 2 floats for 3 elements
  std::string e = load_error(add_model(w, {3}));
  EXPECT_HAS(e, "'W'");
  EXPECT_HAS(e, "needs 12 bytes but the data has 8");

  // The same with typed float_data: 4 values for 3 elements.
  Writer v;
  v.int64(1, 3);
  v.int64(2, static_cast<int64_t>(DataType::kFloat));
  v.bytes(8, "W");
  v.packed_floats(4, {1, 2, 3, 4});
  e = load_error(add_model(v, {3}));
  EXPECT_HAS(e, "'W'");
  EXPECT_HAS(e, "needs 3 values");
}

// ---- shapes -------------------------------------------------------------------------

TEST(Hostile, ElementCountOverflowInInitializer) {
  // [2^31, 2^31, 2^31] wraps a 64-bit element count: refused before any allocation.
  Writer w;
  for (int i = 0; i < 3; ++i) w.int64(1, int64_t{1} << 31);
  w.int64(2, static_cast<int64_t>(DataType::kFloat));
  w.bytes(8, "W");
  std::string e = load_error(add_model(w, {1}));
  EXPECT_HAS(e, "'W'");
  EXPECT_HAS(e, "2^62");
}

TEST(Hostile, HugeTypedTensorWithoutDataIsRefusedBeforeAllocating) {
  // [2^31, 6] floats (48 GiB) declared by a 30-byte TensorProto with two
  // float_data values: refused from the count, nothing allocated (fuzz_loader).
  Writer w;
  w.int64(1, int64_t{1} << 31);
  w.int64(1, 6);
  w.int64(2, static_cast<int64_t>(DataType::kFloat));
  w.bytes(8, "W");
  w.packed_floats(4, {1, 2});
  std::string e = load_error(add_model(w, {1}));
  EXPECT_HAS(e, "'W'");
  EXPECT_HAS(e, "needs 12884901888 values but the tensor holds 2");
}

TEST(Hostile, HugeShapeFromExpandIsRefused) {
  // Expand to [2^40, 2^40, 2^40]: the element count overflows int64.
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {1});
  ir::Value* shape = mb.constant("shape", Tensor::from<int64_t>(std::vector<int64_t>{1LL << 40, 1LL << 40, 1LL << 40}, {3}));
  mb.output(mb.node("Expand", {x, shape}));
  mb.last_node()->name = "big_expand";
  std::string bytes = mb.bytes();
  std::string e = error_of([&] {
    auto s = Session::create(bytes.data(), bytes.size());
    std::vector<std::string> names{"x"};
    std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{1}, {1}))};
    s->run(names, in, {});
  });
  EXPECT_HAS(e, "big_expand");
}

TEST(Hostile, NegativeDeclaredDimIsNotTrusted) {
  // dim_value -5 on a graph input: refused at load or treated as unknown;
  // never used as a size.
  Writer g;
  g.message(1, node("Relu", {"x"}, {"y"}, "relu"));
  g.message(11, value_info("x", DataType::kFloat, {-5}));
  g.message(12, value_info("y", DataType::kFloat, {-5}));
  std::string bytes = model_of(g);
  std::string e;
  try {
    auto s = Session::create(bytes.data(), bytes.size());
    std::vector<std::string> names{"x"};
    std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{-1, 2}, {2}))};
    auto out = s->run(names, in, {});
    EXPECT_EQ(out[0].tensor().shape(), (Shape{2}));
  } catch (const Error& err) {
    e = err.what();
    EXPECT_HAS(e, "'x'");
    EXPECT_HAS(e, "-5");
  }
}

// ---- huge allocations ----------------------------------------------------------------

std::string constant_of_shape_model(int64_t elements, DataType value_type, bool feed_add) {
  ModelBuilder mb;
  ir::Value* shape = mb.constant("shape", Tensor::from<int64_t>(std::vector<int64_t>{elements}, {1}));
  ir::Attribute value;
  value.name = "value";
  value.type = ir::AttrType::kTensor;
  value.t = Tensor(value_type, {1});
  std::memset(value.t.raw(), 0, value.t.nbytes());
  ir::Value* c = mb.node("ConstantOfShape", {shape}, {value});
  mb.last_node()->name = "huge_cos";
  if (feed_add) {
    ir::Value* x = mb.input("x", value_type, {1});
    mb.output(mb.node("Add", {c, x}));
  } else {
    mb.output(c);
  }
  return mb.bytes();
}

TEST(Hostile, ConstantOfShapeTwoToTheFortyIsRefused) {
  // 2^40 floats = 4 TiB: refused with a message, the process lives on.
  std::string bytes = constant_of_shape_model(int64_t{1} << 40, DataType::kFloat, false);
  std::unique_ptr<Session> s;
  std::string e = error_of([&] {
    s = Session::create(bytes.data(), bytes.size());
    s->run(std::span<const std::string>(), std::span<const Value>(), {});
  });
  EXPECT_HAS(e, "huge_cos");
  EXPECT_HAS(e, "refusing to allocate 4398046511104 bytes");
  // 2^40 bytes (uint8) is under the 1 TiB per-tensor cap: the session's
  // default memory limit refuses it.
  bytes = constant_of_shape_model(int64_t{1} << 40, DataType::kUInt8, false);
  e = error_of([&] {
    s = Session::create(bytes.data(), bytes.size());
    s->run(std::span<const std::string>(), std::span<const Value>(), {});
  });
  EXPECT_HAS(e, "huge_cos");
  EXPECT_HAS(e, "memory limit exceeded");
}

size_t peak_rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6));
  return 0;
}

TEST(Hostile, ConstantFoldingDoesNotMaterialiseHugeConstants) {
  // A ConstantOfShape of 2^29 floats (2 GiB) feeding a run-time Add: folding
  // must judge it too big from its inferred shape, not build it first.
  {
    std::ofstream reset("/proc/self/clear_refs");
    reset << "5";  // resets the peak-RSS counter (VmHWM)
  }
  size_t before = peak_rss_kib();
  if (before == 0) GTEST_SKIP() << "no /proc/self/status";
  std::string bytes = constant_of_shape_model(int64_t{1} << 29, DataType::kFloat, true);
  auto s = Session::create(bytes.data(), bytes.size());
  size_t after = peak_rss_kib();
  EXPECT_LT(after, before + 512 * 1024) << "session creation peaked at " << after << " KiB (from " << before << ")";
}

TEST(Hostile, DefaultMemoryLimitIsSet) {
  ModelBuilder mb;
  mb.output(mb.node("Relu", {mb.input("x", DataType::kFloat, {2})}));
  std::string bytes = mb.bytes();
  auto s = Session::create(bytes.data(), bytes.size());
  size_t ram = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGE_SIZE));
  EXPECT_GT(s->options().memory_limit_bytes, 0u);
  EXPECT_LE(s->options().memory_limit_bytes, ram);
  // An explicit limit is kept as given.
  SessionOptions so;
  so.memory_limit_bytes = 12345;
  EXPECT_EQ(Session::create(bytes.data(), bytes.size(), so)->options().memory_limit_bytes, 12345u);
}

TEST(Hostile, RangeWithAbsurdCountIsRefused) {
  // Range(0, 1e15, 1): 10^15 floats. Refused, not attempted.
  ModelBuilder mb(17);
  ir::Value* start = mb.input("start", DataType::kFloat, {});
  ir::Value* limit = mb.input("limit", DataType::kFloat, {});
  ir::Value* delta = mb.input("delta", DataType::kFloat, {});
  mb.output(mb.node("Range", {start, limit, delta}));
  mb.last_node()->name = "big_range";
  std::string bytes = mb.bytes();
  auto s = Session::create(bytes.data(), bytes.size());
  std::vector<std::string> names{"start", "limit", "delta"};
  std::vector<Value> in{Value(Tensor::scalar<float>(0)), Value(Tensor::scalar<float>(1e15f)),
                        Value(Tensor::scalar<float>(1))};
  std::string e = error_of([&] { s->run(names, in, {}); });
  EXPECT_HAS(e, "big_range");
  // delta = 0 never ends.
  in[2] = Value(Tensor::scalar<float>(0));
  e = error_of([&] { s->run(names, in, {}); });
  EXPECT_HAS(e, "big_range");
  // The session still works.
  in[1] = Value(Tensor::scalar<float>(3));
  in[2] = Value(Tensor::scalar<float>(1));
  auto out = s->run(names, in, {});
  EXPECT_EQ(out[0].tensor().shape(), (Shape{3}));
}

// ---- external data ------------------------------------------------------------------

std::string external_model(const std::string& offset, const std::string& length) {
  Writer t;
  t.int64(1, 4);
  t.int64(2, static_cast<int64_t>(DataType::kFloat));
  t.bytes(8, "W");
  auto entry = [&](const std::string& k, const std::string& v) {
    Writer e;
    e.bytes(1, k);
    e.bytes(2, v);
    t.message(13, e);
  };
  entry("location", "w.bin");
  entry("offset", offset);
  if (!length.empty()) entry("length", length);
  t.int64(14, 1);
  return add_model(t, {4});
}

TEST(Hostile, ExternalDataOffsetAndLengthOverflow) {
  TempDir dir;
  std::ofstream(dir.file("w.bin"), std::ios::binary) << std::string(16, '\0');
  auto load = [&](const std::string& offset, const std::string& length) {
    std::ofstream(dir.file("m.onnx"), std::ios::binary) << external_model(offset, length);
    return error_of([&] { Session::create(dir.file("m.onnx")); });
  };
  // offset + length wraps around 2^64 back inside the file.
  std::string e = load("18446744073709551608", "16");
  EXPECT_HAS(e, "tensor 'W'");
  EXPECT_HAS(e, "runs past the end");
  // Length past the file.
  e = load("0", "18446744073709551615");
  EXPECT_HAS(e, "runs past the end");
  // Offset past the file, no length.
  e = load("17", "");
  EXPECT_FALSE(e.empty());
  // Not numbers.
  e = load("-1", "16");
  EXPECT_HAS(e, "is not a non-negative integer");
  e = load("0", "99999999999999999999999");
  EXPECT_HAS(e, "is not a non-negative integer");
  // The declared [4] floats need 16 bytes; 8 bytes of data is a mismatch.
  e = load("0", "8");
  EXPECT_HAS(e, "tensor 'W'");
}

// ---- graph structure ----------------------------------------------------------------

TEST(Hostile, NodeConsumingItsOwnOutput) {
  Writer g;
  g.message(1, node("Add", {"x", "y"}, {"y"}, "selfish"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  std::string e = load_error(model_of(g));
  EXPECT_HAS(e, "'selfish'");
}

TEST(Hostile, MissingModelLocalFunction) {
  Writer g;
  g.message(1, node("NotDefined", {"x"}, {"y"}, "caller", "local"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  std::string e = load_error(model_of(g));
  EXPECT_HAS(e, "NotDefined");
  EXPECT_HAS(e, "local");
}

Writer function(const std::string& name, const std::string& calls) {
  Writer f;
  f.bytes(1, name);
  f.bytes(10, "local");
  f.bytes(4, "a");
  f.bytes(5, "b");
  f.message(7, node(calls, {"a"}, {"b"}, "", "local"));
  f.message(9, opset("local", 1));
  return f;
}

TEST(Hostile, MutuallyRecursiveFunctions) {
  Writer g;
  g.message(1, node("Ping", {"x"}, {"y"}, "call", "local"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  std::string e = load_error(model_of(g, {function("Ping", "Pong"), function("Pong", "Ping")}));
  EXPECT_HAS(e, "calls itself");
}

TEST(Hostile, AttributeOfTheWrongType) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 3});
  ir::Attribute perm;
  perm.name = "perm";
  perm.type = ir::AttrType::kFloats;
  perm.floats = {1, 0};
  mb.output(mb.node("Transpose", {x}, {perm}));
  mb.last_node()->name = "bad_perm";
  std::string e = load_error(mb.bytes());
  EXPECT_HAS(e, "'bad_perm'");
  EXPECT_HAS(e, "attribute 'perm' should be ints but is floats");

  ModelBuilder mb2;
  ir::Value* x2 = mb2.input("x", DataType::kFloat, {2, 3});
  ir::Value* ind = mb2.constant("i", Tensor::from<int64_t>(std::vector<int64_t>{0}, {1}));
  ir::Attribute axis;
  axis.name = "axis";
  axis.type = ir::AttrType::kString;
  axis.s = "one";
  mb2.output(mb2.node("Gather", {x2, ind}, {axis}));
  mb2.last_node()->name = "bad_axis";
  e = load_error(mb2.bytes());
  EXPECT_HAS(e, "'bad_axis'");
  EXPECT_HAS(e, "attribute 'axis' should be int but is string");
}

// ---- indices out of range at run time -------------------------------------------------

// Runs a one-node model whose inputs are all graph inputs; returns the error.
struct OneNode {
  std::unique_ptr<Session> session;
  std::vector<std::string> names;

  OneNode(const std::string& op, std::vector<std::pair<std::string, DataType>> ins, std::vector<ir::Attribute> attrs = {},
          int opset = 18) {
    ModelBuilder mb(opset);
    std::vector<ir::Value*> vals;
    for (auto& [n, t] : ins) {
      vals.push_back(mb.input(n, t, {Dim::sym(n + "_d0")}));
      vals.back()->type.has_shape = false;  // any rank
      names.push_back(n);
    }
    mb.output(mb.node(op, vals, std::move(attrs)));
    mb.last_node()->name = "the_" + op;
    std::string bytes = mb.bytes();
    session = Session::create(bytes.data(), bytes.size());
  }
  std::string run(std::vector<Tensor> in) {
    std::vector<Value> vals(in.begin(), in.end());
    return error_of([&] { session->run(names, vals, {}); });
  }
};

Tensor f32(std::vector<float> v, Shape s) { return Tensor::from<float>(v, s); }
Tensor i64(std::vector<int64_t> v, Shape s) { return Tensor::from<int64_t>(v, s); }

TEST(HostileRun, GatherIndexOutOfRange) {
  OneNode m("Gather", {{"data", DataType::kFloat}, {"idx", DataType::kInt64}});
  std::string e = m.run({f32({1, 2, 3}, {3}), i64({0, 3}, {2})});
  EXPECT_HAS(e, "the_Gather");
  EXPECT_HAS(e, "index 3 is out of range");
  e = m.run({f32({1, 2, 3}, {3}), i64({-4}, {1})});
  EXPECT_HAS(e, "index -4 is out of range");
  e = m.run({f32({1, 2, 3}, {3}), i64({INT64_MIN}, {1})});
  EXPECT_HAS(e, "out of range");
  EXPECT_TRUE(m.run({f32({1, 2, 3}, {3}), i64({-3, 2}, {2})}).empty());
}

TEST(HostileRun, GatherElementsIndexOutOfRange) {
  OneNode m("GatherElements", {{"data", DataType::kFloat}, {"idx", DataType::kInt64}});
  std::string e = m.run({f32({1, 2, 3, 4}, {2, 2}), i64({0, 2, 1, 0}, {2, 2})});
  EXPECT_HAS(e, "the_GatherElements");
  EXPECT_HAS(e, "out of range");
  e = m.run({f32({1, 2, 3, 4}, {2, 2}), i64({0, -3}, {1, 2})});
  EXPECT_HAS(e, "out of range");
  EXPECT_TRUE(m.run({f32({1, 2, 3, 4}, {2, 2}), i64({1, -1}, {1, 2})}).empty());
}

TEST(HostileRun, GatherNDIndexOutOfRange) {
  OneNode m("GatherND", {{"data", DataType::kFloat}, {"idx", DataType::kInt64}});
  std::string e = m.run({f32({1, 2, 3, 4}, {2, 2}), i64({1, 2}, {1, 2})});
  EXPECT_HAS(e, "the_GatherND");
  EXPECT_HAS(e, "out of range");
  e = m.run({f32({1, 2, 3, 4}, {2, 2}), i64({-3}, {1, 1})});
  EXPECT_HAS(e, "out of range");
}

TEST(HostileRun, ScatterElementsIndexOutOfRange) {
  OneNode m("ScatterElements", {{"data", DataType::kFloat}, {"idx", DataType::kInt64}, {"upd", DataType::kFloat}});
  std::string e = m.run({f32({1, 2, 3}, {3}), i64({5}, {1}), f32({9}, {1})});
  EXPECT_HAS(e, "the_ScatterElements");
  EXPECT_HAS(e, "out of range");
  e = m.run({f32({1, 2, 3}, {3}), i64({-4}, {1}), f32({9}, {1})});
  EXPECT_HAS(e, "out of range");
}

TEST(HostileRun, ScatterNDIndexOutOfRange) {
  OneNode m("ScatterND", {{"data", DataType::kFloat}, {"idx", DataType::kInt64}, {"upd", DataType::kFloat}});
  std::string e = m.run({f32({1, 2, 3}, {3}), i64({3}, {1, 1}), f32({9}, {1})});
  EXPECT_HAS(e, "the_ScatterND");
  EXPECT_HAS(e, "out of range");
  e = m.run({f32({1, 2, 3}, {3}), i64({INT64_MIN}, {1, 1}), f32({9}, {1})});
  EXPECT_HAS(e, "out of range");
}

TEST(HostileRun, SliceClampsHugeStartsAndEnds) {
  // Slice never fails on out-of-range starts/ends: the spec clamps them.
  OneNode m("Slice", {{"data", DataType::kFloat}, {"starts", DataType::kInt64}, {"ends", DataType::kInt64},
                      {"axes", DataType::kInt64}, {"steps", DataType::kInt64}});
  std::vector<Value> vals{Value(f32({1, 2, 3, 4}, {4})), Value(i64({INT64_MIN}, {1})), Value(i64({INT64_MAX}, {1})),
                          Value(i64({0}, {1})), Value(i64({1}, {1}))};
  auto out = m.session->run(m.names, vals, {});
  EXPECT_EQ(out[0].tensor().shape(), (Shape{4}));
  vals[1] = Value(i64({INT64_MAX}, {1}));
  vals[2] = Value(i64({INT64_MIN}, {1}));
  vals[4] = Value(i64({-1}, {1}));
  out = m.session->run(m.names, vals, {});
  auto y = out[0].tensor().span<float>();
  EXPECT_EQ(std::vector<float>(y.begin(), y.end()), (std::vector<float>{4, 3, 2, 1}));
  // An axis out of range and a zero step are errors naming the node.
  vals[3] = Value(i64({5}, {1}));
  std::string e = error_of([&] { m.session->run(m.names, vals, {}); });
  EXPECT_HAS(e, "the_Slice");
  vals[3] = Value(i64({0}, {1}));
  vals[4] = Value(i64({0}, {1}));
  e = error_of([&] { m.session->run(m.names, vals, {}); });
  EXPECT_HAS(e, "the_Slice");
}

TEST(HostileRun, OneHotDepthAndIndices) {
  OneNode m("OneHot", {{"idx", DataType::kInt64}, {"depth", DataType::kInt64}, {"values", DataType::kFloat}}, {},
            11);
  // Out-of-range indices give all-off rows (the spec), never a write out of bounds.
  std::vector<Value> vals{Value(i64({0, 7, -9, INT64_MIN}, {4})), Value(i64({3}, {1})), Value(f32({0, 1}, {2}))};
  auto out = m.session->run(m.names, vals, {});
  auto y = out[0].tensor().span<float>();
  EXPECT_EQ(std::vector<float>(y.begin(), y.end()), (std::vector<float>{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  vals[1] = Value(i64({-2}, {1}));
  std::string e = error_of([&] { m.session->run(m.names, vals, {}); });
  EXPECT_HAS(e, "the_OneHot");
  vals[1] = Value(i64({int64_t{1} << 50}, {1}));
  e = error_of([&] { m.session->run(m.names, vals, {}); });
  EXPECT_HAS(e, "the_OneHot");
}

TEST(HostileRun, TileAndExpandAndReshapeRefuseBadShapes) {
  OneNode tile("Tile", {{"x", DataType::kFloat}, {"r", DataType::kInt64}});
  std::string e = tile.run({f32({1, 2}, {2}), i64({-1}, {1})});
  EXPECT_HAS(e, "the_Tile");
  e = tile.run({f32({1, 2}, {2}), i64({int64_t{1} << 62}, {1})});
  EXPECT_HAS(e, "the_Tile");
  OneNode expand("Expand", {{"x", DataType::kFloat}, {"s", DataType::kInt64}});
  e = expand.run({f32({1, 2}, {2}), i64({int64_t{1} << 40, int64_t{1} << 40, 2}, {3})});
  EXPECT_HAS(e, "the_Expand");
  e = expand.run({f32({1, 2}, {2}), i64({-3, 2}, {2})});
  EXPECT_HAS(e, "the_Expand");
  OneNode reshape("Reshape", {{"x", DataType::kFloat}, {"s", DataType::kInt64}});
  e = reshape.run({f32({1, 2, 3, 4}, {4}), i64({3, -1}, {2})});
  EXPECT_HAS(e, "the_Reshape");
  e = reshape.run({f32({1, 2, 3, 4}, {4}), i64({-1, -1}, {2})});
  EXPECT_HAS(e, "the_Reshape");
  e = reshape.run({f32({1, 2, 3, 4}, {4}), i64({int64_t{1} << 62, 4, 0}, {3})});
  EXPECT_HAS(e, "the_Reshape");
}

TEST(HostileRun, CompressAndTopKAndCumSumBounds) {
  OneNode topk("TopK", {{"x", DataType::kFloat}, {"k", DataType::kInt64}});
  std::string e = topk.run({f32({1, 2, 3}, {3}), i64({4}, {1})});
  EXPECT_HAS(e, "the_TopK");
  e = topk.run({f32({1, 2, 3}, {3}), i64({-1}, {1})});
  EXPECT_HAS(e, "the_TopK");
  OneNode cumsum("CumSum", {{"x", DataType::kFloat}, {"axis", DataType::kInt64}});
  e = cumsum.run({f32({1, 2, 3}, {3}), i64({1}, {})});
  EXPECT_HAS(e, "the_CumSum");
}

}  // namespace
}  // namespace onyx::test
