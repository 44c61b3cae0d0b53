/*
 * Onyx C API: the one stable binary interface of the Onyx inference engine.
 *
 * Everything goes through a table of function pointers obtained once:
 *
 *   const OnyxApi* api = OnyxGetApi(ONYX_API_VERSION);
 *   OnyxEnv* env;
 *   OnyxStatus* st = api->CreateEnv(ONYX_LOG_WARNING, "app", &env);
 *   if (st) { fprintf(stderr, "%s\n", api->GetErrorMessage(st)); api->ReleaseStatus(st); }
 *
 * Conventions
 * - Objects are opaque handles created by Create* calls and destroyed by the
 *   matching Release* call. Every handle the library hands out is recorded in
 *   a registry; a call given NULL, a released handle or a handle of another
 *   kind returns an ONYX_INVALID_ARGUMENT status instead of crashing.
 * - Every call that can fail returns an OnyxStatus*: NULL means success; a
 *   non-NULL status carries an error code and a message naming what was wrong
 *   and must be freed with ReleaseStatus. No C++ exception ever leaves a call.
 * - Output parameters are written only on success.
 * - Strings returned as `const char**` belong to the handle they were read
 *   from and stay valid until that handle is released (or, for settings,
 *   changed). Strings passed in are copied unless said otherwise.
 * - Handles may be used from several threads. Run may be called on one session
 *   from several threads at once; setters of an options object should not race
 *   with a CreateSession that reads the same object.
 *
 * Versioning
 * - OnyxGetApi(v) returns the table for any 1 <= v <= ONYX_API_VERSION (an older
 *   v gets the same table: older tables are prefixes of newer ones) and NULL
 *   for a version this library does not know. Functions are only ever appended
 *   at the end of OnyxApi; existing entries never move or change signature.
 */
#ifndef ONYX_ONYX_C_API_H_
#define ONYX_ONYX_C_API_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ONYX_API_VERSION 2

#if defined(_WIN32)
#define ONYX_EXPORT __declspec(dllexport)
#else
#define ONYX_EXPORT __attribute__((visibility("default")))
#endif

/* ---- enumerations --------------------------------------------------------- */

/* Error codes; the numbers are ONNX Runtime's OrtErrorCode values. */
typedef enum OnyxErrorCode {
  ONYX_OK = 0,
  ONYX_FAIL = 1,
  ONYX_INVALID_ARGUMENT = 2,
  ONYX_NO_SUCHFILE = 3,
  ONYX_NO_MODEL = 4,
  ONYX_ENGINE_ERROR = 5,
  ONYX_RUNTIME_EXCEPTION = 6,
  ONYX_INVALID_PROTOBUF = 7,
  ONYX_MODEL_LOADED = 8,
  ONYX_NOT_IMPLEMENTED = 9,
  ONYX_INVALID_GRAPH = 10,
  ONYX_EP_FAIL = 11
} OnyxErrorCode;

/* Tensor element types; the numbers are ONNX TensorProto.DataType values. */
typedef enum OnyxElementType {
  ONYX_ELEMENT_UNDEFINED = 0,
  ONYX_ELEMENT_FLOAT = 1,
  ONYX_ELEMENT_UINT8 = 2,
  ONYX_ELEMENT_INT8 = 3,
  ONYX_ELEMENT_UINT16 = 4,
  ONYX_ELEMENT_INT16 = 5,
  ONYX_ELEMENT_INT32 = 6,
  ONYX_ELEMENT_INT64 = 7,
  ONYX_ELEMENT_STRING = 8,
  ONYX_ELEMENT_BOOL = 9, /* one byte per element, 0 or 1 */
  ONYX_ELEMENT_FLOAT16 = 10,
  ONYX_ELEMENT_DOUBLE = 11,
  ONYX_ELEMENT_UINT32 = 12,
  ONYX_ELEMENT_UINT64 = 13,
  ONYX_ELEMENT_COMPLEX64 = 14,
  ONYX_ELEMENT_COMPLEX128 = 15,
  ONYX_ELEMENT_BFLOAT16 = 16,
  ONYX_ELEMENT_FLOAT8E4M3FN = 17,
  ONYX_ELEMENT_FLOAT8E4M3FNUZ = 18,
  ONYX_ELEMENT_FLOAT8E5M2 = 19,
  ONYX_ELEMENT_FLOAT8E5M2FNUZ = 20,
  ONYX_ELEMENT_UINT4 = 21, /* packed two per byte, low nibble first */
  ONYX_ELEMENT_INT4 = 22,
  ONYX_ELEMENT_FLOAT4E2M1 = 23,
  ONYX_ELEMENT_FLOAT8E8M0 = 24,
  ONYX_ELEMENT_UINT2 = 25, /* packed four per byte, low bits first */
  ONYX_ELEMENT_INT2 = 26
} OnyxElementType;

