// Loader: protobuf decoding over mapped bytes, zero-copy weights, external
// data (and its path rules), functions, sorting, every tensor type, and
// corrupt or truncated files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "base/mapped_file.h"
#include "onnx/loader.h"
#include "onnx/wire.h"
#include "runtime/session.h"
#include "runtime/thread_pool.h"
#include "unit/model_builder.h"
#include "unit/raw_proto.h"
#include "unit/temp_dir.h"

namespace onyx::test {
namespace {

namespace fs = std::filesystem;
using wire::Writer;

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

Writer external_weight(const std::string& location, std::vector<int64_t> dims, uint64_t offset, uint64_t length) {
  Writer t;
  for (int64_t d : dims) t.int64(1, d);
  t.int64(2, static_cast<int64_t>(DataType::kFloat));
  t.bytes(8, "W");
  auto entry = [&](const std::string& k, const std::string& v) {
    Writer e;
    e.bytes(1, k);
    e.bytes(2, v);
    t.message(13, e);
  };
  entry("location", location);
  entry("offset", std::to_string(offset));
  entry("length", std::to_string(length));
  t.int64(14, 1);
  return t;
}

std::vector<float> run_add(Session& s, std::vector<float> x, std::vector<int64_t> dims) {
  Tensor t = Tensor::from<float>(x, dims);
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(t)};
  auto out = s.run(names, in, {});
  auto sp = out.at(0).tensor().span<float>();
  return {sp.begin(), sp.end()};
}

TEST(Loader, WeightsPointIntoTheMappedFile) {
  TempDir dir;
  // Write a float tensor whose raw_data lands 4-byte aligned in the file.
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {256});
  std::vector<float> w(256);
  for (int i = 0; i < 256; ++i) w[static_cast<size_t>(i)] = static_cast<float>(i);
  ir::Value* c = mb.constant("W", Tensor::from<float>(w, {256}));
  mb.output(mb.node("Add", {x, c}));
  std::string bytes = mb.bytes();
  write_file(dir.file("m.onnx"), bytes);
  auto model = onnx::load_model_file(dir.file("m.onnx"));
  const Tensor& t = model->graph->find("W")->constant;
  auto file = std::static_pointer_cast<MappedFile>(model->mappings.at(0));
  auto* p = static_cast<const uint8_t*>(t.raw());
  bool aligned = reinterpret_cast<uintptr_t>(p) % 4 == 0;
  bool inside = p >= file->data() && p + t.nbytes() <= file->data() + file->size();
  // Aligned weights are used in place; misaligned ones are copied once (C++
  // forbids misaligned float access), so check whichever case this file hit.
  EXPECT_EQ(inside, aligned);
  EXPECT_EQ(t.data<float>()[255], 255.f);
}

// Misaligned weights are copied: a large one in pieces over LoadOptions::pool,
// small ones side by side in a huge-page arena. The tensor's name precedes its
// raw_data, so names of 1 to 4 letters put the data at every offset mod 4.
TEST(Loader, MisalignedWeightsCopiedOnAPool) {
  TempDir dir;
  ThreadPool pool(2);
  const int64_t big = (int64_t{9} << 20) / 4 + 5;  // 9 MiB + 20 bytes: three pieces, the last one short
  std::vector<float> wb(static_cast<size_t>(big)), ws(1000);
  int copied = 0;
  for (const std::string name : {"B", "Bb", "Bbb", "Bbbb"}) {
    // Values differ per model: a buffer the allocator hands out again holds the previous load's.
    const float v = static_cast<float>(name.size());
    for (size_t i = 0; i < wb.size(); ++i) wb[i] = static_cast<float>(i % 100003) * 0.5f + v;
    for (size_t i = 0; i < ws.size(); ++i) ws[i] = -static_cast<float>(i) - v;
    ModelBuilder mb;
    ir::Value* x = mb.input("x", DataType::kFloat, {big});
    ir::Value* y = mb.input("y", DataType::kFloat, {1000});
    mb.output(mb.node("Add", {x, mb.constant(name, Tensor::from<float>(wb, {big}))}));
    mb.output(mb.node("Add", {y, mb.constant(name + "s", Tensor::from<float>(ws, {1000}))}));
    write_file(dir.file(name + ".onnx"), mb.bytes());
    for (ThreadPool* p : {&pool, static_cast<ThreadPool*>(nullptr)}) {
      onnx::LoadOptions lo;
      lo.pool = p;
      auto model = onnx::load_model_file(dir.file(name + ".onnx"), lo);
      const Tensor& tb = model->graph->find(name)->constant;
      const Tensor& ts = model->graph->find(name + "s")->constant;
      copied += reinterpret_cast<uintptr_t>(tb.raw()) % 64 == 0;  // a copy (the allocator's alignment), not a view
      ASSERT_EQ(std::memcmp(tb.raw(), wb.data(), tb.nbytes()), 0) << name << (p ? " on a pool" : "");
      ASSERT_EQ(std::memcmp(ts.raw(), ws.data(), ts.nbytes()), 0) << name << (p ? " on a pool" : "");
    }
  }
  EXPECT_GE(copied, 6) << "three of the four names put the big weight off a 4-byte boundary";
}

