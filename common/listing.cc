#include "common/listing.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "common/status.h"

namespace tandem {
namespace {

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == ':' || c == '@' || c == '/';
}

// A tiny scanner over the filter text.
class FilterScanner {
 public:
  explicit FilterScanner(absl::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && absl::ascii_isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  bool Consume(absl::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  absl::StatusOr<std::string> Value() {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '"') {
      std::string out;
      for (++pos_; pos_ < text_.size(); ++pos_) {
        char c = text_[pos_];
        if (c == '"') {
          ++pos_;
          return out;
        }
        if (c == '\\' && pos_ + 1 < text_.size()) c = text_[++pos_];
        out.push_back(c);
      }
      return Error("a closing '\"'");
    }
    std::string word = Word();
    if (word.empty()) return Error("a value");
    return word;
  }
  absl::Status Error(absl::string_view expected) const {
    return InvalidField("filter", absl::StrCat("expected ", expected, " at position ", pos_ + 1,
                                               " (", text_.size(), " characters)"));
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

constexpr size_t kMaxFilterLength = 2000;

}  // namespace

absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter,
                                                    const std::set<std::string>& allowed) {
  std::vector<FilterTerm> terms;
  if (filter.size() > kMaxFilterLength) {
    return InvalidField("filter", absl::StrCat("must be at most ", kMaxFilterLength, " characters"));
  }
  FilterScanner scanner(filter);
  if (scanner.AtEnd()) return terms;
  while (true) {
    FilterTerm term;
    term.field = scanner.Word();
    if (term.field.empty()) return scanner.Error("a field name");
    if (!allowed.contains(term.field)) {
      return InvalidField("filter", absl::StrCat("cannot filter on \"", term.field,
                                                 "\"; fields: ", absl::StrJoin(allowed, ", ")));
    }
    if (scanner.Consume("!=")) {
      term.op = FilterOp::kNe;
    } else if (scanner.Consume("<=")) {
      term.op = FilterOp::kLe;
    } else if (scanner.Consume(">=")) {
      term.op = FilterOp::kGe;
    } else if (scanner.Consume("=")) {
      term.op = FilterOp::kEq;
    } else if (scanner.Consume("<")) {
      term.op = FilterOp::kLt;
    } else if (scanner.Consume(">")) {
      term.op = FilterOp::kGt;
    } else {
      return scanner.Error("one of = != < <= > >=");
    }
    ASSIGN_OR_RETURN(term.value, scanner.Value());
    terms.push_back(std::move(term));
    if (scanner.AtEnd()) break;
    if (scanner.Word() != "AND") return scanner.Error("AND");
  }
  return terms;
}

absl::Status RequireEquality(const FilterTerm& term) {
  if (term.op == FilterOp::kEq || term.op == FilterOp::kNe) return absl::OkStatus();
  return InvalidField("filter", absl::StrCat(term.field, " can only be compared with = or !="));
}

absl::StatusOr<std::string> TimeFilterValue(const FilterTerm& term) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, term.value, &t, &error)) {
    return InvalidField("filter", absl::StrCat(term.field, " must be an RFC 3339 time such as "
                                               "\"2026-11-01T00:00:00Z\"; got \"", term.value, "\""));
  }
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

absl::StatusOr<std::string> EnumFilterValue(const FilterTerm& term,
                                            const google::protobuf::EnumDescriptor& values) {
  const google::protobuf::EnumValueDescriptor* value = values.FindValueByName(term.value);
  if (value != nullptr && value->number() != 0) return absl::StrCat(value->number());
  std::vector<std::string> names;
  for (int i = 1; i < values.value_count(); ++i) names.push_back(values.value(i)->name());
  return InvalidField("filter", absl::StrCat(term.field, " must be one of ",
                                             absl::StrJoin(names, ", "), "; got \"", term.value,
                                             "\""));
}

absl::StatusOr<ListPlan> PlanList(const PageTokenCodec& codec, absl::string_view tenant,
                                  const ListParams& params,
                                  const std::set<std::string>& allowed_fields, int default_size,
                                  int max_size) {
  ListPlan plan;
  ASSIGN_OR_RETURN(plan.page_size, NormalizePageSize(params.page_size, default_size, max_size));
  ASSIGN_OR_RETURN(plan.terms, ParseFilter(params.filter, allowed_fields));
  std::string order = absl::AsciiStrToLower(absl::StripAsciiWhitespace(params.order_by));
  if (order.empty() || order == "create_time desc") {
    plan.newest_first = true;
  } else if (order == "create_time" || order == "create_time asc") {
    plan.newest_first = false;
  } else {
    return InvalidField("order_by", "must be \"create_time desc\" (the default) or \"create_time\"");
  }
  plan.query_fingerprint = QueryFingerprint(
      {std::string(tenant), params.filter, plan.newest_first ? "desc" : "asc"});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   codec.Decode(params.page_token, plan.query_fingerprint));
  if (!keys.empty()) {
    int64_t micros = 0;
    if (keys.size() != 2 || !absl::SimpleAtoi(keys[0], &micros) || !IsValidId(keys[1])) {
      return InvalidField("page_token", "is not a token this service issued");
    }
    plan.after = KeysetPosition{absl::FromUnixMicros(micros), keys[1]};
  }
  return plan;
}

std::string NextPageToken(const PageTokenCodec& codec, const ListPlan& plan,
                          const KeysetPosition& last) {
  return codec.Encode(plan.query_fingerprint,
                      {absl::StrCat(absl::ToUnixMicros(last.create_time)), last.id});
}

}  // namespace tandem
