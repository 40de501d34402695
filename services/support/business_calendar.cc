#include "services/support/business_calendar.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxTimeZone = 64;
constexpr int kMaxIntervals = 70;
constexpr int kMaxHolidays = 1000;
constexpr size_t kMaxHolidayDescription = 200;
constexpr int kMinutesPerDay = 24 * 60;
// More local days than any sane target needs (a year of business time in a
// calendar of one hour a week is 61 years); past it the answer is "never".
constexpr int kMaxDaysScanned = 400000;

// Parses "HH:MM" into minutes after midnight; "24:00" only if `allow_end`.
std::optional<int> ParseClock(absl::string_view text, bool allow_end) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (int i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (minutes > 59) return std::nullopt;
  if (hours == 24 && minutes == 0 && allow_end) return kMinutesPerDay;
  if (hours > 23) return std::nullopt;
  return hours * 60 + minutes;
}

// Parses a strict "YYYY-MM-DD".
std::optional<absl::CivilDay> ParseDate(absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      absl::FormatCivilTime(day) != text) {
    return std::nullopt;
  }
  return day;
}

// An IANA name such as "America/Argentina/Buenos_Aires" or "UTC". The
// shape check keeps file paths and the special "localtime" away from the
// time zone loader, which would otherwise read them.
bool LooksLikeZoneName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxTimeZone || name == "localtime") return false;
  bool start_of_part = true;
  for (char c : name) {
    if (c == '/') {
      if (start_of_part) return false;
      start_of_part = true;
      continue;
    }
    const bool letter = absl::ascii_isalpha(static_cast<unsigned char>(c));
    if (start_of_part && !letter) return false;
    if (!letter && !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_' && c != '-' &&
        c != '+') {
      return false;
    }
    start_of_part = false;
  }
  return !start_of_part;
}

}  // namespace

BusinessCalendar BusinessCalendar::AroundTheClock() { return BusinessCalendar(); }

void BusinessCalendar::Validate(const v1::BusinessCalendar& proto, absl::string_view field,
                                FieldViolations& violations) {
  const std::string prefix = absl::StrCat(field, ".");
  const absl::string_view display_name = absl::StripAsciiWhitespace(proto.display_name());
  if (display_name.empty()) {
    violations.Add(prefix + "display_name", "is required");
  } else if (proto.display_name().size() > kMaxDisplayName) {
    violations.Add(prefix + "display_name",
                   absl::StrCat("must be at most ", kMaxDisplayName, " bytes"));
  }
  absl::TimeZone zone;
  if (proto.time_zone().empty()) {
    violations.Add(prefix + "time_zone", "is required, e.g. \"Asia/Tokyo\"");
  } else if (!LooksLikeZoneName(proto.time_zone()) ||
             !absl::LoadTimeZone(proto.time_zone(), &zone)) {
    violations.Add(prefix + "time_zone", "is not a known IANA time zone, e.g. \"Asia/Tokyo\"");
  }

  if (proto.business_hours_size() == 0) {
    violations.Add(prefix + "business_hours", "must have at least one interval");
  } else if (proto.business_hours_size() > kMaxIntervals) {
    violations.Add(prefix + "business_hours",
                   absl::StrCat("must have at most ", kMaxIntervals, " intervals"));
  }
  // (weekday, start, end, index) of the well-formed intervals, to find
  // overlaps.
  std::vector<std::tuple<int, int, int, int>> spans;
  for (int i = 0; i < proto.business_hours_size(); ++i) {
    const v1::BusinessCalendar::Interval& interval = proto.business_hours(i);
    const std::string at = absl::StrCat(prefix, "business_hours[", i, "]");
    const bool weekday_ok = v1::BusinessCalendar::Weekday_IsValid(interval.weekday()) &&
                            interval.weekday() != v1::BusinessCalendar::WEEKDAY_UNSPECIFIED;
    if (!weekday_ok) violations.Add(at + ".weekday", "must be MONDAY to SUNDAY");
    const std::optional<int> start = ParseClock(interval.start_time(), /*allow_end=*/false);
    const std::optional<int> end = ParseClock(interval.end_time(), /*allow_end=*/true);
    if (!start.has_value()) violations.Add(at + ".start_time", "must be \"HH:MM\", 00:00 to 23:59");
    if (!end.has_value()) violations.Add(at + ".end_time", "must be \"HH:MM\", up to 24:00");
    if (start.has_value() && end.has_value()) {
      if (*end <= *start) {
        violations.Add(at + ".end_time", "must be after start_time");
      } else if (weekday_ok) {
        spans.emplace_back(interval.weekday(), *start, *end, i);
      }
    }
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i) {
    const auto& [weekday, start, end, index] = spans[i];
    const auto& [previous_weekday, previous_start, previous_end, previous_index] = spans[i - 1];
    if (weekday == previous_weekday && start < previous_end) {
      violations.Add(absl::StrCat(prefix, "business_hours[", index, "]"),
                     absl::StrCat("overlaps business_hours[", previous_index, "]"));
    }
  }

  if (proto.holidays_size() > kMaxHolidays) {
    violations.Add(prefix + "holidays", absl::StrCat("must have at most ", kMaxHolidays, " dates"));
  }
  std::set<absl::CivilDay> seen;
  for (int i = 0; i < proto.holidays_size(); ++i) {
    const std::string at = absl::StrCat(prefix, "holidays[", i, "]");
    const std::optional<absl::CivilDay> day = ParseDate(proto.holidays(i).date());
    if (!day.has_value() || day->year() < 1970 || day->year() > 2200) {
      violations.Add(at + ".date", "must be a date \"YYYY-MM-DD\" between 1970 and 2200");
    } else if (!seen.insert(*day).second) {
      violations.Add(at + ".date", "is listed twice");
    }
    if (proto.holidays(i).description().size() > kMaxHolidayDescription) {
      violations.Add(at + ".description",
                     absl::StrCat("must be at most ", kMaxHolidayDescription, " bytes"));
    }
  }
}

