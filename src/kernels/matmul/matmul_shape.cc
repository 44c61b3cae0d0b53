#include "kernels/matmul/matmul_shape.h"

namespace onyx {

MatMulPlan plan_matmul(const Shape& a, const Shape& b) {
  if (a.empty() || b.empty())
    fail(ErrorCode::kInvalidArgument, "inputs must have at least 1 dim, got A ", shape_str(a), " and B ",
         shape_str(b));
  Shape a2 = a, b2 = b;
  if (a.size() == 1) a2.insert(a2.begin(), 1);
  if (b.size() == 1) b2.push_back(1);
  const int64_t m = a2[a2.size() - 2], k = a2.back(), kb = b2[b2.size() - 2], n = b2.back();
  if (k != kb)
    fail(ErrorCode::kInvalidArgument, "A ", shape_str(a), " and B ", shape_str(b),
         " cannot be multiplied: A has ", k, " columns but B has ", kb, " rows");
  Shape ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  const size_t r = std::max(ab.size(), bb.size());
  ab.insert(ab.begin(), r - ab.size(), 1);
  bb.insert(bb.begin(), r - bb.size(), 1);
  Shape ob(r);
  for (size_t i = 0; i < r; ++i) {
    if (ab[i] != bb[i] && ab[i] != 1 && bb[i] != 1)
      fail(ErrorCode::kInvalidArgument, "the batch dims of A ", shape_str(a), " and B ", shape_str(b),
           " do not broadcast");
    ob[i] = ab[i] == 1 ? bb[i] : ab[i];
  }
  MatMulPlan p;
  p.out_shape = ob;
  if (a.size() > 1) p.out_shape.push_back(m);
  if (b.size() > 1) p.out_shape.push_back(n);
  shape_numel(p.out_shape);  // refuses overflowing shapes
  p.m = m;
  p.n = n;
  p.k = k;
  const int64_t batch = shape_numel(ob);
  bool b_has_batch = false;
  for (int64_t d : bb) b_has_batch |= d != 1;
  if (!b_has_batch) {
    // Every product uses the same B: fold A's batch into rows.
    p.folded = true;
    p.m = m * batch;
    p.batch = 1;
    p.a_off = {0};
    p.b_off = {0};
    p.c_off = {0};
    p.a_batch = {0};
    p.b_batch = {0};
    return p;
  }
  p.batch = batch;
  p.a_off.resize(static_cast<size_t>(batch));
  p.b_off.resize(static_cast<size_t>(batch));
  p.c_off.resize(static_cast<size_t>(batch));
  p.a_batch.resize(static_cast<size_t>(batch));
  p.b_batch.resize(static_cast<size_t>(batch));
  std::vector<int64_t> idx(r, 0);
  for (int64_t i = 0; i < batch; ++i) {
    int64_t ai = 0, bi = 0;
    for (size_t d = 0; d < r; ++d) {
      ai = ai * ab[d] + (ab[d] == 1 ? 0 : idx[d]);
      bi = bi * bb[d] + (bb[d] == 1 ? 0 : idx[d]);
    }
    const size_t u = static_cast<size_t>(i);
    p.a_batch[u] = ai;
    p.b_batch[u] = bi;
    p.a_off[u] = ai * m * k;
    p.b_off[u] = bi * k * n;
    p.c_off[u] = i * m * n;
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < ob[d]) break;
      idx[d] = 0;
    }
  }
  return p;
}

void infer_matmul_output(InferContext& ctx, int a_in, int b_in, DataType dt) {
  const ir::Dims* a = ctx.input_dims(a_in);
  const ir::Dims* b = ctx.input_dims(b_in);
  if (!a || !b) {
    ctx.set_output_unranked(0, dt);
    return;
  }
  if (a->empty() || b->empty())
    ctx.fail("inputs must have at least 1 dim, got A ", shape_str(*a), " and B ", shape_str(*b));
  ir::Dims a2 = *a, b2 = *b;
  if (a->size() == 1) a2.insert(a2.begin(), ir::Dim(1));
  if (b->size() == 1) b2.push_back(ir::Dim(1));
  const ir::Dim& k = a2.back();
  const ir::Dim& kb = b2[b2.size() - 2];
  if (k.known() && kb.known() && k.value != kb.value)
    ctx.fail("A ", shape_str(*a), " and B ", shape_str(*b), " cannot be multiplied: A has ", k.value,
             " columns but B has ", kb.value, " rows");
  ir::Dims ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  ir::Dims out = infer::broadcast(ctx, ab, bb);
  if (a->size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b->size() > 1) out.push_back(b2.back());
  ctx.set_output(0, dt, std::move(out));
}

}  // namespace onyx
