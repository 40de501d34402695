// The knowledge base's own full-text index, as pure functions: how text
// becomes index terms, how a query becomes term groups, how a match is
// scored, and how a snippet is cut.
//
// MariaDB's InnoDB full-text index splits words at spaces only, so it
// cannot find 「返品」 in 「返品・返金の手続きについて」 (Japanese writes no
// spaces). Instead, text is normalised (full-width ASCII and half-width
// katakana folded to their usual forms, letters lower-cased) and cut into
//   - words, for scripts that separate words (Latin, Greek, Cyrillic,
//     Hangul, digits): "Reset PASSWORD" → reset, password;
//   - overlapping character pairs (bigrams) for runs of kanji and kana,
//     plus the run's last character alone: 「返金の手続き」 → 返金, 金の,
//     の手, 手続, 続き, き.
// A query is cut the same way; a query run of one CJK character matches
// every term that starts with it (every occurrence of a character starts a
// bigram or ends a run). services/support/README.md has the measurements
// that chose this over Mroonga.
#ifndef TANDEM_SERVICES_SUPPORT_TEXT_INDEX_H_
#define TANDEM_SERVICES_SUPPORT_TEXT_INDEX_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace tandem::support {

// The longest term kept, in characters; longer words are cut to it (in
// documents and queries alike, so they still match).
inline constexpr int kMaxTermChars = 32;

// Returns `text` normalised for matching: full-width ASCII folded to ASCII,
// the ideographic space to a space, half-width katakana to full-width
// (with voiced marks composed), Latin, Greek and Cyrillic capitals
// lower-cased. Invalid UTF-8 bytes are dropped.
std::string NormalizeText(absl::string_view text);

// How often each term occurs in `text`.
std::map<std::string, int> IndexTerms(absl::string_view text);

// One condition of a query: a term that must occur, or, for a lone CJK
// character, a prefix every matching term starts with.
struct QueryTerm {
  std::string text;
  bool prefix = false;

  friend bool operator==(const QueryTerm&, const QueryTerm&) = default;
  friend bool operator<(const QueryTerm& a, const QueryTerm& b) {
    return a.text != b.text ? a.text < b.text : a.prefix < b.prefix;
  }
};

// The distinct conditions of `query`, in order of first appearance.
std::vector<QueryTerm> QueryTerms(absl::string_view query);

// Returns true if index term `term` satisfies `condition`.
bool TermMatches(const QueryTerm& condition, absl::string_view term);

// How one query condition occurs in one article.
struct FieldCounts {
  int title = 0;
  int body = 0;
};

// What the ranking knows about the whole collection searched.
struct CollectionStats {
  // Articles searched.
  int64_t articles = 0;
  // Their mean body length, in terms.
  double mean_body_terms = 1;
};

// Inverse document frequency of a condition found in `matching` of the
// collection's articles; always positive.
double InverseDocumentFrequency(int64_t matching, const CollectionStats& stats);

// The ranking's constants: BM25's k1 and b, and the title's weight.
inline constexpr double kBm25K1 = 1.2;
inline constexpr double kBm25B = 0.75;
inline constexpr double kTitleWeight = 3.0;

// How much one condition (with inverse document frequency `idf`) adds to an
// article's score: BM25 on the body (k1 = 1.2, b = 0.75), plus the title
// weighted 3 times with saturation only. A title occurrence adds at least
// 3·idf and a body occurrence at most 2.2·idf, so an article with a term in
// its title always outranks one with the same term only in its body.
double TermScore(double idf, const FieldCounts& counts, int body_terms,
                 const CollectionStats& stats);

// Returns true for the few English words so common that a search does not
// require them ("how", "to", "the", ...): they only add to the score.
bool IsCommonWord(absl::string_view term);

// The SQL expression of TermScore() without its idf factor, for a store
// that ranks inside the database: `title` and `body` name the columns of
// the condition's counts, `body_terms` the article's body length, and
// `mean_body_terms` the (parameter) mean length. Both forms use the same
// constants; an integration test checks that they agree.
std::string TermScoreSql(absl::string_view title, absl::string_view body,
                         absl::string_view body_terms, absl::string_view mean_body_terms);

// Returns up to `max_chars` characters of `text` around the first place a
// condition of `terms` matches it (or its start), with "…" where it was cut.
std::string Snippet(absl::string_view text, const std::vector<QueryTerm>& terms,
                    int max_chars = 160);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TEXT_INDEX_H_
