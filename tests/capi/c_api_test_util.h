// Helpers for the C API tests: status assertions, a fixture that checks no
// handle leaks, and a scratch folder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "capi/handles.h"
#include "capi/test_models.h"
#include "onyx/onyx_c_api.h"

namespace onyx_api_test {

inline const OnyxApi* Api() { return OnyxGetApi(ONYX_API_VERSION); }

// Success, or a failure that shows the status's message.
inline ::testing::AssertionResult Ok(OnyxStatus* st) {
  if (!st) return ::testing::AssertionSuccess();
  std::string msg = Api()->GetErrorMessage(st);
  Api()->ReleaseStatus(st);
  return ::testing::AssertionFailure() << "status: " << msg;
}

// An error with `code` whose message contains every one of `parts`.
inline ::testing::AssertionResult IsError(OnyxStatus* st, OnyxErrorCode code, std::vector<std::string> parts = {}) {
  if (!st) return ::testing::AssertionFailure() << "call succeeded, expected an error";
  OnyxErrorCode got = Api()->GetErrorCode(st);
  std::string msg = Api()->GetErrorMessage(st);
  Api()->ReleaseStatus(st);
  if (got != code) return ::testing::AssertionFailure() << "code " << got << " (expected " << code << "): " << msg;
  for (const std::string& p : parts)
    if (msg.find(p) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << msg << "\" lacks \"" << p << "\"";
  return ::testing::AssertionSuccess() << msg;
}

#define ASSERT_OK(expr) ASSERT_TRUE(::onyx_api_test::Ok(expr))
#define EXPECT_OK(expr) EXPECT_TRUE(::onyx_api_test::Ok(expr))
#define EXPECT_ERROR(expr, ...) EXPECT_TRUE(::onyx_api_test::IsError((expr), __VA_ARGS__))

inline std::filesystem::path ScratchDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("onyx_capi_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline void WriteFile(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Creates an environment and checks, at the end, that every handle the test
// made was released again (statuses included).
class CApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api = Api();
    ASSERT_NE(api, nullptr);
    live_at_start_ = onyx::capi::registry_size();
    ASSERT_OK(api->CreateEnv(ONYX_LOG_WARNING, "capi-test", &env));
  }
  void TearDown() override {
    if (env) {
      EXPECT_OK(api->ReleaseEnv(env));
    }
    EXPECT_EQ(onyx::capi::registry_size(), live_at_start_) << "handles leaked by this test";
  }

  OnyxSession* SessionFromBytes(const std::string& bytes, const OnyxSessionOptions* options = nullptr) {
    OnyxSession* s = nullptr;
    OnyxStatus* st = api->CreateSessionFromBytes(env, bytes.data(), bytes.size(), options, &s);
    EXPECT_TRUE(Ok(st));
    return s;
  }
  // A float tensor owning a copy of `values`.
  OnyxValue* Floats(const std::vector<int64_t>& shape, const std::vector<float>& values) {
    OnyxValue* v = nullptr;
    EXPECT_TRUE(Ok(api->CreateTensor(ONYX_ELEMENT_FLOAT, shape.data(), shape.size(), &v)));
    void* p = nullptr;
    EXPECT_TRUE(Ok(api->GetTensorMutableData(v, &p)));
    std::copy(values.begin(), values.end(), static_cast<float*>(p));
    return v;
  }
  std::vector<float> ReadFloats(const OnyxValue* v) {
    size_t n = 0;
    const void* p = nullptr;
    EXPECT_TRUE(Ok(api->GetTensorElementCount(v, &n)));
    EXPECT_TRUE(Ok(api->GetTensorData(v, &p)));
    if (!p) return {};
    const auto* f = static_cast<const float*>(p);
    return std::vector<float>(f, f + n);
  }
  std::vector<int64_t> ReadShape(const OnyxValue* v) {
    size_t rank = 0;
    EXPECT_TRUE(Ok(api->GetTensorRank(v, &rank)));
    std::vector<int64_t> dims(rank);
    EXPECT_TRUE(Ok(api->GetTensorShape(v, dims.data(), dims.size())));
    return dims;
  }
  void Release(OnyxValue* v) { EXPECT_TRUE(Ok(api->ReleaseValue(v))); }

  const OnyxApi* api = nullptr;
  OnyxEnv* env = nullptr;

 private:
  size_t live_at_start_ = 0;
};

}  // namespace onyx_api_test
