// Helpers shared by the signal ops (src/kernels/signal/): a 1-D complex
// discrete Fourier transform of any length, in double precision, and the
// output_datatype attribute of the window and mel-matrix generators.
//
// Lengths that are powers of two use an iterative radix-2 FFT; short lengths
// a direct sum with exact twiddle indices; other lengths Bluestein's chirp-z
// algorithm (a convolution done with power-of-two FFTs), so every length
// costs O(n log n).
#pragma once

#include <complex>
#include <cstdint>
#include <vector>

#include "base/dtype.h"

namespace onyx {

namespace ir {
class Node;
}

// Whether dt can be the output_datatype of a window or mel matrix (float or
// integer, 16 bits or more for floats, not packed).
bool signal_output_type_ok(DataType dt);
// The node's output_datatype attribute (default float), checked.
DataType signal_output_type(const ir::Node& node);

using cdouble = std::complex<double>;

class FftPlan {
 public:
  // A transform of length n >= 1; inverse uses e^{+2 pi i k n / N} and does
  // not divide by n (callers scale).
  FftPlan(int64_t n, bool inverse);
  int64_t size() const { return n_; }
  // Transforms data[0..n) in place. `scratch` is reused between calls.
  void run(cdouble* data, std::vector<cdouble>& scratch) const;

 private:
  enum class Kind { kDirect, kRadix2, kBluestein };
  static void radix2(cdouble* a, int64_t n, const std::vector<cdouble>& twiddles);

  int64_t n_;
  Kind kind_;
  std::vector<cdouble> twiddles_;  // radix-2: e^{-+2 pi i k / n}, k < n/2 (of m for Bluestein)
  int64_t m_ = 0;                  // Bluestein: padded power-of-two length
  std::vector<cdouble> chirp_;     // Bluestein: e^{-+pi i k^2 / n}
  std::vector<cdouble> kernel_;    // Bluestein: FFT of the conjugate chirp, padded to m
  std::vector<cdouble> direct_;    // direct: e^{-+2 pi i k / n}, k < n
};

}  // namespace onyx
