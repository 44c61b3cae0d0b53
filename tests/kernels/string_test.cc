// String ops and TfIdfVectorizer: Unicode case mapping, stop words, splitting
// like Python's str.split, broadcasting concatenation, RE2 full matches, and
// n-gram counting with skips, weights and batches.
#include "kernels/op_test.h"

namespace onyx::test {

namespace {

Tensor strings(Shape shape, std::vector<std::string> v) { return make_tensor<std::string>(std::move(shape), v); }
Tensor bools(Shape shape, std::vector<int> v) { return make_bool_tensor(std::move(shape), v); }

}  // namespace

// ---- StringNormalizer ----

TEST(StringNormalizer, LowerAndUpperAreUnicodeAware) {
  OpTest("StringNormalizer", 10)
      .input("x", strings({3}, {"HELLO", "\xC3\x84\xC3\x96\xC3\x9C", "Stra\xC3\x9F" "e"}))  // ÄÖÜ, Straße
      .attr("case_change_action", "LOWER")
      .output("y", strings({3}, {"hello", "\xC3\xA4\xC3\xB6\xC3\xBC", "stra\xC3\x9F" "e"}))
      .run();
  OpTest("StringNormalizer", 10)
      .input("x", strings({1, 2}, {"caf\xC3\xA9", "\xCF\x83\xCF\x82"}))  // café, σς
      .attr("case_change_action", "UPPER")
      .output("y", strings({1, 2}, {"CAF\xC3\x89", "\xCE\xA3\xCE\xA3"}))
      .run();
}

TEST(StringNormalizer, StopWordsIgnoringOrMatchingCase) {
  OpTest("StringNormalizer", 10)
      .input("x", strings({4}, {"The", "monday", "THE", "cat"}))
      .attr("stopwords", std::vector<std::string>{"the"})
      .output("y", strings({2}, {"monday", "cat"}))
      .run();
  OpTest("StringNormalizer", 10)
      .input("x", strings({4}, {"The", "monday", "the", "cat"}))
      .attr("stopwords", std::vector<std::string>{"the"})
      .attr("is_case_sensitive", 1)
      .attr("case_change_action", "UPPER")
      .output("y", strings({3}, {"THE", "MONDAY", "CAT"}))
      .run();
}

TEST(StringNormalizer, AllDroppedLeavesOneEmptyString) {
  OpTest("StringNormalizer", 10)
      .input("x", strings({2}, {"a", "A"}))
      .attr("stopwords", std::vector<std::string>{"a"})
      .output("y", strings({1}, {""}))
      .run();
  OpTest("StringNormalizer", 10)
      .input("x", strings({1, 2}, {"a", "A"}))
      .attr("stopwords", std::vector<std::string>{"a"})
      .output("y", strings({1, 1}, {""}))
      .run();
}

TEST(StringNormalizer, TurkishDottedI) {
  OpTest("StringNormalizer", 10)
      .input("x", strings({2}, {"istanbul", "I\xC4\xB1"}))  // Iı
      .attr("case_change_action", "UPPER")
      .attr("locale", "tr_TR")
      .output("y", strings({2}, {"\xC4\xB0STANBUL", "II"}))
      .run();
  OpTest("StringNormalizer", 10)
      .input("x", strings({1}, {"I\xC4\xB0"}))  // Iİ
      .attr("case_change_action", "LOWER")
      .attr("locale", "tr_TR")
      .output("y", strings({1}, {"\xC4\xB1i"}))
      .run();
}

TEST(StringNormalizer, BadInputs) {
  OpTest("StringNormalizer", 10)
      .input("x", strings({2, 2}, {"a", "b", "c", "d"}))
      .output_unchecked("y")
      .expect_error("must have shape [C] or [1, C]");
  OpTest("StringNormalizer", 10)
      .input("x", strings({2}, {"ok", "\xFF"}))
      .attr("case_change_action", "LOWER")
      .output_unchecked("y")
      .expect_error("element 1 is not valid UTF-8");
  OpTest("StringNormalizer", 10)
      .input("x", strings({1}, {"a"}))
      .attr("case_change_action", "TITLE")
      .output_unchecked("y")
      .expect_error("expected LOWER, UPPER or NONE");
}

// ---- StringSplit ----

TEST(StringSplit, OnADelimiterPaddingWithEmptyStrings) {
  OpTest("StringSplit", 20)
      .input("x", strings({3}, {"a,b,c", "d", ""}))
      .attr("delimiter", ",")
      .output("y", strings({3, 3}, {"a", "b", "c", "d", "", "", "", "", ""}))
      .output<int64_t>("z", {3}, {3, 1, 1})
      .run();
}

TEST(StringSplit, ConsecutiveAndMultiCharacterDelimiters) {
  OpTest("StringSplit", 20)
      .input("x", strings({2}, {"a,,b", ",x,"}))
      .attr("delimiter", ",")
      .output("y", strings({2, 3}, {"a", "", "b", "", "x", ""}))
      .output<int64_t>("z", {2}, {3, 3})
      .run();
  OpTest("StringSplit", 20)
      .input("x", strings({1}, {"a::b:c"}))
      .attr("delimiter", "::")
      .output("y", strings({1, 2}, {"a", "b:c"}))
      .output<int64_t>("z", {1}, {2})
      .run();
}

TEST(StringSplit, OnRunsOfUnicodeWhitespace) {
  OpTest("StringSplit", 20)
      .input("x", strings({3}, {"  hello \t world ", "one\xE3\x80\x80two", "   "}))  // U+3000 ideographic space
      .output("y", strings({3, 2}, {"hello", "world", "one", "two", "", ""}))
      .output<int64_t>("z", {3}, {2, 2, 0})
      .run();
}

TEST(StringSplit, Maxsplit) {
  OpTest("StringSplit", 20)
      .input("x", strings({2}, {" a b  c ", "1-2-3"}))
      .attr("maxsplit", 1)
      .output("y", strings({2, 2}, {"a", "b  c ", "1-2-3", ""}))
      .output<int64_t>("z", {2}, {2, 1})
      .run();
  OpTest("StringSplit", 20)
      .input("x", strings({1}, {"1-2-3"}))
      .attr("delimiter", "-")
      .attr("maxsplit", 1)
      .output("y", strings({1, 2}, {"1", "2-3"}))
      .output<int64_t>("z", {1}, {2})
      .run();
}

TEST(StringSplit, EmptyAndMultiDimensionalInputs) {
  OpTest("StringSplit", 20)
      .input("x", strings({0}, {}))
      .attr("delimiter", ",")
      .output("y", strings({0, 0}, {}))
      .output<int64_t>("z", {0}, {})
      .run();
  OpTest("StringSplit", 20)
      .input("x", strings({2, 1}, {"a b", "c"}))
      .output("y", strings({2, 1, 2}, {"a", "b", "c", ""}))
      .output<int64_t>("z", {2, 1}, {2, 1})
      .run();
}

// ---- StringConcat ----

TEST(StringConcat, Broadcasts) {
  OpTest("StringConcat", 20)
      .input("a", strings({2, 1}, {"x", "\xC3\xA9"}))
      .input("b", strings({3}, {"1", "", "\xE2\x82\xAC"}))
      .output("y", strings({2, 3}, {"x1", "x", "x\xE2\x82\xAC", "\xC3\xA9" "1", "\xC3\xA9", "\xC3\xA9\xE2\x82\xAC"}))
      .run();
  OpTest("StringConcat", 20)
      .input("a", strings({}, {"a"}))
      .input("b", strings({}, {"b"}))
      .output("y", strings({}, {"ab"}))
      .run();
}

TEST(StringConcat, IncompatibleShapes) {
  OpTest("StringConcat", 20)
      .input("a", strings({2}, {"a", "b"}))
      .input("b", strings({3}, {"a", "b", "c"}))
      .output_unchecked("y")
      .expect_error("broadcast");
}

// ---- RegexFullMatch ----

TEST(RegexFullMatch, MatchesWholeStringsOnly) {
  OpTest("RegexFullMatch", 20)
      .input("x", strings({2, 2}, {"bob@example.com", "bob@example.com.au", "X@example.com", ""}))
      .attr("pattern", "[a-z]+@example\\.com")
      .output("y", bools({2, 2}, {1, 0, 0, 0}))
      .run();
  OpTest("RegexFullMatch", 20)
      .input("x", strings({2}, {"", "a"}))
      .attr("pattern", "")
      .output("y", bools({2}, {1, 0}))
      .run();
  OpTest("RegexFullMatch", 20)
      .input("x", strings({2}, {"\xC3\xA9t\xC3\xA9", "ete"}))  // été: . matches one code point
      .attr("pattern", ".t.")
      .output("y", bools({2}, {1, 1}))
      .run();
}

TEST(RegexFullMatch, InvalidPatternIsALoadError) {
  OpTest("RegexFullMatch", 20)
      .input("x", strings({1}, {"a"}))
      .attr("pattern", "(")
      .output_unchecked("y")
      .expect_error("pattern '(' is not a valid RE2 regex");
}

// ---- TfIdfVectorizer ----

TEST(TfIdfVectorizer, UnigramsAndBigramsOfIntegers) {
  // pool: unigrams 1, 2, 3; bigrams (1,2), (2,3).
  OpTest("TfIdfVectorizer", 9)
      .input<int32_t>("x", {5}, {1, 2, 1, 2, 3})
      .attr("mode", "TF")
      .attr("min_gram_length", 1)
      .attr("max_gram_length", 2)
      .attr("max_skip_count", 0)
      .attr("ngram_counts", std::vector<int64_t>{0, 3})
      .attr("ngram_indexes", std::vector<int64_t>{0, 1, 2, 3, 4})
      .attr("pool_int64s", std::vector<int64_t>{1, 2, 3, 1, 2, 2, 3})
      .output<float>("y", {5}, {2, 2, 1, 2, 1})
      .run();
  // Only bigrams counted (min_gram_length 2), int64 input.
  OpTest("TfIdfVectorizer", 9)
      .input<int64_t>("x", {5}, {1, 2, 1, 2, 3})
      .attr("mode", "TF")
      .attr("min_gram_length", 2)
      .attr("max_gram_length", 2)
      .attr("max_skip_count", 0)
      .attr("ngram_counts", std::vector<int64_t>{0, 3})
      .attr("ngram_indexes", std::vector<int64_t>{0, 1, 2, 3, 4})
      .attr("pool_int64s", std::vector<int64_t>{1, 2, 3, 1, 2, 2, 3})
      .output<float>("y", {5}, {0, 0, 0, 2, 1})
      .run();
}

TEST(TfIdfVectorizer, SkipGrams) {
  auto run = [](int64_t skip, float want) {
    OpTest("TfIdfVectorizer", 9)
        .input<int64_t>("x", {3}, {1, 3, 2})
        .attr("mode", "TF")
        .attr("min_gram_length", 2)
        .attr("max_gram_length", 2)
        .attr("max_skip_count", skip)
        .attr("ngram_counts", std::vector<int64_t>{0, 0})
        .attr("ngram_indexes", std::vector<int64_t>{0})
        .attr("pool_int64s", std::vector<int64_t>{1, 2})
        .output<float>("y", {1}, {want})
        .run();
  };
  run(0, 0);  // (1,3) and (3,2) only
  run(1, 1);  // (1,_,2) with one token skipped
}

TEST(TfIdfVectorizer, UnigramsCountOnceWhateverTheSkip) {
  OpTest("TfIdfVectorizer", 9)
      .input<int64_t>("x", {2}, {1, 1})
      .attr("mode", "TF")
      .attr("min_gram_length", 1)
      .attr("max_gram_length", 2)
      .attr("max_skip_count", 2)
      .attr("ngram_counts", std::vector<int64_t>{0, 1})
      .attr("ngram_indexes", std::vector<int64_t>{0, 1})
      .attr("pool_int64s", std::vector<int64_t>{1, 1, 1})
      .output<float>("y", {2}, {2, 1})
      .run();
}

TEST(TfIdfVectorizer, StringBatchInEveryMode) {
  struct Case {
    const char* mode;
    std::vector<float> weights;
    std::vector<float> want;
  };
  // a -> column 2, b -> column 0, c -> column 1; weights are per column.
  for (const Case& c : {Case{"TF", {}, {1, 0, 2, 0, 1, 0}}, Case{"IDF", {}, {1, 0, 1, 0, 1, 0}},
                        Case{"IDF", {0.5f, 2, 3}, {0.5f, 0, 3, 0, 2, 0}}, Case{"TFIDF", {0.5f, 2, 3}, {0.5f, 0, 6, 0, 2, 0}},
                        Case{"TFIDF", {}, {1, 0, 2, 0, 1, 0}}}) {
    SCOPED_TRACE(c.mode);
    OpTest t("TfIdfVectorizer", 9);
    t.input("x", strings({2, 3}, {"a", "a", "b", "c", "d", "d"}))
        .attr("mode", c.mode)
        .attr("min_gram_length", 1)
        .attr("max_gram_length", 1)
        .attr("max_skip_count", 0)
        .attr("ngram_counts", std::vector<int64_t>{0})
        .attr("ngram_indexes", std::vector<int64_t>{2, 0, 1})
        .attr("pool_strings", std::vector<std::string>{"a", "b", "c"});
    if (!c.weights.empty()) t.attr("weights", c.weights);
    t.output<float>("y", {2, 3}, c.want).run();
  }
}

TEST(TfIdfVectorizer, EmptyInputsGiveZeros) {
  auto node = [](OpTest t) {
    return t.attr("mode", "TF")
        .attr("min_gram_length", 1)
        .attr("max_gram_length", 1)
        .attr("max_skip_count", 0)
        .attr("ngram_counts", std::vector<int64_t>{0})
        .attr("ngram_indexes", std::vector<int64_t>{0, 1})
        .attr("pool_int64s", std::vector<int64_t>{5, 6});
  };
  node(OpTest("TfIdfVectorizer", 9).input<int64_t>("x", {0}, {})).output<float>("y", {2}, {0, 0}).run();
  node(OpTest("TfIdfVectorizer", 9).input<int32_t>("x", {2, 0}, {})).output<float>("y", {2, 2}, {0, 0, 0, 0}).run();
}

TEST(TfIdfVectorizer, BadAttributesAndInputs) {
  auto base = [](OpTest t) {
    return t.attr("mode", "TF").attr("min_gram_length", 1).attr("max_gram_length", 1).attr("max_skip_count", 0);
  };
  base(OpTest("TfIdfVectorizer", 9).input("x", strings({1}, {"a"})))
      .attr("ngram_counts", std::vector<int64_t>{0})
      .attr("ngram_indexes", std::vector<int64_t>{0})
      .attr("pool_int64s", std::vector<int64_t>{1})
      .output_unchecked("y")
      .expect_error("the pool holds integers");
  base(OpTest("TfIdfVectorizer", 9).input<int64_t>("x", {1}, {1}))
      .attr("ngram_counts", std::vector<int64_t>{0, 5})
      .attr("ngram_indexes", std::vector<int64_t>{0})
      .attr("pool_int64s", std::vector<int64_t>{1, 2, 3})
      .output_unchecked("y")
      .expect_error("does not fit a pool of 3 items");
  base(OpTest("TfIdfVectorizer", 9).input<int64_t>("x", {1}, {1}))
      .attr("ngram_counts", std::vector<int64_t>{0})
      .attr("ngram_indexes", std::vector<int64_t>{0})
      .attr("pool_int64s", std::vector<int64_t>{1, 2, 3})
      .output_unchecked("y")
      .expect_error("ngram_indexes has 1 entries but the pool holds more n-grams");
  base(OpTest("TfIdfVectorizer", 9).input<int64_t>("x", {1}, {1}))
      .attr("ngram_counts", std::vector<int64_t>{0})
      .attr("ngram_indexes", std::vector<int64_t>{0, 1})
      .attr("pool_int64s", std::vector<int64_t>{1, 2})
      .attr("weights", std::vector<float>{1})
      .output_unchecked("y")
      .expect_error("weights has 1 entries for 2 output columns");
}

}  // namespace onyx::test
