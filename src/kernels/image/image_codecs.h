// Image file decoders behind ImageDecoder (image_decoder.cc).
//
// JPEG goes through libjpeg(-turbo), PNG through libpng, WebP through libwebp
// and JPEG 2000 through OpenJPEG, the libraries made for them; BMP, the PNM family and uncompressed / PackBits / LZW TIFF
// are simple enough to parse here. Every decoder treats its input as hostile:
// offsets and lengths are checked against the buffer, dimensions are capped
// (kMaxImagePixels) before anything is allocated, and any problem is an
// onyx::Error naming the format, never a crash.
//
// The results match what PIL produces for the same file (the ONNX reference
// implementation decodes with PIL): 8-bit RGB, alpha dropped, palettes
// expanded, 16-bit samples reduced to their high byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace onyx {

// Images larger than this many pixels are refused (a 16k x 16k image fits).
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 28;

struct DecodedImage {
  int64_t width = 0, height = 0;
  std::vector<uint8_t> rgb;  // height * width * 3, row-major, R G B
};

// Detects the format from the first bytes and decodes to RGB. Throws
// onyx::Error (kInvalidArgument) for unknown, unsupported or corrupt data.
DecodedImage decode_image(const uint8_t* data, size_t size);

}  // namespace onyx
