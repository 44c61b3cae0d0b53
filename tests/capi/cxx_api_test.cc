// The C++ wrapper (onyx/onyx.hpp). Only public headers here: the wrapper is
// what the CLI and users see, and it must build without engine internals.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "capi/test_models.h"
#include "onyx/onyx.hpp"

namespace onyx_api_test {
namespace {

TEST(CxxApi, SessionRunAndInterface) {
  onyx::Env env;
  std::string bytes = add_model();
  onyx::SessionOptions options;
  options.SetIntraOpNumThreads(1).SetGraphOptimizationLevel(ONYX_OPT_ENABLE_ALL).AddConfigEntry("k", "v");
  EXPECT_EQ(options.GetConfigEntry("k").value_or(""), "v");
  EXPECT_FALSE(options.GetConfigEntry("absent").has_value());
  onyx::Session session(env, bytes.data(), bytes.size(), options);
  EXPECT_EQ(session.InputNames(), std::vector<std::string>{"A"});
  EXPECT_EQ(session.OutputNames(), std::vector<std::string>{"C"});
  EXPECT_EQ(session.OverridableInitializerCount(), 1u);
  EXPECT_EQ(session.OverridableInitializerName(0), "B");
  onyx::TypeInfo t = session.InputTypeInfo(0);
  EXPECT_EQ(t.Kind(), ONYX_KIND_TENSOR);
  EXPECT_EQ(t.ElementType(), ONYX_ELEMENT_FLOAT);
  EXPECT_EQ(t.Shape(), (std::vector<int64_t>{-1, 3}));
  EXPECT_EQ(t.SymbolicDims(), (std::vector<std::string>{"batch", ""}));
  EXPECT_EQ(t.TypeString(), "tensor(float)");

  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  std::vector<onyx::Value> inputs;
  inputs.push_back(onyx::Value::CreateTensor<float>({2, 3}, a.data()));
  EXPECT_EQ(inputs[0].GetTensorData<float>(), a.data());
  std::vector<onyx::Value> out = session.Run({"A"}, inputs, {});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].Shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out[0].GetTensorData<float>()[5], 36);
  EXPECT_THROW(out[0].GetTensorData<int64_t>(), onyx::Exception) << "typed access checks the element type";

  onyx::RunOptions ro;
  ro.SetTag("cxx").SetLogSeverityLevel(ONYX_LOG_ERROR);
  EXPECT_EQ(ro.GetTag(), "cxx");
  out = session.Run(ro, {"A"}, inputs, {"C"});
  EXPECT_EQ(out[0].GetTensorData<float>()[0], 11);

  onyx::ModelMetadata meta = session.GetModelMetadata();
  EXPECT_EQ(meta.ProducerName(), "onyx-test");
  EXPECT_EQ(meta.Version(), 7);
  EXPECT_EQ(meta.LookupCustomMetadata("author").value_or(""), "capi");
  EXPECT_EQ(meta.CustomMetadata().size(), 2u);
  EXPECT_EQ(session.EndProfiling(), "");
}

