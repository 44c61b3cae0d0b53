// LabelEncoder (ai.onnx.ml 1, 2, 4): maps each element of X through a table
// of keys to values, elements not in the table giving a default.
//
// Opset 1: one list, classes_strings. A string input gives the index at which
// it is first found (default_int64, -1, when absent); an int64 input gives
// classes_strings[x] (default_string, "_Unused", when out of range).
// Opset 2: parallel lists keys_{strings,int64s,floats} -> values_{...}, with
// default_string / default_int64 / default_float (-0.0) matching the values.
// Opset 4 adds keys_tensor / values_tensor / default_tensor, so keys and
// values may also be int16, int32 or double; default_tensor (one element)
// overrides the default_* attribute of the value type.
//
// Keys are compared by value: every NaN key matches every NaN input (opset 4
// says so; opset 2's "bit-wise comparison" would only match one NaN pattern,
// which no exporter relies on) and 0.0 matches -0.0. A repeated key: the last
// one wins (opset 4's rule, and what the reference's dict does for opset 2).
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "shape/infer.h"

namespace onyx {

namespace {

bool label_type_ok(DataType t, int opset) {
  if (t == DataType::kString || t == DataType::kInt64 || t == DataType::kFloat) return true;
  return opset >= 4 && (t == DataType::kInt32 || t == DataType::kInt16 || t == DataType::kDouble);
}

const char* label_types_text(int opset) {
  return opset >= 4 ? "string, int64, int32, int16, float or double" : "string, int64 or float";
}

// One of the keys_* (or values_*) attributes as a 1-D tensor: the opset-4
// tensor form or the typed lists. Exactly one must be given.
Tensor label_list(const ir::Node& n, const char* prefix) {
  const std::string p(prefix);
  std::vector<std::string> given;
  for (const char* s : {"_tensor", "_strings", "_int64s", "_floats"})
    if (n.has_attr(p + s) && (n.opset >= 4 || std::strcmp(s, "_tensor") != 0)) given.push_back(p + s);
  if (given.size() != 1)
    fail(ErrorCode::kInvalidGraph, n.describe(), ": exactly one of ", p, "_strings, ", p, "_int64s, ", p, "_floats",
         n.opset >= 4 ? str_cat(" or ", p, "_tensor") : std::string(), " must be set, got ",
         given.empty() ? std::string("none") : str_cat(given.size()));
  const std::string& a = given[0];
  if (a == p + "_tensor") {
    const Tensor* t = n.attr_tensor(a);
    if (!t || !t->defined()) fail(ErrorCode::kInvalidGraph, n.describe(), ": ", a, " holds no tensor");
    if (!label_type_ok(t->dtype(), n.opset))
      fail(ErrorCode::kInvalidGraph, n.describe(), ": ", a, " has element type ", dtype_name(t->dtype()),
           "; expected ", label_types_text(n.opset));
    return t->reshaped({t->numel()});
  }
  if (a == p + "_strings") {
    const std::vector<std::string> v = n.attr_strings(a);
    return Tensor::from<std::string>(v, {static_cast<int64_t>(v.size())});
  }
  if (a == p + "_int64s") {
    const std::vector<int64_t> v = n.attr_ints(a);
    return Tensor::from<int64_t>(v, {static_cast<int64_t>(v.size())});
  }
  const std::vector<float> v = n.attr_floats(a);
  return Tensor::from<float>(v, {static_cast<int64_t>(v.size())});
}

// The element type of the keys or the values (for inference, without
// building the table); kUndefined unless exactly one attribute is set.
DataType label_list_type(const ir::Node& n, const char* prefix) {
  const std::string p(prefix);
  int given = 0;
  DataType t = DataType::kUndefined;
  if (n.opset >= 4 && n.has_attr(p + "_tensor")) {
    const Tensor* a = n.attr_tensor(p + "_tensor");
    t = a ? a->dtype() : DataType::kUndefined;
    ++given;
  }
  if (n.has_attr(p + "_strings")) t = DataType::kString, ++given;
  if (n.has_attr(p + "_int64s")) t = DataType::kInt64, ++given;
  if (n.has_attr(p + "_floats")) t = DataType::kFloat, ++given;
  return given == 1 ? t : DataType::kUndefined;
}

bool is_int_type(DataType t) { return t == DataType::kInt64 || t == DataType::kInt32 || t == DataType::kInt16; }

// A real key in hashable form: all NaNs alike, -0.0 as 0.0.
uint64_t real_key(double d) {
  if (std::isnan(d)) return 0x7FF8000000000000ull;
  if (d == 0) d = 0;
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
}

// Element i of an int16/int32/int64 or float/double tensor.
int64_t int_elem(const Tensor& t, int64_t i) { return t.int_at(i); }
double real_elem(const Tensor& t, int64_t i) {
  return t.dtype() == DataType::kFloat ? static_cast<double>(t.data<float>()[i]) : t.data<double>()[i];
}

// A one-element tensor of type `dt` holding `v` (converted).
Tensor scalar_of(DataType dt, double v, const std::string& s) {
  Tensor t(dt, {1});
  switch (dt) {
    case DataType::kString: t.data<std::string>()[0] = s; break;
    case DataType::kInt64: t.data<int64_t>()[0] = static_cast<int64_t>(v); break;
    case DataType::kInt32: t.data<int32_t>()[0] = static_cast<int32_t>(v); break;
    case DataType::kInt16: t.data<int16_t>()[0] = static_cast<int16_t>(v); break;
    case DataType::kFloat: t.data<float>()[0] = static_cast<float>(v); break;
    case DataType::kDouble: t.data<double>()[0] = v; break;
    default: fail(ErrorCode::kFail, "LabelEncoder: unexpected value type ", dtype_name(dt));
  }
  return t;
}

// Keys -> row of `values`; the lookup for one key type.
struct LabelTable {
  DataType key_dtype = DataType::kUndefined;
  std::unordered_map<std::string, int64_t> by_string;
  std::unordered_map<int64_t, int64_t> by_int;
  std::unordered_map<uint64_t, int64_t> by_real;
  Tensor values;    // [n], the output element type
  Tensor fallback;  // [1], same type

