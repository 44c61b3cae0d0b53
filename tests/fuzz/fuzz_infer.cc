// libFuzzer entry point; the body is onyx_fuzz::infer in targets.h.
#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return onyx_fuzz::infer(data, size); }