TEST(CxxApi, ErrorsAreExceptionsWithCodes) {
  onyx::Env env;
  try {
    onyx::Session s(env, "/no/such/model.onnx");
    FAIL() << "expected an exception";
  } catch (const onyx::Exception& e) {
    EXPECT_EQ(e.code(), ONYX_NO_SUCHFILE);
    EXPECT_NE(std::string(e.what()).find("/no/such/model.onnx"), std::string::npos);
  }
  std::string bytes = add_model();
  onyx::Session session(env, bytes.data(), bytes.size());
  std::vector<onyx::Value> inputs;
  inputs.push_back(onyx::Value::Tensor<int32_t>({2, 3}));
  try {
    session.Run({"A"}, inputs, {});
    FAIL() << "expected an exception";
  } catch (const onyx::Exception& e) {
    EXPECT_EQ(e.code(), ONYX_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("input 'A'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(session.Run({"A", "B"}, inputs, {}), onyx::Exception);
  EXPECT_THROW(session.InputName(3), onyx::Exception);
  // A moved-from object refuses to be used instead of passing NULL around.
  onyx::Value v = onyx::Value::Tensor<float>({1});
  onyx::Value w = std::move(v);
  EXPECT_THROW(v.Kind(), onyx::Exception);  // NOLINT(bugprone-use-after-move): on purpose
  EXPECT_EQ(w.Kind(), ONYX_KIND_TENSOR);
}

TEST(CxxApi, ValuesOfEveryKind) {
  onyx::Value owned = onyx::Value::Tensor<int64_t>({2}, std::vector<int64_t>{4, 5});
  EXPECT_EQ(owned.GetTensorData<int64_t>()[1], 5);
  owned.GetTensorMutableData<int64_t>()[1] = 6;
  EXPECT_EQ(owned.GetTensorDataAsDouble(), (std::vector<double>{4, 6}));
  EXPECT_EQ(owned.GetTensorData<int64_t>()[1], 6);
  EXPECT_THROW((onyx::Value::Tensor<float>({3}, std::vector<float>{1, 2})), onyx::Exception);

  onyx::Value strings = onyx::Value::StringTensor({2}, {"hello", std::string("a\0b", 3)});
  EXPECT_EQ(strings.GetStrings(), (std::vector<std::string>{"hello", std::string("a\0b", 3)}));
  strings.SetString(0, "bye");
  EXPECT_EQ(strings.GetString(0), "bye");

  std::vector<onyx::Value> items;
  items.push_back(onyx::Value::Tensor<float>({2}, std::vector<float>{1, 2}));
  items.push_back(onyx::Value::Tensor<float>({1}, std::vector<float>{3}));
  onyx::Value seq = onyx::Value::Sequence(items);
  EXPECT_EQ(seq.Kind(), ONYX_KIND_SEQUENCE);
  EXPECT_EQ(seq.SequenceLength(), 2u);
  EXPECT_EQ(seq.SequenceElementType(), ONYX_ELEMENT_FLOAT);
  EXPECT_EQ(seq.GetSequenceItem(1).GetTensorData<float>()[0], 3);
  EXPECT_EQ(seq.GetTypeInfo().TypeString(), "seq(tensor(float))");

  onyx::Value keys = onyx::Value::StringTensor({2}, {"x", "y"});
  onyx::Value vals = onyx::Value::Tensor<double>({2}, std::vector<double>{0.25, 0.75});
  onyx::Value map = onyx::Value::Map(keys, vals);
  EXPECT_EQ(map.GetTypeInfo().TypeString(), "map(string,tensor(double))");
  EXPECT_EQ(map.MapKeys().GetString(1), "y");
  EXPECT_EQ(map.MapValues().GetTensorData<double>()[1], 0.75);

  onyx::Value none = onyx::Value::None();
  EXPECT_FALSE(none.HasValue());
  EXPECT_EQ(none.Kind(), ONYX_KIND_OPTIONAL);

  onyx::MemoryInfo mem = onyx::MemoryInfo::CreateCpu();
  EXPECT_EQ(mem.Name(), "Cpu");
  float buf[2] = {1, 2};
  int64_t shape[] = {2};
  onyx::Value over = onyx::Value::CreateTensor<float>(mem, buf, 2, shape, 1);
  EXPECT_EQ(over.GetTensorData<float>(), buf);
  EXPECT_EQ(over.SizeInBytes(), 8u);
}

TEST(CxxApi, SequenceThroughAModelAndThreads) {
  onyx::Env env;
  std::string bytes = sequence_identity_model();
  onyx::Session session(env, bytes.data(), bytes.size());
  std::vector<onyx::Value> items;
  items.push_back(onyx::Value::Tensor<float>({1}, std::vector<float>{9}));
  std::vector<onyx::Value> inputs;
  inputs.push_back(onyx::Value::Sequence(items));
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        std::vector<onyx::Value> out = session.Run({"X"}, inputs, {"Y"});
        if (out[0].GetSequenceItem(0).GetTensorData<float>()[0] == 9) ++ok;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 60);
}

TEST(CxxApi, ModelInfo) {
  std::string bytes = unknown_op_model();
  onyx::ModelInfo info = onyx::ModelInfo::FromBytes(bytes.data(), bytes.size());
  EXPECT_EQ(info.IrVersion(), 8);
  EXPECT_EQ(info.Opsets().size(), 2u);
  EXPECT_EQ(info.InputCount(), 2u);
  EXPECT_EQ(info.InputName(0), "X");
  EXPECT_EQ(info.InputTypeInfo(0).SymbolicDims(), std::vector<std::string>{"n"});
  EXPECT_EQ(info.NodeCount(), 4u);
  bool found = false;
  for (const auto& op : info.OpHistogram())
    if (op.op_type == "FooBar" && op.domain == "com.example" && op.count == 1) found = true;
  EXPECT_TRUE(found);
  EXPECT_EQ(info.GetModelMetadata().ProducerName(), "onyx-test");
  EXPECT_THROW(onyx::ModelInfo("/no/such.onnx"), onyx::Exception);
}

TEST(CxxApi, LibraryFacts) {
  EXPECT_EQ(onyx::GetVersionString(), "0.1.0");
  EXPECT_EQ(onyx::GetAvailableProviders(), std::vector<std::string>{"CPUExecutionProvider"});
  EXPECT_EQ(onyx::ElementTypeName(ONYX_ELEMENT_FLOAT16), "float16");
}

TEST(CxxApi, HalfConversionsRoundToNearestEven) {
  // Exact values, the smallest subnormal, overflow, NaN, and ties.
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.960464477539063e-08f, 0.333251953125f})
    EXPECT_EQ(onyx::Float16::ToFloat(onyx::Float16::FromFloat(f)), f) << f;
  EXPECT_EQ(onyx::Float16::FromFloat(65520.0f), 0x7c00) << "rounds up to inf";
  EXPECT_EQ(onyx::Float16::FromFloat(-1e10f), 0xfc00);
  EXPECT_TRUE(std::isnan(onyx::Float16::ToFloat(onyx::Float16::FromFloat(NAN))));
  EXPECT_EQ(onyx::Float16::FromFloat(1.0f + 1.0f / 2048), 0x3c00) << "tie to even (down)";
  EXPECT_EQ(onyx::Float16::FromFloat(1.0f + 3.0f / 2048), 0x3c02) << "tie to even (up)";
  EXPECT_EQ(onyx::Float16::FromFloat(2.9802322387695312e-08f), 0x0000) << "half the smallest subnormal: tie to 0";
  EXPECT_EQ(onyx::Float16::FromFloat(8.940696716308594e-08f), 0x0002) << "1.5 subnormal units: tie to even";
  EXPECT_EQ(onyx::BFloat16::FromFloat(1.0f), 0x3f80);
  EXPECT_EQ(onyx::BFloat16::ToFloat(0x4049), 3.140625f);
  EXPECT_EQ(onyx::BFloat16::FromFloat(1.00390625f), 0x3f80) << "tie to even";
  EXPECT_TRUE(std::isnan(onyx::BFloat16::ToFloat(onyx::BFloat16::FromFloat(NAN))));
}

}  // namespace
}  // namespace onyx_api_test
