// Business-time arithmetic: several intervals a day, weekends, holidays,
// and DST changes in America/New_York (2026-03-08 and 2026-11-01) against
// Asia/Tokyo, which has none.
#include "services/support/business_calendar.h"

#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;
using Weekday = v1::BusinessCalendar::Weekday;

// Weekly hours: the same intervals Monday to Friday.
v1::BusinessCalendar Weekdays(const std::string& zone,
                              const std::vector<std::pair<std::string, std::string>>& intervals) {
  v1::BusinessCalendar proto;
  proto.set_name("calendars/01JCAL0000000000000000TEST");
  proto.set_display_name("Office");
  proto.set_time_zone(zone);
  for (int day = v1::BusinessCalendar::MONDAY; day <= v1::BusinessCalendar::FRIDAY; ++day) {
    for (const auto& [start, end] : intervals) {
      v1::BusinessCalendar::Interval& interval = *proto.add_business_hours();
      interval.set_weekday(static_cast<Weekday>(day));
      interval.set_start_time(start);
      interval.set_end_time(end);
    }
  }
  return proto;
}

BusinessCalendar Build(const v1::BusinessCalendar& proto) {
  absl::StatusOr<BusinessCalendar> calendar = BusinessCalendar::FromProto(proto);
  EXPECT_OK(calendar);
  return calendar.ok() ? *calendar : BusinessCalendar::AroundTheClock();
}

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone));
  return zone;
}

// A local wall-clock time in `zone` (unambiguous in these tests).
absl::Time Local(const std::string& zone, int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), Zone(zone));
}

absl::Time Utc(int y, int mo, int d, int h, int mi = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), absl::UTCTimeZone());
}

constexpr char kTokyo[] = "Asia/Tokyo";
constexpr char kNewYork[] = "America/New_York";

// Tokyo office: 09:00-12:00 and 13:00-18:00 (lunch is not business time).
BusinessCalendar TokyoOffice() {
  return Build(Weekdays(kTokyo, {{"09:00", "12:00"}, {"13:00", "18:00"}}));
}
// New York office: 09:00-17:00.
BusinessCalendar NewYorkOffice() { return Build(Weekdays(kNewYork, {{"09:00", "17:00"}})); }

// Time runs across the lunch break of a day with two intervals.
TEST(BusinessCalendarTest, SkipsTheGapBetweenIntervalsOfADay) {
  const BusinessCalendar tokyo = TokyoOffice();
  // Monday 2026-03-02 10:00 + 3h: 10-12 is 2h, then 13:00-14:00.
  EXPECT_EQ(tokyo.AddBusinessTime(Local(kTokyo, 2026, 3, 2, 10), absl::Hours(3)),
            Local(kTokyo, 2026, 3, 2, 14));
  EXPECT_EQ(tokyo.BusinessTimeBetween(Local(kTokyo, 2026, 3, 2, 11), Local(kTokyo, 2026, 3, 2, 14)),
            absl::Hours(2));
}

// Time left at the end of a day carries over to the next morning.
TEST(BusinessCalendarTest, CarriesOverToTheNextBusinessDay) {
  const BusinessCalendar tokyo = TokyoOffice();
  EXPECT_EQ(tokyo.AddBusinessTime(Local(kTokyo, 2026, 3, 2, 17), absl::Hours(3)),
            Local(kTokyo, 2026, 3, 3, 11));
}

// Friday evening plus two hours is Monday morning.
TEST(BusinessCalendarTest, SkipsTheWeekend) {
  const BusinessCalendar tokyo = TokyoOffice();
  EXPECT_EQ(tokyo.AddBusinessTime(Local(kTokyo, 2026, 3, 6, 17), absl::Hours(2)),
            Local(kTokyo, 2026, 3, 9, 10));
  // Starting on a Saturday counts from Monday's opening.
  EXPECT_EQ(tokyo.AddBusinessTime(Local(kTokyo, 2026, 3, 7, 10), absl::Hours(1)),
            Local(kTokyo, 2026, 3, 9, 10));
  EXPECT_EQ(tokyo.BusinessTimeBetween(Local(kTokyo, 2026, 3, 6, 17), Local(kTokyo, 2026, 3, 9, 10)),
            absl::Hours(2));
}

