// C API: type info, model metadata, and model inspection without a session.
#include <algorithm>
#include <cstring>
#include <map>

#include "capi/handles.h"
#include "onnx/loader.h"

OnyxTypeInfo::OnyxTypeInfo(onyx::ir::Type t)
    : Handle(kKind), type(std::move(t)), type_string(onyx::capi::type_string(type)) {}

OnyxModelMetadata::OnyxModelMetadata(const onyx::ir::Model& m)
    : Handle(kKind),
      producer_name(m.producer_name),
      producer_version(m.producer_version),
      graph_name(m.graph ? m.graph->name : std::string()),
      domain(m.domain),
      description(m.doc_string),
      version(m.model_version),
      custom(m.metadata) {}

OnyxModelInfo::OnyxModelInfo(const onyx::ir::Model& m) : Handle(kKind), ir_version(m.ir_version) {
  using namespace onyx;
  for (const auto& [domain, version] : m.opsets) opsets.emplace_back(domain, version);
  ir::Graph& g = *m.graph;
  for (const ir::Value* v : g.inputs)
    if (!v->is_constant()) inputs.push_back({v->name, v->type});
  for (const ir::Value* v : g.outputs) outputs.push_back({v->name, v->type});
  std::map<std::pair<std::string, std::string>, size_t> hist;
  ir::for_each_graph(g, [&](ir::Graph& sub) {
    node_count += sub.nodes().size();
    for (const auto& n : sub.nodes()) ++hist[{std::string(ir::canonical_domain(n->domain)), n->op_type}];
    for (const ir::Value* v : sub.initializers) {
      ++initializer_count;
      const Tensor& t = v->constant;
      if (t.dtype() == DataType::kString) {
        for (const std::string& s : t.span<std::string>()) initializer_bytes += s.size();
      } else {
        initializer_bytes += t.nbytes();
      }
    }
  });
  for (const auto& [key, count] : hist) ops.push_back({key.first, key.second, count});
  std::stable_sort(ops.begin(), ops.end(), [](const OpCount& a, const OpCount& b) { return a.count > b.count; });
  metadata = std::make_shared<OnyxModelMetadata>(m);
}

namespace onyx::capi {

namespace {

// ---- type info ----

// An optional of a tensor reads like the tensor for shape queries.
const ir::Type& shaped(const ir::Type& t) {
  if (t.kind == ir::Type::Kind::kOptional && t.inner) return shaped(*t.inner);
  return t;
}

DataType element_of(const ir::Type& t) {
  using K = ir::Type::Kind;
  switch (t.kind) {
    case K::kTensor:
    case K::kSparseTensor: return t.elem;
    case K::kSequence:
    case K::kOptional: return t.inner ? element_of(*t.inner) : DataType::kUndefined;
    default: return DataType::kUndefined;
  }
}

OnyxStatus* TypeInfoGetKind(const OnyxTypeInfo* info, OnyxTypeKind* out) {
  return guard("TypeInfoGetKind", [&] {
    auto h = get(info, "info");
    require(out, "out");
    using K = ir::Type::Kind;
    switch (h->type.kind) {
      case K::kTensor: *out = ONYX_KIND_TENSOR; break;
      case K::kSparseTensor: *out = ONYX_KIND_SPARSE_TENSOR; break;
      case K::kSequence: *out = ONYX_KIND_SEQUENCE; break;
      case K::kMap: *out = ONYX_KIND_MAP; break;
      case K::kOptional: *out = ONYX_KIND_OPTIONAL; break;
      case K::kUnknown: *out = ONYX_KIND_UNKNOWN; break;
    }
  });
}

OnyxStatus* TypeInfoGetElementType(const OnyxTypeInfo* info, OnyxElementType* out) {
  return guard("TypeInfoGetElementType", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = static_cast<OnyxElementType>(element_of(h->type));
  });
}

OnyxStatus* TypeInfoGetRank(const OnyxTypeInfo* info, int64_t* out) {
  return guard("TypeInfoGetRank", [&] {
    auto h = get(info, "info");
    require(out, "out");
    const ir::Type& t = shaped(h->type);
    *out = t.kind == ir::Type::Kind::kTensor || t.kind == ir::Type::Kind::kSparseTensor ? t.rank() : -1;
  });
}

OnyxStatus* TypeInfoGetDims(const OnyxTypeInfo* info, int64_t* dims, size_t capacity) {
  return guard("TypeInfoGetDims", [&] {
    auto h = get(info, "info");
    const ir::Type& t = shaped(h->type);
    size_t rank = t.has_shape ? t.dims.size() : 0;
    if (capacity < rank)
      fail(ErrorCode::kInvalidArgument, "capacity ", capacity, " is too small for the ", rank, " dims of ",
           h->type.str());
    if (rank > 0) require(dims, "dims");
    for (size_t i = 0; i < rank; ++i) dims[i] = t.dims[i].known() ? t.dims[i].value : -1;
  });
}

OnyxStatus* TypeInfoGetSymbolicDim(const OnyxTypeInfo* info, size_t index, const char** out) {
  return guard("TypeInfoGetSymbolicDim", [&] {
    auto h = get(info, "info");
    require(out, "out");
    const ir::Type& t = shaped(h->type);
    check_index(index, t.has_shape ? t.dims.size() : 0, "dim");
    *out = t.dims[index].known() ? "" : t.dims[index].param.c_str();
  });
}

OnyxStatus* TypeInfoGetTypeString(const OnyxTypeInfo* info, const char** out) {
  return guard("TypeInfoGetTypeString", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->type_string.c_str();
  });
}

