// Hand-written protobuf pieces for tests of inputs the IR writer never
// produces (truncated, inconsistent or hostile models), and error capture.
// Shared by the loader, session, hostile-model and function-op tests.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/error.h"
#include "onnx/wire.h"

namespace onyx::test {

// The message of the onyx::Error fn throws, or "" when it throws none.
inline std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// ValueInfoProto of a tensor with fixed dims.
inline wire::Writer value_info(const std::string& name, DataType dt, std::vector<int64_t> dims) {
  wire::Writer shape;
  for (int64_t d : dims) {
    wire::Writer dim;
    dim.int64(1, d);
    shape.message(1, dim);
  }
  wire::Writer tt;
  tt.int64(1, static_cast<int64_t>(dt));
  tt.message(2, shape);
  wire::Writer tp;
  tp.message(1, tt);
  wire::Writer vi;
  vi.bytes(1, name);
  vi.message(2, tp);
  return vi;
}

// NodeProto without attributes.
inline wire::Writer node(const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs,
                         const std::string& name = "", const std::string& domain = "") {
  wire::Writer n;
  for (auto& i : ins) n.bytes(1, i);
  for (auto& o : outs) n.bytes(2, o);
  if (!name.empty()) n.bytes(3, name);
  n.bytes(4, op);
  if (!domain.empty()) n.bytes(7, domain);
  return n;
}

// OperatorSetIdProto.
inline wire::Writer opset(const std::string& domain, int64_t v) {
  wire::Writer o;
  if (!domain.empty()) o.bytes(1, domain);
  o.int64(2, v);
  return o;
}

// ModelProto (opset 17) of y = Add(x, W): W is the initializer `weight`
// (a TensorProto named "W"), x and y are float tensors of `dims`.
inline std::string add_model(const wire::Writer& weight, std::vector<int64_t> dims) {
  wire::Writer g;
  g.message(1, node("Add", {"x", "W"}, {"y"}, "add"));
  g.bytes(2, "g");
  g.message(5, weight);
  g.message(11, value_info("x", DataType::kFloat, dims));
  g.message(12, value_info("y", DataType::kFloat, dims));
  wire::Writer m;
  m.int64(1, 8);
  m.message(7, g);
  m.message(8, opset("", 17));
  return m.take();
}

}  // namespace onyx::test