// Golden Week (Monday 2026-05-04 to Wednesday 05-06 off) pushes Friday
// evening's two hours to Thursday, and the skipped dates are reported.
TEST(BusinessCalendarTest, SkipsHolidaysAndReportsThem) {
  v1::BusinessCalendar proto = Weekdays(kTokyo, {{"09:00", "12:00"}, {"13:00", "18:00"}});
  for (const char* date : {"2026-05-06", "2026-05-04", "2026-05-05", "2026-05-09"}) {
    proto.add_holidays()->set_date(date);  // 05-09 is a Saturday: no hours to skip
  }
  const BusinessCalendar tokyo = Build(proto);
  std::vector<absl::CivilDay> skipped;
  EXPECT_EQ(tokyo.AddBusinessTime(Local(kTokyo, 2026, 5, 1, 17), absl::Hours(2), &skipped),
            Local(kTokyo, 2026, 5, 7, 10));
  EXPECT_THAT(skipped, ElementsAre(absl::CivilDay(2026, 5, 4), absl::CivilDay(2026, 5, 5),
                                   absl::CivilDay(2026, 5, 6)));
  EXPECT_EQ(tokyo.BusinessTimeBetween(Local(kTokyo, 2026, 5, 1, 17), Local(kTokyo, 2026, 5, 7, 10)),
            absl::Hours(2));
  EXPECT_FALSE(tokyo.IsBusinessTime(Local(kTokyo, 2026, 5, 5, 10)));
  EXPECT_TRUE(tokyo.IsBusinessTime(Local(kTokyo, 2026, 5, 7, 10)));
  EXPECT_FALSE(tokyo.IsBusinessTime(Local(kTokyo, 2026, 5, 7, 12, 30)));  // lunch
}

// Spring forward (Sunday 2026-03-08): 09:00 stays 09:00 local, so a span
// from Friday 16:00 EST to Monday 10:00 EDT is 2 business hours but only
// 65 real hours.
TEST(BusinessCalendarTest, NewYorkSpringForwardKeepsLocalHours) {
  const BusinessCalendar new_york = NewYorkOffice();
  const absl::Time friday = Local(kNewYork, 2026, 3, 6, 16);
  EXPECT_EQ(friday, Utc(2026, 3, 6, 21));  // EST, UTC-5
  const absl::Time due = new_york.AddBusinessTime(friday, absl::Hours(2));
  EXPECT_EQ(due, Utc(2026, 3, 9, 14));  // 10:00 EDT, UTC-4
  EXPECT_EQ(due - friday, absl::Hours(65));
  EXPECT_EQ(new_york.BusinessTimeBetween(friday, due), absl::Hours(2));
}

// Fall back (Sunday 2026-11-01): Friday 16:00 EDT + 2h is Monday 10:00 EST.
TEST(BusinessCalendarTest, NewYorkFallBackKeepsLocalHours) {
  const BusinessCalendar new_york = NewYorkOffice();
  const absl::Time friday = Local(kNewYork, 2026, 10, 30, 16);
  EXPECT_EQ(friday, Utc(2026, 10, 30, 20));  // EDT
  const absl::Time due = new_york.AddBusinessTime(friday, absl::Hours(2));
  EXPECT_EQ(due, Utc(2026, 11, 2, 15));  // 10:00 EST
  EXPECT_EQ(due - friday, absl::Hours(67));
}

// A whole-day interval on the DST Sundays lasts 23 and 25 real hours, and
// an interval starting in the skipped hour starts when the gap ends.
TEST(BusinessCalendarTest, DstDaysHaveTheirRealLength) {
  v1::BusinessCalendar proto;
  proto.set_display_name("Sundays");
  proto.set_time_zone(kNewYork);
  auto* all_day = proto.add_business_hours();
  all_day->set_weekday(v1::BusinessCalendar::SUNDAY);
  all_day->set_start_time("00:00");
  all_day->set_end_time("24:00");
  const BusinessCalendar sundays = Build(proto);
  EXPECT_EQ(
      sundays.BusinessTimeBetween(Local(kNewYork, 2026, 3, 7, 12), Local(kNewYork, 2026, 3, 10, 0)),
      absl::Hours(23));
  EXPECT_EQ(sundays.BusinessTimeBetween(Local(kNewYork, 2026, 10, 31, 12),
                                        Local(kNewYork, 2026, 11, 3, 0)),
            absl::Hours(25));
  EXPECT_EQ(sundays.AddBusinessTime(Local(kNewYork, 2026, 3, 8, 0), absl::Hours(23)),
            Local(kNewYork, 2026, 3, 9, 0));

  v1::BusinessCalendar night;
  night.set_display_name("Night shift");
  night.set_time_zone(kNewYork);
  auto* early = night.add_business_hours();
  early->set_weekday(v1::BusinessCalendar::SUNDAY);
  early->set_start_time("02:30");  // does not exist on 2026-03-08
  early->set_end_time("04:00");
  const BusinessCalendar shift = Build(night);
  EXPECT_EQ(shift.BusinessTimeBetween(Utc(2026, 3, 8, 0), Utc(2026, 3, 9, 0)), absl::Hours(1));
  EXPECT_EQ(shift.AddBusinessTime(Utc(2026, 3, 8, 0), absl::Minutes(1)),
            Utc(2026, 3, 8, 7) + absl::Minutes(1));  // 03:00 EDT is 07:00Z
}

