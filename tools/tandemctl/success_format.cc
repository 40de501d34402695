#include "tools/tandemctl/success_format.h"

#include <limits>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/proto_time.h"

namespace tandem::ctl {
namespace {

// ISO 4217 currencies whose minor unit is not the usual hundredth.
constexpr absl::string_view kNoDecimals[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                             "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
                                             "VND", "VUV", "XAF", "XOF", "XPF"};
constexpr absl::string_view kThreeDecimals[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};

// Returns `digits` (only digits) with a comma between each group of three.
std::string GroupThousands(absl::string_view digits) {
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  return grouped;
}

bool AllDigits(absl::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

int CurrencyExponent(absl::string_view currency) {
  const std::string code = absl::AsciiStrToUpper(currency);
  for (absl::string_view none : kNoDecimals) {
    if (code == none) return 0;
  }
  for (absl::string_view three : kThreeDecimals) {
    if (code == three) return 3;
  }
  return 2;
}

std::string FormatMoney(int64_t minor, absl::string_view currency) {
  const int exponent = CurrencyExponent(currency);
  // Through the unsigned value, so the most negative int64 formats too.
  const uint64_t magnitude =
      minor < 0 ? ~static_cast<uint64_t>(minor) + 1 : static_cast<uint64_t>(minor);
  std::string digits = absl::StrCat(magnitude);
  if (digits.size() <= static_cast<size_t>(exponent)) {
    digits.insert(0, static_cast<size_t>(exponent) + 1 - digits.size(), '0');
  }
  const size_t point = digits.size() - static_cast<size_t>(exponent);
  std::string text = absl::StrCat(minor < 0 ? "-" : "", GroupThousands(digits.substr(0, point)));
  if (exponent > 0) absl::StrAppend(&text, ".", digits.substr(point));
  if (!currency.empty()) absl::StrAppend(&text, " ", currency);
  return text;
}

absl::StatusOr<int64_t> ParseMoney(absl::string_view major, absl::string_view currency) {
  const int exponent = CurrencyExponent(currency);
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("\"", major, "\" is not an amount", why));
  };
  std::string text = absl::StrReplaceAll(absl::StripAsciiWhitespace(major), {{",", ""}});
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.erase(0, 1);
  }
  std::vector<std::string> parts = absl::StrSplit(text, '.');
  if (parts.size() > 2 || parts[0].empty() || !AllDigits(parts[0]) ||
      (parts.size() == 2 && (parts[1].empty() || !AllDigits(parts[1])))) {
    return bad(" such as 1200 or 1200.50");
  }
  std::string fraction = parts.size() == 2 ? parts[1] : "";
  if (fraction.size() > static_cast<size_t>(exponent)) {
    return bad(absl::StrCat(": ", currency.empty() ? "the currency" : currency, " has ", exponent,
                            " decimal", exponent == 1 ? "" : "s"));
  }
  fraction.append(static_cast<size_t>(exponent) - fraction.size(), '0');
  uint64_t magnitude = 0;
  if (!absl::SimpleAtoi(absl::StrCat(parts[0], fraction), &magnitude) ||
      magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return bad(": too large");
  }
  const int64_t value = static_cast<int64_t>(magnitude);
  return negative ? -value : value;
}

std::string FormatDate(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d", FromProtoTime(t), absl::UTCTimeZone());
}

std::string DaysFromNow(const google::protobuf::Timestamp& t, absl::Time now) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  const absl::CivilDay day = absl::ToCivilDay(FromProtoTime(t), absl::UTCTimeZone());
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const int64_t days = day - today;
  if (days == 0) return "today";
  return days > 0 ? absl::StrCat("in ", days, "d") : absl::StrCat(-days, "d ago");
}

std::string QuoteFilterValue(absl::string_view value) {
  return absl::StrCat("\"", absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

absl::StatusOr<absl::Time> ParseTimeOrOffset(absl::string_view text, absl::Time now,
                                             int direction) {
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  absl::Duration offset;
  int64_t days = 0;
  if (absl::EndsWith(text, "d") && absl::SimpleAtoi(text.substr(0, text.size() - 1), &days) &&
      days >= 0 && days <= 100 * 366) {
    offset = absl::Hours(24 * days);
  } else if (!absl::ParseDuration(text, &offset) || offset < absl::ZeroDuration() ||
             offset == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text,
                     "\" is neither an RFC 3339 time (2026-11-01T00:00:00Z) nor a duration "
                     "such as 7d, 36h or 90m"));
  }
  return direction < 0 ? now - offset : now + offset;
}

absl::StatusOr<std::string> TokenSubject(absl::string_view token) {
  if (token.empty()) return absl::InvalidArgumentError("no token was given (--token)");
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  std::string payload;
  if (parts.size() != 3 || !absl::WebSafeBase64Unescape(parts[1], &payload)) {
    return absl::InvalidArgumentError("the token is not a JWT");
  }
  const nlohmann::json claims = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object() || !claims.contains("sub") || !claims["sub"].is_string() ||
      claims["sub"].get<std::string>().empty()) {
    return absl::InvalidArgumentError("the token has no subject (sub claim)");
  }
  return claims["sub"].get<std::string>();
}

}  // namespace tandem::ctl
