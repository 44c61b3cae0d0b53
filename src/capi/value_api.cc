// C API: creating values (tensors, strings, sequences, maps, optionals) and reading them back.
#include <cstring>

#include "capi/handles.h"
#include "onnx/loader.h"

namespace onyx::capi {

namespace {

// The tensor of a value handle, or an error naming what the value is instead.
const Tensor& tensor_of(const OnyxValue& v, const char* arg) {
  if (!v.value.is_tensor()) fail(ErrorCode::kInvalidArgument, arg, " is a ", v.value.describe(), ", not a tensor");
  return v.value.tensor();
}

void require_not_string(const Tensor& t, const char* what) {
  if (t.dtype() == DataType::kString)
    fail(ErrorCode::kInvalidArgument, what, " is a string tensor: use the string element calls");
}

OnyxStatus* CreateTensor(OnyxElementType type, const int64_t* shape, size_t rank, OnyxValue** out) {
  return guard("CreateTensor", [&] {
    require(out, "out");
    DataType dt = to_dtype(type, "type");
    Tensor t(dt, to_shape(shape, rank, "shape"));
    if (dt != DataType::kString && t.nbytes() > 0) std::memset(t.raw(), 0, t.nbytes());
    *out = new_value(Value(std::move(t)));
  });
}

OnyxStatus* CreateTensorWithData(const OnyxMemoryInfo* info, void* data, size_t data_bytes, const int64_t* shape,
                                 size_t rank, OnyxElementType type, OnyxValue** out) {
  return guard("CreateTensorWithData", [&] {
    if (info) get(info, "info");
    require(out, "out");
    DataType dt = to_dtype(type, "type");
    if (dt == DataType::kString)
      fail(ErrorCode::kInvalidArgument, "string tensors cannot wrap caller memory; use CreateStringTensor");
    Shape s = to_shape(shape, rank, "shape");
    size_t need = dtype_bytes(dt, shape_numel(s));
    if (need > 0) require(data, "data");
    if (data_bytes < need)
      fail(ErrorCode::kInvalidArgument, "data_bytes is ", data_bytes, " but a ", dtype_name(dt), " tensor of shape ",
           shape_str(s), " needs ", need);
    // No owner: the caller keeps the memory alive (documented in the header).
    *out = new_value(Value(Tensor::wrap(dt, std::move(s), data, nullptr)));
  });
}

OnyxStatus* CreateStringTensor(const int64_t* shape, size_t rank, const char* const* strings, const size_t* lengths,
                               size_t count, OnyxValue** out) {
  return guard("CreateStringTensor", [&] {
    require(out, "out");
    Tensor t(DataType::kString, to_shape(shape, rank, "shape"));
    if (static_cast<size_t>(t.numel()) != count)
      fail(ErrorCode::kInvalidArgument, "count is ", count, " but shape ", shape_str(t.shape()), " holds ", t.numel(),
           " strings");
    if (count > 0) require(strings, "strings");
    auto* dst = t.data<std::string>();
    for (size_t i = 0; i < count; ++i) {
      if (!strings[i]) fail(ErrorCode::kInvalidArgument, "strings[", i, "] is NULL");
      dst[i] = lengths ? std::string(strings[i], lengths[i]) : std::string(strings[i]);
    }
    *out = new_value(Value(std::move(t)));
  });
}

OnyxStatus* CreateSequence(const OnyxValue* const* items, size_t count, OnyxElementType element_type,
                           OnyxValue** out) {
  return guard("CreateSequence", [&] {
    require(out, "out");
    if (count > 0) require(items, "items");
    DataType elem = element_type == ONYX_ELEMENT_UNDEFINED ? DataType::kUndefined : to_dtype(element_type, "element_type");
    std::vector<Value> values;
    values.reserve(count);
    for (size_t i = 0; i < count; ++i) {
      std::string arg = "items[" + std::to_string(i) + "]";
      auto h = get(items[i], arg.c_str());
      const Value& v = h->value;
      if (v.is_none()) fail(ErrorCode::kInvalidArgument, arg, " is an empty optional; sequences hold values");
      if (v.is_tensor()) {
        if (elem == DataType::kUndefined) elem = v.tensor().dtype();
        else if (v.tensor().dtype() != elem)
          fail(ErrorCode::kInvalidArgument, arg, " is ", dtype_name(v.tensor().dtype()), " but the sequence holds ",
               dtype_name(elem));
      }
      values.push_back(v);
    }
    *out = new_value(Value::sequence(elem, std::move(values)));
  });
}

OnyxStatus* CreateMap(const OnyxValue* keys, const OnyxValue* values, OnyxValue** out) {
  return guard("CreateMap", [&] {
    auto kh = get(keys, "keys");
    auto vh = get(values, "values");
    require(out, "out");
    const Tensor& k = tensor_of(*kh, "keys");
    const Tensor& v = tensor_of(*vh, "values");
    if (k.dtype() != DataType::kInt64 && k.dtype() != DataType::kString)
      fail(ErrorCode::kInvalidArgument, "map keys must be int64 or string, got ", dtype_name(k.dtype()));
    if (k.rank() != 1 || v.rank() != 1 || k.numel() != v.numel())
      fail(ErrorCode::kInvalidArgument, "map keys and values must be 1-D of one length, got keys ", k.describe(),
           " and values ", v.describe());
    *out = new_value(Value::map(k, v));
  });
}

OnyxStatus* CreateNoneValue(OnyxValue** out) {
  return guard("CreateNoneValue", [&] {
    require(out, "out");
    *out = new_value(Value::none());
  });
}

OnyxStatus* CreateValueFromProto(OnyxProtoKind kind, const void* data, size_t size, OnyxValue** out) {
  return guard("CreateValueFromProto", [&] {
    require(out, "out");
    if (size > 0) require(data, "data");
    std::string_view bytes(static_cast<const char*>(data), size);
    Value v;
    switch (enum_bits(kind)) {
      case ONYX_PROTO_TENSOR: v = Value(onnx::parse_tensor_proto(bytes)); break;
      case ONYX_PROTO_SEQUENCE: v = onnx::parse_sequence_proto(bytes); break;
      case ONYX_PROTO_MAP: v = onnx::parse_map_proto(bytes); break;
      case ONYX_PROTO_OPTIONAL: v = onnx::parse_optional_proto(bytes); break;
      default: fail(ErrorCode::kInvalidArgument, "kind ", enum_bits(kind), " is not an OnyxProtoKind");
    }
    *out = new_value(std::move(v));
  });
}

// ---- reading ----

OnyxStatus* GetValueKind(const OnyxValue* value, OnyxTypeKind* out) {
  return guard("GetValueKind", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = value_kind(h->value);
  });
}

OnyxStatus* ValueHasValue(const OnyxValue* value, int* out) {
  return guard("ValueHasValue", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = h->value.is_none() ? 0 : 1;
  });
}

