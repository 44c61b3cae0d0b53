#include "kernels/common/tensor_util.h"

#include <algorithm>
#include <cstring>

namespace onyx {

namespace {

template <typename T>
void copy_strided_impl(const T* src, std::span<const int64_t> dims_in, std::span<const int64_t> strides_in, T* dst,
                       ThreadPool* pool) {
  // Drop size-1 dims and merge neighbours the view walks contiguously.
  Shape dims, strides;
  for (size_t k = 0; k < dims_in.size(); ++k) {
    int64_t n = dims_in[k], s = strides_in[k];
    if (n == 0) return;
    if (n == 1) continue;
    if (!dims.empty() && strides.back() == s * n) {
      dims.back() *= n;
      strides.back() = s;
    } else {
      dims.push_back(n);
      strides.push_back(s);
    }
  }
  int64_t inner = 1, inner_stride = 1;
  if (!dims.empty()) {
    inner = dims.back();
    inner_stride = strides.back();
    dims.pop_back();
    strides.pop_back();
  }
  int64_t rows = 1;
  for (int64_t d : dims) rows *= d;
  const int nd = static_cast<int>(dims.size());
  if (nd >= 1 && strides.back() == 1 && inner_stride > 1 && inner >= 8 && dims.back() >= 8) {
    // A transpose of the two innermost axes: out[.., p, q] = in[.., p + q * s].
    // Walking q reads with stride s; copying 32x32 tiles keeps both the
    // rows read and the rows written in cache.
    constexpr int64_t kTile = 32;
    const int64_t P = dims.back(), Q = inner, s = inner_stride;
    const int64_t batches = rows / P;
    const int64_t ptiles = (P + kTile - 1) / kTile;
    Shape bdims(dims.begin(), dims.end() - 1), bstrides(strides.begin(), strides.end() - 1);
    parallel_for(pool, batches * ptiles, std::max<int64_t>(1, 32768 / (kTile * Q)), [&](int64_t t0, int64_t t1) {
      for (int64_t t = t0; t < t1; ++t) {
        const int64_t b = t / ptiles, p0 = (t % ptiles) * kTile, p1 = std::min(P, p0 + kTile);
        int64_t off = 0, rem = b;
        for (size_t d = bdims.size(); d-- > 0;) {
          off += (rem % bdims[d]) * bstrides[d];
          rem /= bdims[d];
        }
        const T* in = src + off;
        T* out = dst + b * P * Q;
        for (int64_t q0 = 0; q0 < Q; q0 += kTile) {
          const int64_t q1 = std::min(Q, q0 + kTile);
          for (int64_t p = p0; p < p1; ++p)
            for (int64_t q = q0; q < q1; ++q) out[p * Q + q] = in[p + q * s];
        }
      }
    });
    return;
  }
  int64_t grain = std::max<int64_t>(1, 32768 / inner);
  parallel_for(pool, rows, grain, [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
    int64_t off = 0, r = r0;
    for (int d = nd - 1; d >= 0; --d) {
      size_t du = static_cast<size_t>(d);
      idx[du] = r % dims[du];
      r /= dims[du];
      off += idx[du] * strides[du];
    }
    for (int64_t row = r0; row < r1; ++row) {
      const T* p = src + off;
      T* q = dst + row * inner;
      if (inner_stride == 1) {
        std::copy(p, p + inner, q);
      } else if (inner_stride == 0) {
        std::fill(q, q + inner, *p);
      } else {
        for (int64_t i = 0; i < inner; ++i) q[i] = p[i * inner_stride];
      }
      for (int d = nd - 1; d >= 0; --d) {
        size_t du = static_cast<size_t>(d);
        if (++idx[du] < dims[du]) {
          off += strides[du];
          break;
        }
        off -= (dims[du] - 1) * strides[du];
        idx[du] = 0;
      }
    }
  });
}

}  // namespace

void copy_strided(const Tensor& src, int64_t offset, std::span<const int64_t> dims, std::span<const int64_t> strides,
                  Tensor& dst, ThreadPool* pool) {
  if (dst.numel() == 0) return;
  dispatch_by_size(src.dtype(), [&]<typename T>() {
    copy_strided_impl<T>(src.data<T>() + offset, dims, strides, dst.data<T>(), pool);
  }, "this copy");
}

void copy_elements(const Tensor& src, int64_t src_off, Tensor& dst, int64_t dst_off, int64_t count) {
  if (count <= 0) return;
  dispatch_by_size(src.dtype(), [&]<typename T>() {
    const T* p = src.data<T>() + src_off;
    std::copy(p, p + count, dst.data<T>() + dst_off);
  }, "this copy");
}

void fill_from(Tensor& dst, const Tensor& value, int64_t index) {
  if (dst.numel() == 0) return;
  dispatch_by_size(dst.dtype(), [&]<typename T>() {
    const T v = value.data<T>()[index];
    std::fill(dst.data<T>(), dst.data<T>() + dst.numel(), v);
  }, "this fill");
}

Tensor unpack_subbyte(const Tensor& t, Allocator* alloc) {
  const int bits = dtype_bits(t.dtype());
  const int per = 8 / bits;
  const unsigned mask = (1u << bits) - 1;
  Tensor out(DataType::kUInt8, t.shape(), alloc);
  const uint8_t* src = t.data<uint8_t>();
  uint8_t* dst = out.data<uint8_t>();
  for (int64_t i = 0; i < t.numel(); ++i)
    dst[i] = static_cast<uint8_t>((src[i / per] >> ((i % per) * bits)) & mask);
  return out;
}

Tensor pack_subbyte(const Tensor& bytes, DataType packed, Allocator* alloc) {
  const int bits = dtype_bits(packed);
  const int per = 8 / bits;
  const unsigned mask = (1u << bits) - 1;
  Tensor out(packed, bytes.shape(), alloc);
  uint8_t* dst = out.data<uint8_t>();
  if (out.nbytes()) std::memset(dst, 0, out.nbytes());
  const uint8_t* src = bytes.data<uint8_t>();
  for (int64_t i = 0; i < bytes.numel(); ++i)
    dst[i / per] = static_cast<uint8_t>(dst[i / per] | ((src[i] & mask) << ((i % per) * bits)));
  return out;
}

void fail_index(int64_t index, int64_t size, int axis, const char* what) {
  if (size == 0)
    fail(ErrorCode::kInvalidArgument, what, " ", index, " is out of range for axis ", axis,
         " of size 0 (no index is valid)");
  fail(ErrorCode::kInvalidArgument, what, " ", index, " is out of range for axis ", axis, " of size ", size,
       " (valid range [", -size, ", ", size - 1, "])");
}

std::vector<int> normalize_axes(std::span<const int64_t> axes, int rank, const char* what) {
  std::vector<int> out;
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      fail(ErrorCode::kInvalidArgument, what, " value ", a, " is out of range for rank ", rank);
    int n = static_cast<int>(a < 0 ? a + rank : a);
    if (seen[static_cast<size_t>(n)]) fail(ErrorCode::kInvalidArgument, what, " ", shape_str(axes), " repeat axis ", n);
    seen[static_cast<size_t>(n)] = true;
    out.push_back(n);
  }
  return out;
}

