// Periods and windows in a tenant's zone (services/metrics/calendar.h).
#include "services/metrics/calendar.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem::metrics {
namespace {

using absl::CivilDay;
using ::tandem::testing::IsOkAndHolds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Period P(Grain grain, CivilDay start, CivilDay end) { return Period{grain, start, end}; }

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

// Every period form parses to the calendar period it names.
TEST(MetricsCalendarTest, ParseWindowReadsEveryPeriodForm) {
  EXPECT_THAT(ParseWindow("2026-10-05", "", ""),
              IsOkAndHolds(P(Grain::kDay, CivilDay(2026, 10, 5), CivilDay(2026, 10, 6))));
  EXPECT_THAT(ParseWindow("2026-W41", "", ""),
              IsOkAndHolds(P(Grain::kWeek, CivilDay(2026, 10, 5), CivilDay(2026, 10, 12))));
  EXPECT_THAT(ParseWindow("2026-10", "", ""),
              IsOkAndHolds(P(Grain::kMonth, CivilDay(2026, 10, 1), CivilDay(2026, 11, 1))));
  EXPECT_THAT(ParseWindow("2026-Q4", "", ""),
              IsOkAndHolds(P(Grain::kQuarter, CivilDay(2026, 10, 1), CivilDay(2027, 1, 1))));
  EXPECT_THAT(ParseWindow("2026", "", ""),
              IsOkAndHolds(P(Grain::kYear, CivilDay(2026, 1, 1), CivilDay(2027, 1, 1))));
}

// Dates that happen to bound a calendar period are that period; others are
// custom windows.
TEST(MetricsCalendarTest, ParseWindowClassifiesDateRanges) {
  EXPECT_THAT(ParseWindow("", "2026-03-01", "2026-04-01"),
              IsOkAndHolds(P(Grain::kMonth, CivilDay(2026, 3, 1), CivilDay(2026, 4, 1))));
  EXPECT_THAT(ParseWindow("", "2026-03-02", "2026-03-03"),
              IsOkAndHolds(P(Grain::kDay, CivilDay(2026, 3, 2), CivilDay(2026, 3, 3))));
  EXPECT_THAT(ParseWindow("", "2026-03-02", "2026-03-09"),  // Monday to Monday
              IsOkAndHolds(P(Grain::kWeek, CivilDay(2026, 3, 2), CivilDay(2026, 3, 9))));
  EXPECT_THAT(ParseWindow("", "2026-03-03", "2026-03-10"),  // Tuesday to Tuesday
              IsOkAndHolds(P(Grain::kCustom, CivilDay(2026, 3, 3), CivilDay(2026, 3, 10))));
  EXPECT_THAT(ParseWindow("", "2026-01-01", "2027-01-01"),
              IsOkAndHolds(P(Grain::kYear, CivilDay(2026, 1, 1), CivilDay(2027, 1, 1))));
}

// Bad periods and dates are INVALID_ARGUMENT naming the offending field.
TEST(MetricsCalendarTest, ParseWindowRefusesBadInputNamingTheField) {
  const auto field_of = [](const absl::StatusOr<Period>& result) {
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    auto violations = FieldViolationsOf(result.status());
    return violations.empty() ? std::string() : violations.front().field;
  };
  for (const char* bad :
       {"2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-W00", "2025-W53", "2026-W1", "26",
        "2026-1", "2026-02-30", "2026/10", "x", "2026-10-5", "-2026"}) {
    EXPECT_EQ(field_of(ParseWindow(bad, "", "")), "window.period") << bad;
  }
  EXPECT_EQ(field_of(ParseWindow("2026", "2026-01-01", "")), "window.period");
  EXPECT_EQ(field_of(ParseWindow("", "", "")), "window.period");
  EXPECT_EQ(field_of(ParseWindow("", "2026-1-01", "2026-02-01")), "window.start_date");
  EXPECT_EQ(field_of(ParseWindow("", "2026-01-01", "")), "window.end_date");
  EXPECT_EQ(field_of(ParseWindow("", "2026-02-01", "2026-02-01")), "window.end_date");
  EXPECT_EQ(field_of(ParseWindow("", "2026-02-02", "2026-02-01")), "window.end_date");
  EXPECT_EQ(field_of(ParseWindow("", "2010-01-01", "2026-01-01")), "window.end_date");
  EXPECT_EQ(field_of(ParseWindow("nope", "", "", "request.")), "request.period");
}

// ISO weeks: week 1 holds 4 January, so year ends belong to either side.
TEST(MetricsCalendarTest, IsoWeeksAtYearEnds) {
  // 2026-01-01 is a Thursday: week 1 of 2026 starts Monday 2025-12-29.
  EXPECT_THAT(ParseWindow("2026-W01", "", ""),
              IsOkAndHolds(P(Grain::kWeek, CivilDay(2025, 12, 29), CivilDay(2026, 1, 5))));
  EXPECT_EQ(PeriodOf(Grain::kWeek, CivilDay(2025, 12, 31)).start, CivilDay(2025, 12, 29));
  // 2020 has 53 weeks; its week 53 runs into 2021.
  EXPECT_THAT(ParseWindow("2020-W53", "", ""),
              IsOkAndHolds(P(Grain::kWeek, CivilDay(2020, 12, 28), CivilDay(2021, 1, 4))));
  // 2021-01-01 (a Friday) is in week 53 of 2020; 2021-W01 starts 4 January.
  EXPECT_EQ(PeriodOf(Grain::kWeek, CivilDay(2021, 1, 1)).start, CivilDay(2020, 12, 28));
  EXPECT_THAT(ParseWindow("2021-W01", "", ""),
              IsOkAndHolds(P(Grain::kWeek, CivilDay(2021, 1, 4), CivilDay(2021, 1, 11))));
  // 2026 starts on a Thursday, so it has a week 53; 2025 has none.
  EXPECT_THAT(ParseWindow("2026-W53", "", ""),
              IsOkAndHolds(P(Grain::kWeek, CivilDay(2026, 12, 28), CivilDay(2027, 1, 4))));
  EXPECT_FALSE(ParseWindow("2025-W53", "", "").ok());
}

// Classify returns the smallest calendar period that matches exactly.
TEST(MetricsCalendarTest, ClassifyPrefersTheSmallestMatchingGrain) {
  EXPECT_EQ(Classify(CivilDay(2026, 1, 1), CivilDay(2026, 1, 2)).grain, Grain::kDay);
  EXPECT_EQ(Classify(CivilDay(2026, 1, 5), CivilDay(2026, 1, 12)).grain, Grain::kWeek);
  EXPECT_EQ(Classify(CivilDay(2026, 2, 1), CivilDay(2026, 3, 1)).grain, Grain::kMonth);
  EXPECT_EQ(Classify(CivilDay(2026, 4, 1), CivilDay(2026, 7, 1)).grain, Grain::kQuarter);
  EXPECT_EQ(Classify(CivilDay(2026, 1, 1), CivilDay(2027, 1, 1)).grain, Grain::kYear);
  EXPECT_EQ(Classify(CivilDay(2026, 1, 1), CivilDay(2026, 3, 1)).grain, Grain::kCustom);
  EXPECT_EQ(Classify(CivilDay(2026, 1, 2), CivilDay(2026, 2, 2)).grain, Grain::kCustom);
}

// Whole months are read as month cells, the rest as days, across month and
// year edges.
TEST(MetricsCalendarTest, AdditiveCoverUsesWholeMonthsAndEdgeDays) {
  std::vector<Period> cover = AdditiveCover(CivilDay(2025, 12, 30), CivilDay(2026, 3, 2));
  EXPECT_THAT(cover, ElementsAre(PeriodOf(Grain::kDay, CivilDay(2025, 12, 30)),
                                 PeriodOf(Grain::kDay, CivilDay(2025, 12, 31)),
                                 PeriodOf(Grain::kMonth, CivilDay(2026, 1, 1)),
                                 PeriodOf(Grain::kMonth, CivilDay(2026, 2, 1)),
                                 PeriodOf(Grain::kDay, CivilDay(2026, 3, 1))));
  // A window inside one month is only days.
  cover = AdditiveCover(CivilDay(2026, 2, 27), CivilDay(2026, 3, 1));
  EXPECT_THAT(cover, ElementsAre(PeriodOf(Grain::kDay, CivilDay(2026, 2, 27)),
                                 PeriodOf(Grain::kDay, CivilDay(2026, 2, 28))));
  // Every day of the window is covered exactly once.
  for (int offset = 0; offset < 40; ++offset) {
    const CivilDay start = CivilDay(2024, 1, 20) + offset * 3;
    const CivilDay end = start + 17 + offset * 11;
    std::map<CivilDay, int> covered;
    for (const Period& period : AdditiveCover(start, end)) {
      EXPECT_TRUE(period.grain == Grain::kDay || period.grain == Grain::kMonth);
      for (CivilDay day = period.start; day < period.end; ++day) ++covered[day];
    }
    ASSERT_EQ(static_cast<int64_t>(covered.size()), end - start);
    EXPECT_EQ(covered.begin()->first, start);
    for (const auto& [day, times] : covered) EXPECT_EQ(times, 1) << FormatDate(day);
  }
  EXPECT_THAT(AdditiveCover(CivilDay(2026, 1, 1), CivilDay(2026, 1, 1)), IsEmpty());
}

// A balance at the start of a day sums whole months since the first, then
// the days of the day's month before it.
TEST(MetricsCalendarTest, CoverBeforeSumsMonthsThenDays) {
  EXPECT_THAT(CoverBefore(CivilDay(2026, 1, 1), CivilDay(2026, 3, 3)),
              ElementsAre(PeriodOf(Grain::kMonth, CivilDay(2026, 1, 1)),
                          PeriodOf(Grain::kMonth, CivilDay(2026, 2, 1)),
                          PeriodOf(Grain::kDay, CivilDay(2026, 3, 1)),
                          PeriodOf(Grain::kDay, CivilDay(2026, 3, 2))));
  EXPECT_THAT(CoverBefore(CivilDay(2026, 1, 1), CivilDay(2026, 3, 1)),
              ElementsAre(PeriodOf(Grain::kMonth, CivilDay(2026, 1, 1)),
                          PeriodOf(Grain::kMonth, CivilDay(2026, 2, 1))));
  // Nothing happened before the first month.
  EXPECT_THAT(CoverBefore(CivilDay(2026, 1, 1), CivilDay(2026, 1, 1)), IsEmpty());
  EXPECT_THAT(CoverBefore(CivilDay(2026, 1, 1), CivilDay(2025, 6, 1)), IsEmpty());
}

// Days start at local midnight, so a DST change makes a 23- or 25-hour day,
// and a time belongs to the local day it falls in.
TEST(MetricsCalendarTest, DaysFollowTheZoneAcrossDaylightSaving) {
  const PeriodScheme paris = PeriodScheme::Calendar(Zone("Europe/Paris"));
  EXPECT_EQ(paris.StartOf(CivilDay(2026, 3, 30)) - paris.StartOf(CivilDay(2026, 3, 29)),
            absl::Hours(23));
  EXPECT_EQ(paris.StartOf(CivilDay(2026, 10, 26)) - paris.StartOf(CivilDay(2026, 10, 25)),
            absl::Hours(25));
  // 23:30 UTC on 31 March is already 1 April in Paris (UTC+2).
  const absl::Time late =
      absl::FromCivil(absl::CivilSecond(2026, 3, 31, 23, 30, 0), absl::UTCTimeZone());
  EXPECT_EQ(paris.DayOf(late), CivilDay(2026, 4, 1));
  EXPECT_THAT(paris.AdditivePeriods(late),
              ElementsAre(PeriodOf(Grain::kDay, CivilDay(2026, 4, 1)),
                          PeriodOf(Grain::kMonth, CivilDay(2026, 4, 1))));
  // Santiago skipped midnight on 2022-09-11 (clocks went 00:00 → 01:00):
  // that day starts at 01:00 local, the first instant that is on it.
  const PeriodScheme santiago = PeriodScheme::Calendar(Zone("America/Santiago"));
  const absl::Time start = santiago.StartOf(CivilDay(2022, 9, 11));
  EXPECT_EQ(santiago.DayOf(start), CivilDay(2022, 9, 11));
  EXPECT_EQ(santiago.DayOf(start - absl::Seconds(1)), CivilDay(2022, 9, 10));
}

// A window scheme counts window measures only in the window, and no
// additive measure at all.
TEST(MetricsCalendarTest, WindowSchemeCountsOnlyInsideTheWindow) {
  const Period window = P(Grain::kCustom, CivilDay(2026, 3, 3), CivilDay(2026, 3, 10));
  const PeriodScheme scheme = PeriodScheme::ForWindow(absl::UTCTimeZone(), window);
  const auto at = [](CivilDay day) { return absl::FromCivil(day, absl::UTCTimeZone()); };
  EXPECT_THAT(scheme.WindowPeriods(at(CivilDay(2026, 3, 3))), ElementsAre(window));
  EXPECT_THAT(scheme.WindowPeriods(at(CivilDay(2026, 3, 10))), IsEmpty());
  EXPECT_THAT(scheme.AdditivePeriods(at(CivilDay(2026, 3, 5))), IsEmpty());
  const PeriodScheme calendar = PeriodScheme::Calendar(absl::UTCTimeZone());
  EXPECT_THAT(calendar.WindowPeriods(at(CivilDay(2026, 3, 5))),
              ElementsAre(PeriodOf(Grain::kDay, CivilDay(2026, 3, 5)),
                          PeriodOf(Grain::kWeek, CivilDay(2026, 3, 5)),
                          PeriodOf(Grain::kMonth, CivilDay(2026, 3, 5)),
                          PeriodOf(Grain::kQuarter, CivilDay(2026, 3, 5)),
                          PeriodOf(Grain::kYear, CivilDay(2026, 3, 5))));
}

}  // namespace
}  // namespace tandem::metrics
