// Einsum: general Einstein summation over any number of operands, with
// repeated labels (diagonals), implicit and explicit outputs, and "..."
// broadcasting.
//
// Every label gets a size and, per operand, a stride (the sum of the strides
// of its occurrences, which is how a repeated label walks a diagonal; 0 where
// the operand broadcasts a size-1 dim). The kernel then loops over output
// labels and, inside, over summed labels. This is the plain reference: no
// contraction reordering or GEMM dispatch.
#include <algorithm>
#include <array>

#include "kernels/common/math.h"
#include "kernels/common/tensor_util.h"

namespace onyx {

namespace {

constexpr int kLetters = 52;  // a-z, A-Z; ellipsis dims get ids from 52 up

int label_id(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return 26 + (c - 'A');
  return -1;
}

struct Term {
  std::vector<int> labels;  // letter ids; -1 marks where the ellipsis goes
  bool ellipsis = false;
};

Term parse_term(const std::string& s, const std::string& eq) {
  Term t;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.') {
      if (t.ellipsis || s.compare(i, 3, "...") != 0)
        fail(ErrorCode::kInvalidArgument, "equation '", eq, "' has a malformed ellipsis");
      t.ellipsis = true;
      t.labels.push_back(-1);
      i += 2;
      continue;
    }
    int id = label_id(s[i]);
    if (id < 0) fail(ErrorCode::kInvalidArgument, "equation '", eq, "' has invalid character '", s[i], "'");
    t.labels.push_back(id);
  }
  return t;
}

struct Equation {
  std::vector<Term> inputs;
  Term output;
  bool explicit_output = false;
};