void BusinessCalendar::Normalize(v1::BusinessCalendar& proto) {
  proto.set_display_name(std::string(absl::StripAsciiWhitespace(proto.display_name())));
  auto& hours = *proto.mutable_business_hours();
  std::sort(hours.begin(), hours.end(), [](const auto& a, const auto& b) {
    return std::make_pair(static_cast<int>(a.weekday()), a.start_time()) <
           std::make_pair(static_cast<int>(b.weekday()), b.start_time());
  });
  auto& holidays = *proto.mutable_holidays();
  std::sort(holidays.begin(), holidays.end(),
            [](const auto& a, const auto& b) { return a.date() < b.date(); });
}

absl::StatusOr<BusinessCalendar> BusinessCalendar::FromProto(const v1::BusinessCalendar& proto,
                                                             absl::string_view field) {
  FieldViolations violations;
  Validate(proto, field, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  BusinessCalendar calendar;
  calendar.around_the_clock_ = false;
  calendar.name_ = proto.name();
  calendar.time_zone_name_ = proto.time_zone();
  absl::LoadTimeZone(proto.time_zone(), &calendar.time_zone_);
  calendar.weekly_ = absl::ZeroDuration();
  for (const v1::BusinessCalendar::Interval& interval : proto.business_hours()) {
    std::vector<Span>& day = calendar.hours_[interval.weekday() - 1];
    day.push_back(
        {*ParseClock(interval.start_time(), false), *ParseClock(interval.end_time(), true)});
    calendar.weekly_ += absl::Minutes(day.back().end - day.back().start);
  }
  for (std::vector<Span>& day : calendar.hours_) {
    std::sort(day.begin(), day.end(), [](Span a, Span b) { return a.start < b.start; });
  }
  for (const v1::BusinessCalendar::Holiday& holiday : proto.holidays()) {
    calendar.holidays_.push_back(*ParseDate(holiday.date()));
  }
  std::sort(calendar.holidays_.begin(), calendar.holidays_.end());
  return calendar;
}

absl::Time BusinessCalendar::LocalInstant(absl::CivilMinute minute) const {
  const absl::TimeZone::TimeInfo info = time_zone_.At(absl::CivilSecond(minute));
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.trans : info.pre;
}

absl::CivilDay BusinessCalendar::LocalDay(absl::Time t) const {
  return absl::CivilDay(time_zone_.At(t).cs);
}

bool BusinessCalendar::IsHoliday(absl::CivilDay day) const {
  return std::binary_search(holidays_.begin(), holidays_.end(), day);
}

const std::vector<BusinessCalendar::Span>& BusinessCalendar::HoursOn(absl::CivilDay day) const {
  return hours_[static_cast<int>(absl::GetWeekday(day))];
}

bool BusinessCalendar::IsPlainWeek(absl::CivilDay day) const {
  auto holiday = std::lower_bound(holidays_.begin(), holidays_.end(), day);
  if (holiday != holidays_.end() && *holiday < day + 7) return false;
  // Any offset change from a day before to a day after the week makes the
  // week irregular; the margin absorbs where exactly "midnight" falls.
  absl::TimeZone::CivilTransition transition;
  if (!time_zone_.NextTransition(LocalInstant(absl::CivilMinute(day - 1)), &transition)) {
    return true;
  }
  return transition.from > absl::CivilSecond(day + 8);
}

absl::Time BusinessCalendar::AddBusinessTime(absl::Time start, absl::Duration duration,
                                             std::vector<absl::CivilDay>* holidays_skipped) const {
  if (duration <= absl::ZeroDuration()) return start;
  if (around_the_clock_) return start + duration;
  absl::Duration remaining = duration;
  absl::CivilDay day = LocalDay(start);
  for (int scanned = 0; scanned < kMaxDaysScanned; ++scanned) {
    // A whole plain week that does not use the duration up is skipped in
    // one step.
    if (remaining > weekly_ && LocalInstant(absl::CivilMinute(day)) >= start && IsPlainWeek(day)) {
      remaining -= weekly_;
      day += 7;
      continue;
    }
    const std::vector<Span>& hours = HoursOn(day);
    if (IsHoliday(day)) {
      if (holidays_skipped != nullptr && !hours.empty()) holidays_skipped->push_back(day);
      ++day;
      continue;
    }
    const absl::CivilMinute midnight(day);
    for (const Span& span : hours) {
      const absl::Time open = std::max(start, LocalInstant(midnight + span.start));
      const absl::Time close = LocalInstant(midnight + span.end);
      if (close <= open) continue;
      if (close - open >= remaining) return open + remaining;
      remaining -= close - open;
    }
    ++day;
  }
  return absl::InfiniteFuture();
}

absl::Duration BusinessCalendar::BusinessTimeBetween(
    absl::Time from, absl::Time to, std::vector<absl::CivilDay>* holidays_skipped) const {
  if (to <= from) return absl::ZeroDuration();
  if (around_the_clock_) return to - from;
  absl::Duration total = absl::ZeroDuration();
  const absl::CivilDay last = LocalDay(to);
  for (absl::CivilDay day = LocalDay(from); day <= last;) {
    if (LocalInstant(absl::CivilMinute(day)) >= from &&
        LocalInstant(absl::CivilMinute(day + 7)) <= to && IsPlainWeek(day)) {
      total += weekly_;
      day += 7;
      continue;
    }
    const std::vector<Span>& hours = HoursOn(day);
    if (IsHoliday(day)) {
      if (holidays_skipped != nullptr && !hours.empty()) holidays_skipped->push_back(day);
      ++day;
      continue;
    }
    const absl::CivilMinute midnight(day);
    for (const Span& span : hours) {
      const absl::Time open = std::max(from, LocalInstant(midnight + span.start));
      const absl::Time close = std::min(to, LocalInstant(midnight + span.end));
      if (close > open) total += close - open;
    }
    ++day;
  }
  return total;
}

bool BusinessCalendar::IsBusinessTime(absl::Time t) const {
  if (around_the_clock_) return true;
  const absl::CivilDay day = LocalDay(t);
  if (IsHoliday(day)) return false;
  const absl::CivilMinute midnight(day);
  for (const Span& span : HoursOn(day)) {
    if (LocalInstant(midnight + span.start) <= t && t < LocalInstant(midnight + span.end)) {
      return true;
    }
  }
  return false;
}

}  // namespace tandem::support
