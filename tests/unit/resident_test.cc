// Constants packed by every kernel that reads them are dropped from memory at
// session creation (base/resident.h, runtime/plan.cc ConstantDropper); those
// still read at run time, or living in the caller's bytes, are left alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "base/mapped_file.h"
#include "base/resident.h"
#include "runtime/session.h"
#include "ukernels/sgemm.h"
#include "unit/model_builder.h"

namespace onyx::test {
namespace {

constexpr int64_t kK = 512, kN = 512;  // W: 1 MiB, many whole pages

Tensor positive_floats(Shape shape, uint32_t seed) {
  Tensor t(DataType::kFloat, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(0.5f, 1.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = d(rng);
  return t;
}

const Tensor& constant_named(const Session& s, const std::string& name) {
  for (const ir::Value* v : s.model().graph->initializers)
    if (v->name == name && v->is_constant()) return v->constant;
  ADD_FAILURE() << "no constant '" << name << "' left in the graph";
  static Tensor none;
  return none;
}

// Whether a constant still holds the values it was created with (it is
// either dropped, reading zeros, or packed in place once absorbed).
bool intact(const Tensor& w, const Tensor& original) {
  return w.nbytes() == original.nbytes() && std::memcmp(w.raw(), original.raw(), w.nbytes()) == 0;
}

std::vector<Tensor> run(const std::string& bytes, bool reference, const Tensor& x,
                        std::unique_ptr<Session>* keep = nullptr) {
  SessionOptions o;
  o.reference_kernels = reference;
  o.intra_op_threads = 1;
  auto s = Session::create(bytes.data(), bytes.size(), o);
  std::vector<Tensor> out;
  const std::vector<std::string> names{"x"};
  const std::vector<Value> in{Value(x)};
  for (Value& v : s->run(names, in, {})) out.push_back(v.tensor());
  if (keep) *keep = std::move(s);
  return out;
}

void expect_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t o = 0; o < a.size(); ++o) {
    ASSERT_EQ(a[o].shape(), b[o].shape());
    for (int64_t i = 0; i < a[o].numel(); ++i)
      ASSERT_NEAR(a[o].data<float>()[i], b[o].data<float>()[i], 1e-3f * std::max(1.f, std::fabs(b[o].data<float>()[i])))
          << "output " << o << " element " << i;
  }
}

// The fast kernels give the reference kernels' outputs on `bytes` and leave
// the constant "w" holding w0: a reader still needs it at run time.
void expect_runs_match_and_weight_kept(const std::string& bytes, const Tensor& w0, uint32_t seed) {
  Tensor xin = positive_floats({2, kK}, seed);
  std::unique_ptr<Session> fast;
  auto want = run(bytes, true, xin);
  auto got = run(bytes, false, xin, &fast);
  expect_same(got, want);
  EXPECT_TRUE(intact(constant_named(*fast, "w"), w0));
}

TEST(Resident, PackedOnlyWeightIsDropped) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, kK});
  const Tensor w0 = positive_floats({kK, kN}, 1);
  ir::Value* w = mb.constant("w", w0.clone());
  mb.output(mb.node("MatMul", {x, w}));
  const std::string bytes = mb.bytes();
  Tensor xin = positive_floats({2, kK}, 2);
  std::unique_ptr<Session> fast, ref;
  auto want = run(bytes, true, xin, &ref);
  auto got = run(bytes, false, xin, &fast);
  expect_same(got, want);
  EXPECT_TRUE(intact(constant_named(*ref, "w"), w0)) << "the reference kernel reads W at run time";
  EXPECT_FALSE(intact(constant_named(*fast, "w"), w0)) << "W is held packed: its bytes should be dropped or reused";
  // Runs after the drop still use the packed copy.
  const std::vector<std::string> names{"x"};
  const std::vector<Value> in{Value(xin)};
  expect_same({fast->run(names, in, {})[0].tensor()}, {want[0]});
}

