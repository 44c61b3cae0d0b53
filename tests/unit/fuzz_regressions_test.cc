// Replays every input the fuzzers ever crashed on (tests/fuzz/regressions/
// TARGET/*) through the same target bodies, in every build: each must now end
// in a clean return or an onyx::Exception. The sanitizer builds replay them
// too (tests/fuzz/run.sh 0), where an out-of-bounds read would also show.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/targets.h"

namespace {

namespace fs = std::filesystem;

void replay(const std::string& target, int (*fn)(const uint8_t*, size_t)) {
  fs::path dir = fs::path(ONYX_SOURCE_DIR) / "tests/fuzz/regressions" / target;
  if (!fs::exists(dir)) return;
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream f(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    ++n;
  }
  ::testing::Test::RecordProperty("inputs", n);
}

TEST(FuzzRegressions, Loader) { replay("loader", onyx_fuzz::loader); }
TEST(FuzzRegressions, Infer) { replay("infer", onyx_fuzz::infer); }
TEST(FuzzRegressions, Run) { replay("run", onyx_fuzz::run); }

TEST(FuzzRegressions, SeedCorpusLoadsCleanly) {
  // The seed corpus itself (conformance models) goes through all three bodies.
  fs::path dir = fs::path(ONYX_SOURCE_DIR) / "tests/fuzz/corpus/run";
  ASSERT_TRUE(fs::exists(dir));
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream f(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), {});
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    SCOPED_TRACE(e.path().string());
    EXPECT_NO_THROW(onyx_fuzz::run(p, bytes.size()));
    ++n;
  }
  EXPECT_GT(n, 100);
}

}  // namespace