TEST(Loader, ExternalDataIsMappedAndUsed) {
  TempDir dir;
  std::vector<float> w = {1, 2, 3, 4};
  std::string blob(4096, '\0');  // page-aligned offset, as ONNX recommends
  blob.append(reinterpret_cast<const char*>(w.data()), 16);
  write_file(dir.file("weights.bin"), blob);
  write_file(dir.file("m.onnx"), add_model(external_weight("weights.bin", {4}, 4096, 16), {4}));
  auto s = Session::create(dir.file("m.onnx"));
  EXPECT_EQ(run_add(*s, {10, 20, 30, 40}, {4}), (std::vector<float>{11, 22, 33, 44}));
  const Tensor& t = s->model().graph->find("W")->constant;
  auto file = MappedFile::open(dir.file("weights.bin"));
  EXPECT_EQ(t.data<float>()[3], 4.f);
}

TEST(Loader, ExternalDataInSubfolder) {
  TempDir dir;
  fs::create_directories(dir.file("data"));
  std::vector<float> w = {1, 1, 1, 1};
  write_file(dir.file("data/w.bin"), std::string(reinterpret_cast<const char*>(w.data()), 16));
  write_file(dir.file("m.onnx"), add_model(external_weight("data/w.bin", {4}, 0, 16), {4}));
  auto s = Session::create(dir.file("m.onnx"));
  EXPECT_EQ(run_add(*s, {1, 2, 3, 4}, {4}), (std::vector<float>{2, 3, 4, 5}));
}

TEST(Loader, ExternalDataPathMayNotLeaveTheModelFolder) {
  TempDir dir;
  fs::create_directories(dir.file("inner"));
  write_file(dir.file("secret.bin"), std::string(16, '\0'));
  write_file(dir.file("inner/m1.onnx"), add_model(external_weight("../secret.bin", {4}, 0, 16), {4}));
  EXPECT_NE(error_of([&] { Session::create(dir.file("inner/m1.onnx")); }).find("leaves the model's folder"),
            std::string::npos);
  write_file(dir.file("inner/m2.onnx"), add_model(external_weight("/etc/passwd", {4}, 0, 16), {4}));
  EXPECT_NE(error_of([&] { Session::create(dir.file("inner/m2.onnx")); }).find("is absolute"), std::string::npos);
  // A symlink inside the folder pointing outside is refused too.
  fs::create_symlink(dir.file("secret.bin"), dir.file("inner/link.bin"));
  write_file(dir.file("inner/m3.onnx"), add_model(external_weight("link.bin", {4}, 0, 16), {4}));
  EXPECT_NE(error_of([&] { Session::create(dir.file("inner/m3.onnx")); }).find("leaves the model's folder"),
            std::string::npos);
}

TEST(Loader, MissingExternalDataFileIsNamed) {
  TempDir dir;
  write_file(dir.file("m.onnx"), add_model(external_weight("nowhere.bin", {4}, 0, 16), {4}));
  std::string e = error_of([&] { Session::create(dir.file("m.onnx")); });
  EXPECT_NE(e.find("nowhere.bin"), std::string::npos) << e;
  EXPECT_NE(e.find("tensor 'W'"), std::string::npos) << e;
}