TEST(Resident, WeightAlsoReadAtRunTimeIsKept) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, kK});
  const Tensor w0 = positive_floats({kK, kN}, 3);
  ir::Value* w = mb.constant("w", w0.clone());
  mb.output(mb.node("MatMul", {x, w}));
  // A second reader of W that does not pack it: W + x[0:1, :] (broadcast over W's rows).
  ir::Value* x0 = mb.node("Slice", {x, mb.constant("b", Tensor::from<int64_t>(std::vector<int64_t>{0}, {1})),
                                    mb.constant("e", Tensor::from<int64_t>(std::vector<int64_t>{1}, {1})),
                                    mb.constant("a", Tensor::from<int64_t>(std::vector<int64_t>{0}, {1}))});
  mb.output(mb.node("Add", {w, x0}));
  expect_runs_match_and_weight_kept(mb.bytes(), w0, 4);
}

TEST(Resident, OverridableWeightIsKept) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, kK});
  const Tensor w0 = positive_floats({kK, kN}, 5);
  ir::Value* w = mb.constant("w", w0.clone());
  w->is_graph_input = true;  // an initializer that is also an input: the caller may replace it
  mb.graph().inputs.push_back(w);
  mb.output(mb.node("MatMul", {x, w}));
  expect_runs_match_and_weight_kept(mb.bytes(), w0, 6);
}

TEST(Resident, CallersBytesAreNeverDropped) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {2, kK});
  mb.output(mb.node("MatMul", {x, mb.constant("w", positive_floats({kK, kN}, 7))}));
  const std::string bytes = mb.bytes();
  // At one of four offsets W's raw data is float-aligned and used in place.
  for (size_t shift = 0; shift < 4; ++shift) {
    auto buf = std::shared_ptr<uint8_t[]>(new uint8_t[bytes.size() + 4]);
    std::memcpy(buf.get() + shift, bytes.data(), bytes.size());
    auto s = Session::create(buf.get() + shift, bytes.size(), SessionOptions{}, buf);
    EXPECT_EQ(std::memcmp(buf.get() + shift, bytes.data(), bytes.size()), 0) << "shift " << shift;
  }
}

TEST(Resident, LentWeightIsPackedInPlace) {
  const Isa isa = active_isa();
  const int nr = ukernel::sgemm_kernel(isa).nr;
  const int64_t k = 300, n = 4 * nr;  // two k-blocks, the second partial
  Tensor x = positive_floats({k, n}, 9);
  auto normal = ukernel::PackedMatrix::pack(isa, false, false, k, n, x.data<float>(), n);
  ASSERT_EQ(reinterpret_cast<uintptr_t>(x.raw()) % 64, 0u);
  resident::lend(x.raw(), x.nbytes(), x.owner());
  auto in_place = ukernel::PackedMatrix::pack(isa, false, false, k, n, x.data<float>(), n);
  EXPECT_EQ(resident::end_lending(), std::vector<const void*>{x.raw()});
  EXPECT_EQ(in_place->panel(0, 0), x.data<float>()) << "packed over the lent bytes";
  ASSERT_EQ(in_place->bytes(), normal->bytes());
  EXPECT_EQ(std::memcmp(in_place->panel(0, 0), normal->panel(0, 0), normal->bytes()), 0);
  // Not lent, or transposed: a fresh buffer, X untouched.
  Tensor y = positive_floats({k, n}, 10);
  const Tensor y0 = y.clone();
  resident::lend(x.raw(), x.nbytes(), x.owner());  // lent: another range
  auto fresh = ukernel::PackedMatrix::pack(isa, false, false, k, n, y.data<float>(), n);
  auto trans = ukernel::PackedMatrix::pack(isa, false, true, n, k, y.data<float>(), n);
  EXPECT_TRUE(resident::end_lending().empty());
  EXPECT_NE(fresh->panel(0, 0), y.data<float>());
  EXPECT_TRUE(intact(y, y0));
}

