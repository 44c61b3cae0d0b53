#include "inputs.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include "json_value.h"

namespace onyx_cli {

namespace {

// A model input (or overridable initializer) as declared.
struct Declared {
  std::string name;
  onyx::TypeInfo type;
  bool overridable = false;
};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string names_list(const std::vector<Declared>& decl) {
  std::string s;
  for (const Declared& d : decl)
    if (!d.overridable) s += (s.empty() ? "'" : ", '") + d.name + "'";
  return s.empty() ? "(none)" : s;
}

// "[batch,3,224,224]" from the declared dims.
std::string declared_shape(const onyx::TypeInfo& t) {
  if (t.Rank() < 0) return "[?]";
  std::vector<int64_t> dims = t.Shape();
  std::vector<std::string> syms = t.SymbolicDims();
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    s += i ? "," : "";
    s += dims[i] >= 0 ? std::to_string(dims[i]) : syms[i].empty() ? "?" : syms[i];
  }
  return s + "]";
}

// Where a symbol's size came from, for messages.
struct Binding {
  int64_t value;
  std::string source;  // "--dim batch=2", "input 'x' (x.npy)", "default"
};

// How random integers are chosen for an input, by its name: BERT-like models
// take ids that index embedding tables (small values stay in range of any
// vocabulary), masks that should be all ones, and segment ids of 0.
enum class IntPolicy { kSmall, kOnes, kZeros };
IntPolicy int_policy(const std::string& name) {
  std::string n = lower(name);
  if (n.find("mask") != std::string::npos) return IntPolicy::kOnes;
  if (n.find("token_type") != std::string::npos || n.find("segment") != std::string::npos) return IntPolicy::kZeros;
  return IntPolicy::kSmall;
}

template <typename T>
void fill_ints(T* p, size_t n, IntPolicy policy, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(0, 9);
  for (size_t i = 0; i < n; ++i)
    p[i] = static_cast<T>(policy == IntPolicy::kOnes ? 1 : policy == IntPolicy::kZeros ? 0 : d(rng));
}

// A random tensor for `name`; returns the description of what was generated.
std::string fill_random(onyx::Value& v, const std::string& name, OnyxElementType type, std::mt19937& rng) {
  size_t n = v.ElementCount();
  std::uniform_real_distribution<float> uf(-1.0f, 1.0f);
  if (type == ONYX_ELEMENT_STRING) {
    for (size_t i = 0; i < n; ++i) v.SetString(i, std::to_string(rng() % 10));
    return "random digit strings";
  }
  void* raw = v.GetTensorMutableRawData();
  switch (type) {
    case ONYX_ELEMENT_FLOAT: {
      auto* p = static_cast<float*>(raw);
      for (size_t i = 0; i < n; ++i) p[i] = uf(rng);
      return "random in [-1,1)";
    }
    case ONYX_ELEMENT_DOUBLE: {
      auto* p = static_cast<double*>(raw);
      for (size_t i = 0; i < n; ++i) p[i] = uf(rng);
      return "random in [-1,1)";
    }
    case ONYX_ELEMENT_FLOAT16: {
      auto* p = static_cast<uint16_t*>(raw);
      for (size_t i = 0; i < n; ++i) p[i] = onyx::Float16::FromFloat(uf(rng));
      return "random in [-1,1)";
    }
    case ONYX_ELEMENT_BFLOAT16: {
      auto* p = static_cast<uint16_t*>(raw);
      for (size_t i = 0; i < n; ++i) p[i] = onyx::BFloat16::FromFloat(uf(rng));
      return "random in [-1,1)";
    }
    case ONYX_ELEMENT_BOOL: {
      auto* p = static_cast<uint8_t*>(raw);
      for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(rng() & 1u);
      return "random true/false";
    }
    case ONYX_ELEMENT_INT8:
    case ONYX_ELEMENT_UINT8:
    case ONYX_ELEMENT_INT16:
    case ONYX_ELEMENT_UINT16:
    case ONYX_ELEMENT_INT32:
    case ONYX_ELEMENT_UINT32:
    case ONYX_ELEMENT_INT64:
    case ONYX_ELEMENT_UINT64: {
      IntPolicy policy = int_policy(name);
      switch (type) {
        case ONYX_ELEMENT_INT8: fill_ints(static_cast<int8_t*>(raw), n, policy, rng); break;
        case ONYX_ELEMENT_UINT8: fill_ints(static_cast<uint8_t*>(raw), n, policy, rng); break;
        case ONYX_ELEMENT_INT16: fill_ints(static_cast<int16_t*>(raw), n, policy, rng); break;
        case ONYX_ELEMENT_UINT16: fill_ints(static_cast<uint16_t*>(raw), n, policy, rng); break;
        case ONYX_ELEMENT_INT32: fill_ints(static_cast<int32_t*>(raw), n, policy, rng); break;
        case ONYX_ELEMENT_UINT32: fill_ints(static_cast<uint32_t*>(raw), n, policy, rng); break;
        case ONYX_ELEMENT_INT64: fill_ints(static_cast<int64_t*>(raw), n, policy, rng); break;
        default: fill_ints(static_cast<uint64_t*>(raw), n, policy, rng); break;
      }
      return policy == IntPolicy::kOnes ? "all 1 (a mask, by its name)"
             : policy == IntPolicy::kZeros ? "all 0 (segment ids, by their name)"
                                           : "random integers in [0,10)";
    }
    default:
      // float8, 4-bit and complex types: the owned tensor starts zero-filled.
      return "zeros (no random generator for this type)";
  }
}

}  // namespace

