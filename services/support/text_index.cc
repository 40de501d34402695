#include "services/support/text_index.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"

namespace tandem::support {
namespace {

// Decodes UTF-8, dropping invalid or overlong sequences.
std::u32string Decode(absl::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    int length = lead < 0x80           ? 1
                 : (lead >> 5) == 0x6  ? 2
                 : (lead >> 4) == 0xE  ? 3
                 : (lead >> 3) == 0x1E ? 4
                                       : 0;
    if (length == 0 || i + length > text.size()) {
      ++i;
      continue;
    }
    char32_t c = length == 1 ? lead : lead & (0x7F >> length);
    bool valid = true;
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      c = (c << 6) | (next & 0x3F);
    }
    static constexpr char32_t kMinOfLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (!valid || c < kMinOfLength[length] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
      ++i;
      continue;
    }
    out.push_back(c);
    i += length;
  }
  return out;
}

void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string Encode(const std::u32string& chars) {
  std::string out;
  for (char32_t c : chars) AppendUtf8(c, out);
  return out;
}

// Full-width forms of the half-width katakana block U+FF61..U+FF9F.
constexpr char16_t kHalfWidthKana[] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3, 0x3099, 0x309A};

// Folds one character: width, then case.
char32_t FoldChar(char32_t c) {
  if (c >= 0xFF01 && c <= 0xFF5E) c = c - 0xFF01 + 0x21;  // full-width ASCII
  if (c == 0x3000) return U' ';
  if (c >= 0xFF61 && c <= 0xFF9F) return kHalfWidthKana[c - 0xFF61];
  if (c == 0x309B) return 0x3099;  // spacing voiced marks, as combining ones
  if (c == 0x309C) return 0x309A;
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;  // Latin-1
  if (c >= 0x100 && c <= 0x17E) {  // Latin Extended-A: capitals at even, then odd, then even
    const bool odd_capitals = (c >= 0x139 && c <= 0x148) || c >= 0x179;
    if (c == 0x178) return 0xFF;
    if (c != 0x130 && c != 0x138 && c != 0x149 && (c % 2 == 1) == odd_capitals) return c + 1;
    return c;
  }
  if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 0x20;  // Greek
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;                // Cyrillic
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  return c;
}

// Returns `base` with a (semi-)voiced mark composed, or 0 if it takes none.
char32_t ComposeVoiced(char32_t base, char32_t mark) {
  const bool hiragana = base >= 0x3041 && base <= 0x3096;
  const char32_t kata = hiragana ? base + 0x60 : base;
  char32_t composed = 0;
  const bool ka_to_row = kata >= 0x30AB && kata <= 0x30C8 && kata != 0x30C3 &&
                         ((kata <= 0x30C2 && kata % 2 == 1) || (kata >= 0x30C4 && kata % 2 == 0));
  const bool ha_row = kata >= 0x30CF && kata <= 0x30DB && (kata - 0x30CF) % 3 == 0;
  if (mark == 0x3099) {
    if (ka_to_row || ha_row) composed = kata + 1;
    if (kata == 0x30A6) composed = 0x30F4;  // ヴ
  } else if (ha_row) {
    composed = kata + 2;
  }
  if (composed == 0) return 0;
  return hiragana && composed != 0x30F4 ? composed - 0x60 : composed;
}

// The folded text, with the index in the original of each folded character.
struct Folded {
  std::u32string chars;
  std::vector<size_t> origin;
};

Folded Fold(const std::u32string& original) {
  Folded folded;
  folded.chars.reserve(original.size());
  for (size_t i = 0; i < original.size(); ++i) {
    const char32_t c = FoldChar(original[i]);
    if ((c == 0x3099 || c == 0x309A) && !folded.chars.empty()) {
      if (char32_t composed = ComposeVoiced(folded.chars.back(), c)) {
        folded.chars.back() = composed;
        continue;
      }
    }
    folded.chars.push_back(c);
    folded.origin.push_back(i);
  }
  return folded;
}

enum class CharClass { kSeparator, kWord, kCjk };

CharClass Classify(char32_t c) {
  if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9')) return CharClass::kWord;
  if (c < 0x80) return CharClass::kSeparator;
  if (c == 0x30FB || c == 0x30A0) return CharClass::kSeparator;        // ・ ゠
  if ((c >= 0x3041 && c <= 0x309F) || (c >= 0x30A1 && c <= 0x30FF) ||  // kana
      (c >= 0x31F0 && c <= 0x31FF) || c == 0x3005 || c == 0x3006 || c == 0x3007 ||
      (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) ||  // kanji
      (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF)) {
    return CharClass::kCjk;
  }
  if ((c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||       // Latin
      (c >= 0x370 && c <= 0x3FF) || (c >= 0x400 && c <= 0x4FF) ||  // Greek, Cyrillic
      (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x1100 && c <= 0x11FF) ||
      (c >= 0x3130 && c <= 0x318F)) {  // Hangul, written with spaces
    return CharClass::kWord;
  }
  return CharClass::kSeparator;
}

// A run of one class of characters: [begin, end) in the folded text.
struct Run {
  CharClass kind;
  size_t begin;
  size_t end;
};

std::vector<Run> Runs(const std::u32string& chars) {
  std::vector<Run> runs;
  for (size_t i = 0; i < chars.size();) {
    const CharClass kind = Classify(chars[i]);
    size_t j = i + 1;
    while (j < chars.size() && Classify(chars[j]) == kind) ++j;
    if (kind != CharClass::kSeparator) runs.push_back({kind, i, j});
    i = j;
  }
  return runs;
}

std::string Term(const std::u32string& chars, size_t begin, size_t end) {
  end = std::min(end, begin + kMaxTermChars);
  return Encode(chars.substr(begin, end - begin));
}

}  // namespace

