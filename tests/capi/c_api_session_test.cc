// C API: the function table, environment, session options, sessions, Run,
// metadata, profiling, run options, threads.
#include <atomic>
#include <cstring>
#include <thread>

#include "capi/c_api_test_util.h"

namespace onyx_api_test {
namespace {

TEST(CApiTable, VersionsAndLayout) {
  const OnyxApi* v1 = OnyxGetApi(1);
  ASSERT_NE(v1, nullptr);
  EXPECT_EQ(OnyxGetApi(ONYX_API_VERSION), v1) << "older versions get the same table (a prefix)";
  EXPECT_EQ(OnyxGetApi(0), nullptr);
  EXPECT_EQ(OnyxGetApi(ONYX_API_VERSION + 1), nullptr) << "a version from the future is refused";
  // Every entry is filled.
  using Fn = void (*)(void);
  const auto* slots = reinterpret_cast<const Fn*>(v1);
  for (size_t i = 0; i < sizeof(OnyxApi) / sizeof(Fn); ++i) EXPECT_NE(slots[i], nullptr) << "slot " << i;
}

TEST_F(CApiTest, VersionProvidersTypeNames) {
  const char* version = nullptr;
  ASSERT_OK(api->GetVersionString(&version));
  EXPECT_STREQ(version, "0.1.0");
  size_t n = 0;
  ASSERT_OK(api->GetAvailableProviderCount(&n));
  ASSERT_EQ(n, 1u);
  const char* name = nullptr;
  ASSERT_OK(api->GetAvailableProviderName(0, &name));
  EXPECT_STREQ(name, "CPUExecutionProvider");
  EXPECT_ERROR(api->GetAvailableProviderName(1, &name), ONYX_INVALID_ARGUMENT, {"out of range"});
  ASSERT_OK(api->GetElementTypeName(ONYX_ELEMENT_FLOAT, &name));
  EXPECT_STREQ(name, "float32");
  ASSERT_OK(api->GetElementTypeName(ONYX_ELEMENT_INT64, &name));
  EXPECT_STREQ(name, "int64");
  EXPECT_ERROR(api->GetElementTypeName(static_cast<OnyxElementType>(99), &name), ONYX_INVALID_ARGUMENT, {"99"});
  EXPECT_ERROR(api->GetVersionString(nullptr), ONYX_INVALID_ARGUMENT, {"out is NULL"});
}

TEST_F(CApiTest, Statuses) {
  EXPECT_EQ(api->CreateStatus(ONYX_OK, "fine"), nullptr);
  OnyxStatus* st = api->CreateStatus(ONYX_NO_SUCHFILE, "gone");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(api->GetErrorCode(st), ONYX_NO_SUCHFILE);
  EXPECT_STREQ(api->GetErrorMessage(st), "gone");
  api->ReleaseStatus(st);
  // A released status is recognised as such; releasing it again is harmless.
  EXPECT_EQ(api->GetErrorCode(st), ONYX_INVALID_ARGUMENT);
  api->ReleaseStatus(st);
  EXPECT_EQ(api->GetErrorCode(nullptr), ONYX_OK);
  EXPECT_STREQ(api->GetErrorMessage(nullptr), "");
  api->ReleaseStatus(nullptr);
  st = api->CreateStatus(ONYX_FAIL, nullptr);
  EXPECT_STREQ(api->GetErrorMessage(st), "");
  api->ReleaseStatus(st);
  // A code no enumerator names (a C caller may pass any int) stays an error, ONYX_FAIL, the number kept.
  st = api->CreateStatus(static_cast<OnyxErrorCode>(42), "odd");
  ASSERT_NE(st, nullptr);
  EXPECT_EQ(api->GetErrorCode(st), ONYX_FAIL);
  EXPECT_STREQ(api->GetErrorMessage(st), "error code 42: odd");
  api->ReleaseStatus(st);
}

TEST_F(CApiTest, EnvMisuse) {
  EXPECT_ERROR(api->CreateEnv(ONYX_LOG_WARNING, "x", nullptr), ONYX_INVALID_ARGUMENT, {"out is NULL"});
  OnyxEnv* e = nullptr;
  EXPECT_ERROR(api->CreateEnv(static_cast<OnyxLoggingLevel>(9), "x", &e), ONYX_INVALID_ARGUMENT, {"log level"});
  ASSERT_OK(api->CreateEnv(ONYX_LOG_ERROR, nullptr, &e));
  ASSERT_OK(api->ReleaseEnv(e));
  EXPECT_ERROR(api->ReleaseEnv(e), ONYX_INVALID_ARGUMENT, {"not a live OnyxEnv"});
  EXPECT_ERROR(api->ReleaseEnv(nullptr), ONYX_INVALID_ARGUMENT, {"NULL"});
}

TEST_F(CApiTest, SessionOptions) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  EXPECT_OK(api->SetIntraOpNumThreads(o, 2));
  EXPECT_OK(api->SetInterOpNumThreads(o, 1));
  EXPECT_OK(api->SetGraphOptimizationLevel(o, ONYX_OPT_ENABLE_BASIC));
  EXPECT_OK(api->SetGraphOptimizationLevel(o, static_cast<OnyxGraphOptimizationLevel>(3)));
  EXPECT_OK(api->SetSessionLogSeverityLevel(o, ONYX_LOG_ERROR));
  EXPECT_OK(api->SetOptimizedModelFilePath(o, ""));
  EXPECT_OK(api->EnableProfiling(o, nullptr));
  EXPECT_OK(api->DisableProfiling(o));
  EXPECT_OK(api->SetSessionMemoryLimit(o, 0));
  EXPECT_OK(api->SetReferenceKernels(o, 0));
  EXPECT_OK(api->SetExternalDataFolder(o, nullptr));
  EXPECT_ERROR(api->SetIntraOpNumThreads(o, -1), ONYX_INVALID_ARGUMENT, {"-1"});
  EXPECT_ERROR(api->SetInterOpNumThreads(o, -3), ONYX_INVALID_ARGUMENT, {"-3"});
  EXPECT_ERROR(api->SetGraphOptimizationLevel(o, static_cast<OnyxGraphOptimizationLevel>(100)),
               ONYX_INVALID_ARGUMENT, {"100"});
  EXPECT_ERROR(api->SetSessionLogSeverityLevel(o, static_cast<OnyxLoggingLevel>(-1)), ONYX_INVALID_ARGUMENT);

