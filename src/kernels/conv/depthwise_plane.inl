// Body of a depthwise plane function (see depthwise.h); included by the
// portable and the AVX2 translation units, each with its own flags.
{
  const int64_t H = g.H, W = g.W, OH = g.OH, OW = g.OW, KH = g.KH, KW = g.KW;
  const int64_t SH = g.SH, SW = g.SW, DH = g.DH, DW = g.DW, PT = g.PT, PL = g.PL;
  for (int64_t oy = 0; oy < OH; ++oy) {
    float* r = row;
    for (int64_t ox = 0; ox < OW; ++ox) r[ox] = bias;
    for (int64_t ky = 0; ky < KH; ++ky) {
      const int64_t iy = oy * SH - PT + ky * DH;
      if (iy < 0 || iy >= H) continue;
      const float* xr = xc + iy * W;
      for (int64_t kx = 0; kx < KW; ++kx) {
        const float wv = wc[ky * KW + kx];
        const int64_t off = kx * DW - PL;
        const int64_t a = g.lo[kx], e = g.hi[kx];
        if (SW == 1) {
          const float* xs = xr + off;
          for (int64_t ox = a; ox < e; ++ox) r[ox] += wv * xs[ox];
        } else {
          for (int64_t ox = a; ox < e; ++ox) r[ox] += wv * xr[ox * SW + off];
        }
      }
    }
    float* yr = yc + oy * OW;
    if (accumulate)
      for (int64_t ox = 0; ox < OW; ++ox) yr[ox] += r[ox];
    else
      for (int64_t ox = 0; ox < OW; ++ox) yr[ox] = r[ox];
    if (relu)
      for (int64_t ox = 0; ox < OW; ++ox) yr[ox] = yr[ox] > 0.f ? yr[ox] : 0.f;
  }
}
