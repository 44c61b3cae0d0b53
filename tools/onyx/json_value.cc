#include "json_value.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "cli.h"

namespace onyx_cli {

namespace {

// ---- writing ------------------------------------------------------------------

// open + body + close, appended (GCC 12's -Wrestrict misfires on `"[" + s + "]"`).
std::string wrap(const char* open, const std::string& body, const char* close) {
  std::string o(open);
  o.append(body);
  o.append(close);
  return o;
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += static_cast<char>(c);
        }
    }
  }
  return o + "\"";
}

std::string json_real(double v, bool wide) {
  if (std::isnan(v)) return "\"NaN\"";
  if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  char buf[40];
  std::snprintf(buf, sizeof buf, wide ? "%.17g" : "%.9g", v);
  return buf;
}

// Each element of a tensor as JSON text.
std::vector<std::string> json_elements(const onyx::Value& t) {
  OnyxElementType type = t.ElementType();
  size_t n = t.ElementCount();
  std::vector<std::string> out;
  out.reserve(n);
  if (type == ONYX_ELEMENT_STRING) {
    for (size_t i = 0; i < n; ++i) out.push_back(json_string(t.GetString(i)));
    return out;
  }
  const void* raw = n ? t.GetTensorRawData() : nullptr;
  switch (type) {
    case ONYX_ELEMENT_INT64:
      for (size_t i = 0; i < n; ++i) out.push_back(std::to_string(static_cast<const int64_t*>(raw)[i]));
      return out;
    case ONYX_ELEMENT_UINT64:
      for (size_t i = 0; i < n; ++i) out.push_back(std::to_string(static_cast<const uint64_t*>(raw)[i]));
      return out;
    case ONYX_ELEMENT_BOOL:
      for (size_t i = 0; i < n; ++i) out.push_back(static_cast<const uint8_t*>(raw)[i] ? "true" : "false");
      return out;
    default: break;
  }
  std::vector<double> d = t.GetTensorDataAsDouble();
  bool wide = type == ONYX_ELEMENT_DOUBLE || type == ONYX_ELEMENT_COMPLEX128;
  if (type == ONYX_ELEMENT_COMPLEX64 || type == ONYX_ELEMENT_COMPLEX128) {
    for (size_t i = 0; i < n; ++i)
      out.push_back(wrap("[", json_real(d[2 * i], wide) + ", " + json_real(d[2 * i + 1], wide), "]"));
    return out;
  }
  bool integral = type == ONYX_ELEMENT_INT8 || type == ONYX_ELEMENT_UINT8 || type == ONYX_ELEMENT_INT16 ||
                  type == ONYX_ELEMENT_UINT16 || type == ONYX_ELEMENT_INT32 || type == ONYX_ELEMENT_UINT32 ||
                  type == ONYX_ELEMENT_INT4 || type == ONYX_ELEMENT_UINT4 || type == ONYX_ELEMENT_INT2 ||
                  type == ONYX_ELEMENT_UINT2;
  for (double x : d) out.push_back(integral ? std::to_string(static_cast<int64_t>(x)) : json_real(x, wide));
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string o;
  for (size_t i = 0; i < parts.size(); ++i) o += (i ? ", " : "") + parts[i];
  return o;
}

std::string tensor_to_json(const onyx::Value& t) {
  std::vector<std::string> dims;
  for (int64_t d : t.Shape()) dims.push_back(std::to_string(d));
  return "{\"type\": " + json_string(onyx::ElementTypeName(t.ElementType())) + ", \"shape\": [" + join(dims) +
         "], \"data\": [" + join(json_elements(t)) + "]}";
}

// ---- reading --------------------------------------------------------------------

struct Json {
  enum Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = kNull;
  bool flag = false;
  std::string text;  // a number as written, or a string's contents
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;
  size_t pos = 0;  // offset in the text, for messages
};

class Parser {
 public:
  Parser(const std::string& s, const std::string& what) : s_(s), what_(what) {}

  Json parse() {
    Json j = value(0);
    skip();
    if (i_ != s_.size()) error("unexpected text after the value");
    return j;
  }