OnyxStatus* GetValueTypeInfo(const OnyxValue* value, OnyxTypeInfo** out) {
  return guard("GetValueTypeInfo", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = publish(std::make_shared<OnyxTypeInfo>(type_of_value(h->value)));
  });
}

OnyxStatus* GetTensorElementType(const OnyxValue* value, OnyxElementType* out) {
  return guard("GetTensorElementType", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = static_cast<OnyxElementType>(tensor_of(*h, "value").dtype());
  });
}

OnyxStatus* GetTensorRank(const OnyxValue* value, size_t* out) {
  return guard("GetTensorRank", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = static_cast<size_t>(tensor_of(*h, "value").rank());
  });
}

OnyxStatus* GetTensorShape(const OnyxValue* value, int64_t* dims, size_t capacity) {
  return guard("GetTensorShape", [&] {
    auto h = get(value, "value");
    const Shape& s = tensor_of(*h, "value").shape();
    if (capacity < s.size())
      fail(ErrorCode::kInvalidArgument, "capacity ", capacity, " is too small for the tensor's ", s.size(),
           " dims ", shape_str(s));
    if (!s.empty()) require(dims, "dims");
    std::copy(s.begin(), s.end(), dims);
  });
}

OnyxStatus* GetTensorElementCount(const OnyxValue* value, size_t* out) {
  return guard("GetTensorElementCount", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = static_cast<size_t>(tensor_of(*h, "value").numel());
  });
}