OnyxStatus* TypeInfoGetElementTypeInfo(const OnyxTypeInfo* info, OnyxTypeInfo** out) {
  return guard("TypeInfoGetElementTypeInfo", [&] {
    auto h = get(info, "info");
    require(out, "out");
    using K = ir::Type::Kind;
    K k = h->type.kind;
    if (k != K::kSequence && k != K::kOptional && k != K::kMap)
      fail(ErrorCode::kInvalidArgument, h->type_string, " has no element type (not a sequence, optional or map)");
    *out = publish(std::make_shared<OnyxTypeInfo>(h->type.inner ? *h->type.inner : ir::Type()));
  });
}

OnyxStatus* TypeInfoGetMapKeyType(const OnyxTypeInfo* info, OnyxElementType* out) {
  return guard("TypeInfoGetMapKeyType", [&] {
    auto h = get(info, "info");
    require(out, "out");
    if (h->type.kind != ir::Type::Kind::kMap) fail(ErrorCode::kInvalidArgument, h->type_string, " is not a map");
    *out = static_cast<OnyxElementType>(h->type.elem);
  });
}

OnyxStatus* ReleaseTypeInfo(OnyxTypeInfo* info) {
  return guard("ReleaseTypeInfo", [&] { release(info, "info"); });
}

// ---- model metadata ----

template <typename Fn>
OnyxStatus* metadata_string(const char* fn, const OnyxModelMetadata* metadata, const char** out, Fn&& field) {
  return guard(fn, [&] {
    auto h = get(metadata, "metadata");
    require(out, "out");
    *out = field(*h).c_str();
  });
}

OnyxStatus* ModelMetadataGetProducerName(const OnyxModelMetadata* m, const char** out) {
  return metadata_string("ModelMetadataGetProducerName", m, out,
                         [](const OnyxModelMetadata& h) -> const std::string& { return h.producer_name; });
}
OnyxStatus* ModelMetadataGetProducerVersion(const OnyxModelMetadata* m, const char** out) {
  return metadata_string("ModelMetadataGetProducerVersion", m, out,
                         [](const OnyxModelMetadata& h) -> const std::string& { return h.producer_version; });
}
OnyxStatus* ModelMetadataGetGraphName(const OnyxModelMetadata* m, const char** out) {
  return metadata_string("ModelMetadataGetGraphName", m, out,
                         [](const OnyxModelMetadata& h) -> const std::string& { return h.graph_name; });
}
OnyxStatus* ModelMetadataGetDomain(const OnyxModelMetadata* m, const char** out) {
  return metadata_string("ModelMetadataGetDomain", m, out,
                         [](const OnyxModelMetadata& h) -> const std::string& { return h.domain; });
}
OnyxStatus* ModelMetadataGetDescription(const OnyxModelMetadata* m, const char** out) {
  return metadata_string("ModelMetadataGetDescription", m, out,
                         [](const OnyxModelMetadata& h) -> const std::string& { return h.description; });
}

OnyxStatus* ModelMetadataGetVersion(const OnyxModelMetadata* metadata, int64_t* out) {
  return guard("ModelMetadataGetVersion", [&] {
    auto h = get(metadata, "metadata");
    require(out, "out");
    *out = h->version;
  });
}

OnyxStatus* ModelMetadataGetCustomCount(const OnyxModelMetadata* metadata, size_t* out) {
  return guard("ModelMetadataGetCustomCount", [&] {
    auto h = get(metadata, "metadata");
    require(out, "out");
    *out = h->custom.size();
  });
}

OnyxStatus* ModelMetadataGetCustomEntry(const OnyxModelMetadata* metadata, size_t index, const char** key,
                                        const char** value) {
  return guard("ModelMetadataGetCustomEntry", [&] {
    auto h = get(metadata, "metadata");
    require(key, "key");
    require(value, "value");
    check_index(index, h->custom.size(), "custom metadata");
    *key = h->custom[index].first.c_str();
    *value = h->custom[index].second.c_str();
  });
}

