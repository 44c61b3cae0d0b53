#include "onnx/function_ops.h"

#include <cstddef>

namespace onyx::onnx {

namespace {

struct Entry {
  const char* domain;
  const char* op;
  int since;
  size_t size;
  const char* bytes;
};

// Sorted by (domain, op, since).
constexpr Entry kEntries[] = {
#include "onnx/function_ops_data.inc"
};

}  // namespace

FunctionBody standard_function_body(std::string_view domain, std::string_view op, int opset) {
  if (domain == "ai.onnx") domain = "";
  FunctionBody best;
  for (const Entry& e : kEntries)
    if (domain == e.domain && op == e.op && e.since <= opset && e.since > best.since)
      best = FunctionBody{std::string_view(e.bytes, e.size), e.since};
  return best;
}

}  // namespace onyx::onnx