OnyxStatus* GetTensorSizeInBytes(const OnyxValue* value, size_t* out) {
  return guard("GetTensorSizeInBytes", [&] {
    auto h = get(value, "value");
    require(out, "out");
    const Tensor& t = tensor_of(*h, "value");
    require_not_string(t, "value");
    *out = t.nbytes();
  });
}

OnyxStatus* GetTensorData(const OnyxValue* value, const void** out) {
  return guard("GetTensorData", [&] {
    auto h = get(value, "value");
    require(out, "out");
    const Tensor& t = tensor_of(*h, "value");
    require_not_string(t, "value");
    *out = t.raw();
  });
}

OnyxStatus* GetTensorMutableData(OnyxValue* value, void** out) {
  return guard("GetTensorMutableData", [&] {
    auto h = get(value, "value");
    require(out, "out");
    tensor_of(*h, "value");
    Tensor& t = h->value.tensor();
    require_not_string(t, "value");
    *out = t.raw();
  });
}

OnyxStatus* CopyTensorData(const OnyxValue* value, void* buffer, size_t buffer_bytes) {
  return guard("CopyTensorData", [&] {
    auto h = get(value, "value");
    const Tensor& t = tensor_of(*h, "value");
    require_not_string(t, "value");
    if (buffer_bytes < t.nbytes())
      fail(ErrorCode::kInvalidArgument, "buffer_bytes is ", buffer_bytes, " but ", t.describe(), " takes ", t.nbytes());
    if (t.nbytes() > 0) {
      require(buffer, "buffer");
      std::memcpy(buffer, t.raw(), t.nbytes());
    }
  });
}

OnyxStatus* CopyTensorDataAsDouble(const OnyxValue* value, double* buffer, size_t count) {
  return guard("CopyTensorDataAsDouble", [&] {
    auto h = get(value, "value");
    const Tensor& t = tensor_of(*h, "value");
    require_not_string(t, "value");
    const DataType dt = t.dtype();
    const bool complex = dt == DataType::kComplex64 || dt == DataType::kComplex128;
    const auto n = static_cast<size_t>(t.numel());
    const size_t need = complex ? 2 * n : n;
    if (count < need)
      fail(ErrorCode::kInvalidArgument, "count is ", count, " but ", t.describe(), " needs ", need, " doubles");
    if (need == 0) return;
    require(buffer, "buffer");
    if (dt == DataType::kComplex64) {
      const float* p = static_cast<const float*>(t.raw());
      for (size_t i = 0; i < need; ++i) buffer[i] = p[i];
    } else if (dt == DataType::kComplex128) {
      std::memcpy(buffer, t.raw(), need * sizeof(double));
    } else {
      for (size_t i = 0; i < n; ++i) buffer[i] = t.real_at(static_cast<int64_t>(i));
    }
  });
}

const Tensor& string_tensor_of(const OnyxValue& v, const char* arg) {
  const Tensor& t = tensor_of(v, arg);
  if (t.dtype() != DataType::kString)
    fail(ErrorCode::kInvalidArgument, arg, " is a ", dtype_name(t.dtype()), " tensor, not a string tensor");
  return t;
}

OnyxStatus* GetStringTensorElement(const OnyxValue* value, size_t index, const char** data, size_t* length) {
  return guard("GetStringTensorElement", [&] {
    auto h = get(value, "value");
    require(data, "data");
    require(length, "length");
    const Tensor& t = string_tensor_of(*h, "value");
    check_index(index, static_cast<size_t>(t.numel()), "string element");
    const std::string& s = t.data<std::string>()[index];
    *data = s.c_str();
    *length = s.size();
  });
}

