// Reading and writing numpy .npy files (format versions 1.0, 2.0 and 3.0).
//
// Only what a model input or output can be: C-order arrays of little-endian
// numbers (f2 f4 f8, i1..i8, u1..u8, b1, c8 c16) and fixed-width strings
// ('U' read and written as UTF-32, 'S' read as bytes), which become ONNX
// string tensors. Fortran order, big-endian data, object (pickled) arrays and
// structured dtypes are refused with an error naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "onyx/onyx_c_api.h"

namespace onyx_cli {

struct NpyArray {
  std::string descr;                 // dtype as written in the file ("<f4")
  OnyxElementType type = ONYX_ELEMENT_UNDEFINED;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;         // the elements, dense (not for strings)
  std::vector<std::string> strings;  // UTF-8 elements of string arrays
  size_t element_count() const;
};

// Throws CliError naming `path` on anything it cannot read.
NpyArray npy_read(const std::string& path);

// The .npy dtype for an element type ("<f4"), or "" when numpy has none.
std::string npy_descr(OnyxElementType type);

// Writes dense numeric data (`bytes` of it) / strings; throws CliError naming `path`.
void npy_write(const std::string& path, OnyxElementType type, const std::vector<int64_t>& shape, const void* data,
               size_t bytes);
void npy_write_strings(const std::string& path, const std::vector<int64_t>& shape,
                       const std::vector<std::string>& strings);

}  // namespace onyx_cli