  // `first_wins`: opset 1's "index at which it is found".
  void add_keys(const Tensor& keys, bool first_wins) {
    key_dtype = keys.dtype();
    for (int64_t i = 0; i < keys.numel(); ++i) {
      auto put = [&](auto& map, auto key) {
        if (first_wins) map.emplace(key, i);
        else map.insert_or_assign(key, i);
      };
      if (key_dtype == DataType::kString) put(by_string, keys.data<std::string>()[i]);
      else if (is_int_type(key_dtype)) put(by_int, int_elem(keys, i));
      else put(by_real, real_key(real_elem(keys, i)));
    }
  }

  int64_t find(const Tensor& x, int64_t i) const {
    if (key_dtype == DataType::kString) {
      auto it = by_string.find(x.data<std::string>()[i]);
      return it == by_string.end() ? -1 : it->second;
    }
    if (is_int_type(key_dtype)) {
      auto it = by_int.find(int_elem(x, i));
      return it == by_int.end() ? -1 : it->second;
    }
    auto it = by_real.find(real_key(real_elem(x, i)));
    return it == by_real.end() ? -1 : it->second;
  }

  void apply(const Tensor& x, Tensor& y) const {
    std::vector<int64_t> rows(static_cast<size_t>(x.numel()));
    for (int64_t i = 0; i < x.numel(); ++i) rows[static_cast<size_t>(i)] = find(x, i);
    dispatch_all(values.dtype(), [&]<typename T>() {
      const T* v = values.data<T>();
      const T& d = fallback.data<T>()[0];
      T* out = y.data<T>();
      for (size_t i = 0; i < rows.size(); ++i) out[i] = rows[i] < 0 ? d : v[rows[i]];
    });
  }
};

class LabelEncoder final : public Kernel {
 public:
  explicit LabelEncoder(const KernelInit& init) {
    const ir::Node& n = init.node;
    if (n.opset < 2) {
      // Both directions, picked by the input type at run time.
      const std::vector<std::string> classes = n.attr_strings("classes_strings");
      const int64_t count = static_cast<int64_t>(classes.size());
      const Tensor names = Tensor::from<std::string>(classes, {count});
      Tensor index(DataType::kInt64, {count});
      for (int64_t i = 0; i < count; ++i) index.data<int64_t>()[i] = i;
      from_string_.add_keys(names, true);
      from_string_.values = index;
      from_string_.fallback = scalar_of(DataType::kInt64, static_cast<double>(n.attr_int("default_int64", -1)), "");
      from_int_.add_keys(index, true);
      from_int_.values = names;
      from_int_.fallback = scalar_of(DataType::kString, 0, n.attr_string("default_string", "_Unused"));
      return;
    }
    const Tensor keys = label_list(n, "keys");
    Tensor values = label_list(n, "values");
    if (!label_type_ok(keys.dtype(), n.opset) || !label_type_ok(values.dtype(), n.opset))
      fail(ErrorCode::kInvalidGraph, n.describe(), ": keys and values must be ", label_types_text(n.opset));
    if (keys.numel() != values.numel())
      fail(ErrorCode::kInvalidGraph, n.describe(), ": ", keys.numel(), " keys but ", values.numel(),
           " values; they must be parallel lists of the same length");
    table_.add_keys(keys, false);
    table_.values = values.clone();
    const DataType vt = values.dtype();
    const Tensor* dt = n.opset >= 4 && n.has_attr("default_tensor") ? n.attr_tensor("default_tensor") : nullptr;
    if (dt && dt->defined()) {
      if (dt->dtype() != vt || dt->numel() != 1)
        fail(ErrorCode::kInvalidGraph, n.describe(), ": default_tensor is ", dt->describe(),
             "; expected one element of the values' type ", dtype_name(vt));
      table_.fallback = dt->reshaped({1}).clone();
    } else if (vt == DataType::kString) {
      table_.fallback = scalar_of(vt, 0, n.attr_string("default_string", "_Unused"));
    } else if (is_int_type(vt)) {
      table_.fallback = scalar_of(vt, static_cast<double>(n.attr_int("default_int64", -1)), "");
    } else {
      table_.fallback = scalar_of(vt, static_cast<double>(n.attr_float("default_float", -0.0f)), "");
    }
    opset_ = n.opset;
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    const LabelTable* t = &table_;
    if (opset_ < 2) {
      if (x.dtype() == DataType::kString) t = &from_string_;
      else if (x.dtype() == DataType::kInt64) t = &from_int_;
      else fail(ErrorCode::kInvalidArgument, "X must be string or int64 at opset 1, got ", dtype_name(x.dtype()));
    } else if (x.dtype() != t->key_dtype) {
      fail(ErrorCode::kInvalidArgument, "X has element type ", dtype_name(x.dtype()), " but the keys are ",
           dtype_name(t->key_dtype), " (they must match)");
    }
    Tensor& y = ctx.output(0, x.shape(), t->values.dtype());
    t->apply(x, y);
  }

