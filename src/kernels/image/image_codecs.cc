#include "kernels/image/image_codecs.h"

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <string>

// libjpeg's header needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>
#include <openjpeg.h>
#include <png.h>
#include <webp/decode.h>

#include "base/error.h"

namespace onyx {

namespace {

[[noreturn]] void bad(const char* format, const std::string& why) {
  fail(ErrorCode::kInvalidArgument, "cannot decode ", format, " image: ", why);
}

void check_dims(const char* format, int64_t w, int64_t h) {
  if (w <= 0 || h <= 0) bad(format, str_cat("invalid dimensions ", w, " x ", h));
  if (w > kMaxImagePixels || h > kMaxImagePixels || w * h > kMaxImagePixels)
    bad(format, str_cat(w, " x ", h, " pixels is more than the limit of ", kMaxImagePixels));
}

bool starts_with(const uint8_t* d, size_t n, const char* magic, size_t m) {
  return n >= m && std::memcmp(d, magic, m) == 0;
}

// ---- JPEG (libjpeg) -------------------------------------------------------------

struct JpegError {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  char msg[JMSG_LENGTH_MAX];
};

void jpeg_on_error(j_common_ptr c) {
  JpegError* e = reinterpret_cast<JpegError*>(c->err);
  (*c->err->format_message)(c, e->msg);
  std::longjmp(e->jump, 1);
}

// libjpeg only warns about truncated data and fills the rest with grey; a
// truncated file is an error here (PIL refuses it too).
void jpeg_on_message(j_common_ptr c, int level) {
  if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) jpeg_on_error(c);
}

// C-style on purpose: libjpeg reports errors by longjmp back to the setjmp
// here, which must not skip C++ destructors (every object that outlives a
// longjmp is declared before setjmp, in the caller or above it).
bool jpeg_decode(const uint8_t* data, size_t size, DecodedImage* out, JpegError* err) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&err->mgr);
  err->mgr.error_exit = jpeg_on_error;
  err->mgr.emit_message = jpeg_on_message;
  err->msg[0] = 0;
  if (setjmp(err->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  // Progressive files keep every coefficient in memory; beyond this libjpeg
  // fails ("backing store not supported") instead of allocating more.
  cinfo.mem->max_memory_to_use = 1L << 30;
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    std::snprintf(err->msg, sizeof err->msg, "CMYK JPEG images are not supported");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  const int64_t w = cinfo.image_width, h = cinfo.image_height;
  if (w <= 0 || h <= 0 || w * h > kMaxImagePixels) {
    std::snprintf(err->msg, sizeof err->msg, "%lld x %lld pixels is outside the supported range",
                  static_cast<long long>(w), static_cast<long long>(h));
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  cinfo.out_color_space = JCS_RGB;
  out->width = w;
  out->height = h;
  out->rgb.resize(static_cast<size_t>(w * h * 3));
  jpeg_start_decompress(&cinfo);
  if (cinfo.output_components != 3 || cinfo.output_width != w || cinfo.output_height != h) {
    std::snprintf(err->msg, sizeof err->msg, "unexpected decoder output layout");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out->rgb.data() + static_cast<size_t>(cinfo.output_scanline) * static_cast<size_t>(w) * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

DecodedImage decode_jpeg(const uint8_t* data, size_t size) {
  DecodedImage img;
  JpegError err;
  if (!jpeg_decode(data, size, &img, &err)) bad("JPEG", err.msg);
  return img;
}

// ---- PNG (libpng) -------------------------------------------------------------

struct PngSource {
  const uint8_t* data;
  size_t size, pos;
  char msg[256];
};

void png_on_read(png_structp png, png_bytep dst, png_size_t n) {
  PngSource* s = static_cast<PngSource*>(png_get_io_ptr(png));
  if (n > s->size - s->pos) png_error(png, "truncated PNG data");
  std::memcpy(dst, s->data + s->pos, n);
  s->pos += n;
}

void png_on_error(png_structp png, png_const_charp msg) {
  PngSource* s = static_cast<PngSource*>(png_get_error_ptr(png));
  std::snprintf(s->msg, sizeof s->msg, "%s", msg);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}

// C-style for the same reason as jpeg_decode (libpng longjmps on errors).
bool png_decode(PngSource* src, DecodedImage* out, std::vector<png_bytep>* rows) {
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, src, png_on_error, png_on_warning);
  if (!png) {
    std::snprintf(src->msg, sizeof src->msg, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (!info) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(src->msg, sizeof src->msg, "out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, src, png_on_read);
  png_set_user_limits(png, 1u << 24, 1u << 24);
  png_read_info(png, info);
  const int64_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  if (w <= 0 || h <= 0 || w * h > kMaxImagePixels) png_error(png, "image dimensions outside the supported range");
  // To 8-bit RGB: expand palettes, low-bit grey and tRNS; keep the high byte
  // of 16-bit samples; drop alpha; replicate grey.
  png_set_expand(png);
  png_set_strip_16(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != static_cast<png_size_t>(w) * 3) png_error(png, "unexpected row layout");
  out->width = w;
  out->height = h;
  out->rgb.resize(static_cast<size_t>(w * h * 3));
  rows->resize(static_cast<size_t>(h));
  for (int64_t y = 0; y < h; ++y) (*rows)[static_cast<size_t>(y)] = out->rgb.data() + y * w * 3;
  png_read_image(png, rows->data());
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

DecodedImage decode_png(const uint8_t* data, size_t size) {
  DecodedImage img;
  std::vector<png_bytep> rows;
  PngSource src{data, size, 0, {0}};
  if (!png_decode(&src, &img, &rows)) bad("PNG", src.msg);
  return img;
}

// ---- WebP (libwebp) ----------------------------------------------------------

// Lossy and lossless WebP, still images only (an animated file's first frame
// is not decoded: WebPGetInfo refuses the ANIM container, as PIL's RGB
// conversion of it would need compositing). Alpha is dropped.
DecodedImage decode_webp(const uint8_t* data, size_t size) {
  int w = 0, h = 0;
  if (!WebPGetInfo(data, size, &w, &h)) bad("WebP", "not a valid WebP bitstream (or an animated WebP)");
  check_dims("WebP", w, h);
  DecodedImage img;
  img.width = w;
  img.height = h;
  img.rgb.resize(static_cast<size_t>(int64_t{w} * h * 3));
  if (!WebPDecodeRGBInto(data, size, img.rgb.data(), img.rgb.size(), w * 3)) bad("WebP", "corrupt or truncated data");
  return img;
}

// ---- JPEG 2000 (OpenJPEG) -------------------------------------------------------

struct Jp2Source {
  const uint8_t* data;
  size_t size, pos;
  std::string error;
};

OPJ_SIZE_T jp2_read(void* dst, OPJ_SIZE_T n, void* user) {
  Jp2Source* s = static_cast<Jp2Source*>(user);
  if (s->pos >= s->size) return static_cast<OPJ_SIZE_T>(-1);
  const size_t k = std::min<size_t>(n, s->size - s->pos);
  std::memcpy(dst, s->data + s->pos, k);
  s->pos += k;
  return k;
}

OPJ_OFF_T jp2_skip(OPJ_OFF_T n, void* user) {
  Jp2Source* s = static_cast<Jp2Source*>(user);
  if (n < 0) {
    const size_t back = std::min<size_t>(static_cast<size_t>(-n), s->pos);
    s->pos -= back;
    return -static_cast<OPJ_OFF_T>(back);
  }
  const size_t k = std::min<size_t>(static_cast<size_t>(n), s->size - s->pos);
  s->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL jp2_seek(OPJ_OFF_T to, void* user) {
  Jp2Source* s = static_cast<Jp2Source*>(user);
  if (to < 0 || static_cast<uint64_t>(to) > s->size) return OPJ_FALSE;
  s->pos = static_cast<size_t>(to);
  return OPJ_TRUE;
}

void jp2_on_error(const char* msg, void* user) {
  std::string& e = static_cast<Jp2Source*>(user)->error;
  if (e.empty()) {
    e = msg;
    while (!e.empty() && (e.back() == '\n' || e.back() == ' ')) e.pop_back();
  }
}

void jp2_quiet(const char*, void*) {}

// One sample of component `c` to 8 bits: signed samples are shifted to
// unsigned, other precisions scaled by shifting (as PIL does).
uint8_t jp2_sample(const opj_image_comp_t& c, int64_t x, int64_t y) {
  const int64_t cx = std::min<int64_t>(x / std::max<OPJ_UINT32>(c.dx, 1), int64_t{c.w} - 1);
  const int64_t cy = std::min<int64_t>(y / std::max<OPJ_UINT32>(c.dy, 1), int64_t{c.h} - 1);
  int64_t v = c.data[cy * c.w + cx];
  const int prec = static_cast<int>(std::clamp<OPJ_UINT32>(c.prec, 1, 31));
  if (c.sgnd) v += int64_t{1} << (prec - 1);
  if (prec > 8) v >>= prec - 8;
  else if (prec < 8) v = v * 255 / ((int64_t{1} << prec) - 1);
  return static_cast<uint8_t>(std::clamp<int64_t>(v, 0, 255));
}

// JP2 files (boxes) and raw J2K codestreams. 1 component is grey, 2 grey +
// alpha, 3 or more colour (+ alpha); sYCC is converted to RGB; subsampled
// components are upsampled by repetition.
DecodedImage decode_jpeg2000(const uint8_t* data, size_t size, bool codestream) {
  Jp2Source src{data, size, 0, {}};
  struct Resources {
    opj_stream_t* stream = nullptr;
    opj_codec_t* codec = nullptr;
    opj_image_t* image = nullptr;
    ~Resources() {
      if (image) opj_image_destroy(image);
      if (codec) opj_destroy_codec(codec);
      if (stream) opj_stream_destroy(stream);
    }
  } r;
  r.stream = opj_stream_create(OPJ_J2K_STREAM_CHUNK_SIZE, OPJ_TRUE);
  r.codec = opj_create_decompress(codestream ? OPJ_CODEC_J2K : OPJ_CODEC_JP2);
  if (!r.stream || !r.codec) bad("JPEG 2000", "out of memory");
  opj_stream_set_user_data(r.stream, &src, nullptr);
  opj_stream_set_user_data_length(r.stream, size);
  opj_stream_set_read_function(r.stream, jp2_read);
  opj_stream_set_skip_function(r.stream, jp2_skip);
  opj_stream_set_seek_function(r.stream, jp2_seek);
  opj_set_error_handler(r.codec, jp2_on_error, &src);
  opj_set_warning_handler(r.codec, jp2_quiet, nullptr);
  opj_set_info_handler(r.codec, jp2_quiet, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  auto why = [&](const char* what) { return src.error.empty() ? std::string(what) : src.error; };
  if (!opj_setup_decoder(r.codec, &params)) bad("JPEG 2000", why("decoder set-up failed"));
  if (!opj_read_header(r.stream, r.codec, &r.image) || !r.image) bad("JPEG 2000", why("invalid header"));
  const int64_t w = int64_t{r.image->x1} - r.image->x0, h = int64_t{r.image->y1} - r.image->y0;
  check_dims("JPEG 2000", w, h);
  if (r.image->numcomps == 0) bad("JPEG 2000", "no image components");
  if (!opj_decode(r.codec, r.stream, r.image) || !opj_end_decompress(r.codec, r.stream))
    bad("JPEG 2000", why("corrupt or truncated data"));
  const opj_image_t& im = *r.image;
  const OPJ_UINT32 colour = im.numcomps >= 3 ? 3 : 1;
  for (OPJ_UINT32 c = 0; c < colour; ++c) {
    const opj_image_comp_t& k = im.comps[c];
    if (!k.data || k.w == 0 || k.h == 0 || int64_t{k.w} * std::max<OPJ_UINT32>(k.dx, 1) < w ||
        int64_t{k.h} * std::max<OPJ_UINT32>(k.dy, 1) < h)
      bad("JPEG 2000", str_cat("component ", c, " does not cover the ", w, " x ", h, " image"));
  }
  DecodedImage img;
  img.width = w;
  img.height = h;
  img.rgb.resize(static_cast<size_t>(w * h * 3));
  const bool sycc = colour == 3 && im.color_space == OPJ_CLRSPC_SYCC;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      uint8_t* o = img.rgb.data() + (y * w + x) * 3;
      if (colour == 1) {
        o[0] = o[1] = o[2] = jp2_sample(im.comps[0], x, y);
        continue;
      }
      const uint8_t a = jp2_sample(im.comps[0], x, y), b = jp2_sample(im.comps[1], x, y),
                    c = jp2_sample(im.comps[2], x, y);
      if (!sycc) {
        o[0] = a, o[1] = b, o[2] = c;
        continue;
      }
      // ITU-R BT.601 full-range YCbCr to RGB.
      const double cb = b - 128.0, cr = c - 128.0;
      const double rgb[3] = {a + 1.402 * cr, a - 0.344136 * cb - 0.714136 * cr, a + 1.772 * cb};
      for (int i = 0; i < 3; ++i) o[i] = static_cast<uint8_t>(std::clamp(std::lround(rgb[i]), 0L, 255L));
    }
  return img;
}

// ---- little helpers for the hand-written parsers --------------------------------

struct Reader {
  const uint8_t* d;
  size_t n;
  bool big_endian = false;
  const char* format;

  void need(size_t off, size_t len) const {
    if (off > n || len > n - off) bad(format, str_cat("data ends at byte ", n, " but ", off + len, " are needed"));
  }
  uint32_t u8(size_t off) const {
    need(off, 1);
    return d[off];
  }
  uint32_t u16(size_t off) const {
    need(off, 2);
    return big_endian ? (uint32_t{d[off]} << 8 | d[off + 1]) : (uint32_t{d[off + 1]} << 8 | d[off]);
  }
  uint32_t u32(size_t off) const {
    need(off, 4);
    if (big_endian)
      return uint32_t{d[off]} << 24 | uint32_t{d[off + 1]} << 16 | uint32_t{d[off + 2]} << 8 | d[off + 3];
    return uint32_t{d[off + 3]} << 24 | uint32_t{d[off + 2]} << 16 | uint32_t{d[off + 1]} << 8 | d[off];
  }
};

// Scales a value of `bits` bits (or with maximum `max`) to 8 bits.
uint8_t scale_to_8(uint32_t v, uint32_t max) {
  if (max == 0) return 0;
  if (v > max) v = max;
  return static_cast<uint8_t>(uint64_t{v} * 255 / max);
}

// ---- BMP ----------------------------------------------------------------------

struct Mask {
  uint32_t mask = 0;
  int shift = 0;
  uint32_t max = 0;
  explicit Mask(uint32_t m = 0) : mask(m) {
    if (!m) return;
    while (!((m >> shift) & 1)) ++shift;
    max = m >> shift;
  }
  uint8_t get(uint32_t px) const { return mask ? scale_to_8((px & mask) >> shift, max) : 0; }
};

DecodedImage decode_bmp(const uint8_t* data, size_t size) {
  const char* F = "BMP";
  Reader r{data, size, false, F};
  const uint32_t pixel_offset = r.u32(10);
  const uint32_t dib = r.u32(14);
  int64_t w, h;
  uint32_t bpp, compression = 0, colors_used = 0;
  size_t palette_entry = 4;
  if (dib == 12) {  // OS/2 BITMAPCOREHEADER
    w = r.u16(18);
    h = static_cast<int16_t>(r.u16(20));
    bpp = r.u16(24);
    palette_entry = 3;
  } else if (dib >= 40) {
    w = static_cast<int32_t>(r.u32(18));
    h = static_cast<int32_t>(r.u32(22));
    if (r.u16(26) != 1) bad(F, "planes must be 1");
    bpp = r.u16(28);
    compression = r.u32(30);
    colors_used = r.u32(46);
  } else {
    bad(F, str_cat("unsupported header size ", dib));
  }
  const bool top_down = h < 0;
  if (top_down) h = -h;
  check_dims(F, w, h);
  Mask mr, mg, mb;
  if (compression == 3 || compression == 6) {  // BI_BITFIELDS / BI_ALPHABITFIELDS
    if (bpp != 16 && bpp != 32) bad(F, str_cat("bit fields with ", bpp, " bits per pixel"));
    mr = Mask(r.u32(14 + 40));
    mg = Mask(r.u32(14 + 44));
    mb = Mask(r.u32(14 + 48));
  } else if (compression == 0) {
    if (bpp == 16) {
      mr = Mask(0x7C00);
      mg = Mask(0x03E0);
      mb = Mask(0x001F);
    } else if (bpp == 32) {
      mr = Mask(0x00FF0000);
      mg = Mask(0x0000FF00);
      mb = Mask(0x000000FF);
    }
  } else {
    bad(F, str_cat("compression ", compression, " (RLE/JPEG/PNG in BMP) is not supported"));
  }
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32)
    bad(F, str_cat(bpp, " bits per pixel is not supported"));
  // Palette (1/4/8 bits per pixel): entries B G R [X] after the headers.
  std::vector<uint8_t> palette;
  if (bpp <= 8) {
    uint64_t count = colors_used ? colors_used : (uint64_t{1} << bpp);
    if (count > 256) count = 256;
    size_t at = 14 + dib + ((compression == 3 && dib == 40) ? 12 : 0);
    r.need(at, static_cast<size_t>(count * palette_entry));
    palette.assign(256 * 3, 0);
    for (uint64_t i = 0; i < count; ++i) {
      const uint8_t* e = data + at + i * palette_entry;
      palette[i * 3] = e[2];
      palette[i * 3 + 1] = e[1];
      palette[i * 3 + 2] = e[0];
    }
  }
  const uint64_t stride = ((static_cast<uint64_t>(w) * bpp + 31) / 32) * 4;
  r.need(pixel_offset, static_cast<size_t>(stride * static_cast<uint64_t>(h)));
  DecodedImage img;
  img.width = w;
  img.height = h;
  img.rgb.resize(static_cast<size_t>(w * h * 3));
  for (int64_t y = 0; y < h; ++y) {
    const uint8_t* row = data + pixel_offset + stride * static_cast<uint64_t>(top_down ? y : h - 1 - y);
    uint8_t* o = img.rgb.data() + y * w * 3;
    for (int64_t x = 0; x < w; ++x, o += 3) {
      if (bpp <= 8) {
        const uint64_t bit = static_cast<uint64_t>(x) * bpp;
        const uint32_t idx = (row[bit / 8] >> (8 - bpp - bit % 8)) & ((1u << bpp) - 1);
        std::memcpy(o, palette.data() + idx * 3, 3);
      } else if (bpp == 24) {
        o[0] = row[x * 3 + 2];
        o[1] = row[x * 3 + 1];
        o[2] = row[x * 3];
      } else {
        const uint32_t px = bpp == 16 ? (uint32_t{row[x * 2 + 1]} << 8 | row[x * 2])
                                      : (uint32_t{row[x * 4 + 3]} << 24 | uint32_t{row[x * 4 + 2]} << 16 |
                                         uint32_t{row[x * 4 + 1]} << 8 | row[x * 4]);
        o[0] = mr.get(px);
        o[1] = mg.get(px);
        o[2] = mb.get(px);
      }
    }
  }
  return img;
}

// ---- PNM (PBM / PGM / PPM, plain and raw) ----------------------------------------

DecodedImage decode_pnm(const uint8_t* data, size_t size) {
  const char* F = "PNM";
  const int kind = data[1] - '0';  // 1..6
  size_t pos = 2;
  auto skip_space = [&] {
    while (pos < size) {
      if (data[pos] == '#') {
        while (pos < size && data[pos] != '\n' && data[pos] != '\r') ++pos;
      } else if (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\n' || data[pos] == '\r' ||
                 data[pos] == '\v' || data[pos] == '\f') {
        ++pos;
      } else {
        break;
      }
    }
  };
  auto number = [&](const char* what) -> int64_t {
    skip_space();
    if (pos >= size || data[pos] < '0' || data[pos] > '9') bad(F, str_cat("expected ", what, " at byte ", pos));
    int64_t v = 0;
    while (pos < size && data[pos] >= '0' && data[pos] <= '9') {
      v = v * 10 + (data[pos++] - '0');
      if (v > (int64_t{1} << 40)) bad(F, str_cat(what, " is too large"));
    }
    return v;
  };
  const int64_t w = number("width"), h = number("height");
  const bool bitmap = kind == 1 || kind == 4;
  const int64_t maxval = bitmap ? 1 : number("maxval");
  if (maxval < 1 || maxval > 65535) bad(F, str_cat("maxval ", maxval, " is outside [1, 65535]"));
  check_dims(F, w, h);
  const bool color = kind == 3 || kind == 6;
  const bool raw = kind >= 4;
  DecodedImage img;
  img.width = w;
  img.height = h;
  img.rgb.resize(static_cast<size_t>(w * h * 3));
  const int channels = color ? 3 : 1;
  const uint64_t samples = static_cast<uint64_t>(w * h) * static_cast<uint64_t>(channels);
  auto put = [&](uint64_t i, uint32_t v) {
    // Bitmaps: 1 is black. Other kinds scale maxval to 255.
    const uint8_t b = bitmap ? (v ? 0 : 255) : scale_to_8(v, static_cast<uint32_t>(maxval));
    if (color) {
      img.rgb[i] = b;
    } else {
      img.rgb[i * 3] = img.rgb[i * 3 + 1] = img.rgb[i * 3 + 2] = b;
    }
  };
  if (raw) {
    if (pos >= size) bad(F, "no pixel data");
    ++pos;  // the single whitespace byte after the header
    if (kind == 4) {
      const uint64_t stride = (static_cast<uint64_t>(w) + 7) / 8;
      Reader rd{data, size, true, F};
      rd.need(pos, static_cast<size_t>(stride * static_cast<uint64_t>(h)));
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          put(static_cast<uint64_t>(y * w + x), (data[pos + y * stride + x / 8] >> (7 - x % 8)) & 1);
    } else {
      const uint64_t bytes = maxval > 255 ? 2 : 1;
      Reader rd{data, size, true, F};
      rd.need(pos, static_cast<size_t>(samples * bytes));
      for (uint64_t i = 0; i < samples; ++i)
        put(i, bytes == 2 ? rd.u16(pos + i * 2) : data[pos + i]);
    }
  } else {
    for (uint64_t i = 0; i < samples; ++i) {
      if (kind == 1) {
        skip_space();
        if (pos >= size || (data[pos] != '0' && data[pos] != '1')) bad(F, str_cat("expected 0 or 1 at byte ", pos));
        put(i, data[pos++] - '0');
      } else {
        const int64_t v = number("sample");
        if (v > maxval) bad(F, str_cat("sample ", v, " exceeds maxval ", maxval));
        put(i, static_cast<uint32_t>(v));
      }
    }
  }
  return img;
}

// ---- TIFF (baseline strips: none, PackBits, LZW) -----------------------------------

// Decodes TIFF LZW (MSB-first codes of 9..12 bits, early change) into out.
void tiff_lzw(const uint8_t* src, size_t n, std::vector<uint8_t>& out, size_t want) {
  const char* F = "TIFF";
  struct Entry {
    int32_t prefix;
    uint8_t first, last;
    uint32_t len;
  };
  std::vector<Entry> table(4096);
  for (int i = 0; i < 256; ++i) table[static_cast<size_t>(i)] = {-1, static_cast<uint8_t>(i), static_cast<uint8_t>(i), 1};
  int next = 258, width = 9, prev = -1;
  uint64_t bitpos = 0;
  std::vector<uint8_t> tmp;
  auto emit = [&](int code) {
    const Entry& e = table[static_cast<size_t>(code)];
    tmp.resize(e.len);
    int c = code;
    for (uint32_t i = e.len; i-- > 0;) {
      tmp[i] = table[static_cast<size_t>(c)].last;
      c = table[static_cast<size_t>(c)].prefix;
    }
    out.insert(out.end(), tmp.begin(), tmp.end());
  };
  while (out.size() < want) {
    if (bitpos + static_cast<uint64_t>(width) > static_cast<uint64_t>(n) * 8) break;  // data ended
    int code = 0;
    for (int b = 0; b < width; ++b, ++bitpos) code = (code << 1) | ((src[bitpos / 8] >> (7 - bitpos % 8)) & 1);
    if (code == 257) break;
    if (code == 256) {
      next = 258;
      width = 9;
      prev = -1;
      continue;
    }
    if (prev < 0) {
      if (code > 255) bad(F, "LZW stream starts with a non-literal code");
      emit(code);
      prev = code;
      continue;
    }
    if (code > next || next >= 4096) bad(F, "corrupt LZW code");
    const uint8_t first = code < next ? table[static_cast<size_t>(code)].first : table[static_cast<size_t>(prev)].first;
    table[static_cast<size_t>(next)] = {prev, table[static_cast<size_t>(prev)].first, first,
                                        table[static_cast<size_t>(prev)].len + 1};
    ++next;
    emit(code);
    prev = code;
    if (next + 1 >= (1 << width) && width < 12) ++width;
  }
}

void tiff_packbits(const uint8_t* src, size_t n, std::vector<uint8_t>& out, size_t want) {
  size_t i = 0;
  while (i < n && out.size() < want) {
    const int8_t c = static_cast<int8_t>(src[i++]);
    if (c >= 0) {
      const size_t len = static_cast<size_t>(c) + 1;
      if (len > n - i) bad("TIFF", "PackBits literal runs past the strip");
      out.insert(out.end(), src + i, src + i + len);
      i += len;
    } else if (c != -128) {
      if (i >= n) bad("TIFF", "PackBits run runs past the strip");
      out.insert(out.end(), static_cast<size_t>(1 - c), src[i++]);
    }
  }
}

DecodedImage decode_tiff(const uint8_t* data, size_t size) {
  const char* F = "TIFF";
  Reader r{data, size, data[0] == 'M', F};
  const uint32_t ifd = r.u32(4);
  const uint32_t count = r.u16(ifd);
  // Tag values as unsigned integers (BYTE, SHORT, LONG).
  auto values = [&](uint32_t tag, std::vector<uint32_t> dflt) -> std::vector<uint32_t> {
    for (uint32_t i = 0; i < count; ++i) {
      const size_t e = ifd + 2 + size_t{i} * 12;
      if (r.u16(e) != tag) continue;
      const uint32_t type = r.u16(e + 2), n = r.u32(e + 4);
      const size_t unit = type == 1 ? 1 : type == 3 ? 2 : type == 4 ? 4 : 0;
      if (!unit) bad(F, str_cat("tag ", tag, " has unsupported type ", type));
      if (n > (1u << 24)) bad(F, str_cat("tag ", tag, " has ", n, " values"));
      const size_t bytes = unit * n;
      const size_t at = bytes <= 4 ? e + 8 : r.u32(e + 8);
      r.need(at, bytes);
      std::vector<uint32_t> v(n);
      for (uint32_t k = 0; k < n; ++k) v[k] = unit == 1 ? r.u8(at + k) : unit == 2 ? r.u16(at + 2 * k) : r.u32(at + 4 * k);
      return v;
    }
    return dflt;
  };
  auto one = [&](uint32_t tag, uint32_t dflt) {
    std::vector<uint32_t> v = values(tag, {dflt});
    if (v.empty()) bad(F, str_cat("tag ", tag, " is empty"));
    return v[0];
  };
  const int64_t w = one(256, 0), h = one(257, 0);
  check_dims(F, w, h);
  const uint32_t compression = one(259, 1), photometric = one(262, 1), spp = one(277, 1), planar = one(284, 1),
                 predictor = one(317, 1);
  const std::vector<uint32_t> bits = values(258, {1});
  for (uint32_t b : bits)
    if (b != 8) bad(F, str_cat(b, " bits per sample is not supported (only 8)"));
  if (spp < 1 || spp > 8) bad(F, str_cat(spp, " samples per pixel is not supported"));
  if (compression != 1 && compression != 5 && compression != 32773)
    bad(F, str_cat("compression ", compression, " is not supported (none, LZW and PackBits are)"));
  if (planar != 1 && planar != 2) bad(F, str_cat("planar configuration ", planar));
  if (predictor != 1 && predictor != 2) bad(F, str_cat("predictor ", predictor, " is not supported"));
  if (photometric > 3) bad(F, str_cat("photometric interpretation ", photometric, " is not supported"));
  if (photometric == 2 && spp < 3) bad(F, "RGB needs 3 samples per pixel");
  const std::vector<uint32_t> offsets = values(273, {}), counts = values(279, {});
  if (offsets.empty() || offsets.size() != counts.size()) bad(F, "missing or inconsistent strip offsets/byte counts (tiled files are not supported)");
  const uint64_t rows_per_strip = std::min<uint64_t>(one(278, static_cast<uint32_t>(h)), static_cast<uint64_t>(h));
  if (rows_per_strip == 0) bad(F, "RowsPerStrip is 0");
  // Decode all strips into planes: chunky = one plane of spp samples, planar = spp planes of 1.
  const uint32_t planes = planar == 2 ? spp : 1, per_px = planar == 2 ? 1 : spp;
  const uint64_t row_bytes = static_cast<uint64_t>(w) * per_px;
  const uint64_t strips_per_plane = (static_cast<uint64_t>(h) + rows_per_strip - 1) / rows_per_strip;
  if (offsets.size() < strips_per_plane * planes) bad(F, "fewer strips than the image needs");
  std::vector<uint8_t> pix(static_cast<size_t>(row_bytes * static_cast<uint64_t>(h) * planes));
  std::vector<uint8_t> strip;
  for (uint32_t p = 0; p < planes; ++p)
    for (uint64_t s = 0; s < strips_per_plane; ++s) {
      const size_t k = static_cast<size_t>(p * strips_per_plane + s);
      r.need(offsets[k], counts[k]);
      const uint64_t rows = std::min<uint64_t>(rows_per_strip, static_cast<uint64_t>(h) - s * rows_per_strip);
      const size_t want = static_cast<size_t>(rows * row_bytes);
      strip.clear();
      const uint8_t* src = data + offsets[k];
      if (compression == 1) strip.assign(src, src + std::min<size_t>(counts[k], want));
      else if (compression == 5) tiff_lzw(src, counts[k], strip, want);
      else tiff_packbits(src, counts[k], strip, want);
      if (strip.size() < want) bad(F, str_cat("strip ", k, " holds ", strip.size(), " bytes; ", want, " are needed"));
      uint8_t* dst = pix.data() + (p * static_cast<uint64_t>(h) + s * rows_per_strip) * row_bytes;
      std::memcpy(dst, strip.data(), want);
      if (predictor == 2)  // horizontal differencing, per sample
        for (uint64_t y = 0; y < rows; ++y)
          for (uint64_t x = per_px; x < row_bytes; ++x) dst[y * row_bytes + x] += dst[y * row_bytes + x - per_px];
    }
  std::vector<uint32_t> cmap;
  if (photometric == 3) {
    cmap = values(320, {});
    if (cmap.size() != 3 * 256) bad(F, "palette image without a 256-entry ColorMap");
  }
  DecodedImage img;
  img.width = w;
  img.height = h;
  img.rgb.resize(static_cast<size_t>(w * h * 3));
  const uint64_t plane_size = static_cast<uint64_t>(w * h);
  auto sample = [&](uint64_t px, uint32_t c) -> uint8_t {
    return planar == 2 ? pix[c * plane_size + px] : pix[px * spp + c];
  };
  for (uint64_t px = 0; px < plane_size; ++px) {
    uint8_t* o = img.rgb.data() + px * 3;
    if (photometric == 2) {
      for (uint32_t c = 0; c < 3; ++c) o[c] = sample(px, c);
    } else if (photometric == 3) {
      const uint8_t i = sample(px, 0);
      for (uint32_t c = 0; c < 3; ++c) o[c] = static_cast<uint8_t>(cmap[c * 256 + i] >> 8);
    } else {
      const uint8_t g = photometric == 0 ? static_cast<uint8_t>(255 - sample(px, 0)) : sample(px, 0);
      o[0] = o[1] = o[2] = g;
    }
  }
  return img;
}

}  // namespace

DecodedImage decode_image(const uint8_t* data, size_t size) {
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return decode_jpeg(data, size);
  if (starts_with(data, size, "\x89PNG\r\n\x1a\n", 8)) return decode_png(data, size);
  if (starts_with(data, size, "BM", 2)) return decode_bmp(data, size);
  if (size >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6') return decode_pnm(data, size);
  if (starts_with(data, size, "II*\0", 4) || starts_with(data, size, "MM\0*", 4)) return decode_tiff(data, size);
  if (size >= 12 && starts_with(data, size, "RIFF", 4) && std::memcmp(data + 8, "WEBP", 4) == 0)
    return decode_webp(data, size);
  if (starts_with(data, size, "\0\0\0\x0cjP  ", 8)) return decode_jpeg2000(data, size, false);
  if (starts_with(data, size, "\xff\x4f\xff\x51", 4)) return decode_jpeg2000(data, size, true);
  if (starts_with(data, size, "GIF8", 4))
    fail(ErrorCode::kNotImplemented, "GIF images are not supported");
  fail(ErrorCode::kInvalidArgument, "unrecognised image format (", size,
       " bytes; expected JPEG, PNG, BMP, PNM, TIFF, WebP or JPEG 2000 data)");
}

}  // namespace onyx