int64_t scalar_int(const Tensor& t, const char* what) {
  if (t.numel() != 1)
    fail(ErrorCode::kInvalidArgument, what, " must hold exactly one value, got ", t.describe());
  if (!dtype_is_integer(t.dtype()) || dtype_is_packed(t.dtype()))
    fail(ErrorCode::kInvalidArgument, what, " must be an integer tensor, got ", t.describe());
  return t.int_at(0);
}

namespace tinfer {

std::optional<std::vector<int64_t>> input_ints(const InferContext& ctx, int i) {
  if (!ctx.has_input(i)) return std::nullopt;
  if (const Tensor* c = ctx.input_constant(i)) {
    if (!dtype_is_integer(c->dtype()) || dtype_is_packed(c->dtype())) return std::nullopt;
    return c->to_int64_vector();
  }
  if (const ir::Dims* v = ctx.input_values(i)) {
    std::vector<int64_t> out;
    for (const ir::Dim& d : *v) {
      if (!d.known()) return std::nullopt;
      out.push_back(d.value);
    }
    return out;
  }
  return std::nullopt;
}

std::optional<ir::Dims> shape_input_dims(const InferContext& ctx, int i) {
  if (!ctx.has_input(i)) return std::nullopt;
  if (const Tensor* c = ctx.input_constant(i)) {
    if (!dtype_is_integer(c->dtype()) || dtype_is_packed(c->dtype())) return std::nullopt;
    ir::Dims out;
    for (int64_t k = 0; k < c->numel(); ++k) out.push_back(infer::dim_of(c->int_at(k)));
    return out;
  }
  if (const ir::Dims* v = ctx.input_values(i)) return *v;
  const ir::Dims* d = ctx.input_dims(i);
  if (d && d->size() == 1 && (*d)[0].known()) return ir::Dims(static_cast<size_t>((*d)[0].value));
  return std::nullopt;
}

ir::Dim product(std::span<const ir::Dim> dims) {
  int64_t p = 1;
  const ir::Dim* sym = nullptr;
  for (const ir::Dim& d : dims) {
    if (d.known()) {
      if (d.value == 0) return ir::Dim(0);
      if (p > (int64_t{1} << 62) / std::max<int64_t>(d.value, 1)) return ir::Dim();
      p *= d.value;
    } else if (d.symbolic() && !sym) {
      sym = &d;
    } else {
      // A zero elsewhere still makes the product 0.
      for (const ir::Dim& z : dims)
        if (z.known() && z.value == 0) return ir::Dim(0);
      return ir::Dim();
    }
  }
  if (!sym) return ir::Dim(p);
  return p == 1 ? *sym : ir::Dim();
}

ir::Dim solve_missing(std::span<const ir::Dim> in, std::span<const ir::Dim> out) {
  std::vector<std::string> syms;
  int64_t pin = 1, pout = 1;
  for (const ir::Dim& d : in) {
    if (d.known()) {
      if (d.value == 0) return ir::Dim();  // 0 elements: the missing dim is not determined
      if (pin > (int64_t{1} << 62) / d.value) return ir::Dim();
      pin *= d.value;
    } else if (d.symbolic()) {
      syms.push_back(d.param);
    } else {
      return ir::Dim();
    }
  }
  for (const ir::Dim& d : out) {
    if (d.known()) {
      if (d.value == 0) return ir::Dim();
      if (pout > (int64_t{1} << 62) / d.value) return ir::Dim();
      pout *= d.value;
    } else if (d.symbolic()) {
      auto it = std::find(syms.begin(), syms.end(), d.param);
      if (it == syms.end()) return ir::Dim();
      syms.erase(it);
    } else {
      return ir::Dim();
    }
  }
  if (syms.empty()) return pin % pout == 0 ? ir::Dim(pin / pout) : ir::Dim();
  if (syms.size() == 1 && pin == pout) return ir::Dim::sym(syms[0]);
  return ir::Dim();
}

void set_values(InferContext& ctx, int out, ir::Dims values) {
  if (values.size() > 64) return;
  ctx.set_output_values(out, std::move(values));
}

std::optional<Shape> known_shape(const ir::Dims& dims) {
  Shape s;
  for (const ir::Dim& d : dims) {
    if (!d.known()) return std::nullopt;
    s.push_back(d.value);
  }
  return s;
}

}  // namespace tinfer

}  // namespace onyx
