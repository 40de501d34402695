// SLA configuration against real MariaDB: every MysqlSlaStore method, and
// SlaService through an in-process gRPC server on a free port (roles,
// tenants, etags, idempotency and bad input for every RPC).
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/ids.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/server.h"
#include "common_migrations.h"
#include "services/support/mysql_sla_store.h"
#include "services/support/sla_clock.h"
#include "services/support/sla_service.h"
#include "support_migrations.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::StatusIs;
using ::tandem::testing::TestDatabase;
using ::tandem::testing::TestToken;
using ::tandem::testing::ViolatedFields;
using ::testing::ElementsAre;
namespace sv1 = ::tandem::support::v1;

constexpr absl::Time kNoDeadline = absl::InfiniteFuture();

sv1::BusinessCalendar TokyoCalendar(absl::Time now = absl::Now()) {
  sv1::BusinessCalendar calendar;
  calendar.set_name(ResourceName("calendars", NewIdAt(now)));
  calendar.set_display_name("Tokyo office");
  calendar.set_time_zone("Asia/Tokyo");
  for (auto [start, end] : {std::pair{"09:00", "12:00"}, std::pair{"13:00", "18:00"}}) {
    auto& interval = *calendar.add_business_hours();
    interval.set_weekday(sv1::BusinessCalendar::MONDAY);
    interval.set_start_time(start);
    interval.set_end_time(end);
  }
  auto& holiday = *calendar.add_holidays();
  holiday.set_date("2026-05-04");
  holiday.set_description("みどりの日");
  *calendar.mutable_create_time() = ToProtoTime(now);
  *calendar.mutable_update_time() = ToProtoTime(now);
  return calendar;
}

sv1::SlaPolicy NewPolicy(const std::string& display_name, int position,
                         const std::string& calendar = "", absl::Time now = absl::Now()) {
  sv1::SlaPolicy policy;
  policy.set_name(ResourceName("slaPolicies", NewIdAt(now)));
  policy.set_display_name(display_name);
  policy.set_position(position);
  policy.set_calendar(calendar);
  policy.add_priorities(sv1::Ticket::HIGH);
  policy.add_account_tiers(success::v1::HIGH_TOUCH);
  policy.mutable_first_response_target()->set_seconds(3600);
  policy.mutable_resolution_target()->set_seconds(8 * 3600);
  *policy.mutable_create_time() = ToProtoTime(now);
  *policy.mutable_update_time() = ToProtoTime(now);
  return policy;
}

class SlaStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { database_.Migrate({CommonMigrations(), SupportMigrations()}); }

  TestDatabase database_{"sla_store"};
  support::MysqlSlaStore store_{&database_.pool()};
};

// A created calendar reads back whole: hours, holidays (UTF-8 kept), zone.
TEST_F(SlaStoreTest, CreateCalendarThenGetRoundTrips) {
  const sv1::BusinessCalendar calendar = TokyoCalendar();
  ASSERT_OK_AND_ASSIGN(sv1::BusinessCalendar created,
                       store_.CreateCalendar("acme", calendar, {}, kNoDeadline));
  EXPECT_FALSE(created.etag().empty());
  ASSERT_OK_AND_ASSIGN(sv1::BusinessCalendar read,
                       store_.GetCalendar("acme", ResourceIdOf(calendar.name()), kNoDeadline));
  EXPECT_EQ(read.time_zone(), "Asia/Tokyo");
  ASSERT_EQ(read.business_hours_size(), 2);
  EXPECT_EQ(read.business_hours(1).start_time(), "13:00");
  EXPECT_EQ(read.business_hours(1).weekday(), sv1::BusinessCalendar::MONDAY);
  ASSERT_EQ(read.holidays_size(), 1);
  EXPECT_EQ(read.holidays(0).description(), "みどりの日");
  EXPECT_EQ(read.etag(), created.etag());
  EXPECT_EQ(read.create_time().seconds(), calendar.create_time().seconds());
  EXPECT_THAT(store_.GetCalendar("globex", ResourceIdOf(calendar.name()), kNoDeadline),
              StatusIs(absl::StatusCode::kNotFound));
}

