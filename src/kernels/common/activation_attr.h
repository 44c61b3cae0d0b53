// Fused activations on com.onyx ops (FusedConv, FusedGemm, FusedMatMul):
// attribute `activation` names the op ("Relu", "Clip", "LeakyRelu", "Sigmoid",
// "Tanh", "HardSigmoid", "HardSwish", "Silu", "Gelu", "GeluTanh"), and
// `activation_params` carries its parameters (Clip: min, max; LeakyRelu:
// alpha; HardSigmoid: alpha, beta). The graph optimiser writes these when it
// fuses Conv/Gemm/MatMul with the activation that follows.
#pragma once

#include "ir/graph.h"
#include "ukernels/sgemm.h"

namespace onyx {

// The epilogue's activation for a node (Act::kNone for plain Conv/Gemm/MatMul).
ukernel::Epilogue activation_from_node(const ir::Node& node);
// Name and parameters for the attributes of a fused node.
bool activation_from_op(const ir::Node& act, std::string* name, std::vector<float>* params);

}  // namespace onyx
