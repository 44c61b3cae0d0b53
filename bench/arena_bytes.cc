// onyx_arena: how many bytes a model's intermediates take per run once the
// memory pattern has planned them (runtime/memory_pattern.h), and how many
// allocation requests that arena serves. In-place outputs (an elementwise or
// row-wise op writing over an input that dies there) lower both.
//
//   build/bin/onyx_arena MODEL.onnx [SYMBOL=VALUE ...]
//
// Inputs are filled with small values (integers: 1); a symbolic dimension
// takes its VALUE from the command line, else 1. Three runs on one thread:
// the first records, the second plans, the third is the one reported.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "runtime/memory_pattern.h"
#include "runtime/session.h"

int main(int argc, char** argv) {
  using namespace onyx;
  if (argc < 2) {
    std::fprintf(stderr, "usage: onyx_arena MODEL.onnx [SYMBOL=VALUE ...]\n");
    return 2;
  }
  std::map<std::string, int64_t> dims;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const size_t eq = a.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "expected SYMBOL=VALUE, got '%s'\n", argv[i]);
      return 2;
    }
    dims[a.substr(0, eq)] = std::atoll(a.c_str() + eq + 1);
  }
  try {
    SessionOptions so;
    so.intra_op_threads = 1;
    so.enable_mem_pattern = true;
    auto s = Session::create(std::string(argv[1]), so);
    std::vector<std::string> names;
    std::vector<Value> in;
    for (const IoInfo& io : s->inputs()) {
      Shape shape;
      for (const ir::Dim& d : io.type.dims) shape.push_back(d.known() ? d.value : dims.count(d.param) ? dims[d.param] : 1);
      Tensor t(io.type.elem, shape);
      for (int64_t k = 0; k < t.numel(); ++k) {
        switch (io.type.elem) {
          case DataType::kFloat: t.data<float>()[k] = 0.01f * static_cast<float>(k % 97); break;
          case DataType::kInt64: t.data<int64_t>()[k] = 1; break;
          case DataType::kInt32: t.data<int32_t>()[k] = 1; break;
          case DataType::kBool: t.data<bool>()[k] = true; break;
          default: std::fprintf(stderr, "input '%s': unsupported element type\n", io.name.c_str()); return 2;
        }
      }
      names.push_back(io.name);
      in.emplace_back(std::move(t));
    }
    for (int r = 0; r < 3; ++r) s->run(names, in, {});
    const MemoryPatternStats st = s->memory_pattern_stats();
    std::printf("%s: arena %.2f MB, %llu requests served from it, %llu fell back\n", argv[1],
                static_cast<double>(st.last_arena_bytes) / 1048576.0, static_cast<unsigned long long>(st.arena_requests),
                static_cast<unsigned long long>(st.fallback_requests));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onyx_arena: %s\n", e.what());
    return 1;
  }
  return 0;
}
