// Days, weeks, months, quarters and years in a tenant's time zone: the
// periods rollups are kept for, and the windows queries ask about.
#ifndef TANDEM_SERVICES_METRICS_CALENDAR_H_
#define TANDEM_SERVICES_METRICS_CALENDAR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace tandem::metrics {

// The length of a period. The numbers are stored in `rollup_cells.grain`.
enum class Grain : int {
  kDay = 1,
  kWeek = 2,  // ISO week, Monday first
  kMonth = 3,
  kQuarter = 4,
  kYear = 5,
  kCustom = 9,  // any other run of whole days (never stored)
};

// A half-open run of whole days `[start, end)` in a tenant's time zone.
struct Period {
  Grain grain = Grain::kDay;
  absl::CivilDay start;
  absl::CivilDay end;

  friend bool operator==(const Period& a, const Period& b) {
    return a.grain == b.grain && a.start == b.start && a.end == b.end;
  }
  friend bool operator<(const Period& a, const Period& b) {
    if (a.grain != b.grain) return a.grain < b.grain;
    if (a.start != b.start) return a.start < b.start;
    return a.end < b.end;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Period& p) {
    return H::combine(std::move(h), static_cast<int>(p.grain), p.start, p.end);
  }
};

// The calendar period of `grain` (not kCustom) that contains `day`.
Period PeriodOf(Grain grain, absl::CivilDay day);

// The day, week, month, quarter and year that contain `day`, in that order.
std::vector<Period> CalendarPeriodsOf(absl::CivilDay day);

// The calendar period that is exactly `[start, end)`, smallest grain first
// (a one-day window is a kDay period), or a kCustom period if none is.
Period Classify(absl::CivilDay start, absl::CivilDay end);

// Whole months inside `[start, end)` as kMonth periods, and the days before
// the first and after the last whole month as kDay periods: the fewest
// stored periods whose additive measures sum to the window's.
std::vector<Period> AdditiveCover(absl::CivilDay start, absl::CivilDay end);

// The kMonth and kDay periods that together hold every day before `day`
// from `since` on (`since` must be a month's first day): whole months from
// `since` up to `day`'s month, then the days of `day`'s month before `day`.
// A balance at the start of `day` is the sum of its deltas over them.
std::vector<Period> CoverBefore(absl::CivilDay since, absl::CivilDay day);

// Parses a window: `period` ("2026-10-05", "2026-W41", "2026-10",
// "2026-Q4", "2026") or, when `period` is empty, `start_date` and
// `end_date` ("YYYY-MM-DD", end exclusive). Errors are INVALID_ARGUMENT
// naming `field_prefix` + the field ("window.period").
absl::StatusOr<Period> ParseWindow(absl::string_view period, absl::string_view start_date,
                                   absl::string_view end_date,
                                   absl::string_view field_prefix = "window.");

// Parses "YYYY-MM-DD".
std::optional<absl::CivilDay> ParseDate(absl::string_view text);
// Formats "YYYY-MM-DD".
std::string FormatDate(absl::CivilDay day);
// Formats "YYYY-MM" of the day's month.
std::string FormatMonth(absl::CivilDay day);

// Days in `[start, end)`.
int64_t DaysIn(const Period& period);

// Which periods a fact counts in, for one tenant. Rollups use the calendar
// scheme; a query for a window that is not a calendar period recomputes its
// window measures with the window scheme.
class PeriodScheme {
 public:
  // Additive measures in the day and month containing a time; window
  // measures in each of its five calendar periods.
  static PeriodScheme Calendar(absl::TimeZone zone);
  // No additive measures; window measures only in `window`.
  static PeriodScheme ForWindow(absl::TimeZone zone, Period window);

  const absl::TimeZone& zone() const { return zone_; }
  bool is_window() const { return window_.has_value(); }
  const std::optional<Period>& window() const { return window_; }

  // The tenant-local day containing `time`.
  absl::CivilDay DayOf(absl::Time time) const;
  // When `day` starts in the tenant's zone.
  absl::Time StartOf(absl::CivilDay day) const;

  // Periods an additive (flow or balance) measure counts in at `time`: its
  // day and month; none in window mode.
  std::vector<Period> AdditivePeriods(absl::Time time) const;
  // Periods a window measure counts in at `time`: its five calendar periods,
  // or the window if it holds `time` (else none).
  std::vector<Period> WindowPeriods(absl::Time time) const;

 private:
  PeriodScheme(absl::TimeZone zone, std::optional<Period> window)
      : zone_(zone), window_(std::move(window)) {}
  absl::TimeZone zone_;
  std::optional<Period> window_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_CALENDAR_H_