 private:
  [[noreturn]] void error(const std::string& msg) const {
    throw CliError(what_ + ": invalid JSON at offset " + std::to_string(i_) + ": " + msg);
  }
  void skip() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  Json value(int depth) {
    if (depth > 64) error("nested more than 64 deep");
    skip();
    if (i_ >= s_.size()) error("unexpected end of text");
    Json j;
    j.pos = i_;
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      j.kind = Json::kObject;
      if (eat('}')) return j;
      do {
        skip();
        if (i_ >= s_.size() || s_[i_] != '"') error("expected a string key");
        std::string key = string();
        if (!eat(':')) error("expected ':' after a key");
        j.members.emplace_back(std::move(key), value(depth + 1));
      } while (eat(','));
      if (!eat('}')) error("expected ',' or '}'");
    } else if (c == '[') {
      ++i_;
      j.kind = Json::kArray;
      if (eat(']')) return j;
      do j.items.push_back(value(depth + 1));
      while (eat(','));
      if (!eat(']')) error("expected ',' or ']'");
    } else if (c == '"') {
      j.kind = Json::kString;
      j.text = string();
    } else if (s_.compare(i_, 4, "true") == 0 || s_.compare(i_, 5, "false") == 0) {
      j.kind = Json::kBool;
      j.flag = s_[i_] == 't';
      i_ += j.flag ? 4 : 5;
    } else if (s_.compare(i_, 4, "null") == 0) {
      i_ += 4;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      size_t b = i_;
      while (i_ < s_.size() && std::strchr("+-0123456789.eE", s_[i_])) ++i_;
      j.kind = Json::kNumber;
      j.text = s_.substr(b, i_ - b);
    } else {
      error(std::string("unexpected character '") + c + "'");
    }
    return j;
  }
  std::string string() {
    ++i_;  // the opening quote
    std::string o;
    while (true) {
      if (i_ >= s_.size()) error("unterminated string");
      char c = s_[i_++];
      if (c == '"') return o;
      if (c != '\\') {
        o += c;
        continue;
      }
      if (i_ >= s_.size()) error("unterminated string");
      char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': o += e; break;
        case 'n': o += '\n'; break;
        case 't': o += '\t'; break;
        case 'r': o += '\r'; break;
        case 'b': o += '\b'; break;
        case 'f': o += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) error("short \\u escape");
          unsigned cp = static_cast<unsigned>(std::strtoul(s_.substr(i_, 4).c_str(), nullptr, 16));
          i_ += 4;
          // UTF-8 of the code point (surrogate pairs are not joined).
          if (cp < 0x80) o += static_cast<char>(cp);
          else if (cp < 0x800) {
            o += static_cast<char>(0xC0 | (cp >> 6));
            o += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            o += static_cast<char>(0xE0 | (cp >> 12));
            o += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            o += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default: error(std::string("bad escape \\") + e);
      }
    }
  }

  const std::string& s_;
  const std::string& what_;
  size_t i_ = 0;
};

// parse_int for JSON content: a bad number in a file is a failed input (exit
// status 1), not bad command-line usage.
int64_t json_int(const std::string& text, const std::string& what, int64_t lo, int64_t hi) {
  try {
    return parse_int(text, what, lo, hi);
  } catch (const UsageError& e) {
    throw CliError(e.what());
  }
}

// Builds values from parsed JSON; `what` names the input in errors.
class Builder {
 public:
  explicit Builder(std::string what) : what_(std::move(what)) {}

  onyx::Value build(const Json& j, const onyx::TypeInfo& t) {
    switch (t.Kind()) {
      case ONYX_KIND_OPTIONAL:
        if (j.kind == Json::kNull) return onyx::Value::None();
        return build(j, t.ElementTypeInfo());
      case ONYX_KIND_SEQUENCE: {
        if (j.kind != Json::kArray) error(j, "expected an array for " + t.TypeString());
        onyx::TypeInfo item = t.ElementTypeInfo();
        std::vector<onyx::Value> items;
        for (const Json& x : j.items) items.push_back(build(x, item));
        return onyx::Value::Sequence(items, item.Kind() == ONYX_KIND_TENSOR ? item.ElementType() : ONYX_ELEMENT_UNDEFINED);
      }
      case ONYX_KIND_MAP: {
        if (j.kind != Json::kObject) error(j, "expected an object for " + t.TypeString());
        OnyxElementType kt = t.MapKeyType(), vt = t.ElementTypeInfo().ElementType();
        auto n = static_cast<int64_t>(j.members.size());
        onyx::Value keys = onyx::Value::Tensor(kt, {n}), values = onyx::Value::Tensor(vt, {n});
        for (size_t i = 0; i < j.members.size(); ++i) {
          Json key;
          key.kind = kt == ONYX_ELEMENT_STRING ? Json::kString : Json::kNumber;
          key.text = j.members[i].first;
          key.pos = j.members[i].second.pos;
          set(keys, i, key);
          set(values, i, j.members[i].second);
        }
        return onyx::Value::Map(keys, values);
      }
      default: return tensor(j, t.ElementType());
    }
  }

