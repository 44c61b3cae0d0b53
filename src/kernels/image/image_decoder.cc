// ImageDecoder (opset 20): decodes an encoded image (a 1-D uint8 tensor
// holding the file's bytes) into [H, W, 3] RGB or BGR, or [H, W, 1]
// Grayscale, uint8. The formats and their decoders are in image_codecs.cc.
//
// Grayscale is computed from RGB with the ITU-R 601-2 luma weights in the
// fixed-point form PIL uses (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16),
// so results match the ONNX reference, which decodes with PIL; grey images
// round-trip exactly.
#include "kernels/image/image_codecs.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class PixelFormat { kRgb, kBgr, kGray };

class ImageDecoder final : public Kernel {
 public:
  explicit ImageDecoder(const KernelInit& init) {
    const std::string f = init.node.attr_string("pixel_format", "RGB");
    if (f == "RGB") format_ = PixelFormat::kRgb;
    else if (f == "BGR") format_ = PixelFormat::kBgr;
    else if (f == "Grayscale") format_ = PixelFormat::kGray;
    else fail(ErrorCode::kInvalidArgument, "pixel_format must be RGB, BGR or Grayscale, got '", f, "'");
  }

  void run(KernelContext& ctx) const override {
    const Tensor& in = ctx.input(0);
    if (in.dtype() != DataType::kUInt8)
      fail(ErrorCode::kInvalidArgument, "encoded_stream must be uint8, got ", dtype_name(in.dtype()));
    if (in.rank() != 1) fail(ErrorCode::kInvalidArgument, "encoded_stream must be 1-D, got ", in.describe());
    const DecodedImage img = decode_image(in.data<uint8_t>(), static_cast<size_t>(in.numel()));
    const int64_t channels = format_ == PixelFormat::kGray ? 1 : 3;
    Tensor& y = ctx.output(0, {img.height, img.width, channels}, DataType::kUInt8);
    uint8_t* o = y.data<uint8_t>();
    const uint8_t* p = img.rgb.data();
    const int64_t pixels = img.width * img.height;
    for (int64_t i = 0; i < pixels; ++i, p += 3) {
      switch (format_) {
        case PixelFormat::kRgb:
          o[0] = p[0];
          o[1] = p[1];
          o[2] = p[2];
          o += 3;
          break;
        case PixelFormat::kBgr:
          o[0] = p[2];
          o[1] = p[1];
          o[2] = p[0];
          o += 3;
          break;
        case PixelFormat::kGray:
          *o++ = static_cast<uint8_t>((19595u * p[0] + 38470u * p[1] + 7471u * p[2] + 0x8000u) >> 16);
          break;
      }
    }
  }

 private:
  PixelFormat format_ = PixelFormat::kRgb;
};

void infer_image_decoder(InferContext& ctx) {
  const std::string f = ctx.node().attr_string("pixel_format", "RGB");
  ctx.set_output(0, DataType::kUInt8, {ir::Dim(), ir::Dim(), ir::Dim(f == "Grayscale" ? 1 : 3)});
}

}  // namespace

ONYX_KERNEL({.op = "ImageDecoder", .since = 20, .types = {DataType::kUInt8}, .infer = infer_image_decoder,
             .create = create<ImageDecoder>});

}  // namespace onyx
