/*
 * Classifies a synthetic image with Onyx's C API (onyx/onyx_c_api.h).
 *
 *   classify_c [MODEL]      default: models/squeezenet1_1.onnx
 *
 * Reads the model's first input (float, symbolic dims taken as 1), fills it
 * with a fixed pattern, runs the model and prints the five best classes of
 * its first output. examples/cpp prints the same lines through onyx.hpp.
 */
#include <onyx/onyx_c_api.h>
#include <stdio.h>
#include <stdlib.h>

static const OnyxApi* api;

/* Exits with the status's message when `status` is an error. */
static void check(OnyxStatus* status, const char* call) {
  if (!status) return;
  fprintf(stderr, "%s failed (error %d): %s\n", call, (int)api->GetErrorCode(status), api->GetErrorMessage(status));
  api->ReleaseStatus(status);
  exit(1);
}

int main(int argc, char** argv) {
  const char* model = argc > 1 ? argv[1] : "models/squeezenet1_1.onnx";
  api = OnyxGetApi(ONYX_API_VERSION);
  if (!api) {
    fprintf(stderr, "this libonyx does not provide C API version %d\n", ONYX_API_VERSION);
    return 1;
  }
  const char* version;
  check(api->GetVersionString(&version), "GetVersionString");
  printf("onyx %s\n", version);

  OnyxEnv* env;
  OnyxSessionOptions* options;
  OnyxSession* session;
  check(api->CreateEnv(ONYX_LOG_WARNING, "classify_c", &env), "CreateEnv");
  check(api->CreateSessionOptions(&options), "CreateSessionOptions");
  check(api->SetIntraOpNumThreads(options, 1), "SetIntraOpNumThreads");
  check(api->CreateSession(env, model, options, &session), "CreateSession");

  /* The first input: its name and dims (symbolic ones, -1, become 1). */
  const char* input_name;
  OnyxTypeInfo* type;
  OnyxElementType element_type;
  int64_t rank;
  check(api->SessionGetInputName(session, 0, &input_name), "SessionGetInputName");
  check(api->SessionGetInputTypeInfo(session, 0, &type), "SessionGetInputTypeInfo");
  check(api->TypeInfoGetElementType(type, &element_type), "TypeInfoGetElementType");
  check(api->TypeInfoGetRank(type, &rank), "TypeInfoGetRank");
  if (element_type != ONYX_ELEMENT_FLOAT || rank < 1 || rank > 8) {
    fprintf(stderr, "%s: this example needs a float input of rank 1 to 8\n", model);
    return 1;
  }
  int64_t dims[8];
  check(api->TypeInfoGetDims(type, dims, 8), "TypeInfoGetDims");
  check(api->ReleaseTypeInfo(type), "ReleaseTypeInfo");
  size_t count = 1;
  printf("input %s: float[", input_name);
  for (int64_t i = 0; i < rank; ++i) {
    if (dims[i] < 0) dims[i] = 1;
    count *= (size_t)dims[i];
    printf(i ? ", %lld" : "%lld", (long long)dims[i]);
  }
  printf("]\n");

  /* A fixed pattern in [-0.5, 0.5), wrapped without a copy. */
  float* image = malloc(count * sizeof(float));
  if (!image) return 1;
  for (size_t i = 0; i < count; ++i) image[i] = (float)(i % 251) / 251.0f - 0.5f;
  OnyxValue* input;
  check(api->CreateTensorWithData(NULL, image, count * sizeof(float), dims, (size_t)rank, ONYX_ELEMENT_FLOAT, &input),
        "CreateTensorWithData");

  const char* output_name;
  check(api->SessionGetOutputName(session, 0, &output_name), "SessionGetOutputName");
  OnyxValue* output;
  const OnyxValue* inputs[1] = {input};
  check(api->Run(session, NULL, &input_name, inputs, 1, &output_name, 1, &output), "Run");

  size_t n;
  const void* raw;
  check(api->GetTensorElementCount(output, &n), "GetTensorElementCount");
  check(api->GetTensorData(output, &raw), "GetTensorData");
  const float* scores = raw;
  printf("output %s: %zu scores\n", output_name, n);

  /* The five best classes, best first (ties: lower index first). */
  printf("top5:");
  int taken[5] = {-1, -1, -1, -1, -1};
  for (int k = 0; k < 5 && k < (int)n; ++k) {
    int best = -1;
    for (size_t i = 0; i < n; ++i) {
      int used = 0;
      for (int j = 0; j < k; ++j) used |= taken[j] == (int)i;
      if (!used && (best < 0 || scores[i] > scores[best])) best = (int)i;
    }
    taken[k] = best;
    printf(" %d:%.4f", best, scores[best]);
  }
  printf("\n");

  check(api->ReleaseValue(output), "ReleaseValue");
  check(api->ReleaseValue(input), "ReleaseValue");
  free(image);
  check(api->ReleaseSession(session), "ReleaseSession");
  check(api->ReleaseSessionOptions(options), "ReleaseSessionOptions");
  check(api->ReleaseEnv(env), "ReleaseEnv");
  return 0;
}