OnyxStatus* ModelMetadataLookupCustom(const OnyxModelMetadata* metadata, const char* key, const char** value) {
  return guard("ModelMetadataLookupCustom", [&] {
    auto h = get(metadata, "metadata");
    require(key, "key");
    require(value, "value");
    *value = nullptr;
    for (const auto& [k, v] : h->custom)
      if (k == key) *value = v.c_str();
  });
}

OnyxStatus* ReleaseModelMetadata(OnyxModelMetadata* metadata) {
  return guard("ReleaseModelMetadata", [&] { release(metadata, "metadata"); });
}

// ---- model info ----

OnyxStatus* CreateModelInfo(const char* path, OnyxModelInfo** out) {
  return guard("CreateModelInfo", [&] {
    require(path, "path");
    require(out, "out");
    std::unique_ptr<ir::Model> m = onnx::load_model_file(path);
    *out = publish(std::make_shared<OnyxModelInfo>(*m));
  });
}

OnyxStatus* CreateModelInfoFromBytes(const void* data, size_t size, OnyxModelInfo** out) {
  return guard("CreateModelInfoFromBytes", [&] {
    require(data, "data");
    require(out, "out");
    // The loader may point tensors into the bytes; the model is dropped before
    // this returns, so borrowing the caller's buffer for the call is enough.
    std::shared_ptr<void> borrowed(const_cast<void*>(data), [](void*) {});
    std::unique_ptr<ir::Model> m = onnx::load_model_bytes(data, size, borrowed);
    *out = publish(std::make_shared<OnyxModelInfo>(*m));
  });
}

OnyxStatus* ModelInfoGetIrVersion(const OnyxModelInfo* info, int64_t* out) {
  return guard("ModelInfoGetIrVersion", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->ir_version;
  });
}

OnyxStatus* ModelInfoGetOpsetCount(const OnyxModelInfo* info, size_t* out) {
  return guard("ModelInfoGetOpsetCount", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->opsets.size();
  });
}

OnyxStatus* ModelInfoGetOpset(const OnyxModelInfo* info, size_t index, const char** domain, int64_t* version) {
  return guard("ModelInfoGetOpset", [&] {
    auto h = get(info, "info");
    require(domain, "domain");
    require(version, "version");
    check_index(index, h->opsets.size(), "opset");
    *domain = h->opsets[index].first.c_str();
    *version = h->opsets[index].second;
  });
}

OnyxStatus* ModelInfoGetInputCount(const OnyxModelInfo* info, size_t* out) {
  return guard("ModelInfoGetInputCount", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->inputs.size();
  });
}

OnyxStatus* ModelInfoGetOutputCount(const OnyxModelInfo* info, size_t* out) {
  return guard("ModelInfoGetOutputCount", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->outputs.size();
  });
}

OnyxStatus* io_name(const char* fn, const OnyxModelInfo* info, size_t index, const char** out, bool inputs) {
  return guard(fn, [&] {
    auto h = get(info, "info");
    require(out, "out");
    const auto& list = inputs ? h->inputs : h->outputs;
    check_index(index, list.size(), inputs ? "input" : "output");
    *out = list[index].name.c_str();
  });
}

OnyxStatus* io_type(const char* fn, const OnyxModelInfo* info, size_t index, OnyxTypeInfo** out, bool inputs) {
  return guard(fn, [&] {
    auto h = get(info, "info");
    require(out, "out");
    const auto& list = inputs ? h->inputs : h->outputs;
    check_index(index, list.size(), inputs ? "input" : "output");
    *out = publish(std::make_shared<OnyxTypeInfo>(list[index].type));
  });
}

OnyxStatus* ModelInfoGetInputName(const OnyxModelInfo* info, size_t i, const char** out) {
  return io_name("ModelInfoGetInputName", info, i, out, true);
}
OnyxStatus* ModelInfoGetOutputName(const OnyxModelInfo* info, size_t i, const char** out) {
  return io_name("ModelInfoGetOutputName", info, i, out, false);
}
OnyxStatus* ModelInfoGetInputTypeInfo(const OnyxModelInfo* info, size_t i, OnyxTypeInfo** out) {
  return io_type("ModelInfoGetInputTypeInfo", info, i, out, true);
}
OnyxStatus* ModelInfoGetOutputTypeInfo(const OnyxModelInfo* info, size_t i, OnyxTypeInfo** out) {
  return io_type("ModelInfoGetOutputTypeInfo", info, i, out, false);
}

OnyxStatus* ModelInfoGetNodeCount(const OnyxModelInfo* info, size_t* out) {
  return guard("ModelInfoGetNodeCount", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->node_count;
  });
}

OnyxStatus* ModelInfoGetOpTypeCount(const OnyxModelInfo* info, size_t* out) {
  return guard("ModelInfoGetOpTypeCount", [&] {
    auto h = get(info, "info");
    require(out, "out");
    *out = h->ops.size();
  });
}

