// Memory pattern (runtime/memory_pattern.h): the arena layout never lets two
// buffers live at the same time share bytes; runs that replay a recording
// give exactly what runs without it give, outputs survive later runs, shapes
// that keep changing keep the cache bounded, data-dependent shapes and
// concurrent runs fall back safely.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>

#include "runtime/memory_pattern.h"
#include "runtime/session.h"
#include "unit/model_builder.h"

namespace onyx::test {
namespace {

using ir::Dim;

// Every pair of requests whose lifetimes overlap has disjoint byte ranges,
// offsets are aligned and inside the arena. Returns the number of violations.
int overlaps(const std::vector<BufferRequest>& r, const ArenaLayout& l) {
  int bad = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    if (l.offsets[i] == kNotInArena) continue;
    if (l.offsets[i] % kTensorAlignment != 0 || l.offsets[i] + r[i].bytes > l.bytes) ++bad;
    for (size_t j = i + 1; j < r.size(); ++j) {
      if (l.offsets[j] == kNotInArena) continue;
      const bool in_time = r[i].start < r[j].end && r[j].start < r[i].end;
      const bool in_space = l.offsets[i] < l.offsets[j] + r[j].bytes && l.offsets[j] < l.offsets[i] + r[i].bytes;
      if (in_time && in_space) ++bad;
    }
  }
  return bad;
}

TEST(ArenaPlan, OverlappingLifetimesGetDisjointBytes) {
  // A lives throughout; B and C live one after the other; D overlaps both B
  // and C by one event. B and C may share; D may share with neither, nor A.
  std::vector<BufferRequest> r = {
      {1000, 0, 20},  // A
      {256, 1, 6},    // B
      {256, 7, 12},   // C
      {256, 5, 8},    // D: overlaps B at event 5 and C at event 7
  };
  ArenaLayout l = plan_arena(r);
  EXPECT_EQ(overlaps(r, l), 0);
  EXPECT_NE(l.offsets[3], l.offsets[1]);
  EXPECT_NE(l.offsets[3], l.offsets[2]);
  EXPECT_EQ(l.offsets[1], l.offsets[2]) << "B and C never live together: one range serves both";
  EXPECT_EQ(l.bytes, 1024u + 256 + 256);
}

TEST(ArenaPlan, TheCheckerCatchesASharedRange) {
  // The checker above must be able to fail: a layout that puts two buffers
  // live at the same time on one offset is caught.
  std::vector<BufferRequest> r = {{128, 0, 4}, {128, 2, 6}};
  ArenaLayout bad;
  bad.offsets = {0, 64};
  bad.bytes = 256;
  EXPECT_GT(overlaps(r, bad), 0);
  ArenaLayout good = plan_arena(r);
  EXPECT_EQ(overlaps(r, good), 0);
  EXPECT_EQ(good.bytes, 256u);
}

TEST(ArenaPlan, ChainReusesTwoSlotsAndLeavesOutUnfreed) {
  // x0 -> x1 -> x2 ...: each buffer dies right after the next is made, so
  // two slots suffice; a buffer never freed (an output) is not placed.
  std::vector<BufferRequest> r;
  for (uint64_t i = 0; i < 50; ++i) r.push_back({4096, 2 * i, 2 * i + 3});
  r.push_back({4096, 101, kNeverFreed});
  r.push_back({0, 5, 6});
  ArenaLayout l = plan_arena(r);
  EXPECT_EQ(overlaps(r, l), 0);
  EXPECT_EQ(l.bytes, 2u * 4096);
  EXPECT_EQ(l.offsets[50], kNotInArena);
  EXPECT_EQ(l.offsets[51], kNotInArena);
}

TEST(ArenaPlan, RandomSequencesNeverOverlapAndPackWell) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    // A run-like sequence: allocations and frees interleaved on one clock.
    std::vector<BufferRequest> r;
    std::vector<size_t> live;
    uint64_t clock = 0;
    const int n = 1 + static_cast<int>(rng() % 120);
    for (int k = 0; k < n; ++k) {
      while (!live.empty() && rng() % 3 == 0) {
        size_t pick = rng() % live.size();
        r[live[pick]].end = clock++;
        live.erase(live.begin() + static_cast<ptrdiff_t>(pick));
      }
      size_t bytes = 1 + rng() % (rng() % 4 == 0 ? 100000 : 3000);
      live.push_back(r.size());
      r.push_back({bytes, clock++, kNeverFreed});
    }
    for (size_t i : live)
      if (rng() % 2) r[i].end = clock++;  // the rest stay "outputs"
    ArenaLayout l = plan_arena(r);
    ASSERT_EQ(overlaps(r, l), 0) << "trial " << trial;
    // Never worse than giving every placed buffer its own range.
    size_t sum = 0;
    for (size_t i = 0; i < r.size(); ++i)
      if (l.offsets[i] != kNotInArena) sum += (r[i].bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
    EXPECT_LE(l.bytes, sum);
  }
}

