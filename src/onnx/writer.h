// IR -> ONNX bytes: saves optimised models and lets tests build models in code.
//
// Fused ops that exist only in Onyx are written in the "com.onyx" domain with
// an opset import for it, so the file is valid ONNX that Onyx loads back.
#pragma once

#include <string>

#include "ir/graph.h"

namespace onyx::onnx {

std::string serialize_model(const ir::Model& model);
std::string serialize_tensor(const Tensor& t, const std::string& name = "");
// Writes serialize_model(model) to `path`; throws on I/O failure.
void save_model(const ir::Model& model, const std::string& path);

}  // namespace onyx::onnx