// The same request id creates one calendar; reused with another request
// it is refused.
TEST_F(SlaStoreTest, CreateCalendarIsIdempotentByRequestId) {
  const CreateKey key{"cal-1", "fp-a"};
  ASSERT_OK_AND_ASSIGN(auto first,
                       store_.CreateCalendar("acme", TokyoCalendar(), key, kNoDeadline));
  ASSERT_OK_AND_ASSIGN(auto retry,
                       store_.CreateCalendar("acme", TokyoCalendar(), key, kNoDeadline));
  EXPECT_EQ(retry.name(), first.name());
  EXPECT_THAT(store_.CreateCalendar("acme", TokyoCalendar(), {"cal-1", "fp-b"}, kNoDeadline),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Calendars list in creation order, page by page, filtered by time zone,
// one tenant only.
TEST_F(SlaStoreTest, ListCalendarsPagesAndFilters) {
  const absl::Time base = absl::Now();
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    sv1::BusinessCalendar calendar = TokyoCalendar(base + absl::Seconds(i));
    if (i == 1) calendar.set_time_zone("America/New_York");
    names.push_back(calendar.name());
    ASSERT_OK(store_.CreateCalendar("acme", calendar, {}, kNoDeadline));
  }
  ASSERT_OK(store_.CreateCalendar("globex", TokyoCalendar(), {}, kNoDeadline));
  ListPlan plan;
  plan.page_size = 2;
  plan.newest_first = false;
  ASSERT_OK_AND_ASSIGN(support::CalendarPage first,
                       store_.ListCalendars("acme", {}, plan, kNoDeadline));
  ASSERT_EQ(first.calendars.size(), 2u);
  EXPECT_TRUE(first.has_more);
  EXPECT_EQ(first.calendars[0].name(), names[0]);
  plan.after =
      KeysetPosition{FromProtoTime(first.calendars[1].create_time()), ResourceIdOf(names[1])};
  ASSERT_OK_AND_ASSIGN(support::CalendarPage second,
                       store_.ListCalendars("acme", {}, plan, kNoDeadline));
  ASSERT_EQ(second.calendars.size(), 1u);
  EXPECT_FALSE(second.has_more);
  EXPECT_EQ(second.calendars[0].name(), names[2]);

  plan.after.reset();
  ASSERT_OK_AND_ASSIGN(support::CalendarPage new_york,
                       store_.ListCalendars("acme",
                                            {{support::CalendarCondition::Field::kTimeZone,
                                              FilterOp::kEq, "America/New_York"}},
                                            plan, kNoDeadline));
  ASSERT_EQ(new_york.calendars.size(), 1u);
  EXPECT_EQ(new_york.calendars[0].name(), names[1]);
}

// An update stores the decision and bumps the etag; a refused decision
// writes nothing.
TEST_F(SlaStoreTest, UpdateCalendarStoresDecisionOrNothing) {
  ASSERT_OK_AND_ASSIGN(auto created,
                       store_.CreateCalendar("acme", TokyoCalendar(), {}, kNoDeadline));
  const std::string id = ResourceIdOf(created.name());
  ASSERT_OK_AND_ASSIGN(auto updated, store_.UpdateCalendar(
                                         "acme", id,
                                         [](const sv1::BusinessCalendar& current) {
                                           sv1::BusinessCalendar after = current;
                                           after.set_time_zone("America/New_York");
                                           after.clear_holidays();
                                           return absl::StatusOr<sv1::BusinessCalendar>(after);
                                         },
                                         kNoDeadline));
  EXPECT_NE(updated.etag(), created.etag());
  EXPECT_THAT(store_.UpdateCalendar(
                  "acme", id,
                  [](const sv1::BusinessCalendar&) -> absl::StatusOr<sv1::BusinessCalendar> {
                    return absl::AbortedError("stale");
                  },
                  kNoDeadline),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_OK_AND_ASSIGN(auto read, store_.GetCalendar("acme", id, kNoDeadline));
  EXPECT_EQ(read.time_zone(), "America/New_York");
  EXPECT_EQ(read.holidays_size(), 0);
  EXPECT_EQ(read.etag(), updated.etag());
  EXPECT_THAT(
      store_.UpdateCalendar(
          "globex", id,
          [](const sv1::BusinessCalendar& c) { return absl::StatusOr<sv1::BusinessCalendar>(c); },
          kNoDeadline),
      StatusIs(absl::StatusCode::kNotFound));
}

// A calendar a policy uses cannot be deleted; a stale etag is ABORTED;
// once unused it goes.
TEST_F(SlaStoreTest, DeleteCalendarRefusesWhileInUse) {
  ASSERT_OK_AND_ASSIGN(auto calendar,
                       store_.CreateCalendar("acme", TokyoCalendar(), {}, kNoDeadline));
  const std::string id = ResourceIdOf(calendar.name());
  ASSERT_OK_AND_ASSIGN(
      auto policy,
      store_.CreatePolicy("acme", NewPolicy("VIP", 1, calendar.name()), {}, kNoDeadline));
  EXPECT_THAT(store_.DeleteCalendar("acme", id, "", kNoDeadline),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_.DeleteCalendar("acme", id, "stale-etag", kNoDeadline),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(store_.DeleteCalendar("globex", id, "", kNoDeadline),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_.DeletePolicy("acme", ResourceIdOf(policy.name()), policy.etag(), kNoDeadline));
  ASSERT_OK(store_.DeleteCalendar("acme", id, calendar.etag(), kNoDeadline));
  EXPECT_THAT(store_.GetCalendar("acme", id, kNoDeadline), StatusIs(absl::StatusCode::kNotFound));
}

// A policy's calendar must exist in the same tenant.
TEST_F(SlaStoreTest, CreatePolicyNeedsItsCalendarInTheTenant) {
  ASSERT_OK_AND_ASSIGN(auto calendar,
                       store_.CreateCalendar("globex", TokyoCalendar(), {}, kNoDeadline));
  absl::Status refused =
      store_.CreatePolicy("acme", NewPolicy("VIP", 1, calendar.name()), {}, kNoDeadline).status();
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldViolationsOf(refused).at(0).field, "sla_policy.calendar");
  ASSERT_OK_AND_ASSIGN(auto policy,
                       store_.CreatePolicy("acme", NewPolicy("24x7", 1), {}, kNoDeadline));
  ASSERT_OK_AND_ASSIGN(auto read,
                       store_.GetPolicy("acme", ResourceIdOf(policy.name()), kNoDeadline));
  EXPECT_EQ(read.calendar(), "");
  EXPECT_THAT(read.priorities(), ElementsAre(sv1::Ticket::HIGH));
  EXPECT_THAT(read.account_tiers(), ElementsAre(success::v1::HIGH_TOUCH));
  EXPECT_EQ(read.first_response_target().seconds(), 3600);
  EXPECT_FALSE(read.has_next_response_target());
  EXPECT_EQ(read.resolution_target().seconds(), 8 * 3600);
  EXPECT_THAT(store_.GetPolicy("globex", ResourceIdOf(policy.name()), kNoDeadline),
              StatusIs(absl::StatusCode::kNotFound));
}

// Policies list by position then creation time, page by page, and filter
// by calendar (or 24x7).
TEST_F(SlaStoreTest, ListPoliciesInOrderPagedAndByCalendar) {
  ASSERT_OK_AND_ASSIGN(auto calendar,
                       store_.CreateCalendar("acme", TokyoCalendar(), {}, kNoDeadline));
  const absl::Time base = absl::Now();
  ASSERT_OK(store_.CreatePolicy("acme", NewPolicy("c", 5, "", base), {}, kNoDeadline));
  ASSERT_OK(store_.CreatePolicy("acme", NewPolicy("a", 1, calendar.name(), base + absl::Seconds(1)),
                                {}, kNoDeadline));
  ASSERT_OK(
      store_.CreatePolicy("acme", NewPolicy("d", 5, "", base + absl::Seconds(2)), {}, kNoDeadline));
  ASSERT_OK(
      store_.CreatePolicy("acme", NewPolicy("b", 2, "", base + absl::Seconds(3)), {}, kNoDeadline));
  ASSERT_OK(store_.CreatePolicy("globex", NewPolicy("x", 0), {}, kNoDeadline));
  std::vector<std::string> order;
  std::optional<support::PolicyPosition> after;
  for (int page = 0; page < 5; ++page) {
    ASSERT_OK_AND_ASSIGN(support::PolicyPage got,
                         store_.ListPolicies("acme", std::nullopt, after, 3, kNoDeadline));
    for (const auto& policy : got.policies) order.push_back(policy.display_name());
    if (!got.has_more) break;
    const sv1::SlaPolicy& last = got.policies.back();
    after = support::PolicyPosition{last.position(), FromProtoTime(last.create_time()),
                                    ResourceIdOf(last.name())};
  }
  EXPECT_THAT(order, ElementsAre("a", "b", "c", "d"));

  auto names = [&](support::PolicyCalendarCondition condition) {
    std::vector<std::string> found;
    auto got = store_.ListPolicies("acme", condition, std::nullopt, 10, kNoDeadline);
    EXPECT_OK(got);
    if (got.ok()) {
      for (const auto& policy : got->policies) found.push_back(policy.display_name());
    }
    return found;
  };
  EXPECT_THAT(names({FilterOp::kEq, ResourceIdOf(calendar.name())}), ElementsAre("a"));
  EXPECT_THAT(names({FilterOp::kNe, ResourceIdOf(calendar.name())}), ElementsAre("b", "c", "d"));
  EXPECT_THAT(names({FilterOp::kEq, ""}), ElementsAre("b", "c", "d"));
  EXPECT_THAT(names({FilterOp::kNe, ""}), ElementsAre("a"));
}

// An update that points a policy at a missing calendar is refused and
// writes nothing; a good one bumps the etag.
TEST_F(SlaStoreTest, UpdatePolicyChecksANewCalendar) {
  ASSERT_OK_AND_ASSIGN(auto policy,
                       store_.CreatePolicy("acme", NewPolicy("VIP", 1), {}, kNoDeadline));
  const std::string id = ResourceIdOf(policy.name());
  auto point_at = [&](const std::string& calendar) {
    return store_.UpdatePolicy(
        "acme", id,
        [&](const sv1::SlaPolicy& current) {
          sv1::SlaPolicy after = current;
          after.set_calendar(calendar);
          after.set_position(7);
          return absl::StatusOr<sv1::SlaPolicy>(after);
        },
        kNoDeadline);
  };
  EXPECT_THAT(point_at(ResourceName("calendars", NewId())),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(auto unchanged, store_.GetPolicy("acme", id, kNoDeadline));
  EXPECT_EQ(unchanged.position(), 1);
  ASSERT_OK_AND_ASSIGN(auto calendar,
                       store_.CreateCalendar("acme", TokyoCalendar(), {}, kNoDeadline));
  ASSERT_OK_AND_ASSIGN(auto updated, point_at(calendar.name()));
  EXPECT_NE(updated.etag(), policy.etag());
  ASSERT_OK_AND_ASSIGN(auto read, store_.GetPolicy("acme", id, kNoDeadline));
  EXPECT_EQ(read.calendar(), calendar.name());
  EXPECT_EQ(read.position(), 7);
  EXPECT_EQ(read.etag(), updated.etag());
}

// Deleting a policy checks its etag and tenant.
TEST_F(SlaStoreTest, DeletePolicyChecksEtagAndTenant) {
  ASSERT_OK_AND_ASSIGN(auto policy,
                       store_.CreatePolicy("acme", NewPolicy("VIP", 1), {}, kNoDeadline));
  const std::string id = ResourceIdOf(policy.name());
  EXPECT_THAT(store_.DeletePolicy("acme", id, "stale", kNoDeadline),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(store_.DeletePolicy("globex", id, "", kNoDeadline),
              StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK(store_.DeletePolicy("acme", id, "", kNoDeadline));
  EXPECT_THAT(store_.DeletePolicy("acme", id, "", kNoDeadline),
              StatusIs(absl::StatusCode::kNotFound));
}

// The ticket flow's read: every policy in order with its calendar, also
// inside a caller's transaction, ready for CompileRules and MatchPolicy.
TEST_F(SlaStoreTest, LoadPoliciesGivesOrderedRulesInsideATransaction) {
  ASSERT_OK_AND_ASSIGN(auto calendar,
                       store_.CreateCalendar("acme", TokyoCalendar(), {}, kNoDeadline));
  const absl::Time base = absl::Now();
  sv1::SlaPolicy fallback = NewPolicy("fallback", 9, "", base);
  fallback.clear_priorities();
  fallback.clear_account_tiers();
  ASSERT_OK(store_.CreatePolicy("acme", fallback, {}, kNoDeadline));
  ASSERT_OK(store_.CreatePolicy(
      "acme", NewPolicy("vip", 1, calendar.name(), base + absl::Seconds(1)), {}, kNoDeadline));
  ASSERT_OK(store_.CreatePolicy("globex", NewPolicy("other", 0), {}, kNoDeadline));

  ASSERT_OK_AND_ASSIGN(mysql::Transaction tx,
                       mysql::Transaction::Begin(database_.pool(), kNoDeadline));
  ASSERT_OK_AND_ASSIGN(std::vector<support::StoredSlaPolicy> stored,
                       support::MysqlSlaStore::LoadPolicies(tx.connection(), "acme"));
  ASSERT_OK(tx.Commit());
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].policy.display_name(), "vip");
  ASSERT_TRUE(stored[0].calendar.has_value());
  EXPECT_EQ(stored[0].calendar->time_zone(), "Asia/Tokyo");
  EXPECT_FALSE(stored[1].calendar.has_value());

  ASSERT_OK_AND_ASSIGN(std::vector<support::SlaRule> rules, support::CompileRules(stored));
  const support::TicketFacts vip{sv1::Ticket::HIGH, success::v1::HIGH_TOUCH, sv1::Ticket::EMAIL,
                                 sv1::Ticket::QUESTION};
  EXPECT_EQ(support::MatchPolicy(rules, vip)->calendar.time_zone_name(), "Asia/Tokyo");
  const support::TicketFacts other{sv1::Ticket::LOW, success::v1::HIGH_TOUCH, sv1::Ticket::EMAIL,
                                   sv1::Ticket::QUESTION};
  EXPECT_EQ(support::MatchPolicy(rules, other)->policy.display_name(), "fallback");
  ASSERT_OK_AND_ASSIGN(auto through_pool, store_.LoadPolicies("acme", kNoDeadline));
  EXPECT_EQ(through_pool.size(), 2u);
}

// ---- SlaService through a real server ----

class SlaServiceTest : public ::testing::Test {
 protected:
  SlaServiceTest() {
    database_.Migrate({CommonMigrations(), SupportMigrations()});
    runner_.AddService(&service_);
    EXPECT_OK(runner_.Start());
    stub_ = sv1::SlaService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.grpc_port()), grpc::InsecureChannelCredentials()));
  }

  // Calls `method` as `tenant` with `role`.
  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<sv1::SlaService::Stub, Request, Response> method,
                    const Request& request, Response* response, const std::string& role = "admin",
                    const std::string& tenant = "acme") {
    return testing::CallRpc(*stub_, method, request, response, TestToken(tenant, {role}));
  }

  sv1::BusinessCalendar CreateCalendar(const std::string& tenant = "acme") {
    sv1::CreateBusinessCalendarRequest request;
    *request.mutable_calendar() = TokyoCalendar();
    request.mutable_calendar()->clear_name();
    sv1::BusinessCalendar created;
    EXPECT_TRUE(
        Call(&sv1::SlaService::Stub::CreateBusinessCalendar, request, &created, "admin", tenant)
            .ok());
    return created;
  }

  sv1::SlaPolicy CreatePolicy(const std::string& display_name, int position,
                              const std::string& calendar = "") {
    sv1::CreateSlaPolicyRequest request;
    *request.mutable_sla_policy() = NewPolicy(display_name, position, calendar);
    request.mutable_sla_policy()->clear_name();
    sv1::SlaPolicy created;
    grpc::Status status = Call(&sv1::SlaService::Stub::CreateSlaPolicy, request, &created);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return created;
  }

  TestDatabase database_{"sla_svc"};
  std::unique_ptr<Authenticator> auth_ = testing::TestAuthenticator();
  PageTokenCodec codec_{testing::kTestPageTokenKey};
  support::MysqlSlaStore store_{&database_.pool()};
  support::SlaManager manager_{&store_, &codec_, &SystemClock::Get()};
  support::SlaServiceImpl service_{auth_.get(), &manager_};
  ServerRunner runner_{ServerOptions{.name = "support"}};
  std::unique_ptr<sv1::SlaService::Stub> stub_;
};