TEST(Loader, ExternalDataPastEndOfFile) {
  TempDir dir;
  write_file(dir.file("w.bin"), std::string(16, '\0'));
  write_file(dir.file("m.onnx"), add_model(external_weight("w.bin", {4}, 8, 16), {4}));
  std::string e = error_of([&] { Session::create(dir.file("m.onnx")); });
  EXPECT_NE(e.find("runs past the end"), std::string::npos) << e;
}

TEST(Loader, ExternalDataFromBytesNeedsAFolder) {
  std::string bytes = add_model(external_weight("w.bin", {4}, 0, 16), {4});
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("loaded from memory"), std::string::npos) << e;
}

TEST(Loader, ExternalDataBeyondTwoGiB) {
  // A sparse file: 3 GiB of hole, then the weights. Offsets past 2^31 must work.
  TempDir dir;
  std::string path = dir.file("big.bin");
  int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  const uint64_t offset = uint64_t{3} << 30;
  std::vector<float> w = {5, 6, 7, 8};
  ASSERT_EQ(pwrite(fd, w.data(), 16, static_cast<off_t>(offset)), 16);
  close(fd);
  write_file(dir.file("m.onnx"), add_model(external_weight("big.bin", {4}, offset, 16), {4}));
  auto s = Session::create(dir.file("m.onnx"));
  EXPECT_EQ(run_add(*s, {0, 0, 0, 0}, {4}), (std::vector<float>{5, 6, 7, 8}));
}

TEST(Loader, InlineModelLargerThanTwoGiB) {
  // A model whose protobuf itself is > 2 GiB (libprotobuf refuses these): a
  // [2^29 + 4] float initializer stored inline. The file is sparse (the raw
  // bytes are a hole reading as zeros) so the test costs no disk space; the
  // last 4 floats are written for real and read back through the model.
  TempDir dir;
  const int64_t n = (int64_t{1} << 29) + 4;  // 2 GiB + 16 bytes of floats
  Writer t;
  t.int64(1, n);
  t.int64(2, static_cast<int64_t>(DataType::kFloat));
  t.bytes(8, "W");
  t.key(9, wire::kLen);
  t.varint(static_cast<uint64_t>(n) * 4);
  std::string tensor_head = t.str();
  // GraphProto: initializer field header, then the tensor, then the rest.
  Writer init_key;
  init_key.key(5, wire::kLen);
  init_key.varint(tensor_head.size() + static_cast<uint64_t>(n) * 4);
  Writer rest;
  rest.message(1, node("Gather", {"W", "i"}, {"y"}, "gather"));
  rest.message(11, value_info("i", DataType::kInt64, {1}));
  rest.message(12, value_info("y", DataType::kFloat, {1}));
  uint64_t graph_len = init_key.str().size() + tensor_head.size() + static_cast<uint64_t>(n) * 4 + rest.str().size();
  Writer model_head;
  model_head.int64(1, 8);
  model_head.message(8, opset("", 17));
  model_head.key(7, wire::kLen);
  model_head.varint(graph_len);
  std::string head = model_head.str() + init_key.str() + tensor_head;
  std::string path = dir.file("big.onnx");
  int fd = open(path.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
  std::vector<float> tail = {1.5f, 2.5f, 3.5f, 4.5f};
  off_t data_end = static_cast<off_t>(head.size() + static_cast<uint64_t>(n) * 4);
  ASSERT_EQ(pwrite(fd, tail.data(), 16, data_end - 16), 16);
  ASSERT_EQ(pwrite(fd, rest.str().data(), rest.str().size(), data_end), static_cast<ssize_t>(rest.str().size()));
  close(fd);
  SessionOptions so;
  so.opt_level = OptLevel::kDisabled;
  std::unique_ptr<Session> s;
  try {
    s = Session::create(path, so);
  } catch (const Error& e) {
    if (std::string(e.what()).find("Gather") != std::string::npos) GTEST_SKIP() << "Gather kernel not built yet";
    throw;
  }
  std::vector<std::string> names{"i"};
  std::vector<Value> in{Value(Tensor::from<int64_t>(std::vector<int64_t>{n - 2}, {1}))};
  auto out = s->run(names, in, {});
  EXPECT_EQ(out[0].tensor().data<float>()[0], 3.5f);
}

TEST(Loader, TruncatedFilesGiveErrorsNeverCrashes) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2});
  ir::Value* c = mb.constant("W", Tensor::from<float>(std::vector<float>{1, 2}, {2}));
  mb.output(mb.node("Add", {x, c}));
  std::string bytes = mb.bytes();
  int errors = 0;
  for (size_t len = 0; len < bytes.size(); ++len) {
    try {
      Session::create(bytes.data(), len);
    } catch (const Error& e) {
      ++errors;
      EXPECT_FALSE(std::string(e.what()).empty());
    }
  }
  // Every strict prefix is missing something the model needs (the writer puts
  // opset_import last, so even a cut at a field boundary loses it).
  EXPECT_EQ(errors, static_cast<int>(bytes.size()));
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size() / 2); });
  EXPECT_NE(e.find("model '<memory>'"), std::string::npos) << e;
}

