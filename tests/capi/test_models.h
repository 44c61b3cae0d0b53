// Small models for the C and C++ API tests, as serialized ONNX bytes.
//
// This header names no engine type, so the C++ wrapper tests (which must see
// only the public headers) can use it as well as the C API tests.
#pragma once

#include <string>

namespace onyx_api_test {

// C = A + B. A: float[batch,3] ("batch" symbolic); B: float[3] = {10,20,30},
// an initializer listed as a graph input (overridable). Carries metadata:
// producer "onyx-test" 1.2, domain "ai.onyx.test", model_version 7,
// doc "adds a bias", graph "add_graph", custom {"author": "capi", "license": "none"}.
std::string add_model();
// Y = Identity(X), X: float[2,2].
std::string identity_model();
// Y = Identity(X) over a sequence: X, Y: seq(tensor(float)).
std::string sequence_identity_model();
// Y = Identity(W): W is a float[4] initializer {1,2,3,4} (not overridable),
// so the output aliases a model constant.
std::string constant_output_model();
// A FooBar node of domain com.example (no kernel anywhere) and an If whose
// branches hold a Relu and an Add: info without a session, histogram over subgraphs.
std::string unknown_op_model();
// Y = MatMul(X, W), X: float[2,3], W: float[3,2] (both inputs): a node with a
// fast kernel ("sgemm") beside its reference one.
std::string matmul_model();
// Y = X + W with W float[3] stored in external file `location` (hand-encoded ModelProto).
std::string external_data_model(const std::string& location);

}  // namespace onyx_api_test