const std::vector<std::string>& input_value_flags() {
  static const std::vector<std::string> flags = {"--input", "--dim", "--threads", "--seed"};
  return flags;
}

InputFlags read_input_flags(const Args& args) {
  InputFlags f;
  for (const auto& [flag, value] : args.flags) {
    if (flag == "--input") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
        throw UsageError("--input " + value + ": expected NAME=FILE.npy");
      f.files.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (flag == "--dim") {
      size_t eq = value.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
        throw UsageError("--dim " + value + ": expected SYMBOL=N");
      f.dims[value.substr(0, eq)] = parse_int(value.substr(eq + 1), "--dim " + value, 0, int64_t{1} << 40);
    } else if (flag == "--threads") {
      f.threads = static_cast<int>(parse_int(value, "--threads", 0, 4096));
    } else if (flag == "--seed") {
      f.seed = static_cast<uint32_t>(parse_int(value, "--seed", 0, 0xFFFFFFFFll));
    }
  }
  return f;
}

Feed make_feed(const onyx::Session& session, const InputFlags& flags, std::ostream& notes) {
  std::vector<Declared> decl;
  for (size_t i = 0; i < session.InputCount(); ++i)
    decl.push_back({session.InputName(i), session.InputTypeInfo(i), false});
  for (size_t i = 0; i < session.OverridableInitializerCount(); ++i)
    decl.push_back({session.OverridableInitializerName(i), session.OverridableInitializerTypeInfo(i), true});

  std::map<std::string, Binding> bound;
  for (const auto& [sym, n] : flags.dims) bound[sym] = {n, "--dim " + sym + "=" + std::to_string(n)};
  std::set<std::string> given;
  std::set<std::string> symbols_seen;
  Feed feed;

  for (const auto& [name, file] : flags.files) {
    auto it = std::find_if(decl.begin(), decl.end(), [&](const Declared& d) { return d.name == name; });
    if (it == decl.end())
      throw CliError("--input " + name + "=" + file + ": the model has no input '" + name + "'; its inputs are " +
                     names_list(decl));
    if (!given.insert(name).second) throw CliError("input '" + name + "' is given twice with --input");
    const onyx::TypeInfo& t = it->type;
    std::string what = "input '" + name + "' from '" + file + "'";
    OnyxTypeKind kind = t.Kind();
    if (file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0) {
      // Sequences, maps, optionals (and tensors) in JSON: json_value.h.
      std::ifstream in(file, std::ios::binary);
      if (!in) throw CliError(what + ": cannot read the file");
      std::stringstream text;
      text << in.rdbuf();
      onyx::Value v = value_from_json(text.str(), t, what);
      feed.names.push_back(name);
      feed.descriptions.push_back(describe_value(v) + " from " + file);
      feed.values.push_back(std::move(v));
      continue;
    }
    if (kind != ONYX_KIND_TENSOR && kind != ONYX_KIND_OPTIONAL && kind != ONYX_KIND_UNKNOWN)
      throw CliError(what + ": the model expects " + t.TypeString() +
                     ", which a .npy file cannot hold; give it as JSON (--input " + name + "=FILE.json)");
    auto arr = std::make_unique<NpyArray>(npy_read(file));
    OnyxElementType want = t.ElementType();
    if (want != ONYX_ELEMENT_UNDEFINED && arr->type != want)
      throw CliError(what + ": the model expects " + onyx::ElementTypeName(want) + " (" + t.TypeString() +
                     ") but the file holds " + onyx::ElementTypeName(arr->type) + " ('" + arr->descr + "')");
    int64_t rank = t.Rank();
    if (rank >= 0) {
      if (static_cast<int64_t>(arr->shape.size()) != rank)
        throw CliError(what + ": the model expects shape " + declared_shape(t) + " (rank " + std::to_string(rank) +
                       ") but the file's shape is " + shape_str(arr->shape));
      std::vector<int64_t> dims = t.Shape();
      std::vector<std::string> syms = t.SymbolicDims();
      for (size_t d = 0; d < dims.size(); ++d) {
        int64_t got = arr->shape[d];
        if (dims[d] >= 0 && dims[d] != got)
          throw CliError(what + ": dim " + std::to_string(d) + " is " + std::to_string(got) + " but the model needs " +
                         std::to_string(dims[d]) + " (shape " + declared_shape(t) + ", file shape " +
                         shape_str(arr->shape) + ")");
        if (dims[d] < 0 && !syms[d].empty()) {
          symbols_seen.insert(syms[d]);
          auto b = bound.find(syms[d]);
          if (b == bound.end()) {
            bound[syms[d]] = {got, "input '" + name + "' ('" + file + "')"};
          } else if (b->second.value != got) {
            throw CliError(what + ": dim " + std::to_string(d) + " ('" + syms[d] + "') is " + std::to_string(got) +
                           " but '" + syms[d] + "' is " + std::to_string(b->second.value) + " from " +
                           b->second.source);
          }
        }
      }
    }
    onyx::Value v = arr->type == ONYX_ELEMENT_STRING
                        ? onyx::Value::StringTensor(arr->shape, arr->strings)
                        : onyx::Value::CreateTensor(arr->type, arr->shape, arr->data.data(), arr->data.size());
    feed.names.push_back(name);
    feed.values.push_back(std::move(v));
    feed.descriptions.push_back(onyx::ElementTypeName(arr->type) + shape_str(arr->shape) + " from " + file);
    feed.arrays.push_back(std::move(arr));
  }

  std::mt19937 rng(flags.seed);
  for (const Declared& d : decl) {
    if (d.overridable || given.count(d.name)) continue;
    const onyx::TypeInfo& t = d.type;
    OnyxTypeKind kind = t.Kind();
    if (kind == ONYX_KIND_OPTIONAL) {
      notes << "note: optional input '" << d.name << "' (" << t.TypeString() << ") is left out\n";
      continue;
    }
    if (kind != ONYX_KIND_TENSOR)
      throw CliError("input '" + d.name + "' is " + t.TypeString() + "; only tensor inputs are generated: give it " +
                     "as JSON with --input " + d.name + "=FILE.json");
    OnyxElementType type = t.ElementType();
    if (type == ONYX_ELEMENT_UNDEFINED)
      throw CliError("input '" + d.name + "' has no declared element type; give it with --input " + d.name +
                     "=FILE.npy");
    int64_t rank = t.Rank();
    if (rank < 0)
      throw CliError("input '" + d.name + "' (" + t.TypeString() + ") has no declared shape; give it with --input " +
                     d.name + "=FILE.npy");
    std::vector<int64_t> dims = t.Shape();
    std::vector<std::string> syms = t.SymbolicDims();
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] >= 0) continue;
      if (syms[i].empty()) {
        notes << "note: dim " << i << " of input '" << d.name << "' has neither a size nor a name; using 1\n";
        dims[i] = 1;
        continue;
      }
      symbols_seen.insert(syms[i]);
      auto b = bound.find(syms[i]);
      if (b == bound.end()) {
        notes << "note: symbolic dim '" << syms[i] << "' (input '" << d.name << "') set to 1; use --dim " << syms[i]
              << "=<size> to choose\n";
        b = bound.emplace(syms[i], Binding{1, "default"}).first;
      }
      dims[i] = b->second.value;
    }
    onyx::Value v = onyx::Value::Tensor(type, dims);
    std::string how = fill_random(v, d.name, type, rng);
    feed.names.push_back(d.name);
    feed.values.push_back(std::move(v));
    feed.descriptions.push_back(onyx::ElementTypeName(type) + shape_str(dims) + " " + how);
  }
  for (const auto& [sym, n] : flags.dims)
    if (!symbols_seen.count(sym))
      notes << "note: --dim " << sym << "=" << n << " is unused: no input has a dim named '" << sym << "'\n";
  return feed;
}

}  // namespace onyx_cli
