// The pure rules of product usage: validating ingested events, folding a
// batch into rollup increments, UTC days and windows, and usage facts into
// health signals and adoption.
#include "services/success/usage_rules.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/proto_time.h"
#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

// 2026-11-22T10:30:00Z.
const absl::Time kNow = absl::FromUnixSeconds(1'795'343'400);
constexpr absl::Duration kDay = absl::Hours(24);

const std::string& AccountName() {
  static const std::string* const kName = new std::string("accounts/" + NewIdAt(kNow));
  return *kName;
}

v1::UsageEvent Event(const std::string& id, const std::string& feature, const std::string& user,
                     absl::Time time, int64_t count = 1) {
  v1::UsageEvent event;
  event.set_event_id(id);
  event.set_account(AccountName());
  event.set_feature(feature);
  event.set_user(user);
  event.set_count(count);
  *event.mutable_event_time() = ToProtoTime(time);
  return event;
}

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& violation : FieldViolationsOf(status))
    fields.push_back(violation.field);
  return fields;
}

TEST(UsageRulesTest, ValidEventsBecomeRecordsWithTheirDay) {
  google::protobuf::RepeatedPtrField<v1::UsageEvent> events;
  *events.Add() = Event("e1", "reports.export", "u1", kNow - absl::Hours(24 * 400), 0);
  ASSERT_OK_AND_ASSIGN(std::vector<UsageRecord> records, ValidateUsageEvents(events, kNow));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].count, 1);  // 0 means 1
  EXPECT_EQ(records[0].account_id, AccountName().substr(9));
  EXPECT_EQ(records[0].day, DayStart(kNow - absl::Hours(24 * 400)));
}

TEST(UsageRulesTest, EveryBadFieldIsNamedWithItsIndex) {
  google::protobuf::RepeatedPtrField<v1::UsageEvent> events;
  *events.Add() = Event("ok", "f", "u", kNow);
  v1::UsageEvent bad = Event("has space", "bad feature!", "", kNow + absl::Hours(25), -1);
  bad.set_account("tickets/1");
  *events.Add() = bad;
  v1::UsageEvent no_time = Event("", "f", "u", kNow);
  no_time.clear_event_time();
  *events.Add() = no_time;
  const absl::Status status = ValidateUsageEvents(events, kNow).status();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fields(status),
              UnorderedElementsAre("events[1].event_id", "events[1].account", "events[1].feature",
                                   "events[1].user", "events[1].count", "events[1].event_time",
                                   "events[2].event_id", "events[2].event_time"));
}

TEST(UsageRulesTest, BatchesHoldOneToAThousandEvents) {
  google::protobuf::RepeatedPtrField<v1::UsageEvent> events;
  EXPECT_THAT(Fields(ValidateUsageEvents(events, kNow).status()), ElementsAre("events"));
  for (int i = 0; i <= kMaxUsageBatch; ++i)
    *events.Add() = Event(absl::StrCat("e", i), "f", "u", kNow);
  EXPECT_THAT(Fields(ValidateUsageEvents(events, kNow).status()), ElementsAre("events"));
  events.RemoveLast();
  EXPECT_OK(ValidateUsageEvents(events, kNow).status());
}

TEST(UsageRulesTest, EventTimesUpToADayAheadAndBackTo2000AreAccepted) {
  google::protobuf::RepeatedPtrField<v1::UsageEvent> events;
  *events.Add() = Event("a", "f", "u", kNow + absl::Hours(23));
  *events.Add() = Event("b", "f", "u", absl::FromUnixSeconds(946684800));
  EXPECT_OK(ValidateUsageEvents(events, kNow).status());
  *events.Add() = Event("c", "f", "u", absl::FromUnixSeconds(946684799));
  EXPECT_THAT(Fields(ValidateUsageEvents(events, kNow).status()),
              ElementsAre("events[2].event_time"));
}

TEST(UsageRulesTest, RepeatedIdsInABatchKeepTheFirst) {
  auto record = [](int index, std::string event_id, std::string feature) {
    UsageRecord r;
    r.index = index;
    r.event_id = std::move(event_id);
    r.feature = std::move(feature);
    return r;
  };
  std::vector<UsageRecord> records = {record(0, "a", "x"), record(1, "b", ""), record(2, "a", "y")};
  EXPECT_EQ(DropRepeatedEventIds(records), 1);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].feature, "x");
  EXPECT_EQ(records[1].event_id, "b");
}

TEST(UsageRulesTest, PlanFoldsTheBatchPerKeyWithDistinctUsers) {
  const absl::Time today = DayStart(kNow);
  const absl::Time yesterday = today - kDay;
  std::vector<UsageRecord> records = {{.event_id = "1",
                                       .account_id = "A",
                                       .feature = "x",
                                       .user = "u1",
                                       .count = 2,
                                       .event_time = today + absl::Hours(1),
                                       .day = today},
                                      {.event_id = "2",
                                       .account_id = "A",
                                       .feature = "x",
                                       .user = "u1",
                                       .count = 3,
                                       .event_time = today + absl::Hours(2),
                                       .day = today},
                                      {.event_id = "3",
                                       .account_id = "A",
                                       .feature = "y",
                                       .user = "u2",
                                       .count = 1,
                                       .event_time = yesterday + absl::Hours(5),
                                       .day = yesterday},
                                      {.event_id = "4",
                                       .account_id = "B",
                                       .feature = "x",
                                       .user = "u1",
                                       .count = 1,
                                       .event_time = today,
                                       .day = today}};
  const IngestPlan plan = PlanIngest(records);
  ASSERT_EQ(plan.feature_days.size(), 3u);
  EXPECT_EQ(plan.feature_days[0].account_id, "A");
  EXPECT_EQ(plan.feature_days[0].day, yesterday);  // sorted by key
  EXPECT_EQ(plan.feature_days[1].usage_count, 5);
  EXPECT_EQ(plan.feature_days[1].event_count, 2);
  ASSERT_EQ(plan.account_days.size(), 3u);
  EXPECT_EQ(plan.account_days[1].last_event_time, today + absl::Hours(2));
  EXPECT_EQ(plan.feature_users.size(), 3u);  // u1 counted once for A/today/x
  EXPECT_EQ(plan.account_users.size(), 3u);
  EXPECT_THAT(plan.accounts, ElementsAre("A", "B"));
}