// ---- RunAllocator on hand-made request sequences ----

TEST(RunAllocator, ReplayServesFromTheArenaAndChecksLiveRanges) {
  auto base = std::make_shared<Allocator>();
  MemoryPatternCache cache;
  const std::string sig = "s";
  {  // recording: a, b live together, then c after a is gone
    auto ra = cache.start_run(sig, base);
    void* a = ra->alloc(1000);
    void* b = ra->alloc(2000);
    ra->free(a, 1000);
    void* c = ra->alloc(1000);
    ra->free(b, 2000);
    ra->free(c, 1000);
    ra->end_run(true);
  }
  EXPECT_EQ(cache.stats().runs_recorded, 1u);
  {  // the same sequence: all three from the arena, a and c on one range
    auto ra = cache.start_run(sig, base);
    void* a = ra->alloc(1000);
    void* b = ra->alloc(2000);
    std::memset(b, 1, 2000);
    ra->free(a, 1000);
    void* c = ra->alloc(1000);
    EXPECT_EQ(a, c);
    ra->free(b, 2000);
    ra->free(c, 1000);
    ra->end_run(true);
    MemoryPatternStats st = cache.stats();
    EXPECT_EQ(st.runs_with_arena, 1u);
    EXPECT_EQ(st.arena_requests, 3u);
    EXPECT_EQ(st.fallback_requests, 0u);
  }
  {  // a lives longer than recorded: c's planned range is taken, so c must
     // come from elsewhere (sharing would overwrite a)
    auto ra = cache.start_run(sig, base);
    void* a = ra->alloc(1000);
    std::memset(a, 7, 1000);
    void* b = ra->alloc(2000);
    void* c = ra->alloc(1000);
    EXPECT_NE(a, c);
    std::memset(c, 9, 1000);
    EXPECT_EQ(static_cast<unsigned char*>(a)[999], 7);
    void* d = ra->alloc(5000);  // never recorded: the allocator
    ra->free(d, 5000);
    ra->free(a, 1000);
    ra->free(b, 2000);
    ra->free(c, 1000);
    ra->end_run(true);
    EXPECT_EQ(cache.stats().fallback_requests, 2u);
  }
  EXPECT_EQ(base->live_bytes(), 0u);
}

TEST(RunAllocator, ArenaBufferThatOutlivesItsRunKeepsTheArena) {
  auto base = std::make_shared<Allocator>();
  MemoryPatternCache cache;
  {
    auto ra = cache.start_run("s", base);
    void* a = ra->alloc(4096);
    ra->free(a, 4096);
    ra->end_run(true);
  }
  auto r1 = cache.start_run("s", base);
  void* kept = r1->alloc(4096);  // recorded as freed in the run, kept past it here
  std::memset(kept, 5, 4096);
  r1->end_run(true);
  EXPECT_GE(base->live_bytes(), 4096u) << "the arena must stay while a buffer in it is live";
  auto r2 = cache.start_run("s", base);
  void* other = r2->alloc(4096);
  EXPECT_NE(other, kept);
  std::memset(other, 6, 4096);
  r2->free(other, 4096);
  r2->end_run(true);
  EXPECT_EQ(static_cast<unsigned char*>(kept)[4095], 5);
  r1->free(kept, 4096);
  EXPECT_EQ(base->live_bytes(), 0u);
}

TEST(RunAllocator, CacheIsBoundedAndLeastRecentlyUsedGoesFirst) {
  auto base = std::make_shared<Allocator>();
  MemoryPatternCache cache(4);
  auto record = [&](const std::string& sig) {
    auto ra = cache.start_run(sig, base);
    void* p = ra->alloc(100);
    ra->free(p, 100);
    ra->end_run(true);
  };
  for (int i = 0; i < 10; ++i) record("sig" + std::to_string(i));
  EXPECT_EQ(cache.stats().plans_cached, 4u);
  EXPECT_EQ(cache.stats().runs_recorded, 10u);
  // sig9 is cached: a replay, no new recording.
  record("sig9");
  EXPECT_EQ(cache.stats().runs_recorded, 10u);
  EXPECT_EQ(cache.stats().runs_with_arena, 1u);
  // sig0 was evicted: recorded again.
  record("sig0");
  EXPECT_EQ(cache.stats().runs_recorded, 11u);
  EXPECT_EQ(cache.stats().plans_cached, 4u);
}