 private:
  int opset_ = 1;
  LabelTable table_;                    // opset >= 2
  LabelTable from_string_, from_int_;  // opset 1
};

void infer_label_encoder(InferContext& ctx) {
  const ir::Node& n = ctx.node();
  const DataType in = ctx.input_dtype(0);
  if (n.opset < 2) {
    if (in == DataType::kUndefined) return infer::same_shape_as(ctx, 0, DataType::kUndefined);
    if (in != DataType::kString && in != DataType::kInt64)
      ctx.fail("X must be string or int64 at opset 1, got ", dtype_name(in));
    return infer::same_shape_as(ctx, 0, in == DataType::kString ? DataType::kInt64 : DataType::kString);
  }
  const DataType kt = label_list_type(n, "keys"), vt = label_list_type(n, "values");
  if (kt == DataType::kUndefined) ctx.fail("exactly one of keys_strings, keys_int64s, keys_floats or keys_tensor must be set");
  if (vt == DataType::kUndefined)
    ctx.fail("exactly one of values_strings, values_int64s, values_floats or values_tensor must be set");
  if (in != DataType::kUndefined && in != kt)
    ctx.fail("X has element type ", dtype_name(in), " but the keys are ", dtype_name(kt), " (they must match)");
  infer::same_shape_as(ctx, 0, vt);
}

}  // namespace

ONYX_KERNEL({.domain = "ai.onnx.ml", .op = "LabelEncoder", .since = 1,
             .types = {DataType::kString, DataType::kInt64, DataType::kInt32, DataType::kInt16, DataType::kFloat,
                       DataType::kDouble},
             .infer = infer_label_encoder, .create = create<LabelEncoder>});

}  // namespace onyx