Equation parse_equation(const std::string& raw) {
  std::string eq;
  for (char c : raw)
    if (c != ' ') eq += c;
  Equation e;
  size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  size_t start = 0;
  while (true) {
    size_t comma = lhs.find(',', start);
    e.inputs.push_back(parse_term(lhs.substr(start, comma - start), raw));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (arrow != std::string::npos) {
    e.explicit_output = true;
    e.output = parse_term(eq.substr(arrow + 2), raw);
  }
  return e;
}

// Everything the loops need, resolved against the operands' shapes.
struct Plan {
  int num_labels = 0;
  std::vector<int64_t> size;                // per label
  std::vector<std::vector<int64_t>> stride;  // [operand][label]
  std::vector<int> out_labels, sum_labels;
  Shape out_shape;
};

Plan make_plan(const Equation& eq, const std::vector<Shape>& shapes, const std::string& raw) {
  if (eq.inputs.size() != shapes.size())
    fail(ErrorCode::kInvalidArgument, "equation '", raw, "' has ", eq.inputs.size(), " operands but the node has ",
         shapes.size(), " inputs");
  // Ellipsis rank: the most dims any operand's "..." covers.
  int ell = 0;
  for (size_t k = 0; k < shapes.size(); ++k) {
    const Term& t = eq.inputs[k];
    int named = static_cast<int>(t.labels.size()) - (t.ellipsis ? 1 : 0);
    int r = static_cast<int>(shapes[k].size());
    if (t.ellipsis ? r < named : r != named)
      fail(ErrorCode::kInvalidArgument, "operand ", k, " of rank ", r, " does not match term ", k, " of '", raw, "'");
    if (t.ellipsis) ell = std::max(ell, r - named);
  }
  Plan p;
  p.num_labels = kLetters + ell;
  p.size.assign(static_cast<size_t>(p.num_labels), -1);
  p.stride.assign(shapes.size(), std::vector<int64_t>(static_cast<size_t>(p.num_labels), 0));
  std::vector<int> uses(static_cast<size_t>(p.num_labels), 0);
  for (size_t k = 0; k < shapes.size(); ++k) {
    const Term& t = eq.inputs[k];
    const Shape& s = shapes[k];
    Shape st = shape_strides(s);
    const int r = static_cast<int>(s.size());
    const int named = static_cast<int>(t.labels.size()) - (t.ellipsis ? 1 : 0);
    const int e = t.ellipsis ? r - named : 0;
    // Axis -> label id.
    std::vector<int> axis_label;
    for (int l : t.labels) {
      if (l >= 0) {
        axis_label.push_back(l);
      } else {
        for (int j = 0; j < e; ++j) axis_label.push_back(kLetters + (ell - e) + j);
      }
    }
    for (int a = 0; a < r; ++a) {
      const size_t l = static_cast<size_t>(axis_label[static_cast<size_t>(a)]);
      const int64_t d = s[static_cast<size_t>(a)];
      ++uses[l];  // occurrences: a label repeated anywhere is summed in implicit mode
      if (p.size[l] < 0 || p.size[l] == 1) {
        p.size[l] = d;
      } else if (d != p.size[l] && d != 1) {
        fail(ErrorCode::kInvalidArgument, "einsum label of size ", p.size[l], " meets a dim of size ", d, " in operand ",
             k, " ", shape_str(s));
      }
      if (d != 1) p.stride[k][l] += st[static_cast<size_t>(a)];
    }
  }
  // A label repeated within one operand walks a diagonal: its dims must be equal.
  for (size_t k = 0; k < shapes.size(); ++k) {
    const Term& t = eq.inputs[k];
    const int named = static_cast<int>(t.labels.size()) - (t.ellipsis ? 1 : 0);
    const int e = t.ellipsis ? static_cast<int>(shapes[k].size()) - named : 0;
    std::array<int64_t, kLetters> first;
    first.fill(-1);
    int a = 0;
    for (int l : t.labels) {
      if (l < 0) {
        a += e;
        continue;
      }
      const int64_t d = shapes[k][static_cast<size_t>(a++)];
      int64_t& f = first[static_cast<size_t>(l)];
      if (f >= 0 && f != d)
        fail(ErrorCode::kInvalidArgument, "label repeated in operand ", k, " ", shape_str(shapes[k]),
             " has unequal dims ", f, " and ", d);
      f = d;
    }
  }
  // Output labels.
  std::vector<bool> in_out(static_cast<size_t>(p.num_labels), false);
  if (eq.explicit_output) {
    for (int l : eq.output.labels) {
      if (l < 0) {
        for (int j = 0; j < ell; ++j) p.out_labels.push_back(kLetters + j);
        continue;
      }
      if (uses[static_cast<size_t>(l)] == 0)
        fail(ErrorCode::kInvalidArgument, "output label of '", raw, "' does not appear in any input");
      if (in_out[static_cast<size_t>(l)])
        fail(ErrorCode::kInvalidArgument, "output of '", raw, "' repeats a label");
      p.out_labels.push_back(l);
      in_out[static_cast<size_t>(l)] = true;
    }
  } else {
    for (int j = 0; j < ell; ++j) p.out_labels.push_back(kLetters + j);
    // Labels used exactly once, in ASCII order (upper case before lower case, as numpy).
    for (int l = 26; l < 52; ++l)
      if (uses[static_cast<size_t>(l)] == 1) p.out_labels.push_back(l);
    for (int l = 0; l < 26; ++l)
      if (uses[static_cast<size_t>(l)] == 1) p.out_labels.push_back(l);
  }
  for (int l : p.out_labels) in_out[static_cast<size_t>(l)] = true;
  for (int l = 0; l < p.num_labels; ++l)
    if (!in_out[static_cast<size_t>(l)] && p.size[static_cast<size_t>(l)] >= 0) p.sum_labels.push_back(l);
  for (int l : p.out_labels) p.out_shape.push_back(p.size[static_cast<size_t>(l)]);
  return p;
}

class Einsum final : public Kernel {
 public:
  explicit Einsum(const KernelInit& init)
      : raw_(init.node.required_attr("equation", ir::AttrType::kString).s), eq_(parse_equation(raw_)) {}
  void run(KernelContext& ctx) const override {
    const int n = ctx.num_inputs();
    std::vector<Shape> shapes;
    DataType dt = ctx.input(0).dtype();
    for (int k = 0; k < n; ++k) {
      if (ctx.input(k).dtype() != dt)
        fail(ErrorCode::kInvalidArgument, "operand ", k, " has element type ", dtype_name(ctx.input(k).dtype()),
             " but operand 0 has ", dtype_name(dt));
      shapes.push_back(ctx.input(k).shape());
    }
    Plan p = make_plan(eq_, shapes, raw_);
    Tensor& out = ctx.output(0, p.out_shape, dt);
    const int64_t total = out.numel();
    if (total == 0) return;
    const size_t no = p.out_labels.size(), ns = p.sum_labels.size();
    Shape sum_sizes;
    for (int l : p.sum_labels) sum_sizes.push_back(p.size[static_cast<size_t>(l)]);
    const int64_t sum_total = shape_numel(sum_sizes);
    dispatch_numeric(dt, [&]<typename T>() {
      using C = compute_t<T>;
      std::vector<const T*> src;
      for (int k = 0; k < n; ++k) src.push_back(ctx.input(k).template data<T>());
      T* dst = out.data<T>();
      parallel_for(ctx.pool(), total, std::max<int64_t>(1, 65536 / std::max<int64_t>(sum_total, 1)),
                   [&](int64_t b, int64_t e) {
        std::vector<int64_t> base(static_cast<size_t>(n)), off(static_cast<size_t>(n));
        std::vector<int64_t> sidx(ns);
        for (int64_t i = b; i < e; ++i) {
          // Operand offsets of output element i.
          std::fill(base.begin(), base.end(), 0);
          int64_t rem = i;
          for (size_t j = no; j-- > 0;) {
            const size_t l = static_cast<size_t>(p.out_labels[j]);
            const int64_t v = rem % p.out_shape[j];
            rem /= p.out_shape[j];
            for (int k = 0; k < n; ++k) base[static_cast<size_t>(k)] += v * p.stride[static_cast<size_t>(k)][l];
          }
          C acc = C(0);
          off = base;
          std::fill(sidx.begin(), sidx.end(), 0);
          for (int64_t s = 0; s < sum_total; ++s) {
            C prod = C(src[0][off[0]]);
            for (int k = 1; k < n; ++k) {
              const C v = C(src[static_cast<size_t>(k)][off[static_cast<size_t>(k)]]);
              if constexpr (std::is_integral_v<T>) prod = wrap_mul(prod, v);
              else prod = prod * v;
            }
            if constexpr (std::is_integral_v<T>) acc = wrap_add(acc, prod);
            else acc = acc + prod;
            for (size_t j = ns; j-- > 0;) {
              const size_t l = static_cast<size_t>(p.sum_labels[j]);
              if (++sidx[j] < sum_sizes[j]) {
                for (int k = 0; k < n; ++k) off[static_cast<size_t>(k)] += p.stride[static_cast<size_t>(k)][l];
                break;
              }
              for (int k = 0; k < n; ++k)
                off[static_cast<size_t>(k)] -= (sum_sizes[j] - 1) * p.stride[static_cast<size_t>(k)][l];
              sidx[j] = 0;
            }
          }
          dst[i] = store_as<T>(acc);
        }
      });
    }, "Einsum");
  }

 private:
  std::string raw_;
  Equation eq_;
};

void infer_einsum(InferContext& ctx) {
  DataType dt = ctx.input_dtype(0);
  std::vector<Shape> shapes;
  for (int k = 0; k < ctx.num_inputs(); ++k) {
    const ir::Dims* d = ctx.input_dims(k);
    auto s = d ? tinfer::known_shape(*d) : std::nullopt;
    if (!s) {
      // Without static shapes, the output rank is still fixed by an explicit equation without "...".
      Equation eq = parse_equation(ctx.node().attr_string("equation", ""));
      if (eq.explicit_output && !eq.output.ellipsis) ctx.set_output(0, dt, ir::Dims(eq.output.labels.size()));
      else ctx.set_output_unranked(0, dt);
      return;
    }
    shapes.push_back(*s);
  }
  try {
    std::string raw = ctx.node().required_attr("equation", ir::AttrType::kString).s;
    Plan p = make_plan(parse_equation(raw), shapes, raw);
    ctx.set_output(0, dt, ir::Dims(p.out_shape.begin(), p.out_shape.end()));
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
}

}  // namespace

ONYX_KERNEL({.op = "Einsum", .since = 12, .types = kNumericTypes, .infer = infer_einsum, .create = create<Einsum>});

}  // namespace onyx
