// DFT (opsets 17, 20), STFT, HannWindow / HammingWindow / BlackmanWindow and
// MelWeightMatrix. Expected values were printed by numpy (np.fft.fft / rfft /
// ifft / irfft) or follow from the window formulas by hand; the mel matrix
// uses the spec's reference construction.
#include <limits>

#include "kernels/op_test.h"

namespace onyx::test {

namespace {

void expect_node_error(OpTest t, const std::string& op, const std::string& what) {
  t.expect_error(what);
  t.expect_error(op + "_node");
}

const float kS3 = 1.7320508f;  // sqrt(3)

}  // namespace

// ---- DFT ---------------------------------------------------------------------------------

TEST(DFT, RealSignalFullAndOnesided) {
  // fft(1, 2, 0, -1) = (2, 1-3i, 0, 1+3i).
  OpTest("DFT", 17)
      .input<float>("input", {1, 4, 1}, {1, 2, 0, -1})
      .output<float>("output", {1, 4, 2}, {2, 0, 1, -3, 0, 0, 1, 3})
      .run();
  OpTest("DFT", 20)
      .input<float>("input", {1, 4, 1}, {1, 2, 0, -1})
      .attr("onesided", 1)
      .output<float>("output", {1, 3, 2}, {2, 0, 1, -3, 0, 0})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(DFT, DftLengthPadsWithZeros) {
  // fft((1, 2, 0, -1), 6).
  OpTest("DFT", 20)
      .input<float>("input", {1, 4, 1}, {1, 2, 0, -1})
      .input<int64_t>("dft_length", {}, {6})
      .output<float>("output", {1, 6, 2}, {2, 0, 3, -kS3, -1, -kS3, 0, 0, -1, kS3, 3, kS3})
      .tolerance(1e-5, 1e-5)
      .run();
  // Shorter than the signal: truncates. fft((1, 2)) = (3, -1).
  OpTest("DFT", 20)
      .input<float>("input", {1, 4, 1}, {1, 2, 0, -1})
      .input<int64_t>("dft_length", {}, {2})
      .output<float>("output", {1, 2, 2}, {3, 0, -1, 0})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(DFT, InverseOfComplexSignal) {
  // ifft(1+i, 2-i, 0.5i) = (1+0.16667i, 0.43301+0.99402i, -0.43301-0.16068i).
  OpTest("DFT", 20)
      .input<float>("input", {1, 3, 2}, {1, 1, 2, -1, 0, 0.5f})
      .attr("inverse", 1)
      .output<float>("output", {1, 3, 2}, {1, 0.16666667f, 0.4330127f, 0.99401694f, -0.4330127f, -0.1606836f})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(DFT, InverseOnesidedIsIrfft) {
  // irfft(4, 1-i, 2) = (2, 1, 1, 0): a real output of length 2 * (3 - 1).
  OpTest("DFT", 20)
      .input<float>("input", {1, 3, 2}, {4, 0, 1, -1, 2, 0})
      .attr("inverse", 1)
      .attr("onesided", 1)
      .output<float>("output", {1, 4, 1}, {2, 1, 1, 0})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(DFT, AxisAttributeAndNegativeAxisInput) {
  // x [1, 2, 2, 1]: transform along axis 1 (length 2): (a, b) -> (a + b, a - b).
  OpTest("DFT", 17)
      .input<float>("input", {1, 2, 2, 1}, {1, 2, 3, 5})
      .attr("axis", 1)
      .output<float>("output", {1, 2, 2, 2}, {4, 0, 7, 0, -2, 0, -3, 0})
      .run();
  OpTest("DFT", 20)
      .input<float>("input", {1, 2, 2, 1}, {1, 2, 3, 5})
      .omitted_input()
      .input<int64_t>("axis", {}, {-3})
      .output<float>("output", {1, 2, 2, 2}, {4, 0, 7, 0, -2, 0, -3, 0})
      .run();
  // Default axis of opset 20 is -2: along the length-2 axis 2.
  OpTest("DFT", 20)
      .input<float>("input", {1, 2, 2, 1}, {1, 2, 3, 5})
      .output<float>("output", {1, 2, 2, 2}, {3, 0, -1, 0, 8, 0, -2, 0})
      .run();
}

TEST(DFT, DoubleAndEmptyBatch) {
  OpTest("DFT", 20)
      .input<double>("input", {2, 2, 1}, {1, 1, 1, -1})
      .output<double>("output", {2, 2, 2}, {2, 0, 0, 0, 0, 0, 2, 0})
      .run();
  OpTest("DFT", 20).input<float>("input", {0, 4, 1}, {}).output<float>("output", {0, 4, 2}, {}).run();
}

TEST(DFT, NaNAndInfPropagate) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto out = OpTest("DFT", 20).input<float>("input", {1, 2, 1}, {nan, 1}).output_unchecked("output").run();
  ASSERT_EQ(out.size(), 1u);
  for (int i : {0, 2}) EXPECT_TRUE(std::isnan(out[0].tensor().data<float>()[i])) << i;
}

TEST(DFT, RejectsBadInputs) {
  expect_node_error(OpTest("DFT", 20)
                        .input<float>("input", {1, 4, 1}, {1, 2, 3, 4})
                        .omitted_input()
                        .input<int64_t>("axis", {}, {-1})
                        .output_unchecked("output"),
                    "DFT", "axis -1 is out of range for rank 3");
  expect_node_error(OpTest("DFT", 17).input<float>("input", {1, 4, 3}, std::vector<float>(12, 0)).output_unchecked("output"),
                    "DFT", "input must be [..., signal..., 1] (real) or [..., 2] (complex)");
  expect_node_error(OpTest("DFT", 20)
                        .input<float>("input", {1, 4, 1}, {1, 2, 3, 4})
                        .input<int64_t>("dft_length", {}, {0})
                        .output_unchecked("output"),
                    "DFT", "dft_length must be positive, got 0");
  expect_node_error(OpTest("DFT", 20)
                        .input<float>("input", {1, 4, 1}, {1, 2, 3, 4})
                        .input<float>("dft_length", {}, {4})
                        .output_unchecked("output"),
                    "DFT", "dft_length must be an integer");
  // IRFFT of one bin has length 0.
  expect_node_error(OpTest("DFT", 20)
                        .input<float>("input", {1, 1, 2}, {1, 0})
                        .attr("inverse", 1)
                        .attr("onesided", 1)
                        .output_unchecked("output"),
                    "DFT", "the transform length is 0");
}

// ---- STFT ----------------------------------------------------------------------------------

TEST(STFT, HannWindowedOnesidedFrames) {
  // Frames (1, 2, 3, 4) and (3, 4, 5, 6) times Hann(4) = (0, 0.5, 1, 0.5):
  //   rfft(0, 1, 3, 2) = (6, -3+i, 0); rfft(0, 2, 5, 3) = (10, -5+i, 0).
  OpTest("STFT", 17)
      .input<float>("signal", {1, 6, 1}, {1, 2, 3, 4, 5, 6})
      .input<int64_t>("frame_step", {}, {2})
      .input<float>("window", {4}, {0, 0.5f, 1, 0.5f})
      .output<float>("output", {1, 2, 3, 2}, {6, 0, -3, 1, 0, 0, 10, 0, -5, 1, 0, 0})
      .tolerance(1e-5, 1e-5)
      .run();
}

TEST(STFT, FrameLengthWithoutWindowTwoSided) {
  // fft(1, 2, 3, 4) = (10, -2+2i, -2, -2-2i); fft(3, 4, 5, 6) = (18, ...).
  OpTest("STFT", 17)
      .input<float>("signal", {1, 6, 1}, {1, 2, 3, 4, 5, 6})
      .input<int64_t>("frame_step", {}, {2})
      .omitted_input()
      .input<int64_t>("frame_length", {}, {4})
      .attr("onesided", 0)
      .output<float>("output", {1, 2, 4, 2}, {10, 0, -2, 2, -2, 0, -2, -2, 18, 0, -2, 2, -2, 0, -2, -2})
      .tolerance(1e-5, 1e-5)
      .run();
}

TEST(STFT, LeftoverSamplesAreDropped) {
  // Length 5, frame 2, step 2: frames (1, 2) and (3, 4); sample 5 is dropped.
  OpTest("STFT", 17)
      .input<float>("signal", {1, 5, 1}, {1, 2, 3, 4, 5})
      .input<int64_t>("frame_step", {}, {2})
      .omitted_input()
      .input<int64_t>("frame_length", {}, {2})
      .output<float>("output", {1, 2, 2, 2}, {3, 0, -1, 0, 7, 0, -1, 0})
      .tolerance(1e-5, 1e-6)
      .run();
}

TEST(STFT, RejectsBadInputs) {
  auto base = [](int64_t step) {
    OpTest t("STFT", 17);
    t.input<float>("signal", {1, 6, 1}, {1, 2, 3, 4, 5, 6}).input<int64_t>("frame_step", {}, {step});
    return t;
  };
  expect_node_error(base(0).omitted_input().input<int64_t>("frame_length", {}, {4}).output_unchecked("output"), "STFT",
                    "frame_step must be positive, got 0");
  expect_node_error(base(2).omitted_input().input<int64_t>("frame_length", {}, {7}).output_unchecked("output"), "STFT",
                    "frame_length 7 is longer than the signal (6 samples)");
  expect_node_error(base(2).input<float>("window", {4}, {1, 1, 1, 1}).input<int64_t>("frame_length", {}, {3})
                        .output_unchecked("output"),
                    "STFT", "frame_length 3 differs from the window length 4");
  expect_node_error(base(2).output_unchecked("output"), "STFT", "one of window and frame_length must be given");
  expect_node_error(OpTest("STFT", 17)
                        .input<float>("signal", {6, 1}, {1, 2, 3, 4, 5, 6})
                        .input<int64_t>("frame_step", {}, {2})
                        .omitted_input()
                        .input<int64_t>("frame_length", {}, {2})
                        .output_unchecked("output"),
                    "STFT", "signal must");
}

// ---- windows ---------------------------------------------------------------------------------

TEST(Windows, PeriodicAndSymmetric) {
  // Periodic N = 4: Hann sin^2(pi n / 4) = (0, .5, 1, .5).
  OpTest("HannWindow", 17).input<int64_t>("size", {}, {4}).output<float>("output", {4}, {0, 0.5f, 1, 0.5f}).tolerance(1e-6, 1e-7).run();
  // Symmetric N = 3: sin^2(pi n / 3) = (0, .75, .75, 0).
  OpTest("HannWindow", 17)
      .input<int64_t>("size", {}, {4})
      .attr("periodic", 0)
      .output<float>("output", {4}, {0, 0.75f, 0.75f, 0})
      .tolerance(1e-6, 1e-7)
      .run();
  // Hamming 25/46 - 21/46 cos(pi n / 2) = (4/46, 25/46, 1, 25/46).
  OpTest("HammingWindow", 17)
      .input<int32_t>("size", {}, {4})
      .output<float>("output", {4}, {4.0f / 46, 25.0f / 46, 1, 25.0f / 46})
      .tolerance(1e-6, 1e-7)
      .run();
  // Blackman .42 - .5 cos(pi n / 2) + .08 cos(pi n) = (0, .34, 1, .34).
  OpTest("BlackmanWindow", 17)
      .input<int64_t>("size", {}, {4})
      .output<float>("output", {4}, {0, 0.34f, 1, 0.34f})
      .tolerance(1e-6, 1e-6)
      .run();
}

TEST(Windows, TinySizesAndOutputTypes) {
  OpTest("HannWindow", 17).input<int64_t>("size", {}, {0}).output<float>("output", {0}, {}).run();
  OpTest("HannWindow", 17).input<int64_t>("size", {}, {1}).attr("periodic", 0).output<float>("output", {1}, {1}).run();
  OpTest("HammingWindow", 17)
      .input<int64_t>("size", {}, {4})
      .attr("output_datatype", static_cast<int64_t>(DataType::kDouble))
      .output<double>("output", {4}, {4.0 / 46, 25.0 / 46, 1, 25.0 / 46})
      .tolerance(1e-12, 1e-15)
      .run();
  // Integer output truncates: Hann (0, .5, 1, .5) -> (0, 0, 1, 0).
  OpTest("HannWindow", 17)
      .input<int64_t>("size", {}, {4})
      .attr("output_datatype", static_cast<int64_t>(DataType::kInt32))
      .output<int32_t>("output", {4}, {0, 0, 1, 0})
      .run();
}

TEST(Windows, RejectBadSize) {
  expect_node_error(OpTest("HannWindow", 17).input<int64_t>("size", {}, {-1}).output_unchecked("output"), "HannWindow",
                    "size must be >= 0, got -1");
  expect_node_error(OpTest("BlackmanWindow", 17).input<int64_t>("size", {2}, {1, 2}).output_unchecked("output"),
                    "BlackmanWindow", "size must be an integer scalar");
  expect_node_error(OpTest("HammingWindow", 17)
                        .input<int64_t>("size", {}, {4})
                        .attr("output_datatype", static_cast<int64_t>(DataType::kString))
                        .output_unchecked("output"),
                    "HammingWindow", "is not a supported numeric type");
}

// ---- MelWeightMatrix ----------------------------------------------------------------------------

TEST(MelWeightMatrix, TriangularFilters) {
  // 3 filters, dft 16, rate 1000 Hz, 0..500 Hz: edges at spectrogram bins 0, 1, 2, 4, 6.
  OpTest("MelWeightMatrix", 17)
      .input<int64_t>("num_mel_bins", {}, {3})
      .input<int64_t>("dft_length", {}, {16})
      .input<int64_t>("sample_rate", {}, {1000})
      .input<float>("lower_edge_hertz", {}, {0})
      .input<float>("upper_edge_hertz", {}, {500})
      .output<float>("output", {9, 3},
                     {0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0.5f, 0.5f, 0, 0, 1, 0, 0, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0, 0})
      .run();
}

TEST(MelWeightMatrix, RejectsBadParameters) {
  auto mel = [](int64_t bins, int64_t dft, int64_t rate, float lo, float hi) {
    OpTest t("MelWeightMatrix", 17);
    t.input<int64_t>("num_mel_bins", {}, {bins})
        .input<int64_t>("dft_length", {}, {dft})
        .input<int64_t>("sample_rate", {}, {rate})
        .input<float>("lower_edge_hertz", {}, {lo})
        .input<float>("upper_edge_hertz", {}, {hi})
        .output_unchecked("output");
    return t;
  };
  expect_node_error(mel(0, 16, 1000, 0, 500), "MelWeightMatrix", "num_mel_bins must be positive, got 0");
  expect_node_error(mel(3, 0, 1000, 0, 500), "MelWeightMatrix", "dft_length must be positive, got 0");
  expect_node_error(mel(3, 16, 0, 0, 500), "MelWeightMatrix", "sample_rate must be positive, got 0");
  expect_node_error(mel(3, 16, 1000, 400, 300), "MelWeightMatrix", "need 0 <= lower_edge_hertz <= upper_edge_hertz");
  // Edges far above the Nyquist frequency land outside the spectrogram.
  expect_node_error(mel(3, 16, 1000, 0, 5000), "MelWeightMatrix", "spans spectrogram bins");
}

}  // namespace onyx::test
