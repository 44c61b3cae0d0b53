// StringNormalizer (opset 10): drops stop words, then lower- or upper-cases.
//
// Input [C] or [1, C] (UTF-8). Stop words compare exactly, or ignoring case
// when is_case_sensitive = 0. If every string is dropped the output is one
// empty string, shaped [1] or [1, 1].
//
// Case mapping is Unicode's simple (one code point to one) mapping, taken from
// glibc's built-in C.UTF-8 locale, so results do not depend on which locales a
// machine has installed. `locale` only matters where Unicode's default mapping
// is wrong for a language: Turkish and Azerbaijani dotted/dotless i.
#include <locale.h>
#include <wctype.h>

#include <unordered_set>

#include "kernels/string/utf8.h"
#include "shape/infer.h"

namespace onyx {

namespace {

enum class CaseChange { kNone, kLower, kUpper };

// The C.UTF-8 locale, created once and never freed (it is immutable and
// towlower_l/towupper_l on it are thread-safe); null where glibc lacks it.
locale_t utf8_locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

class StringNormalizer final : public Kernel {
 public:
  explicit StringNormalizer(const KernelInit& init) {
    const ir::Node& node = init.node;
    std::string action = node.attr_string("case_change_action", "NONE");
    if (action == "NONE") change_ = CaseChange::kNone;
    else if (action == "LOWER") change_ = CaseChange::kLower;
    else if (action == "UPPER") change_ = CaseChange::kUpper;
    else
      fail(ErrorCode::kInvalidGraph, node.describe(), ": case_change_action is '", action,
           "'; expected LOWER, UPPER or NONE");
    case_sensitive_ = node.attr_int("is_case_sensitive", 0) != 0;
    std::string locale = node.attr_string("locale", "en_US");
    turkic_ = locale.rfind("tr", 0) == 0 || locale.rfind("az", 0) == 0;
    if ((change_ != CaseChange::kNone || !case_sensitive_) && !utf8_locale())
      fail(ErrorCode::kNotImplemented, node.describe(),
           ": case mapping needs the C.UTF-8 locale, which this system's C library lacks");
    for (const std::string& w : node.attr_strings("stopwords"))
      stopwords_.insert(case_sensitive_ ? w : fold(w, -1));
  }

  void run(KernelContext& ctx) const override {
    const Tensor& x = ctx.input(0);
    if (x.dtype() != DataType::kString)
      fail(ErrorCode::kInvalidArgument, "input must be a string tensor, got ", dtype_name(x.dtype()));
    const bool two_d = x.rank() == 2;
    if (!(x.rank() == 1 || (two_d && x.dim(0) == 1)))
      fail(ErrorCode::kInvalidArgument, "input must have shape [C] or [1, C], got ", shape_str(x.shape()));
    const std::string* in = x.data<std::string>();
    std::vector<std::string> kept;
    for (int64_t i = 0; i < x.numel(); ++i) {
      if (!stopwords_.empty() && stopwords_.count(case_sensitive_ ? in[i] : fold(in[i], i))) continue;
      kept.push_back(change_ == CaseChange::kNone ? in[i] : map_case(in[i], change_ == CaseChange::kUpper, i));
    }
    if (kept.empty()) kept.emplace_back();
    Shape shape{static_cast<int64_t>(kept.size())};
    if (two_d) shape.insert(shape.begin(), 1);
    Tensor& y = ctx.output(0, shape, DataType::kString);
    for (size_t i = 0; i < kept.size(); ++i) y.data<std::string>()[i] = std::move(kept[i]);
  }

 private:
  int32_t upper(int32_t c) const {
    if (turkic_ && c == 'i') return 0x130;
    if (turkic_ && c == 0x131) return 'I';
    return static_cast<int32_t>(towupper_l(static_cast<wint_t>(c), utf8_locale()));
  }
  int32_t lower(int32_t c) const {
    if (turkic_ && c == 'I') return 0x131;
    if (turkic_ && c == 0x130) return 'i';
    return static_cast<int32_t>(towlower_l(static_cast<wint_t>(c), utf8_locale()));
  }

  // `index` names the element in errors (-1: a stop word).
  std::string map_case(const std::string& s, bool to_upper, int64_t index) const {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
      int32_t c = utf8::next(s, i);
      if (c < 0) bad_utf8(index);
      utf8::append(out, to_upper ? upper(c) : lower(c));
    }
    return out;
  }
  // Caseless form for stop-word matching: lower(upper(c)) also equates
  // variants such as final and medial sigma.
  std::string fold(const std::string& s, int64_t index) const {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
      int32_t c = utf8::next(s, i);
      if (c < 0) bad_utf8(index);
      utf8::append(out, lower(upper(c)));
    }
    return out;
  }
  [[noreturn]] static void bad_utf8(int64_t index) {
    if (index < 0) fail(ErrorCode::kInvalidGraph, "a stop word is not valid UTF-8");
    fail(ErrorCode::kInvalidArgument, "element ", index, " is not valid UTF-8");
  }

  CaseChange change_ = CaseChange::kNone;
  bool case_sensitive_ = false;
  bool turkic_ = false;
  std::unordered_set<std::string> stopwords_;
};

void infer_string_normalizer(InferContext& ctx) {
  if (ctx.input_dtype(0) != DataType::kUndefined && ctx.input_dtype(0) != DataType::kString)
    ctx.fail("input must be a string tensor, is ", dtype_name(ctx.input_dtype(0)));
  const ir::Dims* d = ctx.input_dims(0);
  if (!d) {
    ctx.set_output_unranked(0, DataType::kString);
    return;
  }
  // How many strings survive is known only at run time.
  if (d->size() == 1) ctx.set_output(0, DataType::kString, {ir::Dim()});
  else if (d->size() == 2 && !((*d)[0].known() && (*d)[0].value != 1)) ctx.set_output(0, DataType::kString, {ir::Dim(1), ir::Dim()});
  else ctx.fail("input must have shape [C] or [1, C], has ", shape_str(*d));
}

}  // namespace

ONYX_KERNEL({.op = "StringNormalizer", .since = 10, .types = {DataType::kString}, .infer = infer_string_normalizer,
             .create = create<StringNormalizer>});

}  // namespace onyx