/* What a value or a declared type is; the numbers are ONNX Runtime's ONNXType.
 * A value holding an empty optional reports ONYX_KIND_OPTIONAL and
 * ValueHasValue() == 0; a present optional reports the kind it holds. */
typedef enum OnyxTypeKind {
  ONYX_KIND_UNKNOWN = 0,
  ONYX_KIND_TENSOR = 1,
  ONYX_KIND_SEQUENCE = 2,
  ONYX_KIND_MAP = 3,
  ONYX_KIND_OPAQUE = 4, /* never produced; reserved to keep the numbering */
  ONYX_KIND_SPARSE_TENSOR = 5,
  ONYX_KIND_OPTIONAL = 6
} OnyxTypeKind;

/* Log severities (messages at or above the level are printed to stderr). */
typedef enum OnyxLoggingLevel {
  ONYX_LOG_VERBOSE = 0,
  ONYX_LOG_INFO = 1,
  ONYX_LOG_WARNING = 2,
  ONYX_LOG_ERROR = 3,
  ONYX_LOG_FATAL = 4
} OnyxLoggingLevel;

/* Graph optimization levels (ONNX Runtime's numbers). Values between
 * EXTENDED and ALL are accepted and mean EXTENDED. */
typedef enum OnyxGraphOptimizationLevel {
  ONYX_OPT_DISABLE_ALL = 0,
  ONYX_OPT_ENABLE_BASIC = 1,
  ONYX_OPT_ENABLE_EXTENDED = 2,
  ONYX_OPT_ENABLE_ALL = 99
} OnyxGraphOptimizationLevel;

/* Which ONNX protobuf message CreateValueFromProto decodes. */
typedef enum OnyxProtoKind {
  ONYX_PROTO_TENSOR = 1,   /* onnx.TensorProto   -> tensor */
  ONYX_PROTO_SEQUENCE = 2, /* onnx.SequenceProto -> sequence */
  ONYX_PROTO_MAP = 3,      /* onnx.MapProto      -> map */
  ONYX_PROTO_OPTIONAL = 4  /* onnx.OptionalProto -> its element, or an empty optional */
} OnyxProtoKind;

/* ---- opaque handles -------------------------------------------------------- */

typedef struct OnyxStatus OnyxStatus;                 /* an error: code + message */
typedef struct OnyxEnv OnyxEnv;                       /* library context; default log level */
typedef struct OnyxSessionOptions OnyxSessionOptions; /* settings for CreateSession */
typedef struct OnyxSession OnyxSession;               /* a loaded, compiled model */
typedef struct OnyxValue OnyxValue;                   /* tensor, sequence, map or empty optional */
typedef struct OnyxRunOptions OnyxRunOptions;         /* per-Run settings and terminate flag */
typedef struct OnyxMemoryInfo OnyxMemoryInfo;         /* where caller memory lives (CPU) */
typedef struct OnyxTypeInfo OnyxTypeInfo;             /* a declared type: kind, element type, dims */
typedef struct OnyxModelMetadata OnyxModelMetadata;   /* producer, graph name, custom map ... */
typedef struct OnyxModelInfo OnyxModelInfo;           /* a model inspected without a session */