using Stub = sv1::SlaService::Stub;

// Admins configure; agents and viewers read; nobody else gets in.
TEST_F(SlaServiceTest, AdminsWriteOthersRead) {
  const sv1::BusinessCalendar calendar = CreateCalendar();
  EXPECT_EQ(calendar.display_name(), "Tokyo office");
  sv1::CreateBusinessCalendarRequest create;
  *create.mutable_calendar() = TokyoCalendar();
  sv1::BusinessCalendar ignored;
  EXPECT_EQ(Call(&Stub::CreateBusinessCalendar, create, &ignored, "agent").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  sv1::GetBusinessCalendarRequest get;
  get.set_name(calendar.name());
  sv1::BusinessCalendar read;
  EXPECT_TRUE(Call(&Stub::GetBusinessCalendar, get, &read, "agent").ok());
  EXPECT_TRUE(Call(&Stub::GetBusinessCalendar, get, &read, "viewer").ok());
  EXPECT_EQ(read.etag(), calendar.etag());
  grpc::ClientContext anonymous;
  EXPECT_EQ(stub_->GetBusinessCalendar(&anonymous, get, &read).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// The full life of a policy through the RPCs, with the calendar it uses:
// create (normalized), list in order, update with etag, delete.
TEST_F(SlaServiceTest, PolicyLifecycleThroughRpcs) {
  const sv1::BusinessCalendar calendar = CreateCalendar();
  sv1::CreateSlaPolicyRequest create;
  *create.mutable_sla_policy() = NewPolicy("  VIP  ", 3, calendar.name());
  create.mutable_sla_policy()->add_priorities(sv1::Ticket::URGENT);
  create.mutable_sla_policy()->add_priorities(sv1::Ticket::HIGH);  // duplicate, dropped
  create.set_request_id("vip-policy-1");
  sv1::SlaPolicy vip, retried;
  ASSERT_TRUE(Call(&Stub::CreateSlaPolicy, create, &vip).ok());
  EXPECT_EQ(vip.display_name(), "VIP");
  EXPECT_THAT(vip.priorities(), ElementsAre(sv1::Ticket::HIGH, sv1::Ticket::URGENT));
  ASSERT_TRUE(Call(&Stub::CreateSlaPolicy, create, &retried).ok());
  EXPECT_EQ(retried.name(), vip.name());
  create.mutable_sla_policy()->set_position(4);
  EXPECT_EQ(Call(&Stub::CreateSlaPolicy, create, &retried).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // same request id, other request
  const sv1::SlaPolicy first = CreatePolicy("first", 0);
  const sv1::SlaPolicy last = CreatePolicy("last", 9);

  sv1::ListSlaPoliciesRequest list;
  list.set_page_size(2);
  sv1::ListSlaPoliciesResponse page;
  ASSERT_TRUE(Call(&Stub::ListSlaPolicies, list, &page, "viewer").ok());
  ASSERT_EQ(page.sla_policies_size(), 2);
  EXPECT_EQ(page.sla_policies(0).name(), first.name());
  EXPECT_EQ(page.sla_policies(1).name(), vip.name());
  list.set_page_token(page.next_page_token());
  ASSERT_TRUE(Call(&Stub::ListSlaPolicies, list, &page, "viewer").ok());
  ASSERT_EQ(page.sla_policies_size(), 1);
  EXPECT_EQ(page.sla_policies(0).name(), last.name());
  EXPECT_TRUE(page.next_page_token().empty());

  sv1::UpdateSlaPolicyRequest update;
  update.mutable_sla_policy()->set_name(vip.name());
  update.mutable_sla_policy()->set_etag(vip.etag());
  update.mutable_update_mask()->add_paths("resolution_target");  // unset: removes it
  update.mutable_update_mask()->add_paths("position");
  update.mutable_sla_policy()->set_position(20);
  sv1::SlaPolicy updated;
  ASSERT_TRUE(Call(&Stub::UpdateSlaPolicy, update, &updated).ok());
  EXPECT_FALSE(updated.has_resolution_target());
  EXPECT_EQ(updated.position(), 20);
  EXPECT_EQ(updated.calendar(), calendar.name());
  EXPECT_EQ(Call(&Stub::UpdateSlaPolicy, update, &updated).error_code(),
            grpc::StatusCode::ABORTED);  // the etag is stale now

  sv1::DeleteBusinessCalendarRequest delete_calendar;
  delete_calendar.set_name(calendar.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(Call(&Stub::DeleteBusinessCalendar, delete_calendar, &empty).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  sv1::DeleteSlaPolicyRequest delete_policy;
  delete_policy.set_name(vip.name());
  delete_policy.set_etag(vip.etag());
  EXPECT_EQ(Call(&Stub::DeleteSlaPolicy, delete_policy, &empty).error_code(),
            grpc::StatusCode::ABORTED);
  delete_policy.set_etag(updated.etag());
  ASSERT_TRUE(Call(&Stub::DeleteSlaPolicy, delete_policy, &empty).ok());
  ASSERT_TRUE(Call(&Stub::DeleteBusinessCalendar, delete_calendar, &empty).ok());
  sv1::GetSlaPolicyRequest get;
  get.set_name(vip.name());
  EXPECT_EQ(Call(&Stub::GetSlaPolicy, get, &updated).error_code(), grpc::StatusCode::NOT_FOUND);
}

// A calendar update changes only the masked fields, validates the result
// and honours the etag.
TEST_F(SlaServiceTest, CalendarUpdateFollowsMaskAndEtag) {
  const sv1::BusinessCalendar calendar = CreateCalendar();
  sv1::UpdateBusinessCalendarRequest update;
  update.mutable_calendar()->set_name(calendar.name());
  update.mutable_calendar()->set_etag(calendar.etag());
  update.mutable_calendar()->set_time_zone("America/New_York");
  update.mutable_calendar()->set_display_name("ignored: not in the mask");
  update.mutable_update_mask()->add_paths("time_zone");
  sv1::BusinessCalendar updated;
  ASSERT_TRUE(Call(&Stub::UpdateBusinessCalendar, update, &updated).ok());
  EXPECT_EQ(updated.time_zone(), "America/New_York");
  EXPECT_EQ(updated.display_name(), "Tokyo office");
  EXPECT_EQ(updated.holidays_size(), 1);
  EXPECT_EQ(Call(&Stub::UpdateBusinessCalendar, update, &updated).error_code(),
            grpc::StatusCode::ABORTED);

  update.mutable_calendar()->clear_etag();
  update.mutable_update_mask()->set_paths(0, "business_hours");  // emptied: invalid
  grpc::Status status = Call(&Stub::UpdateBusinessCalendar, update, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("calendar.business_hours"));
  sv1::GetBusinessCalendarRequest get;
  get.set_name(calendar.name());
  sv1::BusinessCalendar read;
  ASSERT_TRUE(Call(&Stub::GetBusinessCalendar, get, &read).ok());
  EXPECT_EQ(read.business_hours_size(), 2);  // nothing written
}

// Another tenant's calendars and policies do not exist for the caller,
// and cannot be used by its policies.
TEST_F(SlaServiceTest, OtherTenantsConfigurationIsNotFound) {
  const sv1::BusinessCalendar calendar = CreateCalendar("globex");
  sv1::GetBusinessCalendarRequest get;
  get.set_name(calendar.name());
  sv1::BusinessCalendar read;
  EXPECT_EQ(Call(&Stub::GetBusinessCalendar, get, &read).error_code(), grpc::StatusCode::NOT_FOUND);
  sv1::UpdateBusinessCalendarRequest update;
  update.mutable_calendar()->set_name(calendar.name());
  update.mutable_calendar()->set_display_name("mine now");
  update.mutable_update_mask()->add_paths("display_name");
  EXPECT_EQ(Call(&Stub::UpdateBusinessCalendar, update, &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
  sv1::DeleteBusinessCalendarRequest remove;
  remove.set_name(calendar.name());
  google::protobuf::Empty empty;
  EXPECT_EQ(Call(&Stub::DeleteBusinessCalendar, remove, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
  sv1::CreateSlaPolicyRequest create;
  *create.mutable_sla_policy() = NewPolicy("borrowed", 0, calendar.name());
  sv1::SlaPolicy policy;
  grpc::Status status = Call(&Stub::CreateSlaPolicy, create, &policy);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("sla_policy.calendar"));
  sv1::ListBusinessCalendarsResponse list;
  ASSERT_TRUE(Call(&Stub::ListBusinessCalendars, sv1::ListBusinessCalendarsRequest(), &list).ok());
  EXPECT_EQ(list.calendars_size(), 0);
}

// Every RPC refuses bad input with INVALID_ARGUMENT naming the field, and
// writes nothing.
TEST_F(SlaServiceTest, BadInputIsInvalidArgumentForEveryRpc) {
  const sv1::BusinessCalendar calendar = CreateCalendar();
  const sv1::SlaPolicy policy = CreatePolicy("VIP", 1);
  struct Case {
    std::string what;
    std::function<grpc::Status()> call;
    std::string field;
  };
  sv1::BusinessCalendar calendar_out;
  sv1::SlaPolicy policy_out;
  google::protobuf::Empty empty;
  std::vector<Case> cases;
  auto calendar_create = [&](std::function<void(sv1::CreateBusinessCalendarRequest&)> edit) {
    return [&, edit] {
      sv1::CreateBusinessCalendarRequest request;
      *request.mutable_calendar() = TokyoCalendar();
      edit(request);
      return Call(&Stub::CreateBusinessCalendar, request, &calendar_out);
    };
  };
  cases.push_back({"unknown zone", calendar_create([](auto& r) {
                     r.mutable_calendar()->set_time_zone("Europe/Atlantis");
                   }),
                   "calendar.time_zone"});
  cases.push_back({"path as zone", calendar_create([](auto& r) {
                     r.mutable_calendar()->set_time_zone("/etc/passwd");
                   }),
                   "calendar.time_zone"});
  cases.push_back({"no name",
                   calendar_create([](auto& r) { r.mutable_calendar()->clear_display_name(); }),
                   "calendar.display_name"});
  cases.push_back({"end before start", calendar_create([](auto& r) {
                     r.mutable_calendar()->mutable_business_hours(0)->set_end_time("08:00");
                   }),
                   "calendar.business_hours[0].end_time"});
  cases.push_back({"bad holiday", calendar_create([](auto& r) {
                     r.mutable_calendar()->mutable_holidays(0)->set_date("2026-13-01");
                   }),
                   "calendar.holidays[0].date"});
  cases.push_back({"oversized name", calendar_create([](auto& r) {
                     r.mutable_calendar()->set_display_name(std::string(201, 'x'));
                   }),
                   "calendar.display_name"});
  cases.push_back({"bad request id",
                   calendar_create([](auto& r) { r.set_request_id("no spaces"); }), "request_id"});
  cases.push_back({"get bad name",
                   [&] {
                     sv1::GetBusinessCalendarRequest request;
                     request.set_name("calendar/x");
                     return Call(&Stub::GetBusinessCalendar, request, &calendar_out);
                   },
                   "name"});
  cases.push_back({"list bad filter",
                   [&] {
                     sv1::ListBusinessCalendarsRequest request;
                     request.set_filter("display_name = x");
                     sv1::ListBusinessCalendarsResponse response;
                     return Call(&Stub::ListBusinessCalendars, request, &response);
                   },
                   "filter"});
  cases.push_back({"list ordered zone",
                   [&] {
                     sv1::ListBusinessCalendarsRequest request;
                     request.set_filter("time_zone > A");
                     sv1::ListBusinessCalendarsResponse response;
                     return Call(&Stub::ListBusinessCalendars, request, &response);
                   },
                   "filter"});
  cases.push_back({"list bad token",
                   [&] {
                     sv1::ListBusinessCalendarsRequest request;
                     request.set_page_token("forged");
                     sv1::ListBusinessCalendarsResponse response;
                     return Call(&Stub::ListBusinessCalendars, request, &response);
                   },
                   "page_token"});
  cases.push_back({"list negative size",
                   [&] {
                     sv1::ListBusinessCalendarsRequest request;
                     request.set_page_size(-1);
                     sv1::ListBusinessCalendarsResponse response;
                     return Call(&Stub::ListBusinessCalendars, request, &response);
                   },
                   "page_size"});
  cases.push_back({"update no mask",
                   [&] {
                     sv1::UpdateBusinessCalendarRequest request;
                     request.mutable_calendar()->set_name(calendar.name());
                     return Call(&Stub::UpdateBusinessCalendar, request, &calendar_out);
                   },
                   "update_mask"});
  cases.push_back({"update output-only path",
                   [&] {
                     sv1::UpdateBusinessCalendarRequest request;
                     request.mutable_calendar()->set_name(calendar.name());
                     request.mutable_update_mask()->add_paths("etag");
                     return Call(&Stub::UpdateBusinessCalendar, request, &calendar_out);
                   },
                   "update_mask"});
  cases.push_back({"update bad name",
                   [&] {
                     sv1::UpdateBusinessCalendarRequest request;
                     request.mutable_calendar()->set_name("calendars/nope");
                     request.mutable_update_mask()->add_paths("display_name");
                     return Call(&Stub::UpdateBusinessCalendar, request, &calendar_out);
                   },
                   "calendar.name"});
  cases.push_back({"update bad zone",
                   [&] {
                     sv1::UpdateBusinessCalendarRequest request;
                     request.mutable_calendar()->set_name(calendar.name());
                     request.mutable_calendar()->set_time_zone("Nowhere");
                     request.mutable_update_mask()->add_paths("time_zone");
                     return Call(&Stub::UpdateBusinessCalendar, request, &calendar_out);
                   },
                   "calendar.time_zone"});
  cases.push_back({"delete bad name",
                   [&] {
                     sv1::DeleteBusinessCalendarRequest request;
                     request.set_name("slaPolicies/" + ResourceIdOf(calendar.name()));
                     return Call(&Stub::DeleteBusinessCalendar, request, &empty);
                   },
                   "name"});
  auto policy_create = [&](std::function<void(sv1::CreateSlaPolicyRequest&)> edit) {
    return [&, edit] {
      sv1::CreateSlaPolicyRequest request;
      *request.mutable_sla_policy() = NewPolicy("Gold", 2);
      edit(request);
      return Call(&Stub::CreateSlaPolicy, request, &policy_out);
    };
  };
  cases.push_back({"unknown priority", policy_create([](auto& r) {
                     r.mutable_sla_policy()->add_priorities(static_cast<sv1::Ticket::Priority>(42));
                   }),
                   "sla_policy.priorities[1]"});
  cases.push_back({"unspecified channel", policy_create([](auto& r) {
                     r.mutable_sla_policy()->add_channels(sv1::Ticket::CHANNEL_UNSPECIFIED);
                   }),
                   "sla_policy.channels[0]"});
  cases.push_back({"unknown type", policy_create([](auto& r) {
                     r.mutable_sla_policy()->add_types(static_cast<sv1::Ticket::Type>(-3));
                   }),
                   "sla_policy.types[0]"});
  cases.push_back({"unknown tier", policy_create([](auto& r) {
                     r.mutable_sla_policy()->add_account_tiers(
                         static_cast<success::v1::TouchTier>(9));
                   }),
                   "sla_policy.account_tiers[1]"});
  cases.push_back({"negative target", policy_create([](auto& r) {
                     r.mutable_sla_policy()->mutable_first_response_target()->set_seconds(-5);
                   }),
                   "sla_policy.first_response_target"});
  cases.push_back({"fractional target", policy_create([](auto& r) {
                     r.mutable_sla_policy()->mutable_next_response_target()->set_nanos(5);
                   }),
                   "sla_policy.next_response_target"});
  cases.push_back({"target over a year", policy_create([](auto& r) {
                     r.mutable_sla_policy()->mutable_resolution_target()->set_seconds(400LL *
                                                                                      86400);
                   }),
                   "sla_policy.resolution_target"});
  cases.push_back({"bad calendar name",
                   policy_create([](auto& r) { r.mutable_sla_policy()->set_calendar("tokyo"); }),
                   "sla_policy.calendar"});
  cases.push_back({"negative position",
                   policy_create([](auto& r) { r.mutable_sla_policy()->set_position(-1); }),
                   "sla_policy.position"});
  cases.push_back({"get bad policy name",
                   [&] {
                     sv1::GetSlaPolicyRequest request;
                     request.set_name(calendar.name());
                     return Call(&Stub::GetSlaPolicy, request, &policy_out);
                   },
                   "name"});
  cases.push_back({"list bad policy filter",
                   [&] {
                     sv1::ListSlaPoliciesRequest request;
                     request.set_filter("priority = HIGH");
                     sv1::ListSlaPoliciesResponse response;
                     return Call(&Stub::ListSlaPolicies, request, &response);
                   },
                   "filter"});
  cases.push_back({"list bad calendar in filter",
                   [&] {
                     sv1::ListSlaPoliciesRequest request;
                     request.set_filter("calendar = tokyo");
                     sv1::ListSlaPoliciesResponse response;
                     return Call(&Stub::ListSlaPolicies, request, &response);
                   },
                   "filter"});
  cases.push_back({"list policy token of another query",
                   [&] {
                     sv1::ListSlaPoliciesRequest request;
                     request.set_page_token(codec_.Encode("other", {"1", "2", "3"}));
                     sv1::ListSlaPoliciesResponse response;
                     return Call(&Stub::ListSlaPolicies, request, &response);
                   },
                   "page_token"});
  cases.push_back({"update policy unknown path",
                   [&] {
                     sv1::UpdateSlaPolicyRequest request;
                     request.mutable_sla_policy()->set_name(policy.name());
                     request.mutable_update_mask()->add_paths("create_time");
                     return Call(&Stub::UpdateSlaPolicy, request, &policy_out);
                   },
                   "update_mask"});
  cases.push_back({"update policy bad value",
                   [&] {
                     sv1::UpdateSlaPolicyRequest request;
                     request.mutable_sla_policy()->set_name(policy.name());
                     request.mutable_sla_policy()->set_position(10001);
                     request.mutable_update_mask()->add_paths("position");
                     return Call(&Stub::UpdateSlaPolicy, request, &policy_out);
                   },
                   "sla_policy.position"});
  cases.push_back({"delete bad policy name",
                   [&] {
                     sv1::DeleteSlaPolicyRequest request;
                     request.set_name("");
                     return Call(&Stub::DeleteSlaPolicy, request, &empty);
                   },
                   "name"});
  for (const Case& c : cases) {
    const grpc::Status status = c.call();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.what;
    EXPECT_THAT(ViolatedFields(status), ::testing::Contains(c.field)) << c.what;
  }
  // Nothing was written by any of them.
  sv1::ListBusinessCalendarsResponse calendars;
  ASSERT_TRUE(
      Call(&Stub::ListBusinessCalendars, sv1::ListBusinessCalendarsRequest(), &calendars).ok());
  ASSERT_EQ(calendars.calendars_size(), 1);
  EXPECT_EQ(calendars.calendars(0).etag(), calendar.etag());
  sv1::ListSlaPoliciesResponse policies;
  ASSERT_TRUE(Call(&Stub::ListSlaPolicies, sv1::ListSlaPoliciesRequest(), &policies).ok());
  ASSERT_EQ(policies.sla_policies_size(), 1);
  EXPECT_EQ(policies.sla_policies(0).etag(), policy.etag());
}

}  // namespace
}  // namespace tandem
