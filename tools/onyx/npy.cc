#include "npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "cli.h"

namespace onyx_cli {

namespace {

const char kMagic[] = "\x93NUMPY";

struct DtypeEntry {
  const char* code;  // kind + item size, without the byte-order mark
  OnyxElementType type;
};
const DtypeEntry kDtypes[] = {
    {"f2", ONYX_ELEMENT_FLOAT16}, {"f4", ONYX_ELEMENT_FLOAT},     {"f8", ONYX_ELEMENT_DOUBLE},
    {"i1", ONYX_ELEMENT_INT8},    {"i2", ONYX_ELEMENT_INT16},     {"i4", ONYX_ELEMENT_INT32},
    {"i8", ONYX_ELEMENT_INT64},   {"u1", ONYX_ELEMENT_UINT8},     {"u2", ONYX_ELEMENT_UINT16},
    {"u4", ONYX_ELEMENT_UINT32},  {"u8", ONYX_ELEMENT_UINT64},    {"b1", ONYX_ELEMENT_BOOL},
    {"c8", ONYX_ELEMENT_COMPLEX64}, {"c16", ONYX_ELEMENT_COMPLEX128},
};

size_t item_size(const std::string& code) { return static_cast<size_t>(std::stoul(code.substr(1))); }

// A tiny reader for the Python dict literal of the header:
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  void parse(std::string& descr, bool& fortran, std::vector<int64_t>& shape) {
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') break;
      std::string key = string_lit();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          bad("dtype is a structured (record) type; only plain numeric and string arrays are supported");
        descr = string_lit();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = bool_lit();
        have_order = true;
      } else if (key == "shape") {
        shape = tuple_lit();
        have_shape = true;
      } else {
        bad("unexpected key '" + key + "' in the header");
      }
      skip_ws();
      if (peek() == ',') ++i_;
    }
    if (!have_descr || !have_order || !have_shape) bad("header lacks 'descr', 'fortran_order' or 'shape'");
  }

 private:
  [[noreturn]] void bad(const std::string& why) const { throw CliError("'" + path_ + "': " + why); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) bad(std::string("malformed header (expected '") + c + "' at offset " + std::to_string(i_) + ")");
    ++i_;
  }
  std::string string_lit() {
    skip_ws();
    char q = peek();
    if (q != '\'' && q != '"') bad("malformed header (expected a quoted string at offset " + std::to_string(i_) + ")");
    size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) bad("malformed header (unterminated string)");
    std::string v = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return v;
  }
  bool bool_lit() {
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    bad("malformed header (fortran_order is not True or False)");
  }
  std::vector<int64_t> tuple_lit() {
    expect('(');
    std::vector<int64_t> dims;
    while (true) {
      skip_ws();
      if (peek() == ')') {
        ++i_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) bad("malformed header (bad shape)");
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (int64_t{1} << 55)) bad("shape dim too large");
        v = v * 10 + (s_[i_++] - '0');
      }
      if (peek() == 'L') ++i_;  // Python 2 long suffix
      dims.push_back(v);
      skip_ws();
      if (peek() == ',') ++i_;
      else if (peek() != ')') bad("malformed header (bad shape)");
    }
  }

  const std::string& s_;
  const std::string& path_;
  size_t i_ = 0;
};

uint32_t read_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// UTF-8 -> code points; invalid bytes become U+FFFD.
std::vector<uint32_t> decode_utf8(const std::string& s) {
  std::vector<uint32_t> cps;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
      cps.push_back(0xFFFD);
      ++i;
      continue;
    }
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    bool ok = true;
    for (int k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc >> 6) != 2) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    cps.push_back(ok ? cp : 0xFFFD);
    i += ok ? static_cast<size_t>(len) : 1;
  }
  return cps;
}

std::string header_for(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) dict += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) dict += ",";
  dict += "), }";
  // Pad with spaces and a final newline so the data starts 64-byte aligned.
  size_t prefix = 6 + 2 + 2;
  bool v2 = prefix + dict.size() + 1 > 65535;
  if (v2) prefix += 2;
  size_t total = prefix + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic, 6);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  size_t n = dict.size();
  out += static_cast<char>(n & 0xFF);
  out += static_cast<char>((n >> 8) & 0xFF);
  if (v2) {
    out += static_cast<char>((n >> 16) & 0xFF);
    out += static_cast<char>((n >> 24) & 0xFF);
  }
  return out + dict;
}

void write_file(const std::string& path, const std::string& header, const void* data, size_t bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw CliError("cannot write '" + path + "': " + std::strerror(errno));
  f.write(header.data(), static_cast<std::streamsize>(header.size()));
  if (bytes) f.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  f.close();
  if (!f) throw CliError("cannot write '" + path + "' (disk full?)");
}

}  // namespace

size_t NpyArray::element_count() const {
  size_t n = 1;
  for (int64_t d : shape) n *= static_cast<size_t>(d);
  return n;
}