  EXPECT_OK(api->AddSessionConfigEntry(o, "session.key", "v1"));
  EXPECT_OK(api->AddSessionConfigEntry(o, "session.key", "v2"));
  const char* value = nullptr;
  ASSERT_OK(api->GetSessionConfigEntry(o, "session.key", &value));
  EXPECT_STREQ(value, "v2");
  ASSERT_OK(api->GetSessionConfigEntry(o, "absent", &value));
  EXPECT_EQ(value, nullptr);
  EXPECT_ERROR(api->AddSessionConfigEntry(o, "", "v"), ONYX_INVALID_ARGUMENT, {"empty"});
  EXPECT_ERROR(api->AddSessionConfigEntry(o, nullptr, "v"), ONYX_INVALID_ARGUMENT, {"key is NULL"});

  OnyxSessionOptions* c = nullptr;
  ASSERT_OK(api->CloneSessionOptions(o, &c));
  ASSERT_OK(api->GetSessionConfigEntry(c, "session.key", &value));
  EXPECT_STREQ(value, "v2");
  // The clone is independent.
  EXPECT_OK(api->AddSessionConfigEntry(c, "session.key", "v3"));
  ASSERT_OK(api->GetSessionConfigEntry(o, "session.key", &value));
  EXPECT_STREQ(value, "v2");
  EXPECT_OK(api->ReleaseSessionOptions(c));
  EXPECT_OK(api->ReleaseSessionOptions(o));
  EXPECT_ERROR(api->SetIntraOpNumThreads(o, 1), ONYX_INVALID_ARGUMENT, {"not a live OnyxSessionOptions"});
}

TEST_F(CApiTest, SessionInterface) {
  OnyxSession* s = SessionFromBytes(add_model());
  ASSERT_NE(s, nullptr);
  size_t n = 0;
  ASSERT_OK(api->SessionGetInputCount(s, &n));
  EXPECT_EQ(n, 1u);
  ASSERT_OK(api->SessionGetOutputCount(s, &n));
  EXPECT_EQ(n, 1u);
  ASSERT_OK(api->SessionGetOverridableInitializerCount(s, &n));
  EXPECT_EQ(n, 1u);
  const char* name = nullptr;
  ASSERT_OK(api->SessionGetInputName(s, 0, &name));
  EXPECT_STREQ(name, "A");
  ASSERT_OK(api->SessionGetOutputName(s, 0, &name));
  EXPECT_STREQ(name, "C");
  ASSERT_OK(api->SessionGetOverridableInitializerName(s, 0, &name));
  EXPECT_STREQ(name, "B");
  EXPECT_ERROR(api->SessionGetInputName(s, 1, &name), ONYX_INVALID_ARGUMENT, {"index 1", "out of range"});
  EXPECT_ERROR(api->SessionGetOutputName(s, 5, &name), ONYX_INVALID_ARGUMENT, {"out of range"});

  OnyxTypeInfo* t = nullptr;
  ASSERT_OK(api->SessionGetInputTypeInfo(s, 0, &t));
  OnyxTypeKind kind;
  ASSERT_OK(api->TypeInfoGetKind(t, &kind));
  EXPECT_EQ(kind, ONYX_KIND_TENSOR);
  OnyxElementType elem;
  ASSERT_OK(api->TypeInfoGetElementType(t, &elem));
  EXPECT_EQ(elem, ONYX_ELEMENT_FLOAT);
  int64_t rank = 0;
  ASSERT_OK(api->TypeInfoGetRank(t, &rank));
  ASSERT_EQ(rank, 2);
  int64_t dims[2];
  ASSERT_OK(api->TypeInfoGetDims(t, dims, 2));
  EXPECT_EQ(dims[0], -1);
  EXPECT_EQ(dims[1], 3);
  EXPECT_ERROR(api->TypeInfoGetDims(t, dims, 1), ONYX_INVALID_ARGUMENT, {"too small"});
  const char* sym = nullptr;
  ASSERT_OK(api->TypeInfoGetSymbolicDim(t, 0, &sym));
  EXPECT_STREQ(sym, "batch");
  ASSERT_OK(api->TypeInfoGetSymbolicDim(t, 1, &sym));
  EXPECT_STREQ(sym, "");
  EXPECT_ERROR(api->TypeInfoGetSymbolicDim(t, 2, &sym), ONYX_INVALID_ARGUMENT, {"out of range"});
  const char* ts = nullptr;
  ASSERT_OK(api->TypeInfoGetTypeString(t, &ts));
  EXPECT_STREQ(ts, "tensor(float)");
  OnyxTypeInfo* inner = nullptr;
  EXPECT_ERROR(api->TypeInfoGetElementTypeInfo(t, &inner), ONYX_INVALID_ARGUMENT, {"tensor(float)"});
  EXPECT_ERROR(api->TypeInfoGetMapKeyType(t, &elem), ONYX_INVALID_ARGUMENT, {"not a map"});
  EXPECT_OK(api->ReleaseTypeInfo(t));

  ASSERT_OK(api->SessionGetOverridableInitializerTypeInfo(s, 0, &t));
  ASSERT_OK(api->TypeInfoGetDims(t, dims, 2));
  EXPECT_EQ(dims[0], 3);
  EXPECT_OK(api->ReleaseTypeInfo(t));
  ASSERT_OK(api->SessionGetOutputTypeInfo(s, 0, &t));
  ASSERT_OK(api->TypeInfoGetSymbolicDim(t, 0, &sym));
  EXPECT_STREQ(sym, "batch");
  EXPECT_OK(api->ReleaseTypeInfo(t));
  EXPECT_ERROR(api->SessionGetInputTypeInfo(s, 3, &t), ONYX_INVALID_ARGUMENT, {"out of range"});
  EXPECT_OK(api->ReleaseSession(s));
}

TEST_F(CApiTest, RunAddAndOverride) {
  OnyxSession* s = SessionFromBytes(add_model());
  OnyxValue* a = Floats({2, 3}, {1, 2, 3, 4, 5, 6});
  const char* in_names[] = {"A"};
  const char* out_names[] = {"C"};
  OnyxValue* out = nullptr;
  ASSERT_OK(api->Run(s, nullptr, in_names, &a, 1, out_names, 1, &out));
  EXPECT_EQ(ReadFloats(out), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  EXPECT_EQ(ReadShape(out), (std::vector<int64_t>{2, 3}));
  size_t bytes = 0;
  ASSERT_OK(api->GetTensorSizeInBytes(out, &bytes));
  EXPECT_EQ(bytes, 24u);
  float copy[6];
  EXPECT_ERROR(api->CopyTensorData(out, copy, 20), ONYX_INVALID_ARGUMENT, {"20", "24"});
  ASSERT_OK(api->CopyTensorData(out, copy, sizeof copy));
  EXPECT_EQ(copy[5], 36);
  Release(out);

  // Override the initializer B.
  OnyxValue* b = Floats({3}, {0, 0, 1});
  const char* both[] = {"A", "B"};
  const OnyxValue* vals[] = {a, b};
  ASSERT_OK(api->Run(s, nullptr, both, vals, 2, out_names, 1, &out));
  EXPECT_EQ(ReadFloats(out), (std::vector<float>{1, 2, 4, 4, 5, 7}));
  Release(out);

  // All outputs: output_names NULL with the model's output count.
  ASSERT_OK(api->Run(s, nullptr, in_names, &a, 1, nullptr, 1, &out));
  EXPECT_EQ(ReadFloats(out)[0], 11);
  Release(out);
  OnyxValue* two[2] = {nullptr, nullptr};
  EXPECT_ERROR(api->Run(s, nullptr, in_names, &a, 1, nullptr, 2, two), ONYX_INVALID_ARGUMENT, {"output_count is 2"});
  EXPECT_EQ(two[0], nullptr);
  EXPECT_ERROR(api->Run(s, nullptr, in_names, &a, 1, out_names, 0, two), ONYX_INVALID_ARGUMENT, {"output_count is 0"});
  Release(a);
  Release(b);
  EXPECT_OK(api->ReleaseSession(s));
}

TEST_F(CApiTest, RunErrorsNameTheInput) {
  OnyxSession* s = SessionFromBytes(add_model());
  OnyxValue* a = Floats({2, 3}, {1, 2, 3, 4, 5, 6});
  OnyxValue* out = nullptr;
  const char* out_names[] = {"C"};
  const char* wrong[] = {"Z"};
  EXPECT_ERROR(api->Run(s, nullptr, wrong, &a, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT, {"'Z'", "'A'"});
  const char* bad_out[] = {"nope"};
  const char* in_names[] = {"A"};
  EXPECT_ERROR(api->Run(s, nullptr, in_names, &a, 1, bad_out, 1, &out), ONYX_INVALID_ARGUMENT, {"'nope'"});
  // Missing input.
  EXPECT_ERROR(api->Run(s, nullptr, nullptr, nullptr, 0, out_names, 1, &out), ONYX_INVALID_ARGUMENT,
               {"missing input 'A'"});
  // Wrong element type.
  int64_t shape[] = {2, 3};
  OnyxValue* ints = nullptr;
  ASSERT_OK(api->CreateTensor(ONYX_ELEMENT_INT64, shape, 2, &ints));
  EXPECT_ERROR(api->Run(s, nullptr, in_names, &ints, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT,
               {"input 'A'", "int64", "float"});
  // Wrong fixed dim.
  OnyxValue* wide = Floats({2, 4}, std::vector<float>(8, 0));
  EXPECT_ERROR(api->Run(s, nullptr, in_names, &wide, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT,
               {"input 'A'", "dim 1"});
  // NULL arrays / entries.
  EXPECT_ERROR(api->Run(s, nullptr, nullptr, &a, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT, {"input_names"});
  const char* null_name[] = {nullptr};
  EXPECT_ERROR(api->Run(s, nullptr, null_name, &a, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT,
               {"input_names[0]"});
  const OnyxValue* null_value[] = {nullptr};
  EXPECT_ERROR(api->Run(s, nullptr, in_names, null_value, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT,
               {"inputs[0]", "NULL"});
  EXPECT_ERROR(api->Run(s, nullptr, in_names, &a, 1, out_names, 1, nullptr), ONYX_INVALID_ARGUMENT, {"outputs"});
  // A session passed where a value belongs, and the reverse.
  const OnyxValue* not_value[] = {reinterpret_cast<const OnyxValue*>(s)};
  EXPECT_ERROR(api->Run(s, nullptr, in_names, not_value, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT,
               {"is an OnyxSession", "expected an OnyxValue"});
  EXPECT_ERROR(api->Run(reinterpret_cast<OnyxSession*>(a), nullptr, in_names, &a, 1, out_names, 1, &out),
               ONYX_INVALID_ARGUMENT, {"is an OnyxValue"});
  EXPECT_EQ(out, nullptr) << "outputs are written only on success";
  Release(a);
  Release(ints);
  Release(wide);
  EXPECT_OK(api->ReleaseSession(s));
  // Released session.
  EXPECT_ERROR(api->Run(s, nullptr, in_names, &a, 1, out_names, 1, &out), ONYX_INVALID_ARGUMENT,
               {"not a live OnyxSession"});
  size_t count;
  EXPECT_ERROR(api->SessionGetInputCount(s, &count), ONYX_INVALID_ARGUMENT, {"not a live OnyxSession"});
  EXPECT_ERROR(api->ReleaseSession(s), ONYX_INVALID_ARGUMENT, {"not a live OnyxSession"});
}

TEST_F(CApiTest, SessionCreationErrors) {
  OnyxSession* s = nullptr;
  EXPECT_ERROR(api->CreateSession(env, "/nonexistent/model.onnx", nullptr, &s), ONYX_NO_SUCHFILE,
               {"/nonexistent/model.onnx"});
  std::string junk = "this is not a protobuf at all \xff\xff\xff\xff";
  EXPECT_ERROR(api->CreateSessionFromBytes(env, junk.data(), junk.size(), nullptr, &s), ONYX_INVALID_PROTOBUF);
  std::string cut = add_model().substr(0, 20);
  EXPECT_ERROR(api->CreateSessionFromBytes(env, cut.data(), cut.size(), nullptr, &s), ONYX_INVALID_PROTOBUF);
  std::string unknown = unknown_op_model();
  EXPECT_ERROR(api->CreateSessionFromBytes(env, unknown.data(), unknown.size(), nullptr, &s), ONYX_NOT_IMPLEMENTED,
               {"FooBar", "com.example"});
  EXPECT_ERROR(api->CreateSession(nullptr, "x.onnx", nullptr, &s), ONYX_INVALID_ARGUMENT, {"env is NULL"});
  EXPECT_ERROR(api->CreateSession(env, nullptr, nullptr, &s), ONYX_INVALID_ARGUMENT, {"path is NULL"});
  EXPECT_ERROR(api->CreateSessionFromBytes(env, nullptr, 10, nullptr, &s), ONYX_INVALID_ARGUMENT, {"data is NULL"});
  std::string bytes = add_model();
  EXPECT_ERROR(api->CreateSessionFromBytes(env, bytes.data(), bytes.size(), nullptr, nullptr), ONYX_INVALID_ARGUMENT,
               {"out is NULL"});
  // Options of the wrong kind.
  EXPECT_ERROR(api->CreateSessionFromBytes(env, bytes.data(), bytes.size(),
                                           reinterpret_cast<const OnyxSessionOptions*>(env), &s),
               ONYX_INVALID_ARGUMENT, {"is an OnyxEnv"});
  EXPECT_EQ(s, nullptr);
}

TEST_F(CApiTest, SessionFromPathAndFromBytesOutliveTheirSource) {
  auto dir = ScratchDir("path");
  WriteFile(dir / "add.onnx", add_model());
  OnyxSession* from_path = nullptr;
  ASSERT_OK(api->CreateSession(env, (dir / "add.onnx").c_str(), nullptr, &from_path));
  // Bytes are copied: the buffer may go away right after creation.
  OnyxSession* from_bytes = nullptr;
  {
    std::string bytes = add_model();
    ASSERT_OK(api->CreateSessionFromBytes(env, bytes.data(), bytes.size(), nullptr, &from_bytes));
    std::fill(bytes.begin(), bytes.end(), '\0');
  }
  OnyxValue* a = Floats({1, 3}, {1, 1, 1});
  const char* in[] = {"A"};
  const char* outn[] = {"C"};
  for (OnyxSession* s : {from_path, from_bytes}) {
    OnyxValue* out = nullptr;
    ASSERT_OK(api->Run(s, nullptr, in, &a, 1, outn, 1, &out));
    EXPECT_EQ(ReadFloats(out), (std::vector<float>{11, 21, 31}));
    Release(out);
  }
  Release(a);
  EXPECT_OK(api->ReleaseSession(from_path));
  EXPECT_OK(api->ReleaseSession(from_bytes));
  std::filesystem::remove_all(dir);
}

TEST_F(CApiTest, OutputsOutliveTheSession) {
  OnyxSession* s = SessionFromBytes(add_model());
  OnyxValue* a = Floats({2, 3}, {1, 2, 3, 4, 5, 6});
  const char* in[] = {"A"};
  OnyxValue* out = nullptr;
  ASSERT_OK(api->Run(s, nullptr, in, &a, 1, nullptr, 1, &out));
  EXPECT_OK(api->ReleaseSession(s));
  EXPECT_EQ(ReadFloats(out), (std::vector<float>{11, 22, 33, 14, 25, 36}));
  Release(out);
  Release(a);
}

TEST_F(CApiTest, OutputsAliasingConstantsAreCopies) {
  OnyxSession* s = SessionFromBytes(constant_output_model());
  OnyxValue* out = nullptr;
  ASSERT_OK(api->Run(s, nullptr, nullptr, nullptr, 0, nullptr, 1, &out));
  EXPECT_EQ(ReadFloats(out), (std::vector<float>{1, 2, 3, 4}));
  void* p = nullptr;
  ASSERT_OK(api->GetTensorMutableData(out, &p));
  static_cast<float*>(p)[0] = 100;  // must neither fault nor change the weight
  OnyxValue* again = nullptr;
  ASSERT_OK(api->Run(s, nullptr, nullptr, nullptr, 0, nullptr, 1, &again));
  EXPECT_EQ(ReadFloats(again), (std::vector<float>{1, 2, 3, 4}));
  Release(out);
  Release(again);
  EXPECT_OK(api->ReleaseSession(s));
}

TEST_F(CApiTest, ZeroCopyInput) {
  OnyxSession* s = SessionFromBytes(identity_model());
  alignas(64) float buf[4] = {1, 2, 3, 4};
  int64_t shape[] = {2, 2};
  OnyxMemoryInfo* mem = nullptr;
  ASSERT_OK(api->CreateCpuMemoryInfo(&mem));
  OnyxValue* x = nullptr;
  ASSERT_OK(api->CreateTensorWithData(mem, buf, sizeof buf, shape, 2, ONYX_ELEMENT_FLOAT, &x));
  const void* p = nullptr;
  ASSERT_OK(api->GetTensorData(x, &p));
  EXPECT_EQ(p, buf) << "the value views the caller's memory";
  const char* in[] = {"X"};
  OnyxValue* y = nullptr;
  ASSERT_OK(api->Run(s, nullptr, in, &x, 1, nullptr, 1, &y));
  ASSERT_OK(api->GetTensorData(y, &p));
  EXPECT_EQ(p, buf) << "Identity passes the caller's buffer through: it was never copied";
  Release(y);
  EXPECT_OK(api->ReleaseSession(s));

  // The engine reads the memory at run time: a change after creation is seen.
  s = SessionFromBytes(add_model());
  float abuf[3] = {0, 0, 0};
  int64_t ashape[] = {1, 3};
  OnyxValue* a = nullptr;
  ASSERT_OK(api->CreateTensorWithData(nullptr, abuf, sizeof abuf, ashape, 2, ONYX_ELEMENT_FLOAT, &a));
  abuf[0] = 5;
  const char* ain[] = {"A"};
  ASSERT_OK(api->Run(s, nullptr, ain, &a, 1, nullptr, 1, &y));
  EXPECT_EQ(ReadFloats(y), (std::vector<float>{15, 20, 30}));
  Release(y);
  Release(a);
  Release(x);
  EXPECT_OK(api->ReleaseSession(s));
  EXPECT_OK(api->ReleaseMemoryInfo(mem));
}

TEST_F(CApiTest, ModelMetadata) {
  OnyxSession* s = SessionFromBytes(add_model());
  OnyxModelMetadata* m = nullptr;
  ASSERT_OK(api->SessionGetModelMetadata(s, &m));
  const char* str = nullptr;
  ASSERT_OK(api->ModelMetadataGetProducerName(m, &str));
  EXPECT_STREQ(str, "onyx-test");
  ASSERT_OK(api->ModelMetadataGetProducerVersion(m, &str));
  EXPECT_STREQ(str, "1.2");
  ASSERT_OK(api->ModelMetadataGetGraphName(m, &str));
  EXPECT_STREQ(str, "add_graph");
  ASSERT_OK(api->ModelMetadataGetDomain(m, &str));
  EXPECT_STREQ(str, "ai.onyx.test");
  ASSERT_OK(api->ModelMetadataGetDescription(m, &str));
  EXPECT_STREQ(str, "adds a bias");
  int64_t version = 0;
  ASSERT_OK(api->ModelMetadataGetVersion(m, &version));
  EXPECT_EQ(version, 7);
  size_t n = 0;
  ASSERT_OK(api->ModelMetadataGetCustomCount(m, &n));
  ASSERT_EQ(n, 2u);
  const char *key = nullptr, *value = nullptr;
  ASSERT_OK(api->ModelMetadataGetCustomEntry(m, 0, &key, &value));
  EXPECT_STREQ(key, "author");
  EXPECT_STREQ(value, "capi");
  EXPECT_ERROR(api->ModelMetadataGetCustomEntry(m, 2, &key, &value), ONYX_INVALID_ARGUMENT, {"out of range"});
  ASSERT_OK(api->ModelMetadataLookupCustom(m, "license", &value));
  EXPECT_STREQ(value, "none");
  ASSERT_OK(api->ModelMetadataLookupCustom(m, "absent", &value));
  EXPECT_EQ(value, nullptr);
  EXPECT_OK(api->ReleaseModelMetadata(m));
  EXPECT_ERROR(api->ModelMetadataGetVersion(m, &version), ONYX_INVALID_ARGUMENT, {"not a live OnyxModelMetadata"});
  EXPECT_OK(api->ReleaseSession(s));
}

TEST_F(CApiTest, ProfilingWritesATrace) {
  auto dir = ScratchDir("profile");
  std::string prefix = (dir / "trace").string();
  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  ASSERT_OK(api->EnableProfiling(o, prefix.c_str()));
  OnyxSession* s = SessionFromBytes(add_model(), o);
  OnyxValue* a = Floats({1, 3}, {1, 2, 3});
  const char* in[] = {"A"};
  OnyxValue* out = nullptr;
  ASSERT_OK(api->Run(s, nullptr, in, &a, 1, nullptr, 1, &out));
  const char* path = nullptr;
  ASSERT_OK(api->SessionEndProfiling(s, &path));
  ASSERT_NE(std::string(path), "");
  EXPECT_EQ(std::string(path).rfind(prefix, 0), 0u) << path;
  std::ifstream f(path);
  std::string trace((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(trace.find("\"Add\""), std::string::npos) << trace;
  ASSERT_OK(api->SessionEndProfiling(s, &path));
  EXPECT_STREQ(path, "") << "profiling already ended";
  Release(out);
  EXPECT_OK(api->ReleaseSession(s));

  OnyxSession* quiet = SessionFromBytes(add_model());
  ASSERT_OK(api->SessionEndProfiling(quiet, &path));
  EXPECT_STREQ(path, "");
  EXPECT_OK(api->ReleaseSession(quiet));
  Release(a);
  EXPECT_OK(api->ReleaseSessionOptions(o));
  std::filesystem::remove_all(dir);
}

TEST_F(CApiTest, OptimizedModelFileAndReferenceKernels) {
  auto dir = ScratchDir("optimized");
  std::string saved = (dir / "opt.onnx").string();
  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  ASSERT_OK(api->SetOptimizedModelFilePath(o, saved.c_str()));
  ASSERT_OK(api->SetReferenceKernels(o, 1));
  ASSERT_OK(api->SetIntraOpNumThreads(o, 1));
  OnyxSession* s = SessionFromBytes(add_model(), o);
  ASSERT_TRUE(std::filesystem::exists(saved));
  OnyxSession* reloaded = nullptr;
  ASSERT_OK(api->CreateSession(env, saved.c_str(), nullptr, &reloaded));
  OnyxValue* a = Floats({1, 3}, {1, 2, 3});
  const char* in[] = {"A"};
  for (OnyxSession* x : {s, reloaded}) {
    OnyxValue* out = nullptr;
    ASSERT_OK(api->Run(x, nullptr, in, &a, 1, nullptr, 1, &out));
    EXPECT_EQ(ReadFloats(out), (std::vector<float>{11, 22, 33}));
    Release(out);
  }
  Release(a);
  EXPECT_OK(api->ReleaseSession(s));
  EXPECT_OK(api->ReleaseSession(reloaded));
  EXPECT_OK(api->ReleaseSessionOptions(o));
  std::filesystem::remove_all(dir);
}

// The config entry "session.use_reference_kernels" picks the same kernels as
// SetReferenceKernels; the profile names the kernel each node ran.
TEST_F(CApiTest, ReferenceKernelsConfigEntry) {
  auto dir = ScratchDir("refconfig");
  auto kernel_of_matmul = [&](const char* entry) {
    OnyxSessionOptions* o = nullptr;
    EXPECT_TRUE(Ok(api->CreateSessionOptions(&o)));
    if (entry) {
      EXPECT_TRUE(Ok(api->AddSessionConfigEntry(o, "session.use_reference_kernels", entry)));
    }
    EXPECT_TRUE(Ok(api->EnableProfiling(o, (dir / "trace").string().c_str())));
    OnyxSession* s = SessionFromBytes(matmul_model(), o);
    OnyxValue* in[] = {Floats({2, 3}, {1, 2, 3, 4, 5, 6}), Floats({3, 2}, {1, 0, 0, 1, 1, 1})};
    const char* names[] = {"X", "W"};
    OnyxValue* out = nullptr;
    EXPECT_TRUE(Ok(api->Run(s, nullptr, names, in, 2, nullptr, 1, &out)));
    EXPECT_EQ(ReadFloats(out), (std::vector<float>{4, 5, 10, 11}));
    const char* path = nullptr;
    EXPECT_TRUE(Ok(api->SessionEndProfiling(s, &path)));
    std::ifstream f(path);
    std::string trace((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    for (OnyxValue* v : in) Release(v);
    Release(out);
    EXPECT_TRUE(Ok(api->ReleaseSession(s)));
    EXPECT_TRUE(Ok(api->ReleaseSessionOptions(o)));
    return trace;
  };
  EXPECT_NE(kernel_of_matmul(nullptr).find("\"kernel\":\"sgemm\""), std::string::npos) << "the fast kernel by default";
  std::string ref = kernel_of_matmul("1");
  EXPECT_EQ(ref.find("\"kernel\":\"sgemm\""), std::string::npos) << ref;
  EXPECT_NE(ref.find("\"kernel\":\"reference\""), std::string::npos) << ref;
  EXPECT_NE(kernel_of_matmul("0").find("\"kernel\":\"sgemm\""), std::string::npos);

  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  ASSERT_OK(api->AddSessionConfigEntry(o, "session.use_reference_kernels", "yes"));
  std::string bytes = matmul_model();
  OnyxSession* s = nullptr;
  EXPECT_ERROR(api->CreateSessionFromBytes(env, bytes.data(), bytes.size(), o, &s), ONYX_INVALID_ARGUMENT,
               {"session.use_reference_kernels", "'yes'"});
  EXPECT_EQ(s, nullptr);
  EXPECT_OK(api->ReleaseSessionOptions(o));
  std::filesystem::remove_all(dir);
}

// "session.enable_mem_pattern": on (default, "1") and off ("0") give the same
// outputs run after run, and an output kept from an earlier run is intact
// after later runs (arena runs included); other values are refused.
TEST_F(CApiTest, MemPatternConfigEntry) {
  for (const char* entry : {static_cast<const char*>(nullptr), "1", "0"}) {
    OnyxSessionOptions* o = nullptr;
    ASSERT_OK(api->CreateSessionOptions(&o));
    if (entry) ASSERT_OK(api->AddSessionConfigEntry(o, "session.enable_mem_pattern", entry));
    OnyxSession* s = SessionFromBytes(matmul_model(), o);
    const char* names[] = {"X", "W"};
    OnyxValue* w = Floats({3, 2}, {1, 0, 0, 1, 1, 1});
    OnyxValue* first = nullptr;
    for (int run = 0; run < 4; ++run) {
      const float k = static_cast<float>(run + 1);
      OnyxValue* in[] = {Floats({2, 3}, {k, 2 * k, 3 * k, 4 * k, 5 * k, 6 * k}), w};
      OnyxValue* out = nullptr;
      ASSERT_OK(api->Run(s, nullptr, names, in, 2, nullptr, 1, &out));
      EXPECT_EQ(ReadFloats(out), (std::vector<float>{4 * k, 5 * k, 10 * k, 11 * k})) << (entry ? entry : "default");
      Release(in[0]);
      if (run == 0) first = out;
      else Release(out);
    }
    EXPECT_EQ(ReadFloats(first), (std::vector<float>{4, 5, 10, 11})) << "run 1's output after 3 more runs";
    Release(first);
    Release(w);
    EXPECT_OK(api->ReleaseSession(s));
    EXPECT_OK(api->ReleaseSessionOptions(o));
  }
  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  ASSERT_OK(api->AddSessionConfigEntry(o, "session.enable_mem_pattern", "off"));
  std::string bytes = matmul_model();
  OnyxSession* s = nullptr;
  EXPECT_ERROR(api->CreateSessionFromBytes(env, bytes.data(), bytes.size(), o, &s), ONYX_INVALID_ARGUMENT,
               {"session.enable_mem_pattern", "'off'"});
  EXPECT_EQ(s, nullptr);
  EXPECT_OK(api->ReleaseSessionOptions(o));
}

TEST_F(CApiTest, MemoryLimit) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  ASSERT_OK(api->SetSessionMemoryLimit(o, 64));
  OnyxSession* s = SessionFromBytes(add_model(), o);
  OnyxValue* small = Floats({1, 3}, {1, 2, 3});
  OnyxValue* big = Floats({1000, 3}, std::vector<float>(3000, 1));
  const char* in[] = {"A"};
  OnyxValue* out = nullptr;
  ASSERT_OK(api->Run(s, nullptr, in, &small, 1, nullptr, 1, &out));
  Release(out);
  out = nullptr;
  EXPECT_ERROR(api->Run(s, nullptr, in, &big, 1, nullptr, 1, &out), ONYX_FAIL, {"limit"});
  EXPECT_EQ(out, nullptr);
  Release(small);
  Release(big);
  EXPECT_OK(api->ReleaseSession(s));
  EXPECT_OK(api->ReleaseSessionOptions(o));
}

TEST_F(CApiTest, RunOptions) {
  OnyxRunOptions* ro = nullptr;
  ASSERT_OK(api->CreateRunOptions(&ro));
  ASSERT_OK(api->RunOptionsSetTag(ro, "request-42"));
  const char* tag = nullptr;
  ASSERT_OK(api->RunOptionsGetTag(ro, &tag));
  EXPECT_STREQ(tag, "request-42");
  ASSERT_OK(api->RunOptionsSetLogSeverityLevel(ro, ONYX_LOG_ERROR));
  OnyxLoggingLevel level;
  ASSERT_OK(api->RunOptionsGetLogSeverityLevel(ro, &level));
  EXPECT_EQ(level, ONYX_LOG_ERROR);
  EXPECT_ERROR(api->RunOptionsSetLogSeverityLevel(ro, static_cast<OnyxLoggingLevel>(5)), ONYX_INVALID_ARGUMENT);

  OnyxSession* s = SessionFromBytes(add_model());
  OnyxValue* a = Floats({1, 3}, {1, 2, 3});
  const char* in[] = {"A"};
  OnyxValue* out = nullptr;
  ASSERT_OK(api->Run(s, ro, in, &a, 1, nullptr, 1, &out));
  Release(out);
  ASSERT_OK(api->RunOptionsSetTerminate(ro));
  out = nullptr;
  EXPECT_ERROR(api->Run(s, ro, in, &a, 1, nullptr, 1, &out), ONYX_FAIL, {"terminate"});
  ASSERT_OK(api->RunOptionsUnsetTerminate(ro));
  ASSERT_OK(api->Run(s, ro, in, &a, 1, nullptr, 1, &out));
  Release(out);
  EXPECT_ERROR(api->Run(s, reinterpret_cast<const OnyxRunOptions*>(a), in, &a, 1, nullptr, 1, &out),
               ONYX_INVALID_ARGUMENT, {"run_options", "is an OnyxValue"});
  Release(a);
  EXPECT_OK(api->ReleaseSession(s));
  EXPECT_OK(api->ReleaseRunOptions(ro));
  EXPECT_ERROR(api->RunOptionsSetTerminate(ro), ONYX_INVALID_ARGUMENT, {"not a live OnyxRunOptions"});
}

TEST_F(CApiTest, ConcurrentRunsOnOneSession) {
  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  ASSERT_OK(api->SetIntraOpNumThreads(o, 2));
  OnyxSession* s = SessionFromBytes(add_model(), o);
  constexpr int kThreads = 4, kRuns = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int r = 0; r < kRuns; ++r) {
        // Each thread feeds its own values and checks it gets its own answer.
        float base = static_cast<float>(t * 1000 + r);
        std::vector<float> data(64 * 3);
        for (size_t i = 0; i < data.size(); ++i) data[i] = base + static_cast<float>(i);
        int64_t shape[] = {64, 3};
        OnyxValue* a = nullptr;
        if (api->CreateTensorWithData(nullptr, data.data(), data.size() * 4, shape, 2, ONYX_ELEMENT_FLOAT, &a)) {
          ++failures;
          continue;
        }
        const char* in[] = {"A"};
        OnyxValue* out = nullptr;
        OnyxStatus* st = api->Run(s, nullptr, in, &a, 1, nullptr, 1, &out);
        if (st) {
          api->ReleaseStatus(st);
          ++failures;
        } else {
          const void* p = nullptr;
          api->GetTensorData(out, &p);
          const auto* y = static_cast<const float*>(p);
          const float bias[3] = {10, 20, 30};
          for (size_t i = 0; i < data.size(); ++i)
            if (y[i] != data[i] + bias[i % 3]) {
              ++failures;
              break;
            }
          api->ReleaseStatus(api->ReleaseValue(out));
        }
        api->ReleaseStatus(api->ReleaseValue(a));
      }
    });
  }
  // Metadata reads race with the runs too.
  for (int i = 0; i < 100; ++i) {
    size_t n = 0;
    EXPECT_OK(api->SessionGetInputCount(s, &n));
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_OK(api->ReleaseSession(s));
  EXPECT_OK(api->ReleaseSessionOptions(o));
}

TEST_F(CApiTest, ReleaseWhileOtherThreadsUseTheSession) {
  // A Release racing with calls on other threads must not free the session
  // under them: the calls either succeed or report a released handle.
  for (int round = 0; round < 5; ++round) {
    OnyxSession* s = SessionFromBytes(add_model());
    OnyxValue* a = Floats({4, 3}, std::vector<float>(12, 1));
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t)
      threads.emplace_back([&] {
        while (!go) std::this_thread::yield();
        for (int r = 0; r < 20; ++r) {
          const char* in[] = {"A"};
          OnyxValue* out = nullptr;
          OnyxStatus* st = api->Run(s, nullptr, in, &a, 1, nullptr, 1, &out);
          if (st) {
            EXPECT_EQ(api->GetErrorCode(st), ONYX_INVALID_ARGUMENT) << api->GetErrorMessage(st);
            api->ReleaseStatus(st);
          } else {
            EXPECT_EQ(ReadFloats(out)[0], 11);
            api->ReleaseStatus(api->ReleaseValue(out));
          }
        }
      });
    go = true;
    EXPECT_OK(api->ReleaseSession(s));
    for (auto& th : threads) th.join();
    Release(a);
  }
}

TEST_F(CApiTest, ExternalDataForByteModels) {
  auto dir = ScratchDir("external");
  float w[3] = {0.5f, 1.5f, 2.5f};
  WriteFile(dir / "w.bin", std::string(reinterpret_cast<const char*>(w), sizeof w));
  std::string bytes = external_data_model("w.bin");
  OnyxSession* s = nullptr;
  // Without a folder a model from bytes may not read external files.
  EXPECT_ERROR(api->CreateSessionFromBytes(env, bytes.data(), bytes.size(), nullptr, &s), ONYX_INVALID_ARGUMENT,
               {"w.bin"});
  OnyxSessionOptions* o = nullptr;
  ASSERT_OK(api->CreateSessionOptions(&o));
  ASSERT_OK(api->SetExternalDataFolder(o, dir.c_str()));
  s = SessionFromBytes(bytes, o);
  ASSERT_NE(s, nullptr);
  OnyxValue* x = Floats({3}, {1, 1, 1});
  const char* in[] = {"X"};
  OnyxValue* y = nullptr;
  ASSERT_OK(api->Run(s, nullptr, in, &x, 1, nullptr, 1, &y));
  EXPECT_EQ(ReadFloats(y), (std::vector<float>{1.5f, 2.5f, 3.5f}));
  Release(y);
  EXPECT_OK(api->ReleaseSession(s));
  // A model file next to its data needs no option.
  WriteFile(dir / "ext.onnx", bytes);
  ASSERT_OK(api->CreateSession(env, (dir / "ext.onnx").c_str(), nullptr, &s));
  ASSERT_OK(api->Run(s, nullptr, in, &x, 1, nullptr, 1, &y));
  EXPECT_EQ(ReadFloats(y)[2], 3.5f);
  Release(y);
  Release(x);
  EXPECT_OK(api->ReleaseSession(s));
  EXPECT_OK(api->ReleaseSessionOptions(o));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace onyx_api_test