OnyxStatus* SetStringTensorElement(OnyxValue* value, size_t index, const char* data, size_t length) {
  return guard("SetStringTensorElement", [&] {
    auto h = get(value, "value");
    if (length > 0) require(data, "data");
    string_tensor_of(*h, "value");
    Tensor& t = h->value.tensor();
    check_index(index, static_cast<size_t>(t.numel()), "string element");
    t.data<std::string>()[index].assign(data ? data : "", length);
  });
}

const Value::Sequence& seq_of(const OnyxValue& v) {
  if (!v.value.is_sequence()) fail(ErrorCode::kInvalidArgument, "value is a ", v.value.describe(), ", not a sequence");
  return v.value.seq();
}

OnyxStatus* GetSequenceLength(const OnyxValue* value, size_t* out) {
  return guard("GetSequenceLength", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = seq_of(*h).items.size();
  });
}

OnyxStatus* GetSequenceElementType(const OnyxValue* value, OnyxElementType* out) {
  return guard("GetSequenceElementType", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = static_cast<OnyxElementType>(seq_of(*h).elem_dtype);
  });
}

OnyxStatus* GetSequenceItem(const OnyxValue* value, size_t index, OnyxValue** out) {
  return guard("GetSequenceItem", [&] {
    auto h = get(value, "value");
    require(out, "out");
    const auto& s = seq_of(*h);
    check_index(index, s.items.size(), "sequence item");
    *out = new_value(s.items[index], h->keep);
  });
}

const Value::Map& map_of(const OnyxValue& v) {
  if (!v.value.is_map()) fail(ErrorCode::kInvalidArgument, "value is a ", v.value.describe(), ", not a map");
  return v.value.map();
}

OnyxStatus* GetMapKeys(const OnyxValue* value, OnyxValue** out) {
  return guard("GetMapKeys", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = new_value(Value(map_of(*h).keys), h->keep);
  });
}

OnyxStatus* GetMapValues(const OnyxValue* value, OnyxValue** out) {
  return guard("GetMapValues", [&] {
    auto h = get(value, "value");
    require(out, "out");
    *out = new_value(Value(map_of(*h).values), h->keep);
  });
}

OnyxStatus* ReleaseValue(OnyxValue* value) {
  return guard("ReleaseValue", [&] { release(value, "value"); });
}

}  // namespace

void fill_value_api(OnyxApi& api) {
  api.CreateTensor = CreateTensor;
  api.CreateTensorWithData = CreateTensorWithData;
  api.CreateStringTensor = CreateStringTensor;
  api.CreateSequence = CreateSequence;
  api.CreateMap = CreateMap;
  api.CreateNoneValue = CreateNoneValue;
  api.CreateValueFromProto = CreateValueFromProto;
  api.GetValueKind = GetValueKind;
  api.ValueHasValue = ValueHasValue;
  api.GetValueTypeInfo = GetValueTypeInfo;
  api.GetTensorElementType = GetTensorElementType;
  api.GetTensorRank = GetTensorRank;
  api.GetTensorShape = GetTensorShape;
  api.GetTensorElementCount = GetTensorElementCount;
  api.GetTensorSizeInBytes = GetTensorSizeInBytes;
  api.GetTensorData = GetTensorData;
  api.GetTensorMutableData = GetTensorMutableData;
  api.CopyTensorData = CopyTensorData;
  api.CopyTensorDataAsDouble = CopyTensorDataAsDouble;
  api.GetStringTensorElement = GetStringTensorElement;
  api.SetStringTensorElement = SetStringTensorElement;
  api.GetSequenceLength = GetSequenceLength;
  api.GetSequenceElementType = GetSequenceElementType;
  api.GetSequenceItem = GetSequenceItem;
  api.GetMapKeys = GetMapKeys;
  api.GetMapValues = GetMapValues;
  api.ReleaseValue = ReleaseValue;
}

}  // namespace onyx::capi
