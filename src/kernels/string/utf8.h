// UTF-8 decoding and encoding for the string ops (ONNX strings are UTF-8).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace onyx::utf8 {

// Decodes the code point starting at s[i] and moves i past it. Returns -1 for
// a malformed sequence (bad lead or continuation byte, overlong form,
// surrogate, past U+10FFFF), moving i past the lead byte only.
inline int32_t next(std::string_view s, size_t& i) {
  const auto b0 = static_cast<uint8_t>(s[i++]);
  if (b0 < 0x80) return b0;
  int len;
  int32_t cp;
  if ((b0 & 0xE0) == 0xC0) { len = 1; cp = b0 & 0x1F; }
  else if ((b0 & 0xF0) == 0xE0) { len = 2; cp = b0 & 0x0F; }
  else if ((b0 & 0xF8) == 0xF0) { len = 3; cp = b0 & 0x07; }
  else return -1;
  if (i + static_cast<size_t>(len) > s.size()) return -1;
  for (int k = 0; k < len; ++k) {
    const auto b = static_cast<uint8_t>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr int32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  i += static_cast<size_t>(len);
  return cp;
}

inline void append(std::string& out, int32_t cp) {
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

// Unicode White_Space as Python's str.isspace sees it (what str.split() splits on).
inline bool is_space(int32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

}  // namespace onyx::utf8