 private:
  [[noreturn]] void error(const Json& j, const std::string& msg) const {
    throw CliError(what_ + ": at offset " + std::to_string(j.pos) + ": " + msg);
  }

  static OnyxElementType type_named(const std::string& name) {
    for (int t = 1; t <= 26; ++t) {
      try {
        if (onyx::ElementTypeName(static_cast<OnyxElementType>(t)) == name) return static_cast<OnyxElementType>(t);
      } catch (const onyx::Exception&) {
      }
    }
    return ONYX_ELEMENT_UNDEFINED;
  }

  // Shape of nested arrays (each level must be rectangular); leaves in order.
  void flatten(const Json& j, size_t depth, std::vector<int64_t>& shape, std::vector<const Json*>& leaves) {
    if (j.kind != Json::kArray) {
      if (depth != shape.size()) error(j, "ragged nested arrays: a value where an array was expected");
      leaves.push_back(&j);
      return;
    }
    if (depth == shape.size()) {
      if (!leaves.empty()) error(j, "ragged nested arrays: an array where a value was expected");
      shape.push_back(static_cast<int64_t>(j.items.size()));
    } else if (depth > shape.size() || shape[depth] != static_cast<int64_t>(j.items.size())) {
      error(j, "ragged nested arrays: rows of different lengths");
    }
    for (const Json& x : j.items) flatten(x, depth + 1, shape, leaves);
  }

  onyx::Value tensor(const Json& j, OnyxElementType declared) {
    OnyxElementType type = declared;
    std::vector<int64_t> shape;
    std::vector<const Json*> leaves;
    const Json* data = &j;
    bool explicit_form = false;
    if (j.kind == Json::kObject) {
      const Json *jt = nullptr, *js = nullptr, *jd = nullptr;
      for (const auto& [k, v] : j.members) {
        if (k == "type") jt = &v;
        else if (k == "shape") js = &v;
        else if (k == "data") jd = &v;
        else error(v, "unknown key '" + k + "' in a tensor (expected type, shape, data)");
      }
      if (!jd) error(j, "a tensor object needs \"data\"");
      if (jt) {
        if (jt->kind != Json::kString) error(*jt, "\"type\" must be a string such as \"float32\"");
        OnyxElementType named = type_named(jt->text);
        if (named == ONYX_ELEMENT_UNDEFINED) error(*jt, "unknown element type '" + jt->text + "'");
        if (declared != ONYX_ELEMENT_UNDEFINED && named != declared)
          error(*jt, "type '" + jt->text + "' but the model expects " + onyx::ElementTypeName(declared));
        type = named;
      }
      if (js) {
        if (js->kind != Json::kArray) error(*js, "\"shape\" must be an array of dims");
        for (const Json& d : js->items) {
          if (d.kind != Json::kNumber) error(d, "a dim must be a number");
          shape.push_back(json_int(d.text, what_ + ": dim", 0, int64_t{1} << 40));
        }
      }
      data = jd;
      explicit_form = js != nullptr;
    }
    if (type == ONYX_ELEMENT_UNDEFINED) error(j, "the element type is not declared: give {\"type\": ..., \"data\": ...}");
    if (explicit_form) {
      if (data->kind != Json::kArray) error(*data, "\"data\" must be a flat array");
      for (const Json& x : data->items) leaves.push_back(&x);
      size_t n = onyx::Value::ElementCountOf(shape);
      if (n != leaves.size())
        error(*data, std::to_string(leaves.size()) + " values for shape " + shape_str(shape) + " (" +
                         std::to_string(n) + " elements)");
    } else {
      flatten(*data, 0, shape, leaves);
    }
    onyx::Value v = onyx::Value::Tensor(type, shape);
    for (size_t i = 0; i < leaves.size(); ++i) set(v, i, *leaves[i]);
    return v;
  }