TEST(Loader, CorruptedBytesGiveErrorsNeverCrashes) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, 2});
  ir::Value* c = mb.constant("W", Tensor::from<float>(std::vector<float>{1, 2, 3, 4}, {2, 2}));
  ir::Value* y = mb.node("Add", {x, c});
  mb.output(mb.node("Relu", {y}));
  std::string good = mb.bytes();
  std::mt19937 rng(42);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string bad = good;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) bad[rng() % bad.size()] = static_cast<char>(rng());
    try {
      auto s = Session::create(bad.data(), bad.size());
      // If it still loads, running it must not crash either.
      std::vector<std::string> names;
      std::vector<Value> in;
      for (const auto& i : s->inputs()) {
        auto shape = i.type.static_shape();
        if (!shape || i.type.elem == DataType::kUndefined || i.type.elem == DataType::kString) continue;
        if (shape_numel(*shape) > 4096) continue;
        Tensor t(i.type.elem, *shape);
        std::memset(t.raw(), 0, t.nbytes());
        names.push_back(i.name);
        in.emplace_back(t);
      }
      s->run(names, in, {});
    } catch (const Error&) {
    }
  }
}

TEST(Loader, NotAModel) {
  std::string junk = "this is not a protobuf at all, just text";
  std::string e = error_of([&] { Session::create(junk.data(), junk.size()); });
  EXPECT_FALSE(e.empty());
  e = error_of([&] { Session::create("/no/such/model.onnx"); });
  EXPECT_NE(e.find("/no/such/model.onnx"), std::string::npos) << e;
  std::string empty;
  e = error_of([&] { Session::create(empty.data(), 0); });
  EXPECT_NE(e.find("empty"), std::string::npos) << e;
}

TEST(Loader, UnsortedGraphIsSorted) {
  // y = Relu(Add(x, x)) with the nodes listed backwards.
  Writer g;
  g.message(1, node("Relu", {"t"}, {"y"}, "relu"));
  g.message(1, node("Add", {"x", "x"}, {"t"}, "add"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  std::string bytes = m.take();
  auto s = Session::create(bytes.data(), bytes.size());
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{-1, 2}, {2}))};
  auto out = s->run(names, in, {});
  EXPECT_EQ(out[0].tensor().data<float>()[0], 0.f);
  EXPECT_EQ(out[0].tensor().data<float>()[1], 4.f);
  EXPECT_EQ(s->model().graph->nodes()[0]->op_type, "Add");
}

