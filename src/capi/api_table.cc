// The versioned function table: OnyxGetApi and the frozen layout of OnyxApi.
#include <cstddef>

#include "capi/handles.h"

#ifndef ONYX_VERSION_STRING
#error "ONYX_VERSION_STRING must be defined by the build (CMakeLists.txt, from project(VERSION))"
#endif

namespace onyx::capi {

namespace {

// Every entry's slot, so a reordering or an insertion in the middle of OnyxApi
// fails to compile: programs built against an older header index the table
// by these offsets. New entries are appended with the next slot number.
constexpr size_t kSlot = sizeof(void (*)(void));
#define ONYX_API_SLOT(name, index) \
  static_assert(offsetof(OnyxApi, name) == (index) * kSlot, "OnyxApi: " #name " moved; append new entries only")
ONYX_API_SLOT(CreateStatus, 0);
ONYX_API_SLOT(GetErrorCode, 1);
ONYX_API_SLOT(GetErrorMessage, 2);
ONYX_API_SLOT(ReleaseStatus, 3);
ONYX_API_SLOT(GetVersionString, 4);
ONYX_API_SLOT(GetAvailableProviderCount, 5);
ONYX_API_SLOT(GetAvailableProviderName, 6);
ONYX_API_SLOT(GetElementTypeName, 7);
ONYX_API_SLOT(CreateEnv, 8);
ONYX_API_SLOT(ReleaseEnv, 9);
ONYX_API_SLOT(CreateSessionOptions, 10);
ONYX_API_SLOT(CloneSessionOptions, 11);
ONYX_API_SLOT(SetIntraOpNumThreads, 12);
ONYX_API_SLOT(SetInterOpNumThreads, 13);
ONYX_API_SLOT(SetGraphOptimizationLevel, 14);
ONYX_API_SLOT(SetSessionLogSeverityLevel, 15);
ONYX_API_SLOT(SetOptimizedModelFilePath, 16);
ONYX_API_SLOT(EnableProfiling, 17);
ONYX_API_SLOT(DisableProfiling, 18);
ONYX_API_SLOT(SetSessionMemoryLimit, 19);
ONYX_API_SLOT(SetReferenceKernels, 20);
ONYX_API_SLOT(SetExternalDataFolder, 21);
ONYX_API_SLOT(AddSessionConfigEntry, 22);
ONYX_API_SLOT(GetSessionConfigEntry, 23);
ONYX_API_SLOT(ReleaseSessionOptions, 24);
ONYX_API_SLOT(CreateSession, 25);
ONYX_API_SLOT(CreateSessionFromBytes, 26);
ONYX_API_SLOT(SessionGetInputCount, 27);
ONYX_API_SLOT(SessionGetOutputCount, 28);
ONYX_API_SLOT(SessionGetOverridableInitializerCount, 29);
ONYX_API_SLOT(SessionGetInputName, 30);
ONYX_API_SLOT(SessionGetOutputName, 31);
ONYX_API_SLOT(SessionGetOverridableInitializerName, 32);
ONYX_API_SLOT(SessionGetInputTypeInfo, 33);
ONYX_API_SLOT(SessionGetOutputTypeInfo, 34);
ONYX_API_SLOT(SessionGetOverridableInitializerTypeInfo, 35);
ONYX_API_SLOT(SessionGetModelMetadata, 36);
ONYX_API_SLOT(Run, 37);
ONYX_API_SLOT(SessionEndProfiling, 38);
ONYX_API_SLOT(ReleaseSession, 39);
ONYX_API_SLOT(CreateRunOptions, 40);
ONYX_API_SLOT(RunOptionsSetTag, 41);
ONYX_API_SLOT(RunOptionsGetTag, 42);
ONYX_API_SLOT(RunOptionsSetLogSeverityLevel, 43);
ONYX_API_SLOT(RunOptionsGetLogSeverityLevel, 44);
ONYX_API_SLOT(RunOptionsSetTerminate, 45);
ONYX_API_SLOT(RunOptionsUnsetTerminate, 46);
ONYX_API_SLOT(ReleaseRunOptions, 47);
ONYX_API_SLOT(CreateCpuMemoryInfo, 48);
ONYX_API_SLOT(MemoryInfoGetName, 49);
ONYX_API_SLOT(MemoryInfoGetDeviceId, 50);
ONYX_API_SLOT(ReleaseMemoryInfo, 51);
ONYX_API_SLOT(CreateTensor, 52);
ONYX_API_SLOT(CreateTensorWithData, 53);
ONYX_API_SLOT(CreateStringTensor, 54);
ONYX_API_SLOT(CreateSequence, 55);
ONYX_API_SLOT(CreateMap, 56);
ONYX_API_SLOT(CreateNoneValue, 57);
ONYX_API_SLOT(CreateValueFromProto, 58);
ONYX_API_SLOT(GetValueKind, 59);
ONYX_API_SLOT(ValueHasValue, 60);
ONYX_API_SLOT(GetValueTypeInfo, 61);
ONYX_API_SLOT(GetTensorElementType, 62);
ONYX_API_SLOT(GetTensorRank, 63);
ONYX_API_SLOT(GetTensorShape, 64);
ONYX_API_SLOT(GetTensorElementCount, 65);
ONYX_API_SLOT(GetTensorSizeInBytes, 66);
ONYX_API_SLOT(GetTensorData, 67);
ONYX_API_SLOT(GetTensorMutableData, 68);
ONYX_API_SLOT(CopyTensorData, 69);
ONYX_API_SLOT(GetStringTensorElement, 70);
ONYX_API_SLOT(SetStringTensorElement, 71);
ONYX_API_SLOT(GetSequenceLength, 72);
ONYX_API_SLOT(GetSequenceElementType, 73);
ONYX_API_SLOT(GetSequenceItem, 74);
ONYX_API_SLOT(GetMapKeys, 75);
ONYX_API_SLOT(GetMapValues, 76);
ONYX_API_SLOT(ReleaseValue, 77);
ONYX_API_SLOT(TypeInfoGetKind, 78);
ONYX_API_SLOT(TypeInfoGetElementType, 79);
ONYX_API_SLOT(TypeInfoGetRank, 80);
ONYX_API_SLOT(TypeInfoGetDims, 81);
ONYX_API_SLOT(TypeInfoGetSymbolicDim, 82);
ONYX_API_SLOT(TypeInfoGetTypeString, 83);
ONYX_API_SLOT(TypeInfoGetElementTypeInfo, 84);
ONYX_API_SLOT(TypeInfoGetMapKeyType, 85);
ONYX_API_SLOT(ReleaseTypeInfo, 86);
ONYX_API_SLOT(ModelMetadataGetProducerName, 87);
ONYX_API_SLOT(ModelMetadataGetProducerVersion, 88);
ONYX_API_SLOT(ModelMetadataGetGraphName, 89);
ONYX_API_SLOT(ModelMetadataGetDomain, 90);
ONYX_API_SLOT(ModelMetadataGetDescription, 91);
ONYX_API_SLOT(ModelMetadataGetVersion, 92);
ONYX_API_SLOT(ModelMetadataGetCustomCount, 93);
ONYX_API_SLOT(ModelMetadataGetCustomEntry, 94);
ONYX_API_SLOT(ModelMetadataLookupCustom, 95);
ONYX_API_SLOT(ReleaseModelMetadata, 96);
ONYX_API_SLOT(CreateModelInfo, 97);
ONYX_API_SLOT(CreateModelInfoFromBytes, 98);
ONYX_API_SLOT(ModelInfoGetIrVersion, 99);
ONYX_API_SLOT(ModelInfoGetOpsetCount, 100);
ONYX_API_SLOT(ModelInfoGetOpset, 101);
ONYX_API_SLOT(ModelInfoGetInputCount, 102);
ONYX_API_SLOT(ModelInfoGetOutputCount, 103);
ONYX_API_SLOT(ModelInfoGetInputName, 104);
ONYX_API_SLOT(ModelInfoGetOutputName, 105);
ONYX_API_SLOT(ModelInfoGetInputTypeInfo, 106);
ONYX_API_SLOT(ModelInfoGetOutputTypeInfo, 107);
ONYX_API_SLOT(ModelInfoGetNodeCount, 108);
ONYX_API_SLOT(ModelInfoGetOpTypeCount, 109);
ONYX_API_SLOT(ModelInfoGetOpType, 110);
ONYX_API_SLOT(ModelInfoGetInitializerStats, 111);
ONYX_API_SLOT(ModelInfoGetMetadata, 112);
ONYX_API_SLOT(ReleaseModelInfo, 113);
// ---- version 2 ----
ONYX_API_SLOT(CopyTensorDataAsDouble, 114);
#undef ONYX_API_SLOT
static_assert(sizeof(OnyxApi) == 115 * kSlot, "OnyxApi: a new entry needs its ONYX_API_SLOT line here");

OnyxApi make_table() {
  OnyxApi api{};
  fill_general_api(api);
  fill_session_api(api);
  fill_value_api(api);
  fill_info_api(api);
  return api;
}

}  // namespace

}  // namespace onyx::capi

extern "C" ONYX_EXPORT const OnyxApi* OnyxGetApi(uint32_t version) {
  // Version n's table is a prefix of the current one, so every known version
  // gets the same table; versions from the future get NULL.
  static const OnyxApi table = onyx::capi::make_table();
  if (version < 1 || version > ONYX_API_VERSION) return nullptr;
  return &table;
}
