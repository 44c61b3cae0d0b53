// The fuzz targets' bodies, shared by the libFuzzer entry points
// (fuzz_*.cc) and by the GoogleTest that replays saved crash inputs in every
// build (tests/unit/fuzz_regressions_test.cc). Each drives the library only
// through its public C++ API (onyx.hpp), as an embedding application would,
// and accepts an onyx::Exception as the clean outcome: anything else (a
// crash, a sanitizer report, another exception type) is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <onyx/onyx.hpp>

namespace onyx_fuzz {

inline const onyx::Env& env() {
  static onyx::Env e(ONYX_LOG_FATAL, "fuzz");
  return e;
}

// Small limits: a fuzzed model asking for more must be refused with an error
// (libFuzzer's -rss_limit_mb catches what slips past).
inline onyx::SessionOptions options(bool optimize) {
  onyx::SessionOptions o;
  o.SetIntraOpNumThreads(1)
      .SetLogSeverityLevel(ONYX_LOG_FATAL)
      .SetMemoryLimit(size_t{256} << 20)
      .SetGraphOptimizationLevel(optimize ? ONYX_OPT_ENABLE_ALL : ONYX_OPT_DISABLE_ALL);
  return o;
}

// Fuzz target: model bytes -> the loader (parse, IR, functions, external-data
// checks) through the public ModelInfo API. Anything but an onyx::Exception
// or a clean return is a bug.
inline int loader(const uint8_t* data, size_t size) {
  try {
    onyx::ModelInfo info = onyx::ModelInfo::FromBytes(data, size);
    (void)info.IrVersion();
    (void)info.Opsets();
    for (size_t i = 0; i < info.InputCount(); ++i) (void)info.InputTypeInfo(i).TypeString();
    for (size_t i = 0; i < info.OutputCount(); ++i) (void)info.OutputTypeInfo(i).TypeString();
    (void)info.OpHistogram();
    (void)info.InitializerBytes();
  } catch (const onyx::Exception&) {
  }
  return 0;
}

// Fuzz target: model bytes -> a session (loader, shape and type inference,
// every optimisation pass, planning), then the inferred input/output types.
inline int infer(const uint8_t* data, size_t size) {
  // Inference runs on the graph as written, then again after constant
  // folding and fusions (which feed it values it never saw in the first pass).
  for (bool optimize : {false, true}) {
    try {
      onyx::Session s(env(), data, size, options(optimize));
      for (size_t i = 0; i < s.InputCount(); ++i) (void)s.InputTypeInfo(i).Shape();
      for (size_t i = 0; i < s.OutputCount(); ++i) (void)s.OutputTypeInfo(i).SymbolicDims();
    } catch (const onyx::Exception&) {
      return 0;
    }
  }
  return 0;
}

struct Control {
  const uint8_t* p;
  size_t n, i = 0;
  uint8_t next() { return n ? p[i++ % n] : 0; }
};

// Fuzz target: load a small model and run it on fuzzed inputs.
// Input layout: [model bytes][control bytes][u16 little-endian control length].
// The control bytes choose each input's dims (declared fixed dims are mostly
// kept, symbolic ones get 0..4, sometimes a fixed dim is changed to test the
// run-time shape checks) and fill the input data.
inline int run(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  size_t ctl_len = data[size - 2] | (size_t{data[size - 1]} << 8);
  size -= 2;
  if (ctl_len > size) ctl_len = size;
  Control ctl{data + size - ctl_len, ctl_len};
  size_t model_size = size - ctl_len;
  try {
    onyx::Session s(env(), data, model_size, options(true));
    std::vector<std::string> names;
    std::vector<onyx::Value> values;
    for (size_t i = 0; i < s.InputCount(); ++i) {
      onyx::TypeInfo t = s.InputTypeInfo(i);
      if (t.Kind() != ONYX_KIND_TENSOR) return 0;
      OnyxElementType et = t.ElementType();
      std::vector<int64_t> dims = t.Shape();
      if (t.Rank() < 0) dims.assign(ctl.next() % 4, -1);
      size_t count = 1;
      for (int64_t& d : dims) {
        uint8_t c = ctl.next();
        if (d < 0 || c >= 0xf0) d = c % 5;
        count *= static_cast<size_t>(d);
        if (count > (1u << 16)) return 0;  // keep runs small
      }
      names.push_back(s.InputName(i));
      if (et == ONYX_ELEMENT_STRING) {
        std::vector<std::string> strs(count);
        for (std::string& str : strs) str.assign(ctl.next() % 4, static_cast<char>('a' + ctl.next() % 3));
        values.push_back(onyx::Value::StringTensor(dims, strs));
        continue;
      }
      onyx::Value v = onyx::Value::Tensor(et, dims);
      uint8_t* raw = static_cast<uint8_t*>(v.GetTensorMutableRawData());
      size_t bytes = v.SizeInBytes();
      if (et == ONYX_ELEMENT_BOOL) {
        for (size_t b = 0; b < bytes; ++b) raw[b] = ctl.next() & 1;
      } else {
        // Raw bytes: any bit pattern (NaN, Inf, huge indices, negatives) is fair.
        for (size_t b = 0; b < bytes; ++b) raw[b] = ctl.next();
      }
      values.push_back(std::move(v));
    }
    std::vector<onyx::Value> out = s.Run(names, values, {});
    for (onyx::Value& o : out)
      if (o.IsTensor()) (void)o.ElementCount();
  } catch (const onyx::Exception&) {
  }
  return 0;
}

}  // namespace onyx_fuzz
