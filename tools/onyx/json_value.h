// Values as JSON, for the inputs and outputs a .npy file cannot hold:
// sequences, maps (ai.onnx.ml) and optionals. `onyx run` reads
// `--input NAME=FILE.json` and writes non-tensor outputs to DIR/NAME.json.
//
// The form (docs/CLI.md, "JSON values"):
//   tensor    {"type": "float32", "shape": [2, 2], "data": [1, 2, 3, 4]}  (data row-major;
//             NaN and infinities as the strings "NaN", "Infinity", "-Infinity")
//             On input a tensor may also be a bare number / string / bool
//             (rank 0) or nested arrays (shape from the nesting), its
//             element type the declared one.
//   sequence  [item, item, ...]
//   map       {"key": value, ...}: keys are JSON strings (int64 keys in
//             decimal), values numbers or strings (the map's value type)
//   optional  null when empty, else the value it holds
#pragma once

#include <string>

#include "onyx/onyx.hpp"

namespace onyx_cli {

// "float32[2,3]" for a tensor; "seq(map(string,tensor(float))) of 2",
// "map(int64,tensor(float)) of 3 entries", "empty optional" for the others.
std::string describe_value(const onyx::Value& v);

// The JSON text of `v` (one line for small values; no trailing newline).
std::string value_to_json(const onyx::Value& v);

// Parses `text` as a value of the `declared` type. Errors are CliErrors
// naming `what` (e.g. "input 'x' from 'x.json'") and where in the text.
onyx::Value value_from_json(const std::string& text, const onyx::TypeInfo& declared, const std::string& what);

}  // namespace onyx_cli
