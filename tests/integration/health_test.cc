// Usage and health against real MariaDB through Success's real gRPC
// server: idempotent batch and streaming ingest, rollups, key features,
// adoption; scoring through RescoreHealth (as the account review runs it)
// with its history, "what changed since" and HealthChanged events; and the
// contract every RPC keeps (bad input refused with the field named and
// nothing written, another tenant's accounts NOT_FOUND, stale etags
// ABORTED).
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "services/success/mysql_health_store.h"
#include "services/success/usage_rules.h"
#include "tandem/success/v1/health.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tandem/success/v1/usage.grpc.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem::success {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::Authorize;
using ::tandem::testing::TestToken;
using ::tandem::testing::ViolatedFields;
using ::testing::Contains;
using ::testing::ElementsAre;

constexpr grpc::StatusCode kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
constexpr grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;
constexpr absl::Duration kDay = absl::Hours(24);

class HealthTest : public ::testing::Test {
 protected:
  HealthTest()
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.runner.grpc_port()),
                                     grpc::InsecureChannelCredentials())),
        accounts_(v1::SuccessService::NewStub(channel_)),
        usage_(v1::UsageService::NewStub(channel_)),
        health_(v1::HealthService::NewStub(channel_)) {}

  // Calls `method` of `stub` as `token`'s holder.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Call(Stub* stub, testing::UnaryMethod<Stub, Request, Response> method,
                    const Request& request, Response* response,
                    const std::string& token = TestToken("acme", {"csm"})) {
    return testing::CallRpc(*stub, method, request, response, token);
  }

  // Calls and expects `code`, and a violation on `field` when not empty.
  template <typename Stub, typename Request, typename Response>
  void ExpectRefused(Stub* stub, testing::UnaryMethod<Stub, Request, Response> method,
                     const Request& request, grpc::StatusCode code, const std::string& field,
                     const std::string& token = TestToken("acme", {"admin"})) {
    testing::ExpectRefused(*stub, method, request, code, field, token);
  }

  // Creates an account of `tenant` with `seats` licensed seats.
  v1::Account NewAccount(const std::string& tenant, int seats) {
    v1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(absl::StrCat("Account ", ++accounts_made_));
    request.mutable_account()->set_owner("csm-ann");
    v1::Account account;
    const grpc::Status status = Call(accounts_.get(), &v1::SuccessService::Stub::CreateAccount,
                                     request, &account, TestToken(tenant, {"csm"}));
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(Execute("UPDATE accounts SET seats_licensed = ? WHERE id = ?",
                      {int64_t{seats}, ResourceIdOf(account.name())}),
              1);
    return account;
  }

  int64_t Execute(const std::string& sql, const std::vector<mysql::Value>& params = {}) {
    auto db = server_.database.pool().Acquire(absl::Now() + absl::Seconds(5));
    EXPECT_OK(db.status());
    auto result = (*db)->Execute(sql, params);
    EXPECT_OK(result.status());
    return result.ok() ? *result : -1;
  }

  int64_t Count(const std::string& sql, const std::vector<mysql::Value>& params = {}) {
    return testing::CountRows(server_.database.pool(), sql, params);
  }

  // Rows in every table a usage or health write touches.
  int64_t WrittenRows() {
    return Count(
        "SELECT (SELECT COUNT(*) FROM usage_events) + (SELECT COUNT(*) FROM usage_rollups) + "
        "(SELECT COUNT(*) FROM usage_account_days) + (SELECT COUNT(*) FROM usage_feature_users) "
        "+ (SELECT COUNT(*) FROM usage_account_users) + (SELECT COUNT(*) FROM "
        "usage_key_features) + (SELECT COUNT(*) FROM health_scorecards) + (SELECT COUNT(*) FROM "
        "health_history) + (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM "
        "account_reviews)");
  }

  static v1::UsageEvent Event(const v1::Account& account, const std::string& id,
                              const std::string& feature, const std::string& user, absl::Time time,
                              int64_t count = 1) {
    v1::UsageEvent event;
    event.set_event_id(id);
    event.set_account(account.name());
    event.set_feature(feature);
    event.set_user(user);
    event.set_count(count);
    *event.mutable_event_time() = ToProtoTime(time);
    return event;
  }

  v1::IngestUsageEventsResponse Ingest(const std::vector<v1::UsageEvent>& events,
                                       const std::string& tenant = "acme") {
    v1::IngestUsageEventsRequest request;
    for (const v1::UsageEvent& event : events) *request.add_events() = event;
    v1::IngestUsageEventsResponse response;
    const grpc::Status status = Call(usage_.get(), &v1::UsageService::Stub::IngestUsageEvents,
                                     request, &response, TestToken(tenant, {"service"}));
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::KeyFeatures SetKeyFeatures(std::vector<std::string> features) {
    v1::UpdateKeyFeaturesRequest request;
    request.mutable_key_features()->set_name("keyFeatures");
    for (const std::string& feature : features)
      request.mutable_key_features()->add_features(feature);
    request.mutable_update_mask()->add_paths("features");
    v1::KeyFeatures response;
    const grpc::Status status =
        Call(usage_.get(), &v1::UsageService::Stub::UpdateKeyFeatures, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  // Reviews the account as the account review does: its usage signals from
  // the database plus `support`, then RescoreHealth, in one transaction.
  HealthChange Review(const v1::Account& account, const SupportSignals& support,
                      absl::string_view cause, absl::Time as_of = absl::Now()) {
    AccountSignals signals;
    signals.as_of = as_of;
    signals.account.tenant = "acme";
    signals.account.account_id = ResourceIdOf(account.name());
    signals.support = support;
    HealthChange change;
    absl::Status status = mysql::RunInTransaction(
        server_.database.pool(), absl::Now() + absl::Seconds(10), [&](mysql::Transaction& tx) {
          RETURN_IF_ERROR(LoadUsageSignals(tx, signals.account.tenant, signals.account.account_id,
                                           as_of, signals.usage));
          ASSIGN_OR_RETURN(change, RescoreHealth(tx, server_.outbox, signals, cause));
          return absl::OkStatus();
        });
    EXPECT_OK(status);
    return change;
  }

  // The payloads of the tenant's events of `type`, oldest first.
  template <typename Payload>
  std::vector<Payload> Events(const std::string& type, const std::string& tenant = "acme") {
    EXPECT_OK(server_.outbox.SequencePending().status());
    auto events = server_.outbox.Read(0, 1000, tenant, absl::Now() + absl::Seconds(5));
    EXPECT_OK(events.status());
    std::vector<Payload> payloads;
    for (const auto& event : *events) {
      if (event.type() != type) continue;
      Payload payload;
      EXPECT_TRUE(event.payload().UnpackTo(&payload));
      payloads.push_back(payload);
    }
    return payloads;
  }

  testing::SuccessServer server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SuccessService::Stub> accounts_;
  std::unique_ptr<v1::UsageService::Stub> usage_;
  std::unique_ptr<v1::HealthService::Stub> health_;
  int accounts_made_ = 0;
};

TEST_F(HealthTest, IngestRollsUpPerFeatureAndDayAndCountsEachEventIdOnce) {
  const v1::Account account = NewAccount("acme", 10);
  const absl::Time today = DayStart(absl::Now());
  const absl::Time last_year = today - 365 * kDay;  // history loads keep their dates
  const std::vector<v1::UsageEvent> events = {
      Event(account, "e1", "reports", "u1", today + absl::Minutes(1), 2),
      Event(account, "e2", "reports", "u2", today + absl::Minutes(2), 3),
      Event(account, "e3", "reports", "u1", today + absl::Minutes(3)),
      Event(account, "e4", "export", "u1", today + absl::Minutes(4)),
      Event(account, "e5", "reports", "u3", last_year + absl::Hours(3))};
  v1::IngestUsageEventsResponse first = Ingest(events);
  EXPECT_EQ(first.accepted_count(), 5);
  EXPECT_EQ(first.duplicate_count(), 0);
  EXPECT_EQ(first.account_count(), 1);
  // A retry, and a batch repeating an id within itself, count nothing twice.
  v1::IngestUsageEventsResponse again = Ingest({events[0], events[1], events[1]});
  EXPECT_EQ(again.accepted_count(), 0);
  EXPECT_EQ(again.duplicate_count(), 3);

  v1::ListUsageRollupsRequest request;
  request.set_parent(account.name());
  v1::ListUsageRollupsResponse rollups;
  ASSERT_TRUE(
      Call(usage_.get(), &v1::UsageService::Stub::ListUsageRollups, request, &rollups).ok());
  ASSERT_EQ(rollups.rollups_size(), 3);
  // Newest day first; within it by feature, descending.
  EXPECT_EQ(rollups.rollups(0).feature(), "reports");
  EXPECT_EQ(FromProtoTime(rollups.rollups(0).day_start_time()), today);
  EXPECT_EQ(rollups.rollups(0).usage_count(), 6);
  EXPECT_EQ(rollups.rollups(0).event_count(), 3);
  EXPECT_EQ(rollups.rollups(0).active_users(), 2);
  EXPECT_EQ(rollups.rollups(1).feature(), "export");
  EXPECT_EQ(FromProtoTime(rollups.rollups(2).day_start_time()), last_year);

  // Pages of one, oldest first, with a filter.
  request.set_order_by("day");
  request.set_filter("feature = reports");
  request.set_page_size(1);
  std::vector<std::string> days;
  do {
    ASSERT_TRUE(
        Call(usage_.get(), &v1::UsageService::Stub::ListUsageRollups, request, &rollups).ok());
    for (const auto& rollup : rollups.rollups()) {
      days.push_back(absl::FormatTime(FromProtoTime(rollup.day_start_time())));
    }
    request.set_page_token(rollups.next_page_token());
  } while (!rollups.next_page_token().empty());
  EXPECT_THAT(days, ElementsAre(absl::FormatTime(last_year), absl::FormatTime(today)));

  // One UsageRolledUp per account and day touched, as it happened.
  const auto rolled = Events<v1::UsageRolledUp>("UsageRolledUp");
  ASSERT_EQ(rolled.size(), 2u);
  const v1::UsageRolledUp& latest =
      FromProtoTime(rolled[0].day_start_time()) == today ? rolled[0] : rolled[1];
  EXPECT_EQ(latest.usage_count(), 7);
  EXPECT_EQ(latest.active_users(), 2);
  EXPECT_THAT(latest.features(), ElementsAre("export", "reports"));
  EXPECT_EQ(latest.owner(), "csm-ann");
  EXPECT_EQ(latest.seats_licensed(), 10);
  // And a review for the account.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews WHERE account_id = ?",
                  {ResourceIdOf(account.name())}),
            1);
}