  double real(const Json& j) const {
    if (j.kind == Json::kString) {
      if (j.text == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (j.text == "Infinity") return std::numeric_limits<double>::infinity();
      if (j.text == "-Infinity") return -std::numeric_limits<double>::infinity();
    }
    if (j.kind == Json::kBool) return j.flag ? 1 : 0;
    if (j.kind != Json::kNumber) error(j, "expected a number");
    char* end = nullptr;
    errno = 0;
    double v = std::strtod(j.text.c_str(), &end);
    if (*end || j.text.empty()) error(j, "'" + j.text + "' is not a number");
    return v;
  }
  int64_t integer(const Json& j, int64_t lo, int64_t hi) const {
    if (j.kind == Json::kBool) return j.flag ? 1 : 0;
    if (j.kind != Json::kNumber && j.kind != Json::kString) error(j, "expected an integer");
    return json_int(j.text, what_ + ": at offset " + std::to_string(j.pos) + ": value", lo, hi);
  }

  // Element i of tensor v from j (the tensor's element type decides how).
  void set(onyx::Value& v, size_t i, const Json& j) {
    OnyxElementType type = v.ElementType();
    if (type == ONYX_ELEMENT_STRING) {
      if (j.kind != Json::kString) error(j, "expected a string");
      v.SetString(i, j.text);
      return;
    }
    void* raw = v.GetTensorMutableRawData();
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max(), kMin = std::numeric_limits<int64_t>::min();
    switch (type) {
      case ONYX_ELEMENT_FLOAT: static_cast<float*>(raw)[i] = static_cast<float>(real(j)); return;
      case ONYX_ELEMENT_DOUBLE: static_cast<double*>(raw)[i] = real(j); return;
      case ONYX_ELEMENT_FLOAT16:
        static_cast<uint16_t*>(raw)[i] = onyx::Float16::FromFloat(static_cast<float>(real(j)));
        return;
      case ONYX_ELEMENT_BFLOAT16:
        static_cast<uint16_t*>(raw)[i] = onyx::BFloat16::FromFloat(static_cast<float>(real(j)));
        return;
      case ONYX_ELEMENT_BOOL: static_cast<uint8_t*>(raw)[i] = static_cast<uint8_t>(integer(j, 0, 1)); return;
      case ONYX_ELEMENT_INT8: static_cast<int8_t*>(raw)[i] = static_cast<int8_t>(integer(j, -128, 127)); return;
      case ONYX_ELEMENT_UINT8: static_cast<uint8_t*>(raw)[i] = static_cast<uint8_t>(integer(j, 0, 255)); return;
      case ONYX_ELEMENT_INT16: static_cast<int16_t*>(raw)[i] = static_cast<int16_t>(integer(j, -32768, 32767)); return;
      case ONYX_ELEMENT_UINT16: static_cast<uint16_t*>(raw)[i] = static_cast<uint16_t>(integer(j, 0, 65535)); return;
      case ONYX_ELEMENT_INT32:
        static_cast<int32_t*>(raw)[i] = static_cast<int32_t>(integer(j, INT32_MIN, INT32_MAX));
        return;
      case ONYX_ELEMENT_UINT32: static_cast<uint32_t*>(raw)[i] = static_cast<uint32_t>(integer(j, 0, UINT32_MAX)); return;
      case ONYX_ELEMENT_INT64: static_cast<int64_t*>(raw)[i] = integer(j, kMin, kMax); return;
      case ONYX_ELEMENT_UINT64: static_cast<uint64_t*>(raw)[i] = static_cast<uint64_t>(integer(j, 0, kMax)); return;
      default:
        error(j, "element type " + onyx::ElementTypeName(type) + " cannot be given in JSON (use a .npy file)");
    }
  }

  std::string what_;
};

}  // namespace

std::string describe_value(const onyx::Value& v) {
  switch (v.Kind()) {
    case ONYX_KIND_TENSOR: return onyx::ElementTypeName(v.ElementType()) + shape_str(v.Shape());
    case ONYX_KIND_SEQUENCE: return v.GetTypeInfo().TypeString() + " of " + std::to_string(v.SequenceLength());
    case ONYX_KIND_MAP:
      return v.GetTypeInfo().TypeString() + " of " + std::to_string(v.MapKeys().ElementCount()) + " entries";
    default: return "empty optional";
  }
}

std::string value_to_json(const onyx::Value& v) {
  switch (v.Kind()) {
    case ONYX_KIND_TENSOR: return tensor_to_json(v);
    case ONYX_KIND_SEQUENCE: {
      std::vector<std::string> items;
      for (size_t i = 0; i < v.SequenceLength(); ++i) items.push_back(value_to_json(v.GetSequenceItem(i)));
      return wrap("[", join(items), "]");
    }
    case ONYX_KIND_MAP: {
      onyx::Value keys = v.MapKeys();
      std::vector<std::string> k = json_elements(keys), val = json_elements(v.MapValues());
      std::vector<std::string> members;
      for (size_t i = 0; i < k.size(); ++i)
        members.push_back((keys.ElementType() == ONYX_ELEMENT_STRING ? k[i] : wrap("\"", k[i], "\"")) + ": " + val[i]);
      return wrap("{", join(members), "}");
    }
    default: return "null";  // an empty optional
  }
}

onyx::Value value_from_json(const std::string& text, const onyx::TypeInfo& declared, const std::string& what) {
  Json j = Parser(text, what).parse();
  return Builder(what).build(j, declared);
}

}  // namespace onyx_cli