// NchwcConv packs a lent weight over its own bytes when the packed form has
// their exact size (M a multiple of 16, C of 8): the constant then holds the
// same values in another order. The caller's bytes are never lent, so W is
// copied (and packed in place) at the three offsets where its raw data is
// misaligned, and read where it lies at the fourth, then packed apart.
TEST(Resident, LentConvWeightIsPackedInPlace) {
  ModelBuilder mb;
  ir::Value* x = mb.input("x", DataType::kFloat, {1, 16, 8, 8});
  const Tensor w0 = positive_floats({32, 16, 1, 1}, 11);
  mb.output(mb.node("Conv", {x, mb.constant("w", w0.clone())}));
  const std::string bytes = mb.bytes();
  const Tensor xin = positive_floats({1, 16, 8, 8}, 12);
  const std::vector<std::string> names{"x"};
  const std::vector<Value> in{Value(xin)};
  SessionOptions ref_options;
  ref_options.reference_kernels = true;
  const Tensor want = Session::create(bytes.data(), bytes.size(), ref_options)->run(names, in, {})[0].tensor();
  auto sorted = [](const Tensor& t) {
    std::vector<float> v(t.data<float>(), t.data<float>() + t.numel());
    std::sort(v.begin(), v.end());
    return v;
  };
  int in_place = 0;
  for (size_t shift = 0; shift < 4; ++shift) {
    auto buf = std::shared_ptr<uint8_t[]>(new uint8_t[bytes.size() + 4]);
    std::memcpy(buf.get() + shift, bytes.data(), bytes.size());
    auto s = Session::create(buf.get() + shift, bytes.size(), SessionOptions{}, buf);
    int blocked = 0;
    for (const auto& n : s->model().graph->nodes()) blocked += n->is("NchwcConv", "com.onyx");
    ASSERT_EQ(blocked, 1) << "the Conv runs as NchwcConv";
    expect_same({s->run(names, in, {})[0].tensor()}, {want});
    const Tensor& w = constant_named(*s, "w");
    if (intact(w, w0)) continue;  // read where it lies (the caller's bytes): packed apart
    EXPECT_EQ(sorted(w), sorted(w0)) << "shift " << shift << ": W's bytes hold its packed form";
    ++in_place;
    expect_same({s->run(names, in, {})[0].tensor()}, {want});  // a second run reads the same packed bytes
  }
  EXPECT_EQ(in_place, 3);
}

TEST(Resident, MappedFilePagesStayReadable) {
  const std::string path = ::testing::TempDir() + "/onyx_resident_test.bin";
  std::vector<float> data(1 << 18);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<float>(i);
  {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fwrite(data.data(), sizeof(float), data.size(), f);
    std::fclose(f);
  }
  auto m = MappedFile::open(path);
  const auto* p = reinterpret_cast<const float*>(m->data());
  EXPECT_EQ(p[12345], 12345.f);
  EXPECT_EQ(resident::mapping_of(p + 100), m->data());
  EXPECT_TRUE(resident::release_file_pages(p, m->size()));
  EXPECT_EQ(p[12345], 12345.f) << "released file pages fault back with their contents";
  resident::release_mapping(m->data());
  EXPECT_EQ(p[data.size() - 1], static_cast<float>(data.size() - 1));
  EXPECT_FALSE(resident::discardable(p, 16)) << "a mapped file's bytes are not anonymous memory";
  std::vector<float> copy(1000);
  ASSERT_TRUE(resident::copy_from_file(p + 777, copy.size() * sizeof(float), copy.data()));
  for (size_t i = 0; i < copy.size(); ++i) ASSERT_EQ(copy[i], static_cast<float>(777 + i)) << i;
  // Misaligned, as raw_data inside a protobuf usually is.
  char bytes[9];
  ASSERT_TRUE(resident::copy_from_file(reinterpret_cast<const char*>(p) + 3, sizeof bytes, bytes));
  EXPECT_EQ(std::memcmp(bytes, reinterpret_cast<const char*>(p) + 3, sizeof bytes), 0);
  EXPECT_FALSE(resident::copy_from_file(p + data.size() - 2, 16, copy.data())) << "runs past the mapping";
  std::vector<float> heap(16);
  EXPECT_FALSE(resident::release_file_pages(heap.data(), 64));
  EXPECT_EQ(resident::mapping_of(heap.data()), nullptr);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace onyx::test