TEST_F(HealthTest, ConcurrentIngestsOfTheSameEventsCountThemOnce) {
  const v1::Account account = NewAccount("acme", 50);
  const absl::Time now = absl::Now();
  std::vector<v1::UsageEvent> events;
  for (int i = 0; i < 200; ++i) {
    events.push_back(Event(account, absl::StrCat("c", i), absl::StrCat("f", i % 7),
                           absl::StrCat("u", i % 13), now - absl::Hours(i % 50)));
  }
  std::vector<v1::IngestUsageEventsResponse> responses(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < responses.size(); ++t) {
    threads.emplace_back([&, t] { responses[t] = Ingest(events); });
  }
  for (std::thread& thread : threads) thread.join();
  int accepted = 0;
  for (const auto& response : responses) {
    accepted += response.accepted_count();
    EXPECT_EQ(response.accepted_count() + response.duplicate_count(), 200);
  }
  EXPECT_EQ(accepted, 200);
  EXPECT_EQ(Count("SELECT SUM(event_count) FROM usage_rollups"), 200);
  EXPECT_EQ(Count("SELECT SUM(event_count) FROM usage_account_days"), 200);
}

TEST_F(HealthTest, StreamIngestsEachMessageAndStopsAtARefusedOne) {
  const v1::Account account = NewAccount("acme", 5);
  const absl::Time now = absl::Now();
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"service"}));
    v1::IngestUsageEventsResponse response;
    auto writer = usage_->StreamUsageEvents(&context, &response);
    for (int message = 0; message < 3; ++message) {
      v1::StreamUsageEventsRequest request;
      for (int i = 0; i < 4; ++i) {
        *request.add_events() = Event(account, absl::StrCat("s", message, "-", i), "reports",
                                      absl::StrCat("u", i), now - absl::Hours(message));
      }
      ASSERT_TRUE(writer->Write(request));
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.accepted_count(), 12);
  }
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"service"}));
    v1::IngestUsageEventsResponse response;
    auto writer = usage_->StreamUsageEvents(&context, &response);
    v1::StreamUsageEventsRequest good;
    *good.add_events() = Event(account, "t1", "reports", "u9", now);
    *good.add_events() = Event(account, "s0-0", "reports", "u0", now);  // a duplicate
    v1::StreamUsageEventsRequest bad;
    *bad.add_events() = Event(account, "t2", "bad feature", "u9", now);
    writer->Write(good);
    writer->Write(bad);
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), kInvalid);
    EXPECT_THAT(ViolatedFields(status), ElementsAre("events[0].feature"));
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("stream message 2"));
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM usage_events"), 13);
}