OnyxStatus* ModelInfoGetOpType(const OnyxModelInfo* info, size_t index, const char** domain, const char** op_type,
                               size_t* count) {
  return guard("ModelInfoGetOpType", [&] {
    auto h = get(info, "info");
    require(domain, "domain");
    require(op_type, "op_type");
    require(count, "count");
    check_index(index, h->ops.size(), "op type");
    *domain = h->ops[index].domain.c_str();
    *op_type = h->ops[index].op_type.c_str();
    *count = h->ops[index].count;
  });
}

OnyxStatus* ModelInfoGetInitializerStats(const OnyxModelInfo* info, size_t* count, size_t* bytes) {
  return guard("ModelInfoGetInitializerStats", [&] {
    auto h = get(info, "info");
    require(count, "count");
    require(bytes, "bytes");
    *count = h->initializer_count;
    *bytes = h->initializer_bytes;
  });
}

OnyxStatus* ModelInfoGetMetadata(const OnyxModelInfo* info, OnyxModelMetadata** out) {
  return guard("ModelInfoGetMetadata", [&] {
    auto h = get(info, "info");
    require(out, "out");
    // A separate handle (released on its own) over a copy of the metadata.
    auto copy = std::make_shared<OnyxModelMetadata>(ir::Model());
    copy->producer_name = h->metadata->producer_name;
    copy->producer_version = h->metadata->producer_version;
    copy->graph_name = h->metadata->graph_name;
    copy->domain = h->metadata->domain;
    copy->description = h->metadata->description;
    copy->version = h->metadata->version;
    copy->custom = h->metadata->custom;
    *out = publish(std::move(copy));
  });
}

OnyxStatus* ReleaseModelInfo(OnyxModelInfo* info) {
  return guard("ReleaseModelInfo", [&] { release(info, "info"); });
}

}  // namespace

void fill_info_api(OnyxApi& api) {
  api.TypeInfoGetKind = TypeInfoGetKind;
  api.TypeInfoGetElementType = TypeInfoGetElementType;
  api.TypeInfoGetRank = TypeInfoGetRank;
  api.TypeInfoGetDims = TypeInfoGetDims;
  api.TypeInfoGetSymbolicDim = TypeInfoGetSymbolicDim;
  api.TypeInfoGetTypeString = TypeInfoGetTypeString;
  api.TypeInfoGetElementTypeInfo = TypeInfoGetElementTypeInfo;
  api.TypeInfoGetMapKeyType = TypeInfoGetMapKeyType;
  api.ReleaseTypeInfo = ReleaseTypeInfo;
  api.ModelMetadataGetProducerName = ModelMetadataGetProducerName;
  api.ModelMetadataGetProducerVersion = ModelMetadataGetProducerVersion;
  api.ModelMetadataGetGraphName = ModelMetadataGetGraphName;
  api.ModelMetadataGetDomain = ModelMetadataGetDomain;
  api.ModelMetadataGetDescription = ModelMetadataGetDescription;
  api.ModelMetadataGetVersion = ModelMetadataGetVersion;
  api.ModelMetadataGetCustomCount = ModelMetadataGetCustomCount;
  api.ModelMetadataGetCustomEntry = ModelMetadataGetCustomEntry;
  api.ModelMetadataLookupCustom = ModelMetadataLookupCustom;
  api.ReleaseModelMetadata = ReleaseModelMetadata;
  api.CreateModelInfo = CreateModelInfo;
  api.CreateModelInfoFromBytes = CreateModelInfoFromBytes;
  api.ModelInfoGetIrVersion = ModelInfoGetIrVersion;
  api.ModelInfoGetOpsetCount = ModelInfoGetOpsetCount;
  api.ModelInfoGetOpset = ModelInfoGetOpset;
  api.ModelInfoGetInputCount = ModelInfoGetInputCount;
  api.ModelInfoGetOutputCount = ModelInfoGetOutputCount;
  api.ModelInfoGetInputName = ModelInfoGetInputName;
  api.ModelInfoGetOutputName = ModelInfoGetOutputName;
  api.ModelInfoGetInputTypeInfo = ModelInfoGetInputTypeInfo;
  api.ModelInfoGetOutputTypeInfo = ModelInfoGetOutputTypeInfo;
  api.ModelInfoGetNodeCount = ModelInfoGetNodeCount;
  api.ModelInfoGetOpTypeCount = ModelInfoGetOpTypeCount;
  api.ModelInfoGetOpType = ModelInfoGetOpType;
  api.ModelInfoGetInitializerStats = ModelInfoGetInitializerStats;
  api.ModelInfoGetMetadata = ModelInfoGetMetadata;
  api.ReleaseModelInfo = ReleaseModelInfo;
}

}  // namespace onyx::capi