TEST(RunAllocator, RunsWithTooManyRequestsGoWithoutAnArena) {
  // Past 2^14 requests a run is not planned: the recording is dropped (an
  // empty plan is kept, so the signature is not recorded again either).
  auto base = std::make_shared<Allocator>();
  MemoryPatternCache cache;
  auto go = [&] {
    auto ra = cache.start_run("big", base);
    for (int i = 0; i < 20000; ++i) ra->free(ra->alloc(64), 64);
    ra->end_run(true);
  };
  go();
  go();
  MemoryPatternStats st = cache.stats();
  EXPECT_EQ(st.runs_recorded, 1u);
  EXPECT_EQ(st.plans_cached, 1u);
  EXPECT_EQ(st.runs_with_arena, 0u);
  EXPECT_EQ(st.arena_requests, 0u);
  EXPECT_EQ(base->live_bytes(), 0u);
}

// ---- whole sessions ----

// Several intermediates live at once (the Concat inputs), one of them also a
// graph output; a symbolic batch so shapes can change.
std::string wide_model() {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {Dim::sym("batch"), 8});
  ir::Value* a = mb.node("Relu", {x});
  ir::Value* b = mb.node("Sigmoid", {x});
  ir::Value* c = mb.node("Tanh", {x});
  ir::Value* d = mb.node("Neg", {x});
  ir::Value* e = mb.node("Concat", {a, b, c, d}, {ModelBuilder::attr_int("axis", 1)});
  ir::Value* f = mb.node("Mul", {e, e});
  ir::Value* g = mb.node("Softmax", {f}, {ModelBuilder::attr_int("axis", -1)});
  mb.output(g);
  mb.output(mb.node("Add", {a, c}));
  return mb.bytes();
}

Tensor input(int64_t batch, int seed) {
  std::vector<float> v(static_cast<size_t>(batch * 8));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((seed * 31 + static_cast<int>(i) * 17) % 23) / 5.0f - 2.0f;
  return Tensor::from<float>(v, {batch, 8});
}

std::vector<Tensor> run(const Session& s, const Tensor& x) {
  std::vector<std::string> names{"x"};
  std::vector<Value> in{Value(x)};
  std::vector<Tensor> t;
  for (Value& v : s.run(names, in, {})) t.push_back(v.tensor());
  return t;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::unique_ptr<Session> session(const std::string& bytes, bool pattern, int threads = 1) {
  SessionOptions so;
  so.enable_mem_pattern = pattern;
  so.intra_op_threads = threads;
  return Session::create(bytes.data(), bytes.size(), so);
}

TEST(MemoryPattern, SecondRunUsesTheArenaAndMatches) {
  std::string bytes = wide_model();
  auto plain = session(bytes, false);
  auto s = session(bytes, true);
  Tensor x = input(64, 1);
  std::vector<Tensor> want = run(*plain, x);
  std::vector<Tensor> r1 = run(*s, x);
  MemoryPatternStats st = s->memory_pattern_stats();
  EXPECT_EQ(st.runs_recorded, 1u);
  EXPECT_EQ(st.runs_with_arena, 0u);
  std::vector<Tensor> r2 = run(*s, x);
  st = s->memory_pattern_stats();
  EXPECT_EQ(st.runs_recorded, 1u);
  EXPECT_EQ(st.runs_with_arena, 1u);
  EXPECT_GE(st.arena_requests, 3u);  // at least the four Concat inputs minus the one that is an output
  EXPECT_GT(st.last_arena_bytes, 0u);
  ASSERT_EQ(r1.size(), 2u);
  ASSERT_EQ(r2.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_TRUE(same(r1[k], want[k])) << k;
    EXPECT_TRUE(same(r2[k], want[k])) << k;
  }
  EXPECT_EQ(plain->memory_pattern_stats().runs_recorded, 0u);
}

TEST(MemoryPattern, OutputsSurviveLaterRuns) {
  std::string bytes = wide_model();
  auto plain = session(bytes, false);
  auto s = session(bytes, true);
  Tensor x1 = input(32, 1), x2 = input(32, 2);
  std::vector<Tensor> want1 = run(*plain, x1), want2 = run(*plain, x2);
  std::vector<Tensor> r1 = run(*s, x1);  // records
  std::vector<Tensor> r2 = run(*s, x1);  // arena
  for (int i = 0; i < 5; ++i) run(*s, x2);  // arena again, other values
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_TRUE(same(r1[k], want1[k])) << "run 1 output " << k << " was overwritten";
    EXPECT_TRUE(same(r2[k], want1[k])) << "run 2 output " << k << " was overwritten";
  }
  std::vector<Tensor> r3 = run(*s, x2);
  for (size_t k = 0; k < 2; ++k) EXPECT_TRUE(same(r3[k], want2[k])) << k;
  EXPECT_GE(s->memory_pattern_stats().runs_with_arena, 6u);
}