TEST_F(HealthTest, AdoptionFollowsKeyFeaturesAndActiveSeats) {
  const v1::Account account = NewAccount("acme", 4);
  v1::GetKeyFeaturesRequest get;
  get.set_name("keyFeatures");
  v1::KeyFeatures initial;
  ASSERT_TRUE(Call(usage_.get(), &v1::UsageService::Stub::GetKeyFeatures, get, &initial).ok());
  EXPECT_EQ(initial.features_size(), 0);

  const v1::KeyFeatures set = SetKeyFeatures({"search", "reports", "export", "reports"});
  EXPECT_THAT(set.features(), ElementsAre("export", "reports", "search"));
  EXPECT_NE(set.etag(), initial.etag());
  // Metrics learns the features from the event written with the change.
  EXPECT_EQ(testing::CountEvents(server_.database.pool(), "KeyFeaturesUpdated"), 1);
  const auto announced = testing::LastEvent<v1::KeyFeaturesUpdated>(
      server_.database.pool(), "keyFeatures", "KeyFeaturesUpdated");
  EXPECT_THAT(announced.key_features().features(), ElementsAre("export", "reports", "search"));
  EXPECT_EQ(announced.key_features().etag(), set.etag());
  // A stale etag is refused and changes nothing.
  v1::UpdateKeyFeaturesRequest stale;
  *stale.mutable_key_features() = initial;
  stale.mutable_key_features()->add_features("other");
  stale.mutable_update_mask()->add_paths("features");
  ExpectRefused(usage_.get(), &v1::UsageService::Stub::UpdateKeyFeatures, stale,
                grpc::StatusCode::ABORTED, "");
  // Neither the refused update nor one that changes nothing announces anything.
  SetKeyFeatures({"export", "search", "reports"});
  EXPECT_EQ(testing::CountEvents(server_.database.pool(), "KeyFeaturesUpdated"), 1);

  const absl::Time now = absl::Now();
  Ingest({Event(account, "a1", "reports", "u1", now), Event(account, "a2", "search", "u2", now),
          Event(account, "a3", "other", "u3", now),
          Event(account, "a4", "reports", "u1", now - 40 * kDay),
          Event(account, "a5", "reports", "u2", now - 40 * kDay),
          Event(account, "a6", "reports", "u4", now - 40 * kDay),
          Event(account, "a7", "reports", "u3", now - 40 * kDay)});
  v1::GetAccountAdoptionRequest request;
  request.set_name(absl::StrCat(account.name(), "/adoption"));
  v1::AccountAdoption adoption;
  ASSERT_TRUE(
      Call(usage_.get(), &v1::UsageService::Stub::GetAccountAdoption, request, &adoption).ok());
  EXPECT_THAT(adoption.key_features_used(), ElementsAre("reports", "search"));
  EXPECT_THAT(adoption.key_features_unused(), ElementsAre("export"));
  EXPECT_NEAR(adoption.adoption(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(adoption.active_users(), 3);
  EXPECT_DOUBLE_EQ(adoption.active_seat_ratio(), 0.75);
  EXPECT_DOUBLE_EQ(adoption.active_seat_ratio_before(), 1.0);
  EXPECT_EQ(adoption.active_seat_trend(), v1::DECLINING);
  EXPECT_EQ(adoption.daily_active_users_size(), 30);
  EXPECT_EQ(adoption.daily_active_users(29).active_users(), 3);
}

TEST_F(HealthTest, ComplaintAndSlaBreachTakeAPerfectAccountFromGreenWithSupportToBlame) {
  const v1::Account account = NewAccount("acme", 2);
  SetKeyFeatures({"reports", "search"});
  const absl::Time now = absl::Now();
  Ingest({Event(account, "p1", "reports", "u1", now - absl::Hours(1)),
          Event(account, "p2", "search", "u2", now - absl::Hours(1))});

  // Scored two seconds apart, asked about the second between them.
  const HealthChange first = Review(account, {}, "usage", now - absl::Seconds(2));
  EXPECT_FALSE(first.previous_score.has_value());
  EXPECT_EQ(first.score, 100);
  EXPECT_EQ(first.band, v1::GREEN);
  const absl::Time between = now - absl::Seconds(1);

  SupportSignals support;
  support.has_tickets = true;
  support.tickets_30d = 1;
  support.open_tickets = 1;
  support.complaints_30d = 1;
  support.sla_breaches_30d = 1;
  const HealthChange second = Review(account, support, "support:SlaBreached", now);
  EXPECT_EQ(second.previous_band, v1::GREEN);
  EXPECT_EQ(second.previous_score, 100);
  EXPECT_EQ(second.score, 61);
  EXPECT_EQ(second.band, v1::YELLOW);
  // The same signals again: nothing moved, so no history row and no event.
  Review(account, support, "daily", now + absl::Milliseconds(1));

  // The account carries the latest health.
  v1::GetAccountRequest get_account;
  get_account.set_name(account.name());
  v1::Account stored;
  ASSERT_TRUE(
      Call(accounts_.get(), &v1::SuccessService::Stub::GetAccount, get_account, &stored).ok());
  EXPECT_EQ(Count("SELECT health_score FROM accounts WHERE id = ?", {ResourceIdOf(account.name())}),
            61);
  EXPECT_EQ(Count("SELECT health_band FROM accounts WHERE id = ?", {ResourceIdOf(account.name())}),
            int64_t{v1::YELLOW});
  EXPECT_EQ(Count("SELECT health_trend FROM accounts WHERE id = ?", {ResourceIdOf(account.name())}),
            int64_t{v1::DECLINING});
  EXPECT_EQ(Count("SELECT seats_active FROM accounts WHERE id = ?", {ResourceIdOf(account.name())}),
            2);

  v1::GetAccountHealthRequest get;
  get.set_name(absl::StrCat(account.name(), "/health"));
  v1::AccountHealth health;
  ASSERT_TRUE(Call(health_.get(), &v1::HealthService::Stub::GetAccountHealth, get, &health,
                   TestToken("acme", {"viewer"}))
                  .ok());
  EXPECT_EQ(health.score(), 61);
  EXPECT_EQ(health.band(), v1::YELLOW);
  EXPECT_EQ(health.cause(), "support:SlaBreached");
  EXPECT_EQ(health.breakdown_size(), 7);
  const v1::MeasureScore* largest = nullptr;
  for (const auto& entry : health.breakdown()) {
    if (largest == nullptr || entry.points_lost() > largest->points_lost()) largest = &entry;
  }
  EXPECT_EQ(largest->measure(), v1::MeasureScore::SUPPORT);
  EXPECT_EQ(largest->explanation(),
            "1 complaint and 1 SLA breach in the last 30 days; 1 open ticket");

  v1::ListHealthHistoryRequest list;
  list.set_parent(account.name());
  v1::ListHealthHistoryResponse history;
  ASSERT_TRUE(
      Call(health_.get(), &v1::HealthService::Stub::ListHealthHistory, list, &history).ok());
  ASSERT_EQ(history.scorings_size(), 2);
  EXPECT_EQ(history.scorings(0).score(), 61);
  EXPECT_EQ(history.scorings(1).score(), 100);
  list.set_page_size(1);
  std::vector<int32_t> scores;
  do {
    ASSERT_TRUE(
        Call(health_.get(), &v1::HealthService::Stub::ListHealthHistory, list, &history).ok());
    for (const auto& scoring : history.scorings()) scores.push_back(scoring.score());
    list.set_page_token(history.next_page_token());
  } while (!history.next_page_token().empty());
  EXPECT_THAT(scores, ElementsAre(61, 100));
  list.set_page_size(0);
  list.set_filter("band = GREEN");
  ASSERT_TRUE(
      Call(health_.get(), &v1::HealthService::Stub::ListHealthHistory, list, &history).ok());
  ASSERT_EQ(history.scorings_size(), 1);

  v1::CompareAccountHealthRequest compare;
  compare.set_account(account.name());
  *compare.mutable_since_time() = ToProtoTime(between);
  v1::HealthComparison comparison;
  ASSERT_TRUE(
      Call(health_.get(), &v1::HealthService::Stub::CompareAccountHealth, compare, &comparison)
          .ok());
  EXPECT_EQ(comparison.then().band(), v1::GREEN);
  EXPECT_EQ(comparison.now().band(), v1::YELLOW);
  EXPECT_EQ(comparison.score_change(), -39);
  EXPECT_TRUE(comparison.band_changed());
  ASSERT_GT(comparison.changes_size(), 0);
  EXPECT_EQ(comparison.changes(0).measure(), v1::MeasureScore::SUPPORT);
  EXPECT_EQ(comparison.changes(0).impact(), -39);

  // One HealthChanged per move, with what Metrics needs.
  const auto changed = Events<v1::HealthChanged>("HealthChanged");
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_FALSE(changed[0].has_previous_score());
  EXPECT_EQ(changed[1].previous_band(), v1::GREEN);
  EXPECT_EQ(changed[1].band(), v1::YELLOW);
  EXPECT_EQ(changed[1].cause(), "support:SlaBreached");
  EXPECT_EQ(changed[1].largest_loss().measure(), v1::MeasureScore::SUPPORT);
  EXPECT_EQ(changed[1].owner(), "csm-ann");
  EXPECT_EQ(changed[1].touch_tier(), stored.touch_tier());
}

TEST_F(HealthTest, HistoryKeepsADailyRowEvenWhenNothingMoves) {
  const v1::Account account = NewAccount("acme", 1);
  Ingest({Event(account, "d1", "reports", "u1", absl::Now())});
  SupportSignals support;
  support.has_tickets = true;
  const absl::Time now = absl::Now();
  Review(account, support, "usage", now);
  Review(account, support, "daily", now + absl::Hours(1));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM health_history"), 1);
  Review(account, support, "daily", now + absl::Hours(25));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM health_history"), 2);
  EXPECT_EQ(Events<v1::HealthChanged>("HealthChanged").size(), 1u);
}

TEST_F(HealthTest, ScorecardUpdatesHonourEtagsAndQueueEveryAccount) {
  const v1::Account a = NewAccount("acme", 1);
  const v1::Account b = NewAccount("acme", 1);
  Execute("DELETE FROM account_reviews");
  v1::GetScorecardRequest get;
  get.set_name("scorecard");
  v1::Scorecard defaults;
  ASSERT_TRUE(Call(health_.get(), &v1::HealthService::Stub::GetScorecard, get, &defaults).ok());
  ASSERT_EQ(defaults.weights_size(), 7);
  EXPECT_EQ(defaults.green_threshold(), 70);
  EXPECT_EQ(defaults.yellow_threshold(), 40);

  v1::UpdateScorecardRequest update;
  *update.mutable_scorecard() = defaults;
  update.mutable_scorecard()->set_green_threshold(80);
  update.mutable_scorecard()->mutable_weights(3)->set_weight(50);
  update.mutable_update_mask()->add_paths("green_threshold");
  update.mutable_update_mask()->add_paths("weights");
  v1::Scorecard updated;
  ASSERT_TRUE(
      Call(health_.get(), &v1::HealthService::Stub::UpdateScorecard, update, &updated).ok());
  EXPECT_EQ(updated.green_threshold(), 80);
  EXPECT_EQ(updated.weights(3).weight(), 50);
  EXPECT_NE(updated.etag(), defaults.etag());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews WHERE reason = 'scorecard'"), 2);
  // The old etag is stale now.
  ExpectRefused(health_.get(), &v1::HealthService::Stub::UpdateScorecard, update,
                grpc::StatusCode::ABORTED, "");
  // Another tenant still has the defaults.
  v1::Scorecard theirs;
  ASSERT_TRUE(Call(health_.get(), &v1::HealthService::Stub::GetScorecard, get, &theirs,
                   TestToken("globex", {"viewer"}))
                  .ok());
  EXPECT_EQ(theirs.green_threshold(), 70);
}

TEST_F(HealthTest, RecomputeQueuesTheAccountsReview) {
  const v1::Account account = NewAccount("acme", 1);
  Execute("DELETE FROM account_reviews");
  v1::RecomputeAccountHealthRequest request;
  request.set_account(account.name());
  v1::RecomputeAccountHealthResponse response;
  ASSERT_TRUE(
      Call(health_.get(), &v1::HealthService::Stub::RecomputeAccountHealth, request, &response)
          .ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews WHERE account_id = ? AND "
                  "reason = 'recompute'",
                  {ResourceIdOf(account.name())}),
            1);
  // Viewers may not ask.
  ExpectRefused(health_.get(), &v1::HealthService::Stub::RecomputeAccountHealth, request,
                grpc::StatusCode::PERMISSION_DENIED, "", TestToken("acme", {"viewer"}));
}

TEST_F(HealthTest, BadInputToEveryRpcIsRefusedAndWritesNothing) {
  const v1::Account mine = NewAccount("acme", 3);
  const v1::Account theirs = NewAccount("globex", 3);
  const int64_t before = WrittenRows();
  using U = v1::UsageService::Stub;
  using H = v1::HealthService::Stub;
  const absl::Time now = absl::Now();

  {  // IngestUsageEvents
    v1::IngestUsageEventsRequest r;
    ExpectRefused(usage_.get(), &U::IngestUsageEvents, r, kInvalid, "events");
    *r.add_events() = Event(mine, "ok", "reports", "u1", now);
    *r.add_events() = Event(mine, "", "reports", "u1", now);
    ExpectRefused(usage_.get(), &U::IngestUsageEvents, r, kInvalid, "events[1].event_id");
    r.mutable_events(1)->set_event_id("x");
    r.mutable_events(1)->set_feature("no spaces please");
    ExpectRefused(usage_.get(), &U::IngestUsageEvents, r, kInvalid, "events[1].feature");
    r.mutable_events(1)->set_feature("reports");
    *r.mutable_events(1)->mutable_event_time() = ToProtoTime(now + 2 * kDay);
    ExpectRefused(usage_.get(), &U::IngestUsageEvents, r, kInvalid, "events[1].event_time");
    *r.mutable_events(1)->mutable_event_time() = ToProtoTime(now);
    r.mutable_events(1)->set_account(theirs.name());  // another tenant's: not an account here
    ExpectRefused(usage_.get(), &U::IngestUsageEvents, r, kInvalid, "events[1].account");
    ExpectRefused(usage_.get(), &U::IngestUsageEvents, r, grpc::StatusCode::PERMISSION_DENIED, "",
                  TestToken("acme", {"viewer"}));
  }
  {  // StreamUsageEvents
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"service"}));
    v1::IngestUsageEventsResponse response;
    auto writer = usage_->StreamUsageEvents(&context, &response);
    v1::StreamUsageEventsRequest r;
    *r.add_events() = Event(mine, "s", "reports", "", now);
    writer->Write(r);
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    EXPECT_EQ(status.error_code(), kInvalid);
    EXPECT_THAT(ViolatedFields(status), Contains("events[0].user"));
  }
  {  // ListUsageRollups
    v1::ListUsageRollupsRequest r;
    r.set_parent("accounts/nope");
    ExpectRefused(usage_.get(), &U::ListUsageRollups, r, kInvalid, "parent");
    r.set_parent(mine.name());
    r.set_filter("user = x");
    ExpectRefused(usage_.get(), &U::ListUsageRollups, r, kInvalid, "filter");
    r.set_filter("day >= yesterday");
    ExpectRefused(usage_.get(), &U::ListUsageRollups, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("usage_count");
    ExpectRefused(usage_.get(), &U::ListUsageRollups, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_page_token("forged");
    ExpectRefused(usage_.get(), &U::ListUsageRollups, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_parent(theirs.name());
    ExpectRefused(usage_.get(), &U::ListUsageRollups, r, kNotFound, "");
  }
  {  // GetKeyFeatures
    v1::GetKeyFeaturesRequest r;
    r.set_name("features");
    ExpectRefused(usage_.get(), &U::GetKeyFeatures, r, kInvalid, "name");
  }
  {  // UpdateKeyFeatures
    v1::UpdateKeyFeaturesRequest r;
    ExpectRefused(usage_.get(), &U::UpdateKeyFeatures, r, kInvalid, "key_features");
    r.mutable_key_features()->set_name("keyFeatures");
    r.mutable_key_features()->add_features("reports");
    ExpectRefused(usage_.get(), &U::UpdateKeyFeatures, r, kInvalid, "update_mask");
    r.mutable_update_mask()->add_paths("etag");
    ExpectRefused(usage_.get(), &U::UpdateKeyFeatures, r, kInvalid, "update_mask");
    r.mutable_update_mask()->set_paths(0, "features");
    r.mutable_key_features()->add_features("bad feature");
    ExpectRefused(usage_.get(), &U::UpdateKeyFeatures, r, kInvalid, "key_features.features[1]");
    r.mutable_key_features()->set_name("other");
    ExpectRefused(usage_.get(), &U::UpdateKeyFeatures, r, kInvalid, "key_features.name");
    r.mutable_key_features()->set_name("keyFeatures");
    r.mutable_key_features()->mutable_features()->RemoveLast();
    ExpectRefused(usage_.get(), &U::UpdateKeyFeatures, r, grpc::StatusCode::PERMISSION_DENIED, "",
                  TestToken("acme", {"service"}));
  }
  {  // GetAccountAdoption
    v1::GetAccountAdoptionRequest r;
    r.set_name(mine.name());
    ExpectRefused(usage_.get(), &U::GetAccountAdoption, r, kInvalid, "name");
    r.set_name(absl::StrCat(theirs.name(), "/adoption"));
    ExpectRefused(usage_.get(), &U::GetAccountAdoption, r, kNotFound, "");
  }
  {  // GetScorecard
    v1::GetScorecardRequest r;
    ExpectRefused(health_.get(), &H::GetScorecard, r, kInvalid, "name");
  }
  {  // UpdateScorecard
    v1::UpdateScorecardRequest r;
    ExpectRefused(health_.get(), &H::UpdateScorecard, r, kInvalid, "scorecard");
    r.mutable_scorecard()->set_name("scorecard");
    r.mutable_update_mask()->add_paths("name");
    ExpectRefused(health_.get(), &H::UpdateScorecard, r, kInvalid, "update_mask");
    r.mutable_update_mask()->set_paths(0, "weights");
    auto* weight = r.mutable_scorecard()->add_weights();
    weight->set_measure(v1::MeasureScore::NPS);
    weight->set_weight(500);
    ExpectRefused(health_.get(), &H::UpdateScorecard, r, kInvalid, "scorecard.weights[0].weight");
    weight->set_weight(0);
    ExpectRefused(health_.get(), &H::UpdateScorecard, r, kInvalid, "scorecard.weights");
    r.mutable_update_mask()->set_paths(0, "yellow_threshold");
    r.mutable_scorecard()->set_yellow_threshold(75);  // above the default green 70
    ExpectRefused(health_.get(), &H::UpdateScorecard, r, kInvalid, "scorecard.yellow_threshold");
    r.mutable_update_mask()->set_paths(0, "trend_margin");
    r.mutable_scorecard()->set_trend_margin(-1);
    ExpectRefused(health_.get(), &H::UpdateScorecard, r, kInvalid, "scorecard.trend_margin");
  }
  {  // GetAccountHealth
    v1::GetAccountHealthRequest r;
    r.set_name(mine.name());
    ExpectRefused(health_.get(), &H::GetAccountHealth, r, kInvalid, "name");
    r.set_name(absl::StrCat(theirs.name(), "/health"));
    ExpectRefused(health_.get(), &H::GetAccountHealth, r, kNotFound, "");
  }
  {  // ListHealthHistory
    v1::ListHealthHistoryRequest r;
    ExpectRefused(health_.get(), &H::ListHealthHistory, r, kInvalid, "parent");
    r.set_parent(mine.name());
    r.set_filter("band = BLUE");
    ExpectRefused(health_.get(), &H::ListHealthHistory, r, kInvalid, "filter");
    r.set_filter("band > RED");
    ExpectRefused(health_.get(), &H::ListHealthHistory, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("score");
    ExpectRefused(health_.get(), &H::ListHealthHistory, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_page_size(-1);
    ExpectRefused(health_.get(), &H::ListHealthHistory, r, kInvalid, "page_size");
    r.set_page_size(0);
    r.set_parent(theirs.name());
    ExpectRefused(health_.get(), &H::ListHealthHistory, r, kNotFound, "");
  }
  {  // CompareAccountHealth
    v1::CompareAccountHealthRequest r;
    r.set_account(mine.name());
    ExpectRefused(health_.get(), &H::CompareAccountHealth, r, kInvalid, "since_time");
    *r.mutable_since_time() = ToProtoTime(now + kDay);
    ExpectRefused(health_.get(), &H::CompareAccountHealth, r, kInvalid, "since_time");
    *r.mutable_since_time() = ToProtoTime(now - kDay);
    r.set_account("accounts");
    ExpectRefused(health_.get(), &H::CompareAccountHealth, r, kInvalid, "account");
    r.set_account(mine.name());  // never scored
    ExpectRefused(health_.get(), &H::CompareAccountHealth, r, grpc::StatusCode::FAILED_PRECONDITION,
                  "");
    r.set_account(theirs.name());
    ExpectRefused(health_.get(), &H::CompareAccountHealth, r, kNotFound, "");
  }
  {  // RecomputeAccountHealth
    v1::RecomputeAccountHealthRequest r;
    ExpectRefused(health_.get(), &H::RecomputeAccountHealth, r, kInvalid, "account");
    r.set_account(theirs.name());
    ExpectRefused(health_.get(), &H::RecomputeAccountHealth, r, kNotFound, "");
  }
  EXPECT_EQ(WrittenRows(), before);
}

}  // namespace
}  // namespace tandem::success
