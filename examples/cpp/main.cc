// Classifies a synthetic image with Onyx's C++ API (onyx/onyx.hpp).
//
//   classify_cpp [MODEL]      default: models/squeezenet1_1.onnx
//
// Same steps and output as examples/c: the model's first input (float,
// symbolic dims taken as 1) is filled with a fixed pattern, and the five best
// classes of the first output are printed. Errors arrive as onyx::Exception.
#include <onyx/onyx.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <vector>

int main(int argc, char** argv) {
  const char* model = argc > 1 ? argv[1] : "models/squeezenet1_1.onnx";
  try {
    std::cout << "onyx " << onyx::GetVersionString() << "\n";
    onyx::Env env(ONYX_LOG_WARNING, "classify_cpp");
    onyx::SessionOptions options;
    options.SetIntraOpNumThreads(1);
    onyx::Session session(env, model, options);

    onyx::TypeInfo type = session.InputTypeInfo(0);
    std::vector<int64_t> dims = type.Shape();
    if (type.ElementType() != ONYX_ELEMENT_FLOAT || dims.empty()) {
      std::cerr << model << ": this example needs a float input of rank 1 or more\n";
      return 1;
    }
    std::cout << "input " << session.InputName(0) << ": float[";
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] < 0) dims[i] = 1;  // a symbolic dim (batch)
      std::cout << (i ? ", " : "") << dims[i];
    }
    std::cout << "]\n";

    // A fixed pattern in [-0.5, 0.5), wrapped without a copy.
    std::vector<float> image(onyx::Value::ElementCountOf(dims));
    for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<float>(i % 251) / 251.0f - 0.5f;
    std::vector<onyx::Value> inputs;
    inputs.push_back(onyx::Value::CreateTensor<float>(dims, image.data()));

    const std::string output_name = session.OutputName(0);
    std::vector<onyx::Value> outputs = session.Run({session.InputName(0)}, inputs, {output_name});
    const float* scores = outputs[0].GetTensorData<float>();
    const size_t n = outputs[0].ElementCount();
    std::cout << "output " << output_name << ": " << n << " scores\n";

    // The five best classes, best first (ties: lower index first).
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    const size_t k = std::min<size_t>(5, n);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                      [&](int a, int b) { return scores[a] > scores[b] || (scores[a] == scores[b] && a < b); });
    std::cout << "top5:";
    for (size_t i = 0; i < k; ++i) {
      char buf[64];
      std::snprintf(buf, sizeof buf, " %d:%.4f", order[i], scores[order[i]]);
      std::cout << buf;
    }
    std::cout << "\n";
  } catch (const onyx::Exception& e) {
    std::cerr << "error " << e.code() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