TEST(UsageRulesTest, DaysAndWindowsAreUtc) {
  EXPECT_EQ(DayStart(absl::FromUnixSeconds(86400 * 3 + 5)), absl::FromUnixSeconds(86400 * 3));
  EXPECT_EQ(DayStart(absl::FromUnixSeconds(-5)), absl::FromUnixSeconds(-86400));
  EXPECT_EQ(WindowStart(kNow), DayStart(kNow) - 29 * kDay);
  EXPECT_EQ(PriorWindowStart(kNow), DayStart(kNow) - 59 * kDay);
}

TEST(UsageRulesTest, SignalsNeedKeyFeaturesForAdoptionAndSeatsForRatios) {
  UsageFacts facts;
  facts.active_users_30d = 3;
  UsageSignals signals = UsageSignalsFrom(facts);
  EXPECT_FALSE(signals.adoption.has_value());
  EXPECT_FALSE(signals.active_seat_ratio.has_value());

  facts.key_features = {"a", "b", "c", "d"};
  facts.features_used_30d = {"a", "c", "other"};
  facts.seats_licensed = 4;
  facts.active_users_prior_30d = 4;
  facts.last_usage_time = kNow;
  signals = UsageSignalsFrom(facts);
  EXPECT_DOUBLE_EQ(*signals.adoption, 0.5);
  EXPECT_DOUBLE_EQ(*signals.active_seat_ratio, 0.75);
  EXPECT_FALSE(signals.active_seat_ratio_before.has_value());  // no usage before the window
  facts.usage_before_window = true;
  EXPECT_DOUBLE_EQ(*UsageSignalsFrom(facts).active_seat_ratio_before, 1.0);
}

TEST(UsageRulesTest, AccountWithoutAnyUsageHasNoAdoptionOrSeatRatio) {
  UsageFacts facts;  // seats and key features known, but no usage ever
  facts.key_features = {"a", "b"};
  facts.seats_licensed = 10;
  UsageSignals signals = UsageSignalsFrom(facts);
  EXPECT_FALSE(signals.adoption.has_value());
  EXPECT_FALSE(signals.active_seat_ratio.has_value());
  EXPECT_FALSE(signals.active_seat_ratio_before.has_value());

  facts.last_usage_time = kNow - absl::Hours(24 * 90);  // usage long ago: zeros are known
  signals = UsageSignalsFrom(facts);
  EXPECT_DOUBLE_EQ(*signals.adoption, 0.0);
  EXPECT_DOUBLE_EQ(*signals.active_seat_ratio, 0.0);
}

TEST(UsageRulesTest, AdoptionListsKeyFeaturesAndEveryDayOfTheWindow) {
  UsageFacts facts;
  facts.key_features = {"a", "b"};
  facts.features_used_30d = {"b"};
  facts.seats_licensed = 10;
  facts.active_users_30d = 5;
  facts.active_users_prior_30d = 8;
  facts.usage_before_window = true;
  facts.last_usage_time = kNow;
  facts.daily_active_users = {{DayStart(kNow), 4}};
  const v1::AccountAdoption adoption = AdoptionFrom("X", facts, kNow);
  EXPECT_EQ(adoption.name(), "accounts/X/adoption");
  EXPECT_THAT(adoption.key_features_used(), ElementsAre("b"));
  EXPECT_THAT(adoption.key_features_unused(), ElementsAre("a"));
  EXPECT_DOUBLE_EQ(adoption.adoption(), 0.5);
  EXPECT_DOUBLE_EQ(adoption.active_seat_ratio(), 0.5);
  EXPECT_DOUBLE_EQ(adoption.active_seat_ratio_before(), 0.8);
  EXPECT_EQ(adoption.active_seat_trend(), v1::DECLINING);
  ASSERT_EQ(adoption.daily_active_users_size(), 30);
  EXPECT_EQ(adoption.daily_active_users(29).active_users(), 4);
  EXPECT_EQ(adoption.daily_active_users(0).active_users(), 0);
}

TEST(UsageRulesTest, KeyFeaturesAreSortedWithoutDuplicates) {
  google::protobuf::RepeatedPtrField<std::string> features;
  *features.Add() = "b";
  *features.Add() = "a";
  *features.Add() = "b";
  EXPECT_THAT(*NormalizeKeyFeatures(features), ElementsAre("a", "b"));
  *features.Add() = "not valid";
  EXPECT_THAT(Fields(NormalizeKeyFeatures(features).status()),
              ElementsAre("key_features.features[3]"));
}

}  // namespace
}  // namespace tandem::success
