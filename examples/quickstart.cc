// The C++ quick start of README.md (kept identical; built by `make`).
#include <onyx/onyx.hpp>
#include <iostream>
#include <vector>

int main() {
  onyx::Env env;
  onyx::SessionOptions opts;
  opts.SetIntraOpNumThreads(2);
  onyx::Session session(env, "models/squeezenet1_1.onnx", opts);

  std::vector<float> image(1 * 3 * 224 * 224, 0.5f);
  std::vector<onyx::Value> inputs;
  inputs.push_back(onyx::Value::CreateTensor<float>({1, 3, 224, 224}, image.data()));  // no copy

  std::vector<onyx::Value> outputs = session.Run({"input"}, inputs, {"output"});
  const float* scores = outputs[0].GetTensorData<float>();
  std::cout << "score[0] = " << scores[0] << "\n";
}
