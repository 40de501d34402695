// Business time: when a support team works (weekly hours in a time zone,
// minus holidays), and the arithmetic SLA clocks need on it.
//
// Hours are local wall-clock time. On a day a DST change falls inside an
// interval, the interval keeps its wall-clock ends, so its real length
// changes (00:00-08:00 lasts 9 hours on the night clocks go back). A local
// time that does not exist (inside a spring-forward gap) means the moment
// the gap ends; one that happens twice (inside a fall-back overlap) means
// its first occurrence.
//
//   ASSIGN_OR_RETURN(BusinessCalendar tokyo, BusinessCalendar::FromProto(proto));
//   absl::Time due = tokyo.AddBusinessTime(created, absl::Hours(8));
//   absl::Duration used = tokyo.BusinessTimeBetween(created, now);
#ifndef TANDEM_SERVICES_SUPPORT_BUSINESS_CALENDAR_H_
#define TANDEM_SERVICES_SUPPORT_BUSINESS_CALENDAR_H_

#include <array>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "tandem/support/v1/sla.pb.h"

namespace tandem::support {

// A validated business calendar, ready for arithmetic. Cheap to copy;
// immutable; safe to share between threads.
class BusinessCalendar {
 public:
  // Returns the calendar of a policy without one: every second counts.
  static BusinessCalendar AroundTheClock();

  // Validates `proto` (see Validate) and builds the calendar; errors are
  // INVALID_ARGUMENT with field violations under `field`.
  static absl::StatusOr<BusinessCalendar> FromProto(const v1::BusinessCalendar& proto,
                                                    absl::string_view field = "calendar");

  // Adds to `violations` everything wrong with `proto`'s display name, time
  // zone, hours and holidays, as "<field>.<name>" (e.g.
  // "calendar.business_hours[2]").
  static void Validate(const v1::BusinessCalendar& proto, absl::string_view field,
                       FieldViolations& violations);

  // Puts a valid calendar in its stored form: hours by weekday then start,
  // holidays by date.
  static void Normalize(v1::BusinessCalendar& proto);

  // True for the 24x7 calendar.
  bool around_the_clock() const { return around_the_clock_; }
  // The resource name, `calendars/{id}`; empty for 24x7.
  const std::string& name() const { return name_; }
  // The IANA time zone name ("UTC" for 24x7).
  const std::string& time_zone_name() const { return time_zone_name_; }
  // The time zone.
  const absl::TimeZone& time_zone() const { return time_zone_; }
  // Business time in a week without holidays or DST changes.
  absl::Duration weekly_business_time() const { return weekly_; }

  // Returns the moment `duration` of business time after `start`: the end
  // of the business second that uses up the duration. A duration <= 0
  // returns `start`. Counts whole weeks at once where no holiday or DST
  // change falls, so long spans cost little. Dates it passed that were
  // holidays with hours are appended to `holidays_skipped` if given.
  absl::Time AddBusinessTime(absl::Time start, absl::Duration duration,
                             std::vector<absl::CivilDay>* holidays_skipped = nullptr) const;

  // Returns the business time inside [from, to); zero if to <= from.
  // Holidays with hours inside the span go to `holidays_skipped` if given.
  absl::Duration BusinessTimeBetween(absl::Time from, absl::Time to,
                                     std::vector<absl::CivilDay>* holidays_skipped = nullptr) const;

  // Returns true if `t` is inside business hours.
  bool IsBusinessTime(absl::Time t) const;

 private:
  // A stretch of one day, in minutes after local midnight: [start, end).
  struct Span {
    int start = 0;
    int end = 0;
  };

  BusinessCalendar() = default;

  // The instant the local clock of this calendar first shows `minute`.
  absl::Time LocalInstant(absl::CivilMinute minute) const;
  absl::CivilDay LocalDay(absl::Time t) const;
  bool IsHoliday(absl::CivilDay day) const;
  // True if the week starting on `day` holds no holiday and no change of
  // UTC offset, so its business time is exactly weekly_business_time().
  bool IsPlainWeek(absl::CivilDay day) const;
  const std::vector<Span>& HoursOn(absl::CivilDay day) const;

  bool around_the_clock_ = true;
  std::string name_;
  std::string time_zone_name_ = "UTC";
  absl::TimeZone time_zone_ = absl::UTCTimeZone();
  std::array<std::vector<Span>, 7> hours_;  // Monday first, as absl::Weekday
  std::vector<absl::CivilDay> holidays_;    // sorted
  absl::Duration weekly_ = absl::Hours(24 * 7);
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_BUSINESS_CALENDAR_H_