TEST(Loader, CycleIsAnErrorNamingTheNodes) {
  Writer g;
  g.message(1, node("Add", {"x", "b"}, {"a"}, "first"));
  g.message(1, node("Relu", {"a"}, {"b"}, "second"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("b", DataType::kFloat, {2}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  std::string bytes = m.take();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("cycle"), std::string::npos) << e;
  EXPECT_NE(e.find("'first'"), std::string::npos) << e;
}

TEST(Loader, InputNothingProducesIsNamed) {
  Writer g;
  g.message(1, node("Add", {"x", "ghost"}, {"y"}, "adder"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  std::string bytes = m.take();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("'ghost'"), std::string::npos) << e;
  EXPECT_NE(e.find("'adder'"), std::string::npos) << e;
}

TEST(Loader, UnknownOpNamesOpDomainAndOpset) {
  Writer g;
  g.message(1, node("FancyOp", {"x"}, {"y"}, "fancy", "com.example"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  m.message(8, opset("com.example", 3));
  std::string bytes = m.take();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("FancyOp"), std::string::npos) << e;
  EXPECT_NE(e.find("com.example"), std::string::npos) << e;
  EXPECT_NE(e.find("opset 3"), std::string::npos) << e;
}

TEST(Loader, UnusedOpsetImportsAreIgnored) {
  Writer g;
  g.message(1, node("Relu", {"x"}, {"y"}));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  m.message(8, opset("com.microsoft", 1));
  m.message(8, opset("ai.onnx.ml", 3));
  std::string bytes = m.take();
  EXPECT_NO_THROW(Session::create(bytes.data(), bytes.size()));
}

// Function "AddTwice(a, b) = (a + b) + b" with attribute reference for a Relu-free check.
Writer add_twice_function() {
  Writer f;
  f.bytes(1, "AddTwice");
  f.bytes(10, "local");
  f.bytes(4, "a");
  f.bytes(4, "b");
  f.bytes(5, "c");
  f.message(7, node("Add", {"a", "b"}, {"t"}));
  f.message(7, node("Add", {"t", "b"}, {"c"}));
  f.message(9, opset("", 17));
  return f;
}

TEST(Loader, ModelLocalFunctionsAreInlined) {
  // y = AddTwice(AddTwice(x, x), x) : nested calls of a local function.
  Writer g;
  g.message(1, node("AddTwice", {"x", "x"}, {"t"}, "call1", "local"));
  g.message(1, node("AddTwice", {"t", "x"}, {"y"}, "call2", "local"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  m.message(8, opset("local", 1));
  m.message(25, add_twice_function());
  std::string bytes = m.take();
  auto s = Session::create(bytes.data(), bytes.size());
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{1, 2}, {2}))};
  auto out = s->run(names, in, {});
  // call1: x + 2x = 3x; call2: 3x + 2x = 5x.
  EXPECT_EQ(out[0].tensor().data<float>()[1], 10.f);
  for (const auto& n : s->model().graph->nodes()) EXPECT_EQ(n->op_type, "Add");
}

TEST(Loader, RecursiveFunctionIsAnError) {
  Writer f;
  f.bytes(1, "Loopy");
  f.bytes(10, "local");
  f.bytes(4, "a");
  f.bytes(5, "b");
  f.message(7, node("Loopy", {"a"}, {"b"}, "", "local"));
  f.message(9, opset("local", 1));
  Writer g;
  g.message(1, node("Loopy", {"x"}, {"y"}, "call", "local"));
  g.message(11, value_info("x", DataType::kFloat, {2}));
  g.message(12, value_info("y", DataType::kFloat, {2}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  m.message(8, opset("local", 1));
  m.message(25, f);
  std::string bytes = m.take();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("calls itself"), std::string::npos) << e;
}

TEST(Loader, FunctionAttributeReferencesAndDefaults) {
  // Scale(x) = x * alpha, alpha referenced from the call, default 2.
  Writer f;
  f.bytes(1, "Scale");
  f.bytes(10, "local");
  f.bytes(4, "x");
  f.bytes(5, "y");
  f.bytes(6, "alpha");
  {
    Writer cnode = node("Constant", {}, {"k"});
    Writer attr;
    attr.bytes(1, "value_float");
    attr.int64(20, static_cast<int64_t>(ir::AttrType::kFloat));
    attr.bytes(21, "alpha");
    cnode.message(5, attr);
    f.message(7, cnode);
  }
  f.message(7, node("Mul", {"x", "k"}, {"y"}));
  f.message(9, opset("", 17));
  {
    Writer dflt;
    dflt.bytes(1, "alpha");
    dflt.int64(20, static_cast<int64_t>(ir::AttrType::kFloat));
    dflt.f32(2, 2.0f);
    f.message(11, dflt);
  }
  auto model = [&](bool give_alpha) {
    Writer call = node("Scale", {"x"}, {"y"}, "call", "local");
    if (give_alpha) {
      Writer a;
      a.bytes(1, "alpha");
      a.int64(20, static_cast<int64_t>(ir::AttrType::kFloat));
      a.f32(2, 5.0f);
      call.message(5, a);
    }
    Writer g;
    g.message(1, call);
    g.message(11, value_info("x", DataType::kFloat, {1}));
    g.message(12, value_info("y", DataType::kFloat, {1}));
    Writer m;
    m.int64(1, 8);
    m.message(7, g);
    m.message(8, opset("", 17));
    m.message(8, opset("local", 1));
    m.message(25, f);
    return m.take();
  };
  for (bool give : {true, false}) {
    std::string bytes = model(give);
    auto s = Session::create(bytes.data(), bytes.size());
    std::vector<std::string> names{"x"};
    std::vector<Value> in{Value(Tensor::from<float>(std::vector<float>{3}, {1}))};
    auto out = s->run(names, in, {});
    EXPECT_EQ(out[0].tensor().data<float>()[0], give ? 15.f : 6.f);
  }
}

TEST(Loader, EveryTensorTypeDecodes) {
  // Typed fields (not raw_data) for each type, read back through parse_tensor_proto.
  auto make = [](DataType dt, int field, std::vector<int64_t> vals, int64_t n) {
    Writer t;
    t.int64(1, n);
    t.int64(2, static_cast<int64_t>(dt));
    t.packed_int64(static_cast<uint32_t>(field), vals);
    return onnx::parse_tensor_proto(t.str());
  };
  EXPECT_EQ(make(DataType::kInt8, 5, {-3, 4}, 2).data<int8_t>()[0], -3);
  EXPECT_EQ(make(DataType::kUInt16, 5, {65535, 1}, 2).data<uint16_t>()[0], 65535);
  EXPECT_EQ(make(DataType::kInt64, 7, {-5, 1LL << 40}, 2).data<int64_t>()[1], 1LL << 40);
  EXPECT_EQ(make(DataType::kUInt64, 11, {7, 8}, 2).data<uint64_t>()[1], 8u);
  EXPECT_EQ(make(DataType::kUInt32, 11, {4000000000LL}, 1).data<uint32_t>()[0], 4000000000u);
  EXPECT_TRUE(make(DataType::kBool, 5, {0, 1}, 2).data<bool>()[1]);
  EXPECT_FLOAT_EQ(make(DataType::kFloat16, 5, {0x3C00}, 1).real_at(0), 1.0);
  EXPECT_FLOAT_EQ(make(DataType::kBFloat16, 5, {0x4040}, 1).real_at(0), 3.0);
  EXPECT_FLOAT_EQ(make(DataType::kFloat8E4M3FN, 5, {0x38}, 1).real_at(0), 1.0);
  EXPECT_FLOAT_EQ(make(DataType::kFloat8E5M2, 5, {0x3C}, 1).real_at(0), 1.0);
  EXPECT_FLOAT_EQ(make(DataType::kFloat8E4M3FNUZ, 5, {0x40}, 1).real_at(0), 1.0);
  EXPECT_FLOAT_EQ(make(DataType::kFloat8E5M2FNUZ, 5, {0x40}, 1).real_at(0), 1.0);
  // int4: two values per byte, low nibble first: [-1, 7, 2] -> bytes 0x7F, 0x02.
  Tensor i4 = make(DataType::kInt4, 5, {0x7F, 0x02}, 3);
  EXPECT_EQ(i4.real_at(0), -1);
  EXPECT_EQ(i4.real_at(1), 7);
  EXPECT_EQ(i4.real_at(2), 2);
  Tensor u2 = make(DataType::kUInt2, 5, {0b11100100}, 4);
  EXPECT_EQ(u2.real_at(3), 3);
  EXPECT_EQ(u2.real_at(1), 1);
  Tensor f4 = make(DataType::kFloat4E2M1, 5, {0x7F}, 2);  // 0xF = -6, 0x7 = 6
  EXPECT_EQ(f4.real_at(0), -6);
  EXPECT_EQ(f4.real_at(1), 6);
  {
    Writer t;
    t.int64(1, 2);
    t.int64(2, static_cast<int64_t>(DataType::kDouble));
    t.bytes(10, std::string("\0\0\0\0\0\0\xf0\x3f\0\0\0\0\0\0\0\xc0", 16));
    Tensor d = onnx::parse_tensor_proto(t.str());
    EXPECT_EQ(d.data<double>()[0], 1.0);
    EXPECT_EQ(d.data<double>()[1], -2.0);
  }
  {
    Writer t;
    t.int64(1, 2);
    t.int64(2, static_cast<int64_t>(DataType::kString));
    t.bytes(6, "hello");
    t.bytes(6, std::string("w\0rld", 5));
    Tensor s = onnx::parse_tensor_proto(t.str());
    EXPECT_EQ(s.data<std::string>()[0], "hello");
    EXPECT_EQ(s.data<std::string>()[1].size(), 5u);
  }
  {
    Writer t;
    t.int64(1, 1);
    t.int64(2, static_cast<int64_t>(DataType::kComplex64));
    t.packed_floats(4, {1.5f, -2.5f});
    Tensor c = onnx::parse_tensor_proto(t.str());
    EXPECT_EQ(c.data<Complex64>()[0].im, -2.5f);
  }
}

TEST(Loader, TensorSizeMismatchIsAnError) {
  Writer t;
  t.int64(1, 3);
  t.int64(2, static_cast<int64_t>(DataType::kFloat));
  t.bytes(9, std::string(8, '\0'));  // 2 floats for 3 elements
  std::string e = error_of([&] { onnx::parse_tensor_proto(t.str()); });
  EXPECT_NE(e.find("needs 12 bytes but the data has 8"), std::string::npos) << e;
  Writer u;
  u.int64(1, 1LL << 40);
  u.int64(1, 1LL << 40);
  u.int64(2, static_cast<int64_t>(DataType::kFloat));
  e = error_of([&] { onnx::parse_tensor_proto(u.str()); });
  EXPECT_NE(e.find("2^62"), std::string::npos) << e;
  Writer v;
  v.int64(1, -4);
  v.int64(2, static_cast<int64_t>(DataType::kFloat));
  e = error_of([&] { onnx::parse_tensor_proto(v.str()); });
  EXPECT_NE(e.find("negative dimension"), std::string::npos) << e;
  Writer w;
  w.int64(1, 1);
  w.int64(2, 99);
  e = error_of([&] { onnx::parse_tensor_proto(w.str()); });
  EXPECT_NE(e.find("unknown element type 99"), std::string::npos) << e;
}

TEST(Loader, SparseInitializerIsDensified) {
  Writer values;
  values.int64(1, 2);
  values.int64(2, static_cast<int64_t>(DataType::kFloat));
  values.bytes(8, "W");
  values.packed_floats(4, {7, 9});
  Writer indices;
  indices.int64(1, 2);
  indices.int64(2, static_cast<int64_t>(DataType::kInt64));
  indices.packed_int64(7, {1, 3});
  Writer sp;
  sp.message(1, values);
  sp.message(2, indices);
  sp.int64(3, 4);
  Writer g;
  g.message(1, node("Add", {"x", "W"}, {"y"}));
  g.message(15, sp);
  g.message(11, value_info("x", DataType::kFloat, {4}));
  g.message(12, value_info("y", DataType::kFloat, {4}));
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  std::string bytes = m.take();
  auto s = Session::create(bytes.data(), bytes.size());
  EXPECT_EQ(run_add(*s, {1, 1, 1, 1}, {4}), (std::vector<float>{1, 8, 1, 10}));
}

TEST(Loader, DeeplyNestedTypesAreRefused) {
  // A TypeProto nested 1000 deep (sequence of sequence of ...) must not blow the stack.
  Writer inner;
  {
    Writer tt;
    tt.int64(1, 1);
    inner.message(1, tt);
  }
  for (int i = 0; i < 1000; ++i) {
    Writer seq;
    seq.message(1, inner);
    Writer tp;
    tp.message(4, seq);
    inner = tp;
  }
  Writer vi;
  vi.bytes(1, "x");
  vi.message(2, inner);
  Writer g;
  g.message(11, vi);
  g.message(12, vi);
  Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  std::string bytes = m.take();
  std::string e = error_of([&] { Session::create(bytes.data(), bytes.size()); });
  EXPECT_NE(e.find("nested"), std::string::npos) << e;
}

}  // namespace
}  // namespace onyx::test
