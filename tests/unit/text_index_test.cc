#include "services/support/text_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tandem::support {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

QueryTerm Exact(const std::string& text) { return {text, false}; }
QueryTerm Prefix(const std::string& text) { return {text, true}; }

// Returns true if every condition of `query` matches a term of `text`.
bool Finds(const std::string& text, const std::string& query) {
  const std::map<std::string, int> terms = IndexTerms(text);
  for (const QueryTerm& condition : QueryTerms(query)) {
    bool found = false;
    for (const auto& [term, count] : terms) found = found || TermMatches(condition, term);
    if (!found) return false;
  }
  return true;
}

// Full-width letters and digits, half-width katakana (with voiced marks)
// and capitals all fold to one form.
TEST(TextIndexTest, NormalizeFoldsWidthAndCase) {
  EXPECT_EQ(NormalizeText("ＲＥＳＥＴ　Ｐａｓｓ１２３"), "reset pass123");
  EXPECT_EQ(NormalizeText("ﾊﾟｽﾜｰﾄﾞ"), "パスワード");
  EXPECT_EQ(NormalizeText("ÀÉÎ Ÿ Ωμέγα ПРИВЕТ"), "àéî ÿ ωμέγα привет");
  // Decomposed voiced marks compose like half-width ones.
  EXPECT_EQ(NormalizeText("カ\u3099"), "ガ");
}

// Invalid UTF-8 bytes are dropped rather than breaking the text.
TEST(TextIndexTest, NormalizeDropsInvalidUtf8) {
  EXPECT_EQ(NormalizeText(std::string("ab\xff\xc3(cd")), "ab(cd");
  EXPECT_EQ(NormalizeText(std::string("\xe3\x81")), "");
}

// Japanese runs become bigrams plus their last character; 「・」 separates.
TEST(TextIndexTest, JapaneseRunsBecomeBigrams) {
  EXPECT_THAT(IndexTerms("返品・返金"),
              UnorderedElementsAre(Pair("返品", 1), Pair("品", 1), Pair("返金", 1), Pair("金", 1)));
}

// Latin words are lower-cased words; mixed text splits at script changes.
TEST(TextIndexTest, LatinWordsAndMixedScripts) {
  EXPECT_THAT(IndexTerms("Reset the PASSWORD, reset!"),
              UnorderedElementsAre(Pair("reset", 2), Pair("the", 1), Pair("password", 1)));
  EXPECT_THAT(IndexTerms("Wi-Fiの設定"),
              UnorderedElementsAre(Pair("wi", 1), Pair("fi", 1), Pair("の設", 1), Pair("設定", 1),
                                   Pair("定", 1)));
}

// Very long words are cut to kMaxTermChars, in documents and queries alike.
TEST(TextIndexTest, LongWordsAreCutConsistently) {
  const std::string word(100, 'x');
  EXPECT_THAT(IndexTerms(word), ElementsAre(Pair(std::string(kMaxTermChars, 'x'), 1)));
  EXPECT_TRUE(Finds(word, word));
}

// The judged examples: the title is found by 「返品」 and by 「返金 手続き」.
TEST(TextIndexTest, JapaneseTitleIsFoundByItsWords) {
  const std::string title = "返品・返金の手続きについて";
  EXPECT_TRUE(Finds(title, "返品"));
  EXPECT_TRUE(Finds(title, "返金 手続き"));
  EXPECT_TRUE(Finds(title, "手続"));
  EXPECT_FALSE(Finds(title, "配送"));
  EXPECT_FALSE(Finds(title, "返送"));
}

// Half-width katakana and full-width letters in a query find the usual
// forms in the text, and the other way round.
TEST(TextIndexTest, WidthDoesNotMatter) {
  EXPECT_TRUE(Finds("パスワードの再設定", "ﾊﾟｽﾜｰﾄﾞ"));
  EXPECT_TRUE(Finds("ﾊﾟｽﾜｰﾄﾞの再設定", "パスワード"));
  EXPECT_TRUE(Finds("Reset your password", "ＰＡＳＳＷＯＲＤ"));
}

// A lone CJK character is a prefix condition, and finds the character
// wherever it is in a run, also at its end.
TEST(TextIndexTest, SingleCharacterQueryIsAPrefix) {
  EXPECT_THAT(QueryTerms("金"), ElementsAre(Prefix("金")));
  EXPECT_TRUE(Finds("返金", "金"));
  EXPECT_TRUE(Finds("金額", "金"));
  EXPECT_FALSE(Finds("返品", "金"));
  EXPECT_TRUE(TermMatches(Prefix("金"), "金額"));
  EXPECT_FALSE(TermMatches(Exact("金"), "金額"));
}

// Query terms are distinct, in order of first appearance.
TEST(TextIndexTest, QueryTermsAreDistinctAndOrdered) {
  EXPECT_THAT(QueryTerms("返金 手続き Refund refund"),
              ElementsAre(Exact("返金"), Exact("手続"), Exact("続き"), Exact("refund")));
  EXPECT_TRUE(QueryTerms("  ・、。!? ").empty());
}

// A term in the title outscores the same term in the body, however often
// the body repeats it.
TEST(TextIndexTest, TitleMatchOutscoresAnyBodyMatch) {
  const CollectionStats stats{.articles = 1000, .mean_body_terms = 300};
  const double idf = InverseDocumentFrequency(10, stats);
  const double title_once = TermScore(idf, {.title = 1, .body = 0}, 5000, stats);
  const double body_many = TermScore(idf, {.title = 0, .body = 500}, 1, stats);
  EXPECT_GT(title_once, body_many);
  EXPECT_GT(TermScore(idf, {.title = 0, .body = 3}, 300, stats),
            TermScore(idf, {.title = 0, .body = 1}, 300, stats));
}

// Rare terms weigh more than common ones.
TEST(TextIndexTest, RareTermsWeighMore) {
  const CollectionStats stats{.articles = 1000, .mean_body_terms = 300};
  EXPECT_GT(InverseDocumentFrequency(1, stats), InverseDocumentFrequency(500, stats));
  EXPECT_GT(InverseDocumentFrequency(1000, stats), 0);
}

TEST(TextIndexTest, CommonWordsAreKnown) {
  EXPECT_TRUE(IsCommonWord("how"));
  EXPECT_TRUE(IsCommonWord("the"));
  EXPECT_FALSE(IsCommonWord("password"));
  EXPECT_FALSE(IsCommonWord("返金"));
}

// The snippet is cut around the first match, with marks where it was cut.
TEST(TextIndexTest, SnippetShowsTheFirstMatch) {
  const std::string body =
      std::string(300, 'a') + " Refund within 30 days. " + std::string(300, 'b');
  const std::string snippet = Snippet(body, {Exact("refund")}, 60);
  EXPECT_THAT(snippet, ::testing::StartsWith("…"));
  EXPECT_THAT(snippet, ::testing::EndsWith("…"));
  EXPECT_THAT(snippet, ::testing::HasSubstr("Refund within"));
  EXPECT_EQ(Snippet("短い本文", {Exact("返金")}, 60), "短い本文");
  // Japanese text is cut at character boundaries.
  const std::string japanese =
      Snippet(std::string("前置き。") + "返金は三十日以内にご連絡ください。", {Exact("返金")}, 8);
  EXPECT_EQ(japanese, "…き。返金は三十日…");
}

}  // namespace
}  // namespace tandem::support