TEST(MemoryPattern, ChangingShapesMakeNewPlansInABoundedCache) {
  std::string bytes = wide_model();
  auto plain = session(bytes, false);
  auto s = session(bytes, true);
  int bad = 0;
  for (int round = 0; round < 2; ++round)
    for (int64_t batch = 1; batch <= 40; ++batch) {
      Tensor x = input(batch, static_cast<int>(batch));
      std::vector<Tensor> want = run(*plain, x);
      for (int rep = 0; rep < 2; ++rep) {
        std::vector<Tensor> got = run(*s, x);
        if (!same(got[0], want[0]) || !same(got[1], want[1])) ++bad;
      }
    }
  EXPECT_EQ(bad, 0);
  MemoryPatternStats st = s->memory_pattern_stats();
  EXPECT_EQ(st.plans_cached, MemoryPatternCache::kDefaultCapacity);
  // 40 shapes, each new again in round 2 (evicted by the 39 others): recorded
  // on every first run, replayed on every second.
  EXPECT_EQ(st.runs_recorded, 80u);
  EXPECT_EQ(st.runs_with_arena, 80u);
  EXPECT_EQ(st.fallback_requests, 0u);
}

// y = NonZero(x): how many elements the rest of the graph sees depends on the
// values, not on x's shape.
std::string nonzero_model() {
  ModelBuilder mb(17);
  ir::Value* x = mb.input("x", DataType::kFloat, {64});
  ir::Value* nz = mb.node("NonZero", {x});
  ir::Value* f = mb.node("Cast", {nz}, {ModelBuilder::attr_int("to", static_cast<int64_t>(DataType::kFloat))});
  ir::Value* g = mb.node("Add", {f, f});
  ir::Value* h = mb.node("Mul", {g, g});
  ir::Value* i = mb.node("Sqrt", {h});
  mb.output(mb.node("Neg", {i}));
  mb.output(mb.node("ReduceSum", {g}));
  return mb.bytes();
}

TEST(MemoryPattern, DataDependentShapesFallBack) {
  std::string bytes = nonzero_model();
  auto plain = session(bytes, false);
  auto s = session(bytes, true);
  std::mt19937 rng(3);
  int bad = 0;
  for (int k = 0; k < 30; ++k) {
    std::vector<float> v(64);
    const unsigned keep = 1 + rng() % 8;  // a different count of non-zeros every run
    for (float& e : v) e = rng() % keep == 0 ? 1.0f : 0.0f;
    Tensor x = Tensor::from<float>(v, {64});
    std::vector<std::string> names{"x"};
    std::vector<Value> in{Value(x)};
    std::vector<Value> got = s->run(names, in, {}), want = plain->run(names, in, {});
    for (size_t o = 0; o < 2; ++o)
      if (!same(got[o].tensor(), want[o].tensor())) ++bad;
  }
  EXPECT_EQ(bad, 0);
  MemoryPatternStats st = s->memory_pattern_stats();
  EXPECT_EQ(st.runs_recorded, 1u);  // one input shape
  EXPECT_EQ(st.runs_with_arena, 29u);
  EXPECT_GT(st.fallback_requests, 0u) << "sizes after NonZero differ from the recording";
}

TEST(MemoryPattern, ConcurrentRunsMatchSerial) {
  std::string bytes = wide_model();
  auto plain = session(bytes, false);
  auto s = session(bytes, true, 2);
  constexpr int kInputs = 6, kThreads = 6, kRuns = 200;
  std::vector<Tensor> inputs;
  std::vector<std::vector<Tensor>> want;
  for (int k = 0; k < kInputs; ++k) {
    inputs.push_back(input(16 * (1 + k % 3), k));  // three shapes, two inputs each
    want.push_back(run(*plain, inputs.back()));
  }
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRuns; ++i) {
        const size_t k = static_cast<size_t>((t * 5 + i) % kInputs);
        try {
          std::vector<Tensor> got = run(*s, inputs[k]);
          if (!same(got[0], want[k][0]) || !same(got[1], want[k][1])) ++bad;
        } catch (const Error&) {
          ++bad;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GT(s->memory_pattern_stats().runs_with_arena, 0u);
  EXPECT_LE(s->memory_pattern_stats().plans_cached, 3u);
}

}  // namespace
}  // namespace onyx::test
