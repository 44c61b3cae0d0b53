#include "kernels/common/quant_util.h"

namespace onyx {

QuantLayout quant_layout(const Shape& x, const Shape& scale, int64_t axis, int64_t block_size, const char* what,
                         bool allow_axis, bool allow_blocked) {
  QuantLayout l;
  int64_t scale_n = shape_numel(scale);
  const int rank = static_cast<int>(x.size());
  if (block_size < 0) fail(ErrorCode::kInvalidArgument, "block_size must not be negative, got ", block_size);
  // One scale for everything (a scalar, or any shape holding one element).
  if (block_size == 0 && scale_n == 1) return l;
  if (block_size == 0) {
    if (!allow_axis || scale.size() != 1)
      fail(ErrorCode::kInvalidArgument, what, " must be a scalar", allow_axis ? " or a 1-D tensor" : "",
           " without block_size, got shape ", shape_str(scale));
    if (rank == 0) fail(ErrorCode::kInvalidArgument, what, " has shape ", shape_str(scale), " but the input is a scalar");
    const int a = normalize_axis(axis, rank, "axis");
    if (scale[0] != x[static_cast<size_t>(a)])
      fail(ErrorCode::kInvalidArgument, what, " has ", scale[0], " elements but the input has ", x[static_cast<size_t>(a)],
           " along axis ", a, " (shape ", shape_str(x), ")");
    l.kind = QuantLayout::Kind::kPerAxis;
    l.axis_dim = x[static_cast<size_t>(a)];
    for (int d = 0; d < a; ++d) l.outer *= x[static_cast<size_t>(d)];
    for (int d = a + 1; d < rank; ++d) l.inner *= x[static_cast<size_t>(d)];
    return l;
  }
  if (!allow_blocked) fail(ErrorCode::kInvalidArgument, "block_size is not supported before opset 21");
  if (rank == 0 || static_cast<int>(scale.size()) != rank)
    fail(ErrorCode::kInvalidArgument, "blocked quantization needs ", what, " of the input's rank ", rank, ", got shape ",
         shape_str(scale));
  const int a = normalize_axis(axis, rank, "axis");
  for (int d = 0; d < rank; ++d) {
    if (d == a) continue;
    if (scale[static_cast<size_t>(d)] != x[static_cast<size_t>(d)])
      fail(ErrorCode::kInvalidArgument, what, " shape ", shape_str(scale), " must equal the input shape ", shape_str(x),
           " except along axis ", a);
  }
  const int64_t dim = x[static_cast<size_t>(a)];
  const int64_t blocks = scale[static_cast<size_t>(a)];
  // Each of the `blocks` scales covers block_size elements, the last one
  // possibly fewer: blocks = ceil(dim / block_size).
  const int64_t want = dim == 0 ? 0 : (dim - 1) / block_size + 1;
  if (blocks != want)
    fail(ErrorCode::kInvalidArgument, what, " has ", blocks, " blocks along axis ", a, " but an input dim of ", dim,
         " with block_size ", block_size, " needs ", want);
  l.kind = QuantLayout::Kind::kBlocked;
  l.axis_dim = dim;
  l.block = block_size;
  l.blocks = blocks;
  for (int d = 0; d < a; ++d) l.outer *= x[static_cast<size_t>(d)];
  for (int d = a + 1; d < rank; ++d) l.inner *= x[static_cast<size_t>(d)];
  return l;
}

double quant_load(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat: return t.data<float>()[i];
    case DataType::kDouble: return t.data<double>()[i];
    case DataType::kFloat16: return static_cast<float>(t.data<Float16>()[i]);
    case DataType::kBFloat16: return static_cast<float>(t.data<BFloat16>()[i]);
    case DataType::kInt8: return t.data<int8_t>()[i];
    case DataType::kUInt8: return t.data<uint8_t>()[i];
    case DataType::kInt16: return t.data<int16_t>()[i];
    case DataType::kUInt16: return t.data<uint16_t>()[i];
    case DataType::kInt32: return t.data<int32_t>()[i];
    case DataType::kUInt32: return t.data<uint32_t>()[i];
    case DataType::kInt64: return static_cast<double>(t.data<int64_t>()[i]);
    case DataType::kUInt64: return static_cast<double>(t.data<uint64_t>()[i]);
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ: return f8_to_float(t.dtype(), t.data<uint8_t>()[i]);
    case DataType::kFloat8E8M0: return e8m0_to_float(t.data<uint8_t>()[i]);
    case DataType::kFloat4E2M1: return f4e2m1_to_float(packed_load(t.data<uint8_t>(), i, 4));
    case DataType::kUInt4: return packed_load(t.data<uint8_t>(), i, 4);
    case DataType::kInt4: {
      const int v = packed_load(t.data<uint8_t>(), i, 4);
      return v >= 8 ? v - 16 : v;
    }
    case DataType::kUInt2: return packed_load(t.data<uint8_t>(), i, 2);
    case DataType::kInt2: {
      const int v = packed_load(t.data<uint8_t>(), i, 2);
      return v >= 2 ? v - 4 : v;
    }
    default: throw_unsupported_dtype(t.dtype(), "quantization");
  }
}

bool quant_int_range(DataType t, int64_t* lo, int64_t* hi) {
  switch (t) {
    case DataType::kUInt8: *lo = 0; *hi = 255; return true;
    case DataType::kInt8: *lo = -128; *hi = 127; return true;
    case DataType::kUInt16: *lo = 0; *hi = 65535; return true;
    case DataType::kInt16: *lo = -32768; *hi = 32767; return true;
    case DataType::kUInt4: *lo = 0; *hi = 15; return true;
    case DataType::kInt4: *lo = -8; *hi = 7; return true;
    case DataType::kUInt2: *lo = 0; *hi = 3; return true;
    case DataType::kInt2: *lo = -2; *hi = 1; return true;
    default: return false;
  }
}

bool quant_is_output_type(DataType t) {
  int64_t lo, hi;
  if (quant_int_range(t, &lo, &hi)) return true;
  switch (t) {
    case DataType::kFloat8E4M3FN:
    case DataType::kFloat8E4M3FNUZ:
    case DataType::kFloat8E5M2:
    case DataType::kFloat8E5M2FNUZ:
    case DataType::kFloat4E2M1: return true;
    default: return false;
  }
}

}  // namespace onyx