/* ---- the function table ---------------------------------------------------- */

typedef struct OnyxApi {
  /* ---- status ---- */

  /* A new status with `code` and a copy of `message` (NULL reads as ""). ONYX_OK
   * returns NULL. Used by callers that implement callbacks and by the C++ wrapper. */
  OnyxStatus* (*CreateStatus)(OnyxErrorCode code, const char* message);
  /* The code of `status`; ONYX_OK for NULL, ONYX_INVALID_ARGUMENT for a pointer
   * that is not a live status. */
  OnyxErrorCode (*GetErrorCode)(const OnyxStatus* status);
  /* The message of `status`, owned by it; "" for NULL. */
  const char* (*GetErrorMessage)(const OnyxStatus* status);
  /* Frees a status; NULL and unknown pointers are ignored. */
  void (*ReleaseStatus)(OnyxStatus* status);

  /* ---- library ---- */

  /* "0.1.0": the library's version (static storage). */
  OnyxStatus* (*GetVersionString)(const char** out);
  /* Execution providers built into this library ("CPUExecutionProvider" first). */
  OnyxStatus* (*GetAvailableProviderCount)(size_t* out);
  OnyxStatus* (*GetAvailableProviderName)(size_t index, const char** out);
  /* numpy-style name of an element type ("float32", "int64", "string" ...), static storage. */
  OnyxStatus* (*GetElementTypeName)(OnyxElementType type, const char** out);

  /* ---- environment ---- */

  /* An environment; `default_log_level` applies to sessions whose options do
   * not set one. `log_id` (may be NULL) names the environment in messages. */
  OnyxStatus* (*CreateEnv)(OnyxLoggingLevel default_log_level, const char* log_id, OnyxEnv** out);
  OnyxStatus* (*ReleaseEnv)(OnyxEnv* env);

  /* ---- session options ---- */

  OnyxStatus* (*CreateSessionOptions)(OnyxSessionOptions** out);
  OnyxStatus* (*CloneSessionOptions)(const OnyxSessionOptions* options, OnyxSessionOptions** out);
  /* Threads for parallel kernels; 0 = one per core. Negative is an error. */
  OnyxStatus* (*SetIntraOpNumThreads)(OnyxSessionOptions* options, int threads);
  /* Accepted for compatibility (nodes run in order); negative is an error. */
  OnyxStatus* (*SetInterOpNumThreads)(OnyxSessionOptions* options, int threads);
  OnyxStatus* (*SetGraphOptimizationLevel)(OnyxSessionOptions* options, OnyxGraphOptimizationLevel level);
  OnyxStatus* (*SetSessionLogSeverityLevel)(OnyxSessionOptions* options, OnyxLoggingLevel level);
  /* When set (non-empty), the optimized graph is saved there as an ONNX model. */
  OnyxStatus* (*SetOptimizedModelFilePath)(OnyxSessionOptions* options, const char* path);
  /* Turns per-node profiling on; the trace goes to "<prefix>_<time>.json"
   * (prefix NULL or "" = "onyx_profile"). SessionEndProfiling writes it. */
  OnyxStatus* (*EnableProfiling)(OnyxSessionOptions* options, const char* prefix);
  OnyxStatus* (*DisableProfiling)(OnyxSessionOptions* options);
  /* Caps the bytes of tensors a session holds at once; an allocation past it
   * fails the Run with an error naming the size. 0 (the default) means 3/4 of
   * the machine's memory (or of the cgroup's limit when lower); SIZE_MAX means
   * no limit. */
  OnyxStatus* (*SetSessionMemoryLimit)(OnyxSessionOptions* options, size_t bytes);
  /* Non-zero: use only the plain reference kernels (the oracle for fast ones). */
  OnyxStatus* (*SetReferenceKernels)(OnyxSessionOptions* options, int enable);
  /* Folder that external-data files of models created from bytes are read
   * from; without it such models may not use external data. */
  OnyxStatus* (*SetExternalDataFolder)(OnyxSessionOptions* options, const char* folder);
  /* Free-form "key" = "value" entries (a later value replaces an earlier one).
   * Keys read by this library:
   *   "session.use_reference_kernels"  "1" / "0": overrides SetReferenceKernels
   *                                     (any other value fails CreateSession).
   *   "session.disable_kernels"        comma-separated op types whose kernels the
   *                                     session ignores (testing, debugging): ops ONNX
   *                                     defines as functions then run as their bodies.
   *   "session.enable_mem_pattern"     "1" (default) / "0": ONNX Runtime's memory
   *                                     pattern. On, a run whose input shapes were seen
   *                                     before takes its intermediates from one arena
   *                                     planned from the earlier run (a bounded cache
   *                                     of 16 shape signatures per session). */
  OnyxStatus* (*AddSessionConfigEntry)(OnyxSessionOptions* options, const char* key, const char* value);
  /* The value of `key`, or NULL in *value when there is no such entry. */
  OnyxStatus* (*GetSessionConfigEntry)(const OnyxSessionOptions* options, const char* key, const char** value);
  OnyxStatus* (*ReleaseSessionOptions)(OnyxSessionOptions* options);

  /* ---- session ---- */

  /* Loads, optimizes and compiles the model at `path`. `options` may be NULL
   * (defaults). Errors: ONYX_NO_SUCHFILE, ONYX_INVALID_PROTOBUF (corrupt file),
   * ONYX_NOT_IMPLEMENTED (an op without a kernel: names op, domain, opset),
   * ONYX_INVALID_GRAPH ... */
  OnyxStatus* (*CreateSession)(const OnyxEnv* env, const char* path, const OnyxSessionOptions* options,
                               OnyxSession** out);
  /* Same from a serialized ModelProto in memory; the bytes are copied, so the
   * caller may free them as soon as this returns. */
  OnyxStatus* (*CreateSessionFromBytes)(const OnyxEnv* env, const void* data, size_t size,
                                        const OnyxSessionOptions* options, OnyxSession** out);
  OnyxStatus* (*SessionGetInputCount)(const OnyxSession* session, size_t* out);
  OnyxStatus* (*SessionGetOutputCount)(const OnyxSession* session, size_t* out);
  /* Initializers a Run may override by feeding an input of the same name. */
  OnyxStatus* (*SessionGetOverridableInitializerCount)(const OnyxSession* session, size_t* out);
  /* Names, owned by the session; an index past the count is an error. */
  OnyxStatus* (*SessionGetInputName)(const OnyxSession* session, size_t index, const char** out);
  OnyxStatus* (*SessionGetOutputName)(const OnyxSession* session, size_t index, const char** out);
  OnyxStatus* (*SessionGetOverridableInitializerName)(const OnyxSession* session, size_t index, const char** out);
  /* Declared types (new handles, release with ReleaseTypeInfo). */
  OnyxStatus* (*SessionGetInputTypeInfo)(const OnyxSession* session, size_t index, OnyxTypeInfo** out);
  OnyxStatus* (*SessionGetOutputTypeInfo)(const OnyxSession* session, size_t index, OnyxTypeInfo** out);
  OnyxStatus* (*SessionGetOverridableInitializerTypeInfo)(const OnyxSession* session, size_t index,
                                                          OnyxTypeInfo** out);
  OnyxStatus* (*SessionGetModelMetadata)(const OnyxSession* session, OnyxModelMetadata** out);
  /* Runs the model.
   * - input_names[i] is fed inputs[i] for i < input_count (model inputs or
   *   overridable initializers). Inputs are read, never written or copied.
   * - output_names lists the outputs wanted, output_count of them; NULL means
   *   all outputs in model order, and then output_count must equal
   *   SessionGetOutputCount.
   * - outputs[i] receives a new value handle for output i (release each with
   *   ReleaseValue). An output may share memory with an input value.
   * `run_options` may be NULL. Safe to call from several threads at once. */
  OnyxStatus* (*Run)(OnyxSession* session, const OnyxRunOptions* run_options, const char* const* input_names,
                     const OnyxValue* const* inputs, size_t input_count, const char* const* output_names,
                     size_t output_count, OnyxValue** outputs);
  /* Stops profiling and writes the Chrome-trace JSON file; *path receives its
   * path ("" when profiling was off or already ended), owned by the session. */
  OnyxStatus* (*SessionEndProfiling)(OnyxSession* session, const char** path);
  /* Releases the session. Output values of earlier runs stay valid. */
  OnyxStatus* (*ReleaseSession)(OnyxSession* session);

  /* ---- run options ---- */

  OnyxStatus* (*CreateRunOptions)(OnyxRunOptions** out);
  /* A tag naming the runs in log messages (copied). */
  OnyxStatus* (*RunOptionsSetTag)(OnyxRunOptions* options, const char* tag);
  OnyxStatus* (*RunOptionsGetTag)(const OnyxRunOptions* options, const char** out);
  OnyxStatus* (*RunOptionsSetLogSeverityLevel)(OnyxRunOptions* options, OnyxLoggingLevel level);
  OnyxStatus* (*RunOptionsGetLogSeverityLevel)(const OnyxRunOptions* options, OnyxLoggingLevel* out);
  /* Makes every Run using these options (running now or started later) stop
   * with an ONYX_FAIL status at the next node; safe from any thread. */
  OnyxStatus* (*RunOptionsSetTerminate)(OnyxRunOptions* options);
  OnyxStatus* (*RunOptionsUnsetTerminate)(OnyxRunOptions* options);
  OnyxStatus* (*ReleaseRunOptions)(OnyxRunOptions* options);

  /* ---- memory info ---- */

  /* Describes ordinary CPU memory (the only kind this build accepts). */
  OnyxStatus* (*CreateCpuMemoryInfo)(OnyxMemoryInfo** out);
  OnyxStatus* (*MemoryInfoGetName)(const OnyxMemoryInfo* info, const char** out); /* "Cpu" */
  OnyxStatus* (*MemoryInfoGetDeviceId)(const OnyxMemoryInfo* info, int* out);
  OnyxStatus* (*ReleaseMemoryInfo)(OnyxMemoryInfo* info);

  /* ---- values: creation ---- */

  /* A tensor owning zero-filled memory (strings: empty). shape may be NULL when rank is 0. */
  OnyxStatus* (*CreateTensor)(OnyxElementType type, const int64_t* shape, size_t rank, OnyxValue** out);
  /* A tensor over caller memory, without a copy: the caller keeps `data` alive
   * and unchanged while the value (or any output that may share it) is in use.
   * `data_bytes` must cover the shape. `info` may be NULL (CPU). Not for strings. */
  OnyxStatus* (*CreateTensorWithData)(const OnyxMemoryInfo* info, void* data, size_t data_bytes,
                                      const int64_t* shape, size_t rank, OnyxElementType type, OnyxValue** out);
  /* A string tensor holding copies of `count` strings (count = product of the
   * shape). `lengths` may be NULL (NUL-terminated strings) or give each length. */
  OnyxStatus* (*CreateStringTensor)(const int64_t* shape, size_t rank, const char* const* strings,
                                    const size_t* lengths, size_t count, OnyxValue** out);
  /* A sequence of `count` values (items are shared, not copied). Tensor items
   * must all have one element type; `element_type` gives it for an empty
   * sequence and, when not UNDEFINED, must match the items. */
  OnyxStatus* (*CreateSequence)(const OnyxValue* const* items, size_t count, OnyxElementType element_type,
                                OnyxValue** out);
  /* A map from 1-D `keys` (int64 or string) to 1-D `values` of the same length. */
  OnyxStatus* (*CreateMap)(const OnyxValue* keys, const OnyxValue* values, OnyxValue** out);
  /* An optional holding nothing (feeds an optional input as "absent"). */
  OnyxStatus* (*CreateNoneValue)(OnyxValue** out);
  /* Decodes a serialized ONNX TensorProto / SequenceProto / MapProto /
   * OptionalProto (the backend test-data format) into a new value. */
  OnyxStatus* (*CreateValueFromProto)(OnyxProtoKind kind, const void* data, size_t size, OnyxValue** out);

  /* ---- values: reading ---- */

  OnyxStatus* (*GetValueKind)(const OnyxValue* value, OnyxTypeKind* out);
  /* 0 for an empty optional, 1 otherwise. */
  OnyxStatus* (*ValueHasValue)(const OnyxValue* value, int* out);
  /* The value's type (static dims = its actual shape). */
  OnyxStatus* (*GetValueTypeInfo)(const OnyxValue* value, OnyxTypeInfo** out);
  /* Tensor accessors fail with ONYX_INVALID_ARGUMENT on a non-tensor value. */
  OnyxStatus* (*GetTensorElementType)(const OnyxValue* value, OnyxElementType* out);
  OnyxStatus* (*GetTensorRank)(const OnyxValue* value, size_t* out);
  /* Copies the dims into `dims`; fails when `capacity` is below the rank. */
  OnyxStatus* (*GetTensorShape)(const OnyxValue* value, int64_t* dims, size_t capacity);
  OnyxStatus* (*GetTensorElementCount)(const OnyxValue* value, size_t* out);
  /* Bytes of the dense data (packed types rounded up); not for strings. */
  OnyxStatus* (*GetTensorSizeInBytes)(const OnyxValue* value, size_t* out);
  /* The dense, row-major data (64-byte aligned unless the caller's own memory).
   * Not for string tensors. */
  OnyxStatus* (*GetTensorData)(const OnyxValue* value, const void** out);
  OnyxStatus* (*GetTensorMutableData)(OnyxValue* value, void** out);
  /* Copies the data into `buffer`; fails when `buffer_bytes` is too small. */
  OnyxStatus* (*CopyTensorData)(const OnyxValue* value, void* buffer, size_t buffer_bytes);
  /* Element `index` of a string tensor: pointer (owned by the value, not
   * NUL-terminated if the string holds NULs) and length in bytes. */
  OnyxStatus* (*GetStringTensorElement)(const OnyxValue* value, size_t index, const char** data, size_t* length);
  OnyxStatus* (*SetStringTensorElement)(OnyxValue* value, size_t index, const char* data, size_t length);
  OnyxStatus* (*GetSequenceLength)(const OnyxValue* value, size_t* out);
  OnyxStatus* (*GetSequenceElementType)(const OnyxValue* value, OnyxElementType* out);
  /* Item `index` as a new value handle sharing the item's data. */
  OnyxStatus* (*GetSequenceItem)(const OnyxValue* value, size_t index, OnyxValue** out);
  /* The keys / values of a map as new 1-D tensor handles. */
  OnyxStatus* (*GetMapKeys)(const OnyxValue* value, OnyxValue** out);
  OnyxStatus* (*GetMapValues)(const OnyxValue* value, OnyxValue** out);
  OnyxStatus* (*ReleaseValue)(OnyxValue* value);

  /* ---- type info ---- */

  OnyxStatus* (*TypeInfoGetKind)(const OnyxTypeInfo* info, OnyxTypeKind* out);
  /* Tensor element type (UNDEFINED when not declared); for a sequence or
   * optional of tensors, the inner tensor's element type; UNDEFINED for maps
   * (see TypeInfoGetMapKeyType and TypeInfoGetElementTypeInfo). */
  OnyxStatus* (*TypeInfoGetElementType)(const OnyxTypeInfo* info, OnyxElementType* out);
  /* Number of dims of a tensor (or of the tensor an optional holds); -1 when
   * the rank is not known or the type is not a tensor. */
  OnyxStatus* (*TypeInfoGetRank)(const OnyxTypeInfo* info, int64_t* out);
  /* Dims, -1 for every dim that is not a fixed number; fails when `capacity` is below the rank. */
  OnyxStatus* (*TypeInfoGetDims)(const OnyxTypeInfo* info, int64_t* dims, size_t capacity);
  /* The symbol of dim `index` ("batch"), or "" for a fixed or unnamed dim. */
  OnyxStatus* (*TypeInfoGetSymbolicDim)(const OnyxTypeInfo* info, size_t index, const char** out);
  /* ONNX type string: "tensor(float)", "seq(tensor(int64))", "map(string,tensor(float))" ... */
  OnyxStatus* (*TypeInfoGetTypeString)(const OnyxTypeInfo* info, const char** out);
  /* The element type of a sequence or optional, or the value type of a map (new handle). */
  OnyxStatus* (*TypeInfoGetElementTypeInfo)(const OnyxTypeInfo* info, OnyxTypeInfo** out);
  OnyxStatus* (*TypeInfoGetMapKeyType)(const OnyxTypeInfo* info, OnyxElementType* out);
  OnyxStatus* (*ReleaseTypeInfo)(OnyxTypeInfo* info);

  /* ---- model metadata ---- */

  OnyxStatus* (*ModelMetadataGetProducerName)(const OnyxModelMetadata* metadata, const char** out);
  OnyxStatus* (*ModelMetadataGetProducerVersion)(const OnyxModelMetadata* metadata, const char** out);
  OnyxStatus* (*ModelMetadataGetGraphName)(const OnyxModelMetadata* metadata, const char** out);
  OnyxStatus* (*ModelMetadataGetDomain)(const OnyxModelMetadata* metadata, const char** out);
  OnyxStatus* (*ModelMetadataGetDescription)(const OnyxModelMetadata* metadata, const char** out);
  OnyxStatus* (*ModelMetadataGetVersion)(const OnyxModelMetadata* metadata, int64_t* out);
  /* The custom metadata map (metadata_props), in file order. */
  OnyxStatus* (*ModelMetadataGetCustomCount)(const OnyxModelMetadata* metadata, size_t* out);
  OnyxStatus* (*ModelMetadataGetCustomEntry)(const OnyxModelMetadata* metadata, size_t index, const char** key,
                                             const char** value);
  /* The value for `key`, or NULL in *value when absent. */
  OnyxStatus* (*ModelMetadataLookupCustom)(const OnyxModelMetadata* metadata, const char* key, const char** value);
  OnyxStatus* (*ReleaseModelMetadata)(OnyxModelMetadata* metadata);

  /* ---- model inspection without a session ---- */

  /* Reads a model's header, graph interface and node list without compiling
   * it: works for models whose ops have no kernel here. */
  OnyxStatus* (*CreateModelInfo)(const char* path, OnyxModelInfo** out);
  OnyxStatus* (*CreateModelInfoFromBytes)(const void* data, size_t size, OnyxModelInfo** out);
  OnyxStatus* (*ModelInfoGetIrVersion)(const OnyxModelInfo* info, int64_t* out);
  /* Imported opsets; domain "" is ai.onnx. */
  OnyxStatus* (*ModelInfoGetOpsetCount)(const OnyxModelInfo* info, size_t* out);
  OnyxStatus* (*ModelInfoGetOpset)(const OnyxModelInfo* info, size_t index, const char** domain, int64_t* version);
  /* Graph inputs (initializers excluded) and outputs, as declared in the file. */
  OnyxStatus* (*ModelInfoGetInputCount)(const OnyxModelInfo* info, size_t* out);
  OnyxStatus* (*ModelInfoGetOutputCount)(const OnyxModelInfo* info, size_t* out);
  OnyxStatus* (*ModelInfoGetInputName)(const OnyxModelInfo* info, size_t index, const char** out);
  OnyxStatus* (*ModelInfoGetOutputName)(const OnyxModelInfo* info, size_t index, const char** out);
  OnyxStatus* (*ModelInfoGetInputTypeInfo)(const OnyxModelInfo* info, size_t index, OnyxTypeInfo** out);
  OnyxStatus* (*ModelInfoGetOutputTypeInfo)(const OnyxModelInfo* info, size_t index, OnyxTypeInfo** out);
  /* Nodes in the graph and all its subgraphs. */
  OnyxStatus* (*ModelInfoGetNodeCount)(const OnyxModelInfo* info, size_t* out);
  /* Op histogram over the graph and its subgraphs: distinct (domain, op)
   * pairs, most frequent first. */
  OnyxStatus* (*ModelInfoGetOpTypeCount)(const OnyxModelInfo* info, size_t* out);
  OnyxStatus* (*ModelInfoGetOpType)(const OnyxModelInfo* info, size_t index, const char** domain,
                                    const char** op_type, size_t* count);
  /* Number of initializers (all graphs) and their total bytes. */
  OnyxStatus* (*ModelInfoGetInitializerStats)(const OnyxModelInfo* info, size_t* count, size_t* bytes);
  OnyxStatus* (*ModelInfoGetMetadata)(const OnyxModelInfo* info, OnyxModelMetadata** out);
  OnyxStatus* (*ReleaseModelInfo)(OnyxModelInfo* info);

  /* ---- version 2 ---- */

  /* Converts every element of a numeric or bool tensor to double and writes
   * them to `buffer` in row-major order: each of the float formats (float16,
   * bfloat16, the float8s, float4e2m1, float8e8m0) decoded, the 4- and 2-bit
   * integers unpacked and sign-extended, bool as 0 / 1. A complex tensor gives
   * two doubles per element (real, imaginary). `count` is the number of
   * doubles `buffer` holds; fails when it is below what the tensor needs, and
   * for string tensors and non-tensor values. 64-bit integers beyond 2^53
   * lose precision (read those with GetTensorData). */
  OnyxStatus* (*CopyTensorDataAsDouble)(const OnyxValue* value, double* buffer, size_t count);

  /* Version 3 and later append here. */
} OnyxApi;

/* The function table for API `version` (1 .. ONYX_API_VERSION), or NULL. */
ONYX_EXPORT const OnyxApi* OnyxGetApi(uint32_t version);

/* The layouts of versions 1 and 2 are frozen: a few checks here, every entry in src/capi. */
#if defined(__cplusplus)
static_assert(offsetof(OnyxApi, CreateStatus) == 0, "OnyxApi layout changed");
static_assert(offsetof(OnyxApi, ReleaseModelInfo) == 113 * sizeof(void (*)(void)), "OnyxApi layout changed");
static_assert(offsetof(OnyxApi, CopyTensorDataAsDouble) == 114 * sizeof(void (*)(void)), "OnyxApi layout changed");
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(offsetof(OnyxApi, CreateStatus) == 0, "OnyxApi layout changed");
_Static_assert(offsetof(OnyxApi, ReleaseModelInfo) == 113 * sizeof(void (*)(void)), "OnyxApi layout changed");
_Static_assert(offsetof(OnyxApi, CopyTensorDataAsDouble) == 114 * sizeof(void (*)(void)), "OnyxApi layout changed");
#endif

#ifdef __cplusplus
}
#endif

#endif /* ONYX_ONYX_C_API_H_ */