std::string NormalizeText(absl::string_view text) { return Encode(Fold(Decode(text)).chars); }

std::map<std::string, int> IndexTerms(absl::string_view text) {
  const std::u32string chars = Fold(Decode(text)).chars;
  std::map<std::string, int> terms;
  for (const Run& run : Runs(chars)) {
    if (run.kind == CharClass::kWord) {
      ++terms[Term(chars, run.begin, run.end)];
      continue;
    }
    for (size_t i = run.begin; i + 1 < run.end; ++i) ++terms[Term(chars, i, i + 2)];
    // The last character alone, so a one-character query finds it there too.
    ++terms[Term(chars, run.end - 1, run.end)];
  }
  return terms;
}

std::vector<QueryTerm> QueryTerms(absl::string_view query) {
  const std::u32string chars = Fold(Decode(query)).chars;
  std::vector<QueryTerm> terms;
  std::set<QueryTerm> seen;
  auto add = [&](QueryTerm term) {
    if (seen.insert(term).second) terms.push_back(std::move(term));
  };
  for (const Run& run : Runs(chars)) {
    if (run.kind == CharClass::kWord) {
      add({Term(chars, run.begin, run.end), false});
    } else if (run.end - run.begin == 1) {
      add({Term(chars, run.begin, run.end), true});
    } else {
      for (size_t i = run.begin; i + 1 < run.end; ++i) add({Term(chars, i, i + 2), false});
    }
  }
  return terms;
}

bool TermMatches(const QueryTerm& condition, absl::string_view term) {
  if (!condition.prefix) return term == condition.text;
  return term.substr(0, condition.text.size()) == condition.text;
}

double InverseDocumentFrequency(int64_t matching, const CollectionStats& stats) {
  const double n = static_cast<double>(std::max(stats.articles, matching));
  const double df = static_cast<double>(matching);
  return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
}

double TermScore(double idf, const FieldCounts& counts, int body_terms,
                 const CollectionStats& stats) {
  double score = 0;
  if (counts.title > 0) {
    const double tf = counts.title;
    // Saturated so that any title count scores at least kTitleWeight.
    score += kTitleWeight * (1.0 + (tf - 1.0) / (tf + kBm25K1));
  }
  if (counts.body > 0) {
    const double tf = counts.body;
    const double mean = std::max(stats.mean_body_terms, 1.0);
    const double norm = kBm25K1 * (1.0 - kBm25B + kBm25B * static_cast<double>(body_terms) / mean);
    score += tf * (kBm25K1 + 1.0) / (tf + norm);
  }
  return idf * score;
}

bool IsCommonWord(absl::string_view term) {
  static const auto* const kWords = new std::set<std::string, std::less<>>{
      "a",    "an",  "and",  "are",  "as",  "at",   "be",    "by",   "can",  "do",
      "does", "for", "from", "how",  "i",   "if",   "in",    "is",   "it",   "my",
      "of",   "on",  "or",   "the",  "to",  "what", "when",  "why",  "with", "you",
      "your", "we",  "this", "that", "not", "no",   "where", "which"};
  return kWords->contains(term);
}

std::string TermScoreSql(absl::string_view title, absl::string_view body,
                         absl::string_view body_terms, absl::string_view mean_body_terms) {
  // Literals written as doubles ("1.2E0"), so MariaDB computes in floating
  // point rather than in DECIMAL with four decimals.
  auto number = [](double value) { return absl::StrCat(value, "E0"); };
  return absl::StrCat("(IF(", title, " > 0, ", number(kTitleWeight), " * (1 + (", title,
                      " - 1) / (", title, " + ", number(kBm25K1), ")), 0) + IF(", body, " > 0, ",
                      body, " * ", number(kBm25K1 + 1), " / (", body, " + ", number(kBm25K1),
                      " * (", number(1 - kBm25B), " + ", number(kBm25B), " * ", body_terms,
                      " / GREATEST(", mean_body_terms, ", 1E0))), 0))");
}

std::string Snippet(absl::string_view text, const std::vector<QueryTerm>& terms, int max_chars) {
  const std::u32string original = Decode(text);
  const Folded folded = Fold(original);
  size_t first = folded.chars.size();
  for (const QueryTerm& term : terms) {
    const std::u32string needle = Decode(term.text);
    if (needle.empty()) continue;
    const size_t at = folded.chars.find(needle);
    if (at != std::u32string::npos) first = std::min(first, at);
  }
  size_t begin = 0;
  if (first < folded.chars.size()) {
    const size_t origin = folded.origin[first];
    // Some context before the match, a quarter of the snippet.
    begin = origin > static_cast<size_t>(max_chars / 4) ? origin - max_chars / 4 : 0;
  }
  const size_t end = std::min(original.size(), begin + static_cast<size_t>(max_chars));
  std::u32string cut = original.substr(begin, end - begin);
  for (char32_t& c : cut) {
    if (c == U'\n' || c == U'\r' || c == U'\t') c = U' ';
  }
  std::string out = begin > 0 ? "…" : "";
  out += Encode(cut);
  if (end < original.size()) out += "…";
  return out;
}

}  // namespace tandem::support
