#include "tools/tandemctl/metrics_format.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/tandemctl/success_format.h"

namespace tandem::ctl {
namespace {

using metrics::v1::MetricValue;

constexpr int64_t kSecondsPerDay = 86400;
constexpr int32_t kMaxBasisPoints = 10000;
constexpr double kNanosPerSecond = 1e9;

double SecondsOf(const google::protobuf::Duration& d) {
  return static_cast<double>(d.seconds()) + static_cast<double>(d.nanos()) / kNanosPerSecond;
}

// "1,234" from a string of digits.
std::string Grouped(absl::string_view digits) {
  std::string out;
  const size_t lead = digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && i >= lead && (i - lead) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

bool IsPlainAmount(const MetricValue& value) {
  return value.denominator() == 1 && value.numerator() == value.value() && !value.has_durations();
}

}  // namespace

std::string FormatSeconds(double seconds) {
  const bool negative = seconds < 0;
  int64_t total = std::llround(std::fabs(seconds));
  const int64_t days = total / kSecondsPerDay;
  total %= kSecondsPerDay;
  const int64_t hours = total / 3600;
  const int64_t minutes = total % 3600 / 60;
  const int64_t secs = total % 60;
  std::string text;
  if (days > 0) {
    text = absl::StrFormat("%dd %02dh %02dm", days, hours, minutes);
  } else if (hours > 0) {
    text = absl::StrFormat("%dh %02dm %02ds", hours, minutes, secs);
  } else if (minutes > 0) {
    text = absl::StrFormat("%dm %02ds", minutes, secs);
  } else {
    text = absl::StrFormat("%ds", secs);
  }
  return negative && text != "0s" ? absl::StrCat("-", text) : text;
}

std::string FormatNumber(double value, int decimals) {
  std::string text = absl::StrFormat("%.*f", decimals, std::fabs(value));
  if (decimals > 0) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  const size_t point = text.find('.');
  std::string whole = text.substr(0, point);
  std::string out = Grouped(whole);
  if (point != std::string::npos) absl::StrAppend(&out, text.substr(point));
  return value < 0 && out != "0" ? absl::StrCat("-", out) : out;
}

std::string FormatKpiValue(const MetricValue& value) {
  if (!value.defined()) return "undefined";
  const double v = value.value();
  const std::string& unit = value.unit();
  if (unit == "percent") return absl::StrFormat("%.1f %%", v);
  if (unit == "seconds") return FormatSeconds(v);
  if (unit == "days") return absl::StrFormat("%.1f days", v);
  if (unit == "count") return FormatNumber(v, 0);
  if (unit == "ratio") return absl::StrFormat("%.2f", v);
  if (unit == "minor_units") return FormatMoney(std::llround(v), "");
  if (unit == "score") return absl::StrFormat("%+.1f", v);
  if (unit == "points") return absl::StrFormat("%.1f", v);
  return absl::StrCat(FormatNumber(v), unit.empty() ? "" : " ", unit);
}

std::string FormatKpiFraction(const MetricValue& value) {
  if (value.has_durations()) {
    const double scale = value.unit() == "days" ? kSecondsPerDay : 1;
    return absl::StrCat(FormatSeconds(value.numerator() * scale), " / ",
                        FormatNumber(value.denominator(), 0));
  }
  if (IsPlainAmount(value)) return "-";
  return absl::StrCat(FormatNumber(value.numerator()), " / ", FormatNumber(value.denominator()));
}

std::string FormatKpiNote(const MetricValue& value) {
  if (!value.defined()) return value.undefined_reason();
  if (!value.has_durations()) return "";
  const metrics::v1::DurationStats& stats = value.durations();
  std::string note = absl::StrCat("mean ", FormatSeconds(SecondsOf(stats.mean())), ", p90 ",
                                  FormatSeconds(SecondsOf(stats.p90())));
  if (!stats.exact()) {
    absl::StrAppend(&note, absl::StrFormat(" (quantiles ±%.2f %%)", stats.relative_error() * 100));
  }
  return note;
}

std::string KpiId(absl::string_view metric) {
  absl::ConsumePrefix(&metric, "metricDefinitions/");
  return std::string(metric);
}

absl::StatusOr<metrics::v1::Window> ParseWindowFlag(absl::string_view text) {
  metrics::v1::Window window;
  text = absl::StripAsciiWhitespace(text);
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "give a period (2026-10, 2026-W41, 2026-Q4, 2026, 2026-10-05) or START..END dates");
  }
  const size_t dots = text.find("..");
  if (dots == absl::string_view::npos) {
    window.set_period(std::string(text));
    return window;
  }
  window.set_start_date(std::string(absl::StripAsciiWhitespace(text.substr(0, dots))));
  window.set_end_date(std::string(absl::StripAsciiWhitespace(text.substr(dots + 2))));
  if (window.start_date().empty() || window.end_date().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text,
        "\" needs both dates: START..END, e.g. 2026-10-01..2026-10-15 (end exclusive)"));
  }
  return window;
}

std::string FormatWindow(const metrics::v1::Window& window) {
  const std::string dates = absl::StrCat(window.start_date(), " .. ", window.end_date());
  if (window.period().empty()) return dates;
  return absl::StrCat(window.period(), " (", dates, ")");
}

absl::StatusOr<std::pair<std::string, std::string>> ParseAssignment(absl::string_view text,
                                                                    absl::string_view what) {
  const size_t equals = text.find('=');
  if (equals == absl::string_view::npos || equals == 0 || equals + 1 == text.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " \"", text, "\" must be NAME=VALUE, e.g. tier=HIGH_TOUCH"));
  }
  return std::make_pair(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
}

absl::StatusOr<int32_t> ParseGrossMargin(absl::string_view text) {
  absl::string_view number = absl::StripAsciiWhitespace(text);
  absl::ConsumeSuffix(&number, "%");
  number = absl::StripAsciiWhitespace(number);
  const auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text,
                     "\" is not a gross margin: give a percentage above 0 and at most "
                     "100, with at most two decimals, e.g. 80% or 72.5%"));
  };
  std::vector<std::string> parts = absl::StrSplit(number, '.');
  if (parts.size() > 2 || parts[0].empty() ||
      (parts.size() == 2 && (parts[1].empty() || parts[1].size() > 2))) {
    return bad();
  }
  std::string fraction = parts.size() == 2 ? parts[1] : "";
  fraction.append(2 - fraction.size(), '0');
  int64_t basis_points = 0;
  for (char c : parts[0] + fraction) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return bad();
  }
  if (!absl::SimpleAtoi(parts[0] + fraction, &basis_points) || basis_points <= 0 ||
      basis_points > kMaxBasisPoints) {
    return bad();
  }
  return static_cast<int32_t>(basis_points);
}

std::string FormatGrossMargin(int32_t basis_points) {
  return absl::StrCat(FormatNumber(basis_points / 100.0), " %");
}

}  // namespace tandem::ctl