// A year of targets is answered by whole weeks: 52 weeks of 40 hours from
// a Monday opening end at the 52nd Friday's closing.
TEST(BusinessCalendarTest, LongSpansCountWholeWeeks) {
  const BusinessCalendar tokyo = TokyoOffice();  // 8h a day, 40h a week
  EXPECT_EQ(tokyo.weekly_business_time(), absl::Hours(40));
  const absl::Time monday = Local(kTokyo, 2026, 1, 5, 9);
  const absl::Time due = tokyo.AddBusinessTime(monday, absl::Hours(40 * 52));
  EXPECT_EQ(due, Local(kTokyo, 2027, 1, 1, 18));  // the 52nd Friday
  EXPECT_EQ(tokyo.BusinessTimeBetween(monday, due), absl::Hours(40 * 52));
}

// Over a year of New York hours with holidays, the two functions agree
// with each other and with a day-by-day sum, whatever the start (the
// whole-week shortcut must not change any answer, DST weeks included).
TEST(BusinessCalendarTest, AddAndBetweenAgreeAcrossDstAndHolidays) {
  v1::BusinessCalendar proto = Weekdays(kNewYork, {{"08:30", "12:00"}, {"13:00", "17:45"}});
  for (const char* date : {"2026-01-01", "2026-05-25", "2026-07-03", "2026-11-26", "2026-12-25"}) {
    proto.add_holidays()->set_date(date);
  }
  const BusinessCalendar new_york = Build(proto);
  std::mt19937_64 random(20261101);
  const absl::Time year_start = Utc(2026, 1, 1, 0);
  for (int i = 0; i < 200; ++i) {
    const absl::Time start = year_start + absl::Minutes(random() % (365 * 24 * 60));
    const absl::Duration duration = absl::Minutes(1 + random() % (600 * 60));
    const absl::Time end = new_york.AddBusinessTime(start, duration);
    ASSERT_EQ(new_york.BusinessTimeBetween(start, end), duration)
        << "start " << start << " duration " << duration;
    absl::Duration by_day = absl::ZeroDuration();
    for (absl::Time t = start; t < end; t += absl::Hours(24)) {
      by_day += new_york.BusinessTimeBetween(t, std::min(end, t + absl::Hours(24)));
    }
    ASSERT_EQ(by_day, duration) << "start " << start;
  }
}

// A calendar open all day every day counts exactly real time, also over
// weeks that hold a DST change (where a week is 167 or 169 hours).
TEST(BusinessCalendarTest, AllDayCalendarCountsRealTimeAcrossDstWeeks) {
  v1::BusinessCalendar proto;
  proto.set_display_name("Always");
  proto.set_time_zone(kNewYork);
  for (int day = v1::BusinessCalendar::MONDAY; day <= v1::BusinessCalendar::SUNDAY; ++day) {
    auto* interval = proto.add_business_hours();
    interval->set_weekday(static_cast<Weekday>(day));
    interval->set_start_time("00:00");
    interval->set_end_time("24:00");
  }
  const BusinessCalendar always = Build(proto);
  EXPECT_EQ(always.weekly_business_time(), absl::Hours(168));
  for (absl::Time start : {Utc(2026, 1, 1, 5), Utc(2026, 2, 20, 13), Utc(2026, 9, 30, 0)}) {
    for (absl::Duration span : {absl::Hours(24 * 30), absl::Hours(24 * 60 + 7)}) {
      EXPECT_EQ(always.AddBusinessTime(start, span), start + span) << start;
      EXPECT_EQ(always.BusinessTimeBetween(start, start + span), span) << start;
    }
  }
}

// Without a calendar every second counts.
TEST(BusinessCalendarTest, AroundTheClockCountsEverySecond) {
  const BusinessCalendar always = BusinessCalendar::AroundTheClock();
  EXPECT_TRUE(always.around_the_clock());
  EXPECT_EQ(always.AddBusinessTime(Utc(2026, 3, 7, 23), absl::Hours(5)), Utc(2026, 3, 8, 4));
  EXPECT_EQ(always.BusinessTimeBetween(Utc(2026, 3, 7, 23), Utc(2026, 3, 8, 4)), absl::Hours(5));
  EXPECT_EQ(always.AddBusinessTime(Utc(2026, 3, 7, 23), absl::ZeroDuration()), Utc(2026, 3, 7, 23));
}

