// numpy matmul shapes, shared by MatMul, MatMulInteger and QLinearMatMul:
// 1-D promotion, batch broadcasting, and per-product offsets for the
// batched reference GEMM.
#pragma once

#include <vector>

#include "base/tensor.h"
#include "shape/infer.h"

namespace onyx {

struct MatMulPlan {
  Shape out_shape;
  int64_t m = 0, n = 0, k = 0;
  int64_t batch = 0;  // number of m x n products
  // Element offsets of each product's A, B and output (A rows are k long,
  // B rows n long, output rows n long).
  std::vector<int64_t> a_off, b_off, c_off;
  // Batch index of each product in A's own batch dims (for per-batch zero
  // points); equal to the output batch index when A is not broadcast.
  std::vector<int64_t> a_batch;
  std::vector<int64_t> b_batch;
  bool folded = false;  // A's batch dims were folded into m (B has none)
};

// Throws kInvalidArgument naming both shapes when they do not multiply.
MatMulPlan plan_matmul(const Shape& a, const Shape& b);

// Inference of output `0` = matmul(input a_in, input b_in) with element type `dt`.
void infer_matmul_output(InferContext& ctx, int a_in, int b_in, DataType dt);

}  // namespace onyx
