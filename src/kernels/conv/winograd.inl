// Winograd F(2x2, 3x3) transforms on NCHWc blocks, written once over the
// 8-float vector type of nchwc_rows.inl (portable or AVX2, see there): one
// vector is one channel block of one pixel, so every transform step is an
// add or subtract of whole vectors. Include after nchwc_rows.inl's Ops.
//
// A 2x2 output tile needs a 4x4 input patch d; with the standard matrices
// (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks")
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  A^T = [1 1 1 0; 0 1 -1 -1],
// the input transform is V = B^T d B, the products are 16 GEMMs (one per
// element xi of the 4x4 tile, over channels), and the output is A^T M A.
// Multiply-adds per output drop from 9 to 4 per (input, output) channel.

// t = B^T applied down the columns of a 4x4 tile, r[0..3] one row each.
template <typename V>
static inline void wino_bt(const V* r0, const V* r1, const V* r2, const V* r3, V* t0, V* t1, V* t2, V* t3) {
  for (int j = 0; j < 4; ++j) {
    t0[j] = Ops::sub(r0[j], r2[j]);
    t1[j] = Ops::add(r1[j], r2[j]);
    t2[j] = Ops::sub(r2[j], r1[j]);
    t3[j] = Ops::sub(r1[j], r3[j]);
  }
}

// Input transform of tile row `ty`, channel blocks [cb0, cb1): every tile's
// 16 vectors go to v[xi][tile][cb * 8 ..], the A rows of the 16 GEMMs. The
// blocks of a tile are done together so that each of the 16 planes gets
// whole cache lines in a row: tile-major, every 32-byte store opened a new
// line in a 3 MB buffer and the transforms took a third of the convolution.
static void wino_input_impl(const WinoArgs& a, int64_t cb0, int64_t cb1, int64_t ty) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  const int64_t plane = g.H * g.W * kBlock;
  const int64_t ih0 = 2 * ty - g.PT;
  const int64_t xi_stride = a.T * a.Cp;
  const bool rows_inside = ih0 >= 0 && ih0 + 3 < g.H;
  for (int64_t tx = 0; tx < a.TW; ++tx) {
    const int64_t iw0 = 2 * tx - g.PL;
    const bool inside = rows_inside && iw0 >= 0 && iw0 + 3 < g.W;
    float* out = a.v + ((ty - a.ty0) * a.TW + tx) * a.Cp;
    for (int64_t cb = cb0; cb < cb1; ++cb) {
      const float* xb = a.x + cb * plane;
      V d[4][4];
      if (inside) {
        // Inside the image: no checks (all but the border tiles).
        const float* p = xb + (ih0 * g.W + iw0) * kBlock;
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) d[i][j] = Ops::load(p + (i * g.W + j) * kBlock);
      } else {
        for (int i = 0; i < 4; ++i)
          for (int j = 0; j < 4; ++j) {
            const int64_t ih = ih0 + i, iw = iw0 + j;
            d[i][j] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? Ops::load(xb + (ih * g.W + iw) * kBlock) : Ops::zero();
          }
      }
      V t[4][4];
      wino_bt(d[0], d[1], d[2], d[3], t[0], t[1], t[2], t[3]);
      float* o = out + cb * kBlock;
      for (int i = 0; i < 4; ++i) {
        // The same B^T along the row: v[i][j] = (t B)[i][j].
        Ops::store(o + (i * 4 + 0) * xi_stride, Ops::sub(t[i][0], t[i][2]));
        Ops::store(o + (i * 4 + 1) * xi_stride, Ops::add(t[i][1], t[i][2]));
        Ops::store(o + (i * 4 + 2) * xi_stride, Ops::sub(t[i][2], t[i][1]));
        Ops::store(o + (i * 4 + 3) * xi_stride, Ops::sub(t[i][1], t[i][3]));
      }
    }
  }
}

// Output transform of tile row `ty`, output blocks [mb0, mb1): Y = A^T M A,
// then bias, the residual and ReLU, stored for the positions inside the
// output (a tile past an odd edge computes a row or column that is dropped).
// Blocks inner, as in the input transform: whole lines of each plane of m.
static void wino_output_impl(const WinoArgs& a, int64_t mb0, int64_t mb1, int64_t ty) {
  using V = typename Ops::V;
  const ConvGeo& g = *a.g;
  const int64_t xi_stride = a.T * a.Mp;
  const int64_t plane = g.OH * g.OW * kBlock;
  for (int64_t tx = 0; tx < a.TW; ++tx) {
    for (int64_t mb = mb0; mb < mb1; ++mb) {
      const float* in = a.m + ((ty - a.ty0) * a.TW + tx) * a.Mp + mb * kBlock;
      V s0[4], s1[4];
      for (int j = 0; j < 4; ++j) {
        const V m0 = Ops::load(in + (0 * 4 + j) * xi_stride), m1 = Ops::load(in + (1 * 4 + j) * xi_stride);
        const V m2 = Ops::load(in + (2 * 4 + j) * xi_stride), m3 = Ops::load(in + (3 * 4 + j) * xi_stride);
        s0[j] = Ops::add(Ops::add(m0, m1), m2);
        s1[j] = Ops::sub(Ops::sub(m1, m2), m3);
      }
      const V y[2][2] = {{Ops::add(Ops::add(s0[0], s0[1]), s0[2]), Ops::sub(Ops::sub(s0[1], s0[2]), s0[3])},
                         {Ops::add(Ops::add(s1[0], s1[1]), s1[2]), Ops::sub(Ops::sub(s1[1], s1[2]), s1[3])}};
      const V bias = Ops::load(a.bias + mb * kBlock);
      float* yb = a.y + mb * plane;
      const float* zb = a.z ? a.z + mb * plane : nullptr;
      for (int i = 0; i < 2; ++i) {
        const int64_t oh = 2 * ty + i;
        if (oh >= g.OH) break;
        for (int j = 0; j < 2; ++j) {
          const int64_t ow = 2 * tx + j;
          if (ow >= g.OW) break;
          const int64_t o = (oh * g.OW + ow) * kBlock;
          V r = Ops::add(y[i][j], bias);
          if (zb) r = Ops::add(r, Ops::load(zb + o));
          if (a.relu) r = Ops::max0(r);
          Ops::store(yb + o, r);
        }
      }
    }
  }
}
