#include "services/metrics/calendar.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status.h"

namespace tandem::metrics {
namespace {

absl::CivilDay MondayOf(absl::CivilDay day) {
  return absl::PrevWeekday(day + 1, absl::Weekday::monday);
}

absl::CivilDay QuarterStart(absl::CivilDay day) {
  return absl::CivilDay(day.year(), ((day.month() - 1) / 3) * 3 + 1, 1);
}

bool ParseInt(absl::string_view text, int64_t& out) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(text, &out);
}

// The first Monday of ISO week 1 of `year` (the week holding 4 January).
absl::CivilDay IsoYearStart(int64_t year) { return MondayOf(absl::CivilDay(year, 1, 4)); }

std::optional<Period> ParsePeriod(absl::string_view text) {
  int64_t year = 0;
  if (text.size() == 4 && ParseInt(text, year)) {
    return PeriodOf(Grain::kYear, absl::CivilDay(year, 1, 1));
  }
  if (text.size() < 7 || text[4] != '-' || !ParseInt(text.substr(0, 4), year)) return std::nullopt;
  const absl::string_view rest = text.substr(5);
  int64_t number = 0;
  if (rest.size() == 2 && rest[0] == 'Q' && ParseInt(rest.substr(1), number)) {
    if (number < 1 || number > 4) return std::nullopt;
    return PeriodOf(Grain::kQuarter, absl::CivilDay(year, (number - 1) * 3 + 1, 1));
  }
  if (rest.size() == 3 && rest[0] == 'W' && ParseInt(rest.substr(1), number)) {
    const absl::CivilDay start = IsoYearStart(year) + (number - 1) * 7;
    if (number < 1 || IsoYearStart(year + 1) <= start) return std::nullopt;
    return PeriodOf(Grain::kWeek, start);
  }
  if (rest.size() == 2 && ParseInt(rest, number)) {
    if (number < 1 || number > 12) return std::nullopt;
    return PeriodOf(Grain::kMonth, absl::CivilDay(year, number, 1));
  }
  if (auto day = ParseDate(text)) return PeriodOf(Grain::kDay, *day);
  return std::nullopt;
}

}  // namespace

Period PeriodOf(Grain grain, absl::CivilDay day) {
  switch (grain) {
    case Grain::kDay:
      return {grain, day, day + 1};
    case Grain::kWeek: {
      const absl::CivilDay monday = MondayOf(day);
      return {grain, monday, monday + 7};
    }
    case Grain::kMonth: {
      const absl::CivilMonth month(day);
      return {grain, absl::CivilDay(month), absl::CivilDay(month + 1)};
    }
    case Grain::kQuarter: {
      const absl::CivilDay start = QuarterStart(day);
      return {grain, start, absl::CivilDay(absl::CivilMonth(start) + 3)};
    }
    case Grain::kYear:
    case Grain::kCustom:
      break;
  }
  const absl::CivilYear year(day);
  return {Grain::kYear, absl::CivilDay(year), absl::CivilDay(year + 1)};
}

std::vector<Period> CalendarPeriodsOf(absl::CivilDay day) {
  return {PeriodOf(Grain::kDay, day), PeriodOf(Grain::kWeek, day), PeriodOf(Grain::kMonth, day),
          PeriodOf(Grain::kQuarter, day), PeriodOf(Grain::kYear, day)};
}

Period Classify(absl::CivilDay start, absl::CivilDay end) {
  for (const Period& candidate : CalendarPeriodsOf(start)) {
    if (candidate.start == start && candidate.end == end) return candidate;
  }
  return {Grain::kCustom, start, end};
}

std::vector<Period> AdditiveCover(absl::CivilDay start, absl::CivilDay end) {
  std::vector<Period> cover;
  absl::CivilDay day = start;
  while (day < end) {
    const Period month = PeriodOf(Grain::kMonth, day);
    if (month.start == day && month.end <= end) {
      cover.push_back(month);
      day = month.end;
    } else {
      cover.push_back(PeriodOf(Grain::kDay, day));
      day = day + 1;
    }
  }
  return cover;
}

std::vector<Period> CoverBefore(absl::CivilDay since, absl::CivilDay day) {
  if (day <= since) return {};
  return AdditiveCover(since, day);
}

std::optional<absl::CivilDay> ParseDate(absl::string_view text) {
  int64_t year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !ParseInt(text.substr(0, 4), year) ||
      !ParseInt(text.substr(5, 2), month) || !ParseInt(text.substr(8, 2), day)) {
    return std::nullopt;
  }
  const absl::CivilDay parsed(year, month, day);
  // CivilDay normalises 2026-02-30 to 2026-03-02; refuse such dates.
  if (parsed.year() != year || parsed.month() != month || parsed.day() != day) {
    return std::nullopt;
  }
  return parsed;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string FormatMonth(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d", day.year(), day.month());
}

int64_t DaysIn(const Period& period) { return period.end - period.start; }

absl::StatusOr<Period> ParseWindow(absl::string_view period, absl::string_view start_date,
                                   absl::string_view end_date, absl::string_view field_prefix) {
  const auto field = [&](absl::string_view name) { return absl::StrCat(field_prefix, name); };
  if (!period.empty()) {
    if (!start_date.empty() || !end_date.empty()) {
      return InvalidField(field("period"), "give either a period or start and end dates, not both");
    }
    auto parsed = ParsePeriod(period);
    if (!parsed.has_value()) {
      return InvalidField(field("period"),
                          absl::StrCat("'", period,
                                       "' is not a period; use 2026-10-05, 2026-W41, 2026-10, "
                                       "2026-Q4 or 2026"));
    }
    return *parsed;
  }
  FieldViolations violations;
  const std::optional<absl::CivilDay> start = ParseDate(start_date);
  const std::optional<absl::CivilDay> end = ParseDate(end_date);
  if (start_date.empty() && end_date.empty()) {
    violations.Add(field("period"), "is required (or start_date and end_date)");
  } else {
    if (!start.has_value()) violations.Add(field("start_date"), "must be a date, YYYY-MM-DD");
    if (!end.has_value()) violations.Add(field("end_date"), "must be a date, YYYY-MM-DD");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  if (*end <= *start) {
    return InvalidField(field("end_date"), "must be after start_date (the end is exclusive)");
  }
  if (*end - *start > 366 * 10) {
    return InvalidField(field("end_date"), "must be at most ten years after start_date");
  }
  return Classify(*start, *end);
}

PeriodScheme PeriodScheme::Calendar(absl::TimeZone zone) {
  return PeriodScheme(zone, std::nullopt);
}

PeriodScheme PeriodScheme::ForWindow(absl::TimeZone zone, Period window) {
  return PeriodScheme(zone, window);
}

absl::CivilDay PeriodScheme::DayOf(absl::Time time) const {
  return absl::ToCivilDay(time, zone_);
}

absl::Time PeriodScheme::StartOf(absl::CivilDay day) const { return absl::FromCivil(day, zone_); }

std::vector<Period> PeriodScheme::AdditivePeriods(absl::Time time) const {
  if (window_.has_value()) return {};
  const absl::CivilDay day = DayOf(time);
  return {PeriodOf(Grain::kDay, day), PeriodOf(Grain::kMonth, day)};
}

std::vector<Period> PeriodScheme::WindowPeriods(absl::Time time) const {
  const absl::CivilDay day = DayOf(time);
  if (!window_.has_value()) return CalendarPeriodsOf(day);
  if (window_->start <= day && day < window_->end) return {*window_};
  return {};
}

}  // namespace tandem::metrics
