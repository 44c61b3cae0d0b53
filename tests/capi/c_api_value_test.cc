// C API: values (tensors, strings, sequences, maps, optionals, protos), type
// info of values, model inspection without a session, and handle misuse.
#include <cmath>
#include <cstring>
#include <map>

#include "base/tensor.h"
#include "capi/c_api_test_util.h"
#include "onnx/writer.h"

namespace onyx_api_test {
namespace {

TEST_F(CApiTest, OwnedTensors) {
  int64_t shape[] = {2, 3};
  OnyxValue* v = nullptr;
  ASSERT_OK(api->CreateTensor(ONYX_ELEMENT_INT32, shape, 2, &v));
  OnyxTypeKind kind;
  ASSERT_OK(api->GetValueKind(v, &kind));
  EXPECT_EQ(kind, ONYX_KIND_TENSOR);
  int has = 0;
  ASSERT_OK(api->ValueHasValue(v, &has));
  EXPECT_EQ(has, 1);
  OnyxElementType elem;
  ASSERT_OK(api->GetTensorElementType(v, &elem));
  EXPECT_EQ(elem, ONYX_ELEMENT_INT32);
  void* p = nullptr;
  ASSERT_OK(api->GetTensorMutableData(v, &p));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(static_cast<int32_t*>(p)[i], 0) << "owned tensors start zeroed";
  static_cast<int32_t*>(p)[5] = 7;
  int32_t back[6];
  ASSERT_OK(api->CopyTensorData(v, back, sizeof back));
  EXPECT_EQ(back[5], 7);
  EXPECT_EQ(ReadShape(v), (std::vector<int64_t>{2, 3}));
  int64_t dims[1];
  EXPECT_ERROR(api->GetTensorShape(v, dims, 1), ONYX_INVALID_ARGUMENT, {"capacity 1", "2 dims"});
  OnyxTypeInfo* t = nullptr;
  ASSERT_OK(api->GetValueTypeInfo(v, &t));
  const char* ts = nullptr;
  ASSERT_OK(api->TypeInfoGetTypeString(t, &ts));
  EXPECT_STREQ(ts, "tensor(int32)");
  int64_t tdims[2];
  ASSERT_OK(api->TypeInfoGetDims(t, tdims, 2));
  EXPECT_EQ(tdims[1], 3);
  EXPECT_OK(api->ReleaseTypeInfo(t));
  Release(v);

  // Scalars (rank 0, shape may be NULL) and empty tensors.
  ASSERT_OK(api->CreateTensor(ONYX_ELEMENT_DOUBLE, nullptr, 0, &v));
  size_t n = 0;
  ASSERT_OK(api->GetTensorElementCount(v, &n));
  EXPECT_EQ(n, 1u);
  EXPECT_TRUE(ReadShape(v).empty());
  Release(v);
  int64_t empty[] = {0, 4};
  ASSERT_OK(api->CreateTensor(ONYX_ELEMENT_FLOAT, empty, 2, &v));
  ASSERT_OK(api->GetTensorElementCount(v, &n));
  EXPECT_EQ(n, 0u);
  Release(v);

  EXPECT_ERROR(api->CreateTensor(ONYX_ELEMENT_UNDEFINED, shape, 2, &v), ONYX_INVALID_ARGUMENT, {"element type"});
  EXPECT_ERROR(api->CreateTensor(static_cast<OnyxElementType>(77), shape, 2, &v), ONYX_INVALID_ARGUMENT, {"77"});
  int64_t negative[] = {2, -1};
  EXPECT_ERROR(api->CreateTensor(ONYX_ELEMENT_FLOAT, negative, 2, &v), ONYX_INVALID_ARGUMENT, {"-1"});
  int64_t huge[] = {int64_t{1} << 40, int64_t{1} << 40};
  EXPECT_ERROR(api->CreateTensor(ONYX_ELEMENT_FLOAT, huge, 2, &v), ONYX_INVALID_ARGUMENT, {"2^62"});
  EXPECT_ERROR(api->CreateTensor(ONYX_ELEMENT_FLOAT, nullptr, 2, &v), ONYX_INVALID_ARGUMENT, {"shape is NULL"});
  EXPECT_ERROR(api->CreateTensor(ONYX_ELEMENT_FLOAT, shape, 2, nullptr), ONYX_INVALID_ARGUMENT, {"out is NULL"});
}

TEST_F(CApiTest, TensorsOverCallerMemory) {
  int64_t shape[] = {2, 2};
  int64_t buf[4] = {1, 2, 3, 4};
  OnyxValue* v = nullptr;
  EXPECT_ERROR(api->CreateTensorWithData(nullptr, buf, 31, shape, 2, ONYX_ELEMENT_INT64, &v), ONYX_INVALID_ARGUMENT,
               {"data_bytes is 31", "needs 32"});
  EXPECT_ERROR(api->CreateTensorWithData(nullptr, nullptr, 32, shape, 2, ONYX_ELEMENT_INT64, &v),
               ONYX_INVALID_ARGUMENT, {"data is NULL"});
  EXPECT_ERROR(api->CreateTensorWithData(nullptr, buf, 32, shape, 2, ONYX_ELEMENT_STRING, &v), ONYX_INVALID_ARGUMENT,
               {"CreateStringTensor"});
  EXPECT_ERROR(api->CreateTensorWithData(reinterpret_cast<OnyxMemoryInfo*>(env), buf, 32, shape, 2,
                                         ONYX_ELEMENT_INT64, &v),
               ONYX_INVALID_ARGUMENT, {"info", "is an OnyxEnv"});
  ASSERT_OK(api->CreateTensorWithData(nullptr, buf, sizeof buf, shape, 2, ONYX_ELEMENT_INT64, &v));
  void* p = nullptr;
  ASSERT_OK(api->GetTensorMutableData(v, &p));
  EXPECT_EQ(p, buf);
  Release(v);
  // Packed 4-bit: 5 elements take 3 bytes.
  uint8_t nibbles[3] = {0x21, 0x43, 0x05};
  int64_t five[] = {5};
  ASSERT_OK(api->CreateTensorWithData(nullptr, nibbles, 3, five, 1, ONYX_ELEMENT_UINT4, &v));
  size_t bytes = 0;
  ASSERT_OK(api->GetTensorSizeInBytes(v, &bytes));
  EXPECT_EQ(bytes, 3u);
  Release(v);
}

TEST_F(CApiTest, MemoryInfo) {
  OnyxMemoryInfo* m = nullptr;
  ASSERT_OK(api->CreateCpuMemoryInfo(&m));
  const char* name = nullptr;
  ASSERT_OK(api->MemoryInfoGetName(m, &name));
  EXPECT_STREQ(name, "Cpu");
  int id = -1;
  ASSERT_OK(api->MemoryInfoGetDeviceId(m, &id));
  EXPECT_EQ(id, 0);
  EXPECT_OK(api->ReleaseMemoryInfo(m));
  EXPECT_ERROR(api->MemoryInfoGetName(m, &name), ONYX_INVALID_ARGUMENT, {"not a live OnyxMemoryInfo"});
}

TEST_F(CApiTest, StringTensors) {
  int64_t shape[] = {3};
  const char* strs[] = {"alpha", "", "gamma"};
  OnyxValue* v = nullptr;
  ASSERT_OK(api->CreateStringTensor(shape, 1, strs, nullptr, 3, &v));
  const char* data = nullptr;
  size_t len = 0;
  ASSERT_OK(api->GetStringTensorElement(v, 2, &data, &len));
  EXPECT_EQ(std::string(data, len), "gamma");
  ASSERT_OK(api->GetStringTensorElement(v, 1, &data, &len));
  EXPECT_EQ(len, 0u);
  ASSERT_OK(api->SetStringTensorElement(v, 1, "beta", 4));
  ASSERT_OK(api->GetStringTensorElement(v, 1, &data, &len));
  EXPECT_EQ(std::string(data, len), "beta");
  EXPECT_ERROR(api->GetStringTensorElement(v, 3, &data, &len), ONYX_INVALID_ARGUMENT, {"out of range"});
  EXPECT_ERROR(api->SetStringTensorElement(v, 9, "x", 1), ONYX_INVALID_ARGUMENT, {"out of range"});
  const void* p = nullptr;
  EXPECT_ERROR(api->GetTensorData(v, &p), ONYX_INVALID_ARGUMENT, {"string tensor"});
  size_t bytes;
  EXPECT_ERROR(api->GetTensorSizeInBytes(v, &bytes), ONYX_INVALID_ARGUMENT, {"string tensor"});
  Release(v);

  // Explicit lengths keep embedded NULs.
  const char* raw[] = {"a\0b", "xyz"};
  size_t lens[] = {3, 2};
  int64_t two[] = {2};
  ASSERT_OK(api->CreateStringTensor(two, 1, raw, lens, 2, &v));
  ASSERT_OK(api->GetStringTensorElement(v, 0, &data, &len));
  EXPECT_EQ(std::string(data, len), std::string("a\0b", 3));
  ASSERT_OK(api->GetStringTensorElement(v, 1, &data, &len));
  EXPECT_EQ(std::string(data, len), "xy");
  Release(v);

  EXPECT_ERROR(api->CreateStringTensor(shape, 1, strs, nullptr, 2, &v), ONYX_INVALID_ARGUMENT, {"count is 2", "3"});
  const char* with_null[] = {"a", nullptr, "c"};
  EXPECT_ERROR(api->CreateStringTensor(shape, 1, with_null, nullptr, 3, &v), ONYX_INVALID_ARGUMENT, {"strings[1]"});
  // Owned string tensors start as empty strings and can be filled.
  ASSERT_OK(api->CreateTensor(ONYX_ELEMENT_STRING, shape, 1, &v));
  ASSERT_OK(api->SetStringTensorElement(v, 0, "filled", 6));
  ASSERT_OK(api->GetStringTensorElement(v, 0, &data, &len));
  EXPECT_EQ(std::string(data, len), "filled");
  Release(v);
  // String calls on a float tensor.
  OnyxValue* f = Floats({1}, {1});
  EXPECT_ERROR(api->GetStringTensorElement(f, 0, &data, &len), ONYX_INVALID_ARGUMENT, {"float32", "not a string"});
  EXPECT_ERROR(api->SetStringTensorElement(f, 0, "x", 1), ONYX_INVALID_ARGUMENT, {"not a string"});
  Release(f);
}

TEST_F(CApiTest, Sequences) {
  OnyxValue* a = Floats({2}, {1, 2});
  OnyxValue* b = Floats({3}, {3, 4, 5});
  const OnyxValue* items[] = {a, b};
  OnyxValue* seq = nullptr;
  ASSERT_OK(api->CreateSequence(items, 2, ONYX_ELEMENT_UNDEFINED, &seq));
  OnyxTypeKind kind;
  ASSERT_OK(api->GetValueKind(seq, &kind));
  EXPECT_EQ(kind, ONYX_KIND_SEQUENCE);
  size_t n = 0;
  ASSERT_OK(api->GetSequenceLength(seq, &n));
  EXPECT_EQ(n, 2u);
  OnyxElementType elem;
  ASSERT_OK(api->GetSequenceElementType(seq, &elem));
  EXPECT_EQ(elem, ONYX_ELEMENT_FLOAT);
  OnyxValue* item = nullptr;
  ASSERT_OK(api->GetSequenceItem(seq, 1, &item));
  EXPECT_EQ(ReadFloats(item), (std::vector<float>{3, 4, 5}));
  const void *p1 = nullptr, *p2 = nullptr;
  ASSERT_OK(api->GetTensorData(item, &p1));
  ASSERT_OK(api->GetTensorData(b, &p2));
  EXPECT_EQ(p1, p2) << "items are shared, not copied";
  Release(item);
  EXPECT_ERROR(api->GetSequenceItem(seq, 2, &item), ONYX_INVALID_ARGUMENT, {"out of range"});
  OnyxTypeInfo* t = nullptr;
  ASSERT_OK(api->GetValueTypeInfo(seq, &t));
  const char* ts = nullptr;
  ASSERT_OK(api->TypeInfoGetTypeString(t, &ts));
  EXPECT_STREQ(ts, "seq(tensor(float))");
  OnyxTypeInfo* inner = nullptr;
  ASSERT_OK(api->TypeInfoGetElementTypeInfo(t, &inner));
  ASSERT_OK(api->TypeInfoGetKind(inner, &kind));
  EXPECT_EQ(kind, ONYX_KIND_TENSOR);
  EXPECT_OK(api->ReleaseTypeInfo(inner));
  EXPECT_OK(api->ReleaseTypeInfo(t));

  // Through a model: Identity over a sequence input.
  OnyxSession* s = SessionFromBytes(sequence_identity_model());
  const char* in[] = {"X"};
  OnyxValue* out = nullptr;
  ASSERT_OK(api->Run(s, nullptr, in, &seq, 1, nullptr, 1, &out));
  ASSERT_OK(api->GetSequenceLength(out, &n));
  EXPECT_EQ(n, 2u);
  ASSERT_OK(api->GetSequenceItem(out, 0, &item));
  EXPECT_EQ(ReadFloats(item), (std::vector<float>{1, 2}));
  Release(item);
  Release(out);
  // A tensor where the model wants a sequence.
  EXPECT_ERROR(api->Run(s, nullptr, in, &a, 1, nullptr, 1, &out), ONYX_INVALID_ARGUMENT, {"input 'X'", "sequence"});
  EXPECT_OK(api->ReleaseSession(s));

  // Mixed element types; empty sequences with and without a type.
  OnyxValue* ints = nullptr;
  int64_t one[] = {1};
  ASSERT_OK(api->CreateTensor(ONYX_ELEMENT_INT64, one, 1, &ints));
  const OnyxValue* mixed[] = {a, ints};
  EXPECT_ERROR(api->CreateSequence(mixed, 2, ONYX_ELEMENT_UNDEFINED, &out), ONYX_INVALID_ARGUMENT,
               {"items[1]", "int64", "float32"});
  EXPECT_ERROR(api->CreateSequence(items, 2, ONYX_ELEMENT_INT64, &out), ONYX_INVALID_ARGUMENT, {"items[0]"});
  ASSERT_OK(api->CreateSequence(nullptr, 0, ONYX_ELEMENT_INT64, &out));
  ASSERT_OK(api->GetSequenceLength(out, &n));
  EXPECT_EQ(n, 0u);
  ASSERT_OK(api->GetSequenceElementType(out, &elem));
  EXPECT_EQ(elem, ONYX_ELEMENT_INT64);
  Release(out);
  EXPECT_ERROR(api->CreateSequence(nullptr, 2, ONYX_ELEMENT_FLOAT, &out), ONYX_INVALID_ARGUMENT, {"items is NULL"});
  EXPECT_ERROR(api->GetSequenceLength(a, &n), ONYX_INVALID_ARGUMENT, {"not a sequence"});
  Release(ints);
  Release(seq);
  Release(a);
  Release(b);
}

TEST_F(CApiTest, Maps) {
  int64_t keys_buf[3] = {7, 8, 9};
  int64_t shape[] = {3};
  OnyxValue* keys = nullptr;
  ASSERT_OK(api->CreateTensorWithData(nullptr, keys_buf, sizeof keys_buf, shape, 1, ONYX_ELEMENT_INT64, &keys));
  OnyxValue* values = Floats({3}, {0.5f, 1.5f, 2.5f});
  OnyxValue* m = nullptr;
  ASSERT_OK(api->CreateMap(keys, values, &m));
  OnyxTypeKind kind;
  ASSERT_OK(api->GetValueKind(m, &kind));
  EXPECT_EQ(kind, ONYX_KIND_MAP);
  OnyxValue* k = nullptr;
  ASSERT_OK(api->GetMapKeys(m, &k));
  const void* p = nullptr;
  ASSERT_OK(api->GetTensorData(k, &p));
  EXPECT_EQ(static_cast<const int64_t*>(p)[2], 9);
  OnyxValue* v = nullptr;
  ASSERT_OK(api->GetMapValues(m, &v));
  EXPECT_EQ(ReadFloats(v), (std::vector<float>{0.5f, 1.5f, 2.5f}));
  OnyxTypeInfo* t = nullptr;
  ASSERT_OK(api->GetValueTypeInfo(m, &t));
  const char* ts = nullptr;
  ASSERT_OK(api->TypeInfoGetTypeString(t, &ts));
  EXPECT_STREQ(ts, "map(int64,tensor(float))");
  OnyxElementType key_type;
  ASSERT_OK(api->TypeInfoGetMapKeyType(t, &key_type));
  EXPECT_EQ(key_type, ONYX_ELEMENT_INT64);
  EXPECT_OK(api->ReleaseTypeInfo(t));
  Release(k);
  Release(v);
  Release(m);

  OnyxValue* short_values = Floats({2}, {1, 2});
  EXPECT_ERROR(api->CreateMap(keys, short_values, &m), ONYX_INVALID_ARGUMENT, {"1-D of one length"});
  EXPECT_ERROR(api->CreateMap(values, values, &m), ONYX_INVALID_ARGUMENT, {"int64 or string", "float32"});
  EXPECT_ERROR(api->GetMapKeys(values, &k), ONYX_INVALID_ARGUMENT, {"not a map"});
  Release(short_values);
  Release(keys);
  Release(values);
}

TEST_F(CApiTest, NoneValue) {
  OnyxValue* none = nullptr;
  ASSERT_OK(api->CreateNoneValue(&none));
  OnyxTypeKind kind;
  ASSERT_OK(api->GetValueKind(none, &kind));
  EXPECT_EQ(kind, ONYX_KIND_OPTIONAL);
  int has = 1;
  ASSERT_OK(api->ValueHasValue(none, &has));
  EXPECT_EQ(has, 0);
  OnyxElementType elem;
  EXPECT_ERROR(api->GetTensorElementType(none, &elem), ONYX_INVALID_ARGUMENT, {"not a tensor"});
  Release(none);
}

TEST_F(CApiTest, ValuesFromProtos) {
  onyx::Tensor t(onyx::DataType::kInt32, {2});
  t.data<int32_t>()[0] = 4;
  t.data<int32_t>()[1] = 5;
  std::string tensor = onyx::onnx::serialize_tensor(t, "t");
  OnyxValue* v = nullptr;
  ASSERT_OK(api->CreateValueFromProto(ONYX_PROTO_TENSOR, tensor.data(), tensor.size(), &v));
  int32_t back[2];
  ASSERT_OK(api->CopyTensorData(v, back, sizeof back));
  EXPECT_EQ(back[1], 5);
  Release(v);

  // SequenceProto { elem_type: TENSOR (1), tensor_values: [t, t] } and
  // OptionalProto { elem_type: TENSOR (1), tensor_value: t }, encoded by hand.
  auto field = [](int number, const std::string& payload) {
    std::string o;
    o += static_cast<char>((number << 3) | 2);
    o += static_cast<char>(payload.size());
    return o + payload;
  };
  std::string seq = std::string("\x10\x01", 2) + field(3, tensor) + field(3, tensor);
  ASSERT_OK(api->CreateValueFromProto(ONYX_PROTO_SEQUENCE, seq.data(), seq.size(), &v));
  size_t n = 0;
  ASSERT_OK(api->GetSequenceLength(v, &n));
  EXPECT_EQ(n, 2u);
  Release(v);
  std::string opt = std::string("\x10\x01", 2) + field(3, tensor);
  ASSERT_OK(api->CreateValueFromProto(ONYX_PROTO_OPTIONAL, opt.data(), opt.size(), &v));
  OnyxTypeKind kind;
  ASSERT_OK(api->GetValueKind(v, &kind));
  EXPECT_EQ(kind, ONYX_KIND_TENSOR);
  Release(v);

  std::string junk = "\xff\xff\xff\xff\xff";
  OnyxStatus* st = api->CreateValueFromProto(ONYX_PROTO_TENSOR, junk.data(), junk.size(), &v);
  ASSERT_NE(st, nullptr);
  EXPECT_NE(api->GetErrorCode(st), ONYX_OK);
  api->ReleaseStatus(st);
  EXPECT_ERROR(api->CreateValueFromProto(static_cast<OnyxProtoKind>(9), tensor.data(), tensor.size(), &v),
               ONYX_INVALID_ARGUMENT, {"kind 9"});
  EXPECT_ERROR(api->CreateValueFromProto(ONYX_PROTO_TENSOR, nullptr, 4, &v), ONYX_INVALID_ARGUMENT, {"data is NULL"});
}

TEST_F(CApiTest, ModelInfoWithoutSession) {
  std::string bytes = unknown_op_model();
  OnyxModelInfo* info = nullptr;
  ASSERT_OK(api->CreateModelInfoFromBytes(bytes.data(), bytes.size(), &info));
  int64_t ir = 0;
  ASSERT_OK(api->ModelInfoGetIrVersion(info, &ir));
  EXPECT_EQ(ir, 8);
  size_t n = 0;
  ASSERT_OK(api->ModelInfoGetOpsetCount(info, &n));
  ASSERT_EQ(n, 2u);
  const char* domain = nullptr;
  int64_t version = 0;
  ASSERT_OK(api->ModelInfoGetOpset(info, 0, &domain, &version));
  EXPECT_STREQ(domain, "");
  EXPECT_EQ(version, 17);
  ASSERT_OK(api->ModelInfoGetOpset(info, 1, &domain, &version));
  EXPECT_STREQ(domain, "com.example");
  EXPECT_EQ(version, 1);
  EXPECT_ERROR(api->ModelInfoGetOpset(info, 2, &domain, &version), ONYX_INVALID_ARGUMENT, {"out of range"});

  ASSERT_OK(api->ModelInfoGetInputCount(info, &n));
  ASSERT_EQ(n, 2u);
  const char* name = nullptr;
  ASSERT_OK(api->ModelInfoGetInputName(info, 0, &name));
  EXPECT_STREQ(name, "X");
  OnyxTypeInfo* t = nullptr;
  ASSERT_OK(api->ModelInfoGetInputTypeInfo(info, 0, &t));
  const char* sym = nullptr;
  ASSERT_OK(api->TypeInfoGetSymbolicDim(t, 0, &sym));
  EXPECT_STREQ(sym, "n");
  EXPECT_OK(api->ReleaseTypeInfo(t));
  ASSERT_OK(api->ModelInfoGetInputTypeInfo(info, 1, &t));
  int64_t rank = -1;
  ASSERT_OK(api->TypeInfoGetRank(t, &rank));
  EXPECT_EQ(rank, 0);
  EXPECT_OK(api->ReleaseTypeInfo(t));
  ASSERT_OK(api->ModelInfoGetOutputCount(info, &n));
  ASSERT_EQ(n, 1u);
  ASSERT_OK(api->ModelInfoGetOutputName(info, 0, &name));
  EXPECT_STREQ(name, "Y");
  ASSERT_OK(api->ModelInfoGetOutputTypeInfo(info, 0, &t));
  EXPECT_OK(api->ReleaseTypeInfo(t));

  ASSERT_OK(api->ModelInfoGetNodeCount(info, &n));
  EXPECT_EQ(n, 4u) << "FooBar and If, plus Relu and Add inside the branches";
  ASSERT_OK(api->ModelInfoGetOpTypeCount(info, &n));
  ASSERT_EQ(n, 4u);
  std::map<std::string, size_t> hist;
  for (size_t i = 0; i < n; ++i) {
    const char *d = nullptr, *op = nullptr;
    size_t count = 0;
    ASSERT_OK(api->ModelInfoGetOpType(info, i, &d, &op, &count));
    hist[std::string(d) + ":" + op] = count;
  }
  EXPECT_EQ(hist["com.example:FooBar"], 1u);
  EXPECT_EQ(hist[":If"], 1u);
  EXPECT_EQ(hist[":Relu"], 1u);
  EXPECT_EQ(hist[":Add"], 1u);
  size_t count = 9, total = 9;
  ASSERT_OK(api->ModelInfoGetInitializerStats(info, &count, &total));
  EXPECT_EQ(count, 0u);
  EXPECT_OK(api->ReleaseModelInfo(info));

  // From a file, with an initializer and metadata.
  auto dir = ScratchDir("info");
  WriteFile(dir / "add.onnx", add_model());
  ASSERT_OK(api->CreateModelInfo((dir / "add.onnx").c_str(), &info));
  ASSERT_OK(api->ModelInfoGetInputCount(info, &n));
  EXPECT_EQ(n, 1u) << "the overridable initializer is not listed as an input";
  ASSERT_OK(api->ModelInfoGetInitializerStats(info, &count, &total));
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(total, 12u);
  OnyxModelMetadata* m = nullptr;
  ASSERT_OK(api->ModelInfoGetMetadata(info, &m));
  const char* producer = nullptr;
  ASSERT_OK(api->ModelMetadataGetProducerName(m, &producer));
  EXPECT_STREQ(producer, "onyx-test");
  EXPECT_OK(api->ReleaseModelInfo(info));
  // The metadata handle lives on its own.
  ASSERT_OK(api->ModelMetadataGetProducerName(m, &producer));
  EXPECT_STREQ(producer, "onyx-test");
  EXPECT_OK(api->ReleaseModelMetadata(m));

  EXPECT_ERROR(api->CreateModelInfo((dir / "missing.onnx").c_str(), &info), ONYX_NO_SUCHFILE, {"missing.onnx"});
  WriteFile(dir / "corrupt.onnx", "\x08\x08\x3a\xff\xff\xff\x0f garbage");
  EXPECT_ERROR(api->CreateModelInfo((dir / "corrupt.onnx").c_str(), &info), ONYX_INVALID_PROTOBUF, {"corrupt.onnx"});
  EXPECT_ERROR(api->CreateModelInfo(nullptr, &info), ONYX_INVALID_ARGUMENT, {"path is NULL"});
  std::filesystem::remove_all(dir);
}

// Every numeric element type reads back as doubles: the decoders for the
// 16-, 8- and 4-bit formats, packed integers, bool and complex.
TEST_F(CApiTest, TensorDataAsDouble) {
  auto make = [&](OnyxElementType type, std::vector<int64_t> shape, std::vector<uint8_t> bytes) {
    OnyxValue* v = nullptr;
    EXPECT_TRUE(Ok(api->CreateTensor(type, shape.data(), shape.size(), &v)));
    size_t nbytes = 0;
    EXPECT_TRUE(Ok(api->GetTensorSizeInBytes(v, &nbytes)));
    EXPECT_EQ(nbytes, bytes.size()) << "element type " << type;
    void* p = nullptr;
    EXPECT_TRUE(Ok(api->GetTensorMutableData(v, &p)));
    if (nbytes == bytes.size()) std::memcpy(p, bytes.data(), bytes.size());
    return v;
  };
  auto read = [&](OnyxValue* v, size_t n) {
    std::vector<double> out(n, -99);
    EXPECT_TRUE(Ok(api->CopyTensorDataAsDouble(v, out.data(), out.size())));
    Release(v);
    return out;
  };
  using D = std::vector<double>;
  // float16 1.0, -2.0; bfloat16 1.0, -2.0 (little-endian bytes).
  EXPECT_EQ(read(make(ONYX_ELEMENT_FLOAT16, {2}, {0x00, 0x3c, 0x00, 0xc0}), 2), (D{1, -2}));
  EXPECT_EQ(read(make(ONYX_ELEMENT_BFLOAT16, {2}, {0x80, 0x3f, 0x00, 0xc0}), 2), (D{1, -2}));
  // float8 e4m3fn: 0x38 = 1.0, 0xc0 = -2.0, 0x7f = NaN; e5m2: 0x3c = 1.0.
  D f8 = read(make(ONYX_ELEMENT_FLOAT8E4M3FN, {3}, {0x38, 0xc0, 0x7f}), 3);
  EXPECT_EQ(f8[0], 1);
  EXPECT_EQ(f8[1], -2);
  EXPECT_TRUE(std::isnan(f8[2]));
  EXPECT_EQ(read(make(ONYX_ELEMENT_FLOAT8E5M2, {1}, {0x3c}), 1), (D{1}));
  // int4 {-1, 7, -8}: nibbles f, 7, 8, low nibble first; uint4 the same bytes.
  EXPECT_EQ(read(make(ONYX_ELEMENT_INT4, {3}, {0x7f, 0x08}), 3), (D{-1, 7, -8}));
  EXPECT_EQ(read(make(ONYX_ELEMENT_UINT4, {3}, {0x7f, 0x08}), 3), (D{15, 7, 8}));
  EXPECT_EQ(read(make(ONYX_ELEMENT_BOOL, {3}, {1, 0, 1}), 3), (D{1, 0, 1}));
  EXPECT_EQ(read(make(ONYX_ELEMENT_INT8, {2}, {0xff, 0x05}), 2), (D{-1, 5}));
  // complex64 (1.5 - 2i): two doubles per element.
  std::vector<uint8_t> c(8);
  float parts[2] = {1.5f, -2.0f};
  std::memcpy(c.data(), parts, 8);
  EXPECT_EQ(read(make(ONYX_ELEMENT_COMPLEX64, {1}, c), 2), (D{1.5, -2}));

  // Errors: a buffer too small, NULL buffer, strings, non-tensors, released values.
  OnyxValue* v = Floats({3}, {1, 2, 3});
  double two[2];
  EXPECT_ERROR(api->CopyTensorDataAsDouble(v, two, 2), ONYX_INVALID_ARGUMENT, {"count is 2", "float32[3]", "3 doubles"});
  EXPECT_ERROR(api->CopyTensorDataAsDouble(v, nullptr, 3), ONYX_INVALID_ARGUMENT, {"buffer is NULL"});
  OnyxValue* seq = nullptr;
  ASSERT_OK(api->CreateSequence(&v, 1, ONYX_ELEMENT_UNDEFINED, &seq));
  EXPECT_ERROR(api->CopyTensorDataAsDouble(seq, two, 2), ONYX_INVALID_ARGUMENT, {"not a tensor"});
  Release(seq);
  Release(v);
  EXPECT_ERROR(api->CopyTensorDataAsDouble(v, two, 2), ONYX_INVALID_ARGUMENT, {"not a live OnyxValue"});
  const char* strs[] = {"a"};
  int64_t one = 1;
  ASSERT_OK(api->CreateStringTensor(&one, 1, strs, nullptr, 1, &v));
  EXPECT_ERROR(api->CopyTensorDataAsDouble(v, two, 2), ONYX_INVALID_ARGUMENT, {"string"});
  Release(v);
  EXPECT_ERROR(api->CopyTensorDataAsDouble(nullptr, two, 2), ONYX_INVALID_ARGUMENT, {"value is NULL"});
}

TEST_F(CApiTest, HandleMisuse) {
  OnyxValue* v = Floats({1}, {1});
  OnyxTypeKind kind;
  // NULL handles and out-parameters.
  EXPECT_ERROR(api->GetValueKind(nullptr, &kind), ONYX_INVALID_ARGUMENT, {"value is NULL"});
  EXPECT_ERROR(api->GetValueKind(v, nullptr), ONYX_INVALID_ARGUMENT, {"out is NULL"});
  EXPECT_ERROR(api->SessionGetInputCount(nullptr, nullptr), ONYX_INVALID_ARGUMENT, {"session is NULL"});
  EXPECT_ERROR(api->TypeInfoGetKind(nullptr, &kind), ONYX_INVALID_ARGUMENT, {"info is NULL"});
  // A pointer the library never handed out.
  int garbage = 0;
  EXPECT_ERROR(api->GetValueKind(reinterpret_cast<OnyxValue*>(&garbage), &kind), ONYX_INVALID_ARGUMENT,
               {"not a live OnyxValue"});
  EXPECT_ERROR(api->ReleaseValue(reinterpret_cast<OnyxValue*>(&garbage)), ONYX_INVALID_ARGUMENT);
  // Wrong kinds.
  EXPECT_ERROR(api->ReleaseSession(reinterpret_cast<OnyxSession*>(v)), ONYX_INVALID_ARGUMENT,
               {"is an OnyxValue", "expected an OnyxSession"});
  EXPECT_ERROR(api->ReleaseTypeInfo(reinterpret_cast<OnyxTypeInfo*>(env)), ONYX_INVALID_ARGUMENT, {"is an OnyxEnv"});
  EXPECT_ERROR(api->ModelInfoGetNodeCount(reinterpret_cast<OnyxModelInfo*>(v), nullptr), ONYX_INVALID_ARGUMENT,
               {"is an OnyxValue"});
  // Still alive after all that.
  ASSERT_OK(api->GetValueKind(v, &kind));
  // Released handles.
  Release(v);
  EXPECT_ERROR(api->GetValueKind(v, &kind), ONYX_INVALID_ARGUMENT, {"not a live OnyxValue", "released"});
  EXPECT_ERROR(api->ReleaseValue(v), ONYX_INVALID_ARGUMENT, {"not a live OnyxValue"});
  const void* p;
  EXPECT_ERROR(api->GetTensorData(v, &p), ONYX_INVALID_ARGUMENT, {"not a live"});
  OnyxTypeInfo* t = nullptr;
  OnyxValue* tv = Floats({2}, {1, 2});
  ASSERT_OK(api->GetValueTypeInfo(tv, &t));
  Release(tv);
  EXPECT_OK(api->ReleaseTypeInfo(t));
  EXPECT_ERROR(api->TypeInfoGetKind(t, &kind), ONYX_INVALID_ARGUMENT, {"not a live OnyxTypeInfo"});
}

}  // namespace
}  // namespace onyx_api_test
