// Protocol-buffers wire format, read straight from mapped bytes.
//
// Why not libprotobuf: it copies every bytes field (raw_data included) into a
// std::string, so a 500 MB model costs 500 MB of heap and a full copy before
// the first run, and its parser refuses messages over 2 GiB. Reading the wire
// format ourselves lets initializers point into the mapped file (no copy, no
// heap, pages loaded on first touch), handles files of any size with 64-bit
// offsets, and keeps the dependency list short. The ONNX schema is small and
// stable; model.cc decodes just the fields Onyx uses and skips the rest.
//
// Every read is bounds-checked: a truncated or corrupted file produces an
// Error naming the byte offset, never a read past the end.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace onyx::wire {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

class Reader {
 public:
  Reader() = default;
  // `origin` is the start of the whole buffer, for offsets in error messages.
  Reader(const uint8_t* begin, const uint8_t* end, const uint8_t* origin)
      : p_(begin), end_(end), origin_(origin) {}

  // Advances to the next field; false at the end of this message.
  bool next() {
    if (p_ >= end_) return false;
    uint64_t key = varint();
    field_ = static_cast<uint32_t>(key >> 3);
    type_ = static_cast<WireType>(key & 7);
    if (field_ == 0) error("field number 0");
    return true;
  }
  uint32_t field() const { return field_; }
  WireType type() const { return type_; }

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) error("truncated varint");
      uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) return v;
    }
    error("varint longer than 10 bytes");
  }
  int64_t int64() { expect(kVarint, "int64"); return static_cast<int64_t>(varint()); }
  int32_t int32() { expect(kVarint, "int32"); return static_cast<int32_t>(varint()); }
  float f32() {
    expect(kFixed32, "float");
    float f;
    std::memcpy(&f, take(4), 4);
    return f;
  }
  double f64() {
    expect(kFixed64, "double");
    double d;
    std::memcpy(&d, take(8), 8);
    return d;
  }
  // A length-delimited field: bytes, string or embedded message.
  std::string_view bytes() {
    expect(kLen, "length-delimited");
    uint64_t n = varint();
    if (n > static_cast<uint64_t>(end_ - p_)) error("length ", n, " runs past the end of the data");
    const char* s = reinterpret_cast<const char*>(p_);
    p_ += n;
    return {s, static_cast<size_t>(n)};
  }
  std::string string() { return std::string(bytes()); }
  Reader message() {
    std::string_view b = bytes();
    auto* s = reinterpret_cast<const uint8_t*>(b.data());
    return Reader(s, s + b.size(), origin_);
  }
  void skip() {
    switch (type_) {
      case kVarint: varint(); break;
      case kFixed64: take(8); break;
      case kFixed32: take(4); break;
      case kLen: bytes(); break;
      default: error("unsupported wire type ", static_cast<int>(type_), " in field ", field_);
    }
  }

  // Repeated scalars arrive packed (one length-delimited run) or one per field.
  void append_varints(std::vector<int64_t>& out) {
    if (type_ == kLen) {
      Reader r = message();
      while (r.p_ < r.end_) out.push_back(static_cast<int64_t>(r.varint()));
    } else {
      out.push_back(int64());
    }
  }
  void append_floats(std::vector<float>& out) {
    if (type_ == kLen) {
      std::string_view b = bytes();
      if (b.size() % 4) error("packed float field of ", b.size(), " bytes");
      size_t n = out.size();
      out.resize(n + b.size() / 4);
      if (!b.empty()) std::memcpy(out.data() + n, b.data(), b.size());  // an empty run may leave data() null
    } else {
      out.push_back(f32());
    }
  }
  void append_doubles(std::vector<double>& out) {
    if (type_ == kLen) {
      std::string_view b = bytes();
      if (b.size() % 8) error("packed double field of ", b.size(), " bytes");
      size_t n = out.size();
      out.resize(n + b.size() / 8);
      if (!b.empty()) std::memcpy(out.data() + n, b.data(), b.size());  // an empty run may leave data() null
    } else {
      out.push_back(f64());
    }
  }

  size_t offset() const { return static_cast<size_t>(p_ - origin_); }
  const uint8_t* pos() const { return p_; }

  template <typename... Args>
  [[noreturn]] void error(const Args&... args) const {
    fail(ErrorCode::kInvalidProtobuf, "corrupt protobuf at byte ", offset(), ": ", args...);
  }

 private:
  void expect(WireType t, const char* what) const {
    if (type_ != t) error("field ", field_, " should be ", what, " but has wire type ", static_cast<int>(type_));
  }
  const uint8_t* take(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) error("truncated fixed-width field");
    const uint8_t* s = p_;
    p_ += n;
    return s;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  const uint8_t* origin_ = nullptr;
  uint32_t field_ = 0;
  WireType type_ = kVarint;
};

// Writer: builds protobuf bytes (for saving optimised models and for tests
// that construct models). Nested messages are written into a child Writer and
// appended with their length.
class Writer {
 public:
  void varint(uint64_t v) {
    while (v >= 0x80) {
      buf_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    buf_.push_back(static_cast<char>(v));
  }
  void key(uint32_t field, WireType t) { varint((static_cast<uint64_t>(field) << 3) | t); }
  void int64(uint32_t field, int64_t v) { key(field, kVarint); varint(static_cast<uint64_t>(v)); }
  void f32(uint32_t field, float v) {
    key(field, kFixed32);
    buf_.append(reinterpret_cast<const char*>(&v), 4);
  }
  void bytes(uint32_t field, std::string_view s) {
    key(field, kLen);
    varint(s.size());
    buf_.append(s);
  }
  void message(uint32_t field, const Writer& w) { bytes(field, w.buf_); }
  void packed_int64(uint32_t field, const std::vector<int64_t>& v) {
    Writer w;
    for (int64_t x : v) w.varint(static_cast<uint64_t>(x));
    bytes(field, w.buf_);
  }
  void packed_floats(uint32_t field, const std::vector<float>& v) {
    bytes(field, std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * 4));
  }
  const std::string& str() const { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
};

}  // namespace onyx::wire