// Zero or negative durations and reversed spans count nothing.
TEST(BusinessCalendarTest, EmptySpansCountNothing) {
  const BusinessCalendar tokyo = TokyoOffice();
  const absl::Time t = Local(kTokyo, 2026, 3, 7, 10);  // a Saturday
  EXPECT_EQ(tokyo.AddBusinessTime(t, absl::ZeroDuration()), t);
  EXPECT_EQ(tokyo.AddBusinessTime(t, -absl::Hours(1)), t);
  EXPECT_EQ(tokyo.BusinessTimeBetween(t, t - absl::Hours(1)), absl::ZeroDuration());
}

std::vector<std::string> ViolatedFields(const v1::BusinessCalendar& proto) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(BusinessCalendar::FromProto(proto).status())) {
    fields.push_back(v.field);
  }
  return fields;
}

// Each malformed part of a calendar is named in a field violation.
TEST(BusinessCalendarTest, RejectsMalformedCalendarsFieldByField) {
  v1::BusinessCalendar good = Weekdays(kTokyo, {{"09:00", "12:00"}, {"13:00", "18:00"}});
  EXPECT_OK(BusinessCalendar::FromProto(good));

  for (const char* zone :
       {"", "Mars/Olympus", "/etc/passwd", "../etc/passwd", "localtime", "Asia//Tokyo"}) {
    v1::BusinessCalendar bad = good;
    bad.set_time_zone(zone);
    EXPECT_THAT(ViolatedFields(bad), ElementsAre("calendar.time_zone")) << zone;
  }
  v1::BusinessCalendar overlap = good;
  overlap.mutable_business_hours(1)->set_start_time("11:00");  // Monday 11:00-18:00 vs 09:00-12:00
  EXPECT_THAT(ViolatedFields(overlap), ElementsAre("calendar.business_hours[1]"));

  v1::BusinessCalendar clocks = good;
  clocks.mutable_business_hours(0)->set_start_time("9:00");
  clocks.mutable_business_hours(2)->set_end_time("24:30");
  clocks.mutable_business_hours(4)->set_start_time("24:00");
  clocks.mutable_business_hours(6)->set_end_time("08:00");  // before its start
  clocks.mutable_business_hours(8)->set_weekday(v1::BusinessCalendar::WEEKDAY_UNSPECIFIED);
  EXPECT_THAT(
      ViolatedFields(clocks),
      ElementsAre("calendar.business_hours[0].start_time", "calendar.business_hours[2].end_time",
                  "calendar.business_hours[4].start_time", "calendar.business_hours[6].end_time",
                  "calendar.business_hours[8].weekday"));

  v1::BusinessCalendar holidays = good;
  holidays.add_holidays()->set_date("2026-02-30");
  holidays.add_holidays()->set_date("2026-01-01");
  holidays.add_holidays()->set_date("2026-01-01");
  holidays.add_holidays()->set_date("2026-1-2");
  EXPECT_THAT(ViolatedFields(holidays),
              ElementsAre("calendar.holidays[0].date", "calendar.holidays[2].date",
                          "calendar.holidays[3].date"));

  v1::BusinessCalendar empty;
  empty.set_time_zone(kTokyo);
  EXPECT_THAT(ViolatedFields(empty),
              ElementsAre("calendar.display_name", "calendar.business_hours"));
  EXPECT_THAT(BusinessCalendar::FromProto(empty), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Adjacent intervals (12:00-13:00 right after 09:00-12:00) are not an
// overlap, and "24:00" ends a day.
TEST(BusinessCalendarTest, AcceptsAdjacentIntervalsAndEndOfDay) {
  v1::BusinessCalendar proto =
      Weekdays(kTokyo, {{"09:00", "12:00"}, {"12:00", "13:00"}, {"22:00", "24:00"}});
  const BusinessCalendar calendar = Build(proto);
  EXPECT_EQ(calendar.weekly_business_time(), absl::Hours(6 * 5));
  EXPECT_EQ(calendar.AddBusinessTime(Local(kTokyo, 2026, 3, 2, 11), absl::Hours(3)),
            Local(kTokyo, 2026, 3, 2, 23));
}

}  // namespace
}  // namespace tandem::support