NpyArray npy_read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CliError("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || std::memcmp(bytes.data(), kMagic, 6) != 0)
    throw CliError("'" + path + "' is not a .npy file (no \\x93NUMPY magic)");
  int major = bytes[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<size_t>(bytes[8]) | static_cast<size_t>(bytes[9]) << 8;
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) throw CliError("'" + path + "' is truncated (header)");
    header_len = read_le32(bytes.data() + 8);
    header_start = 12;
  } else {
    throw CliError("'" + path + "' uses .npy format version " + std::to_string(major) + " (1, 2 and 3 are supported)");
  }
  if (header_start + header_len > bytes.size()) throw CliError("'" + path + "' is truncated (header)");
  std::string header(bytes.begin() + static_cast<ptrdiff_t>(header_start),
                     bytes.begin() + static_cast<ptrdiff_t>(header_start + header_len));

  NpyArray a;
  bool fortran = false;
  HeaderParser(header, path).parse(a.descr, fortran, a.shape);
  if (fortran)
    throw CliError("'" + path + "' is in Fortran (column-major) order; save a C-order array (np.ascontiguousarray)");
  if (a.descr.size() < 2) throw CliError("'" + path + "': unknown dtype '" + a.descr + "'");
  char order = a.descr[0];
  std::string code = a.descr.substr(1);
  if (order != '<' && order != '>' && order != '|' && order != '=')
    throw CliError("'" + path + "': unknown dtype '" + a.descr + "'");
  if (code[0] == 'O') throw CliError("'" + path + "' holds Python objects (dtype 'O'); object arrays are not supported");

  const uint8_t* payload = bytes.data() + header_start + header_len;
  size_t available = bytes.size() - header_start - header_len;
  size_t count = 1;
  for (int64_t d : a.shape) {
    if (d != 0 && count > (size_t{1} << 50) / static_cast<size_t>(d))
      throw CliError("'" + path + "': shape " + shape_str(a.shape) + " is too large");
    count *= static_cast<size_t>(d);
  }

  if (code[0] == 'U' || code[0] == 'S') {
    size_t width = 0;
    try {
      width = item_size(code);
    } catch (const std::exception&) {
      throw CliError("'" + path + "': unknown dtype '" + a.descr + "'");
    }
    size_t unit = code[0] == 'U' ? 4 : 1;
    if (unit == 4 && order == '>') throw CliError("'" + path + "' is big-endian ('" + a.descr + "'); only little-endian data is supported");
    if (available < count * width * unit)
      throw CliError("'" + path + "' is truncated: " + std::to_string(count * width * unit) + " bytes of data expected, " +
                     std::to_string(available) + " found");
    a.type = ONYX_ELEMENT_STRING;
    for (size_t i = 0; i < count; ++i) {
      std::string s;
      const uint8_t* e = payload + i * width * unit;
      if (unit == 4) {
        for (size_t k = 0; k < width; ++k) {
          uint32_t cp = read_le32(e + 4 * k);
          if (cp == 0) break;
          append_utf8(s, cp);
        }
      } else {
        size_t len = 0;
        while (len < width && e[len] != 0) ++len;
        s.assign(reinterpret_cast<const char*>(e), len);
      }
      a.strings.push_back(std::move(s));
    }
    return a;
  }

  for (const DtypeEntry& d : kDtypes) {
    if (code != d.code) continue;
    size_t isz = item_size(code);
    if (order == '>' && isz > 1)
      throw CliError("'" + path + "' is big-endian ('" + a.descr +
                     "'); only little-endian data is supported (use arr.astype(arr.dtype.newbyteorder('<')))");
    a.type = d.type;
    size_t need = count * isz;
    if (available < need)
      throw CliError("'" + path + "' is truncated: " + std::to_string(need) + " bytes of data expected, " +
                     std::to_string(available) + " found");
    a.data.assign(payload, payload + need);
    if (a.type == ONYX_ELEMENT_BOOL)
      for (uint8_t& b : a.data) b = b != 0;  // numpy writes 0/1, but be strict about what bool holds
    return a;
  }
  throw CliError("'" + path + "' has dtype '" + a.descr +
                 "', which is not supported (f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 c8 c16 U S)");
}

std::string npy_descr(OnyxElementType type) {
  for (const DtypeEntry& d : kDtypes)
    if (d.type == type) return std::string(item_size(d.code) == 1 ? "|" : "<") + d.code;
  return "";
}

void npy_write(const std::string& path, OnyxElementType type, const std::vector<int64_t>& shape, const void* data,
               size_t bytes) {
  std::string descr = npy_descr(type);
  if (descr.empty()) throw CliError("cannot write '" + path + "': numpy has no dtype for this element type");
  write_file(path, header_for(descr, shape), data, bytes);
}

void npy_write_strings(const std::string& path, const std::vector<int64_t>& shape,
                       const std::vector<std::string>& strings) {
  std::vector<std::vector<uint32_t>> cps;
  size_t width = 1;
  for (const std::string& s : strings) {
    cps.push_back(decode_utf8(s));
    width = std::max(width, cps.back().size());
  }
  std::vector<uint8_t> data(strings.size() * width * 4, 0);
  for (size_t i = 0; i < cps.size(); ++i)
    for (size_t k = 0; k < cps[i].size(); ++k) {
      uint32_t cp = cps[i][k];
      uint8_t* p = data.data() + (i * width + k) * 4;
      p[0] = static_cast<uint8_t>(cp);
      p[1] = static_cast<uint8_t>(cp >> 8);
      p[2] = static_cast<uint8_t>(cp >> 16);
      p[3] = static_cast<uint8_t>(cp >> 24);
    }
  write_file(path, header_for("<U" + std::to_string(width), shape), data.data(), data.size());
}

}  // namespace onyx_cli
