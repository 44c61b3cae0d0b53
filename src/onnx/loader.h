// ONNX front end: model bytes -> ir::Model.
//
// The loader maps the file, decodes the protobuf in place (wire.h), points
// initializers into the mapping, resolves external data inside the model's
// folder, inlines model-local functions, densifies sparse initializers and
// sorts the graph. It does not know about kernels or shapes; the session
// builder runs shape inference and kernel selection afterwards.
#pragma once

#include <memory>
#include <string>

#include "base/tensor.h"
#include "ir/graph.h"

namespace onyx {
class ThreadPool;
}

namespace onyx::onnx {

struct LoadOptions {
  // Folder external data paths are resolved in for models loaded from
  // memory. Empty: such models may not use external data.
  std::string external_data_dir;
  // Splits the copies of large misaligned weights over this pool (the
  // session's): each thread pays the first touch of the fresh pages it fills.
  ThreadPool* pool = nullptr;
};

std::unique_ptr<ir::Model> load_model_file(const std::string& path, const LoadOptions& opts = {});
// `owner` keeps `data` alive for as long as the model's tensors may point into it.
std::unique_ptr<ir::Model> load_model_bytes(const void* data, size_t size, std::shared_ptr<void> owner,
                                            const LoadOptions& opts = {});

// Test-data helpers (ONNX backend tests store values as serialized protos).
// A TensorProto; its data is copied so the result does not depend on `bytes`.
Tensor parse_tensor_proto(std::string_view bytes);
// A SequenceProto, OptionalProto or MapProto as a runtime Value.
Value parse_sequence_proto(std::string_view bytes);
Value parse_optional_proto(std::string_view bytes);
Value parse_map_proto(std::string_view bytes);

}  // namespace onyx::onnx
