// RevenueService against real MariaDB through an in-process gRPC server:
// the ledger (MRR derived, churn and reactivation, ordering, idempotency),
// segmentation with manual overrides, opportunities writing the ledger,
// tenancy, etags, and bad input to every RPC refused with nothing written.
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "tandem/success/v1/revenue.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem {
namespace {

using ::tandem::ResourceIdOf;
using ::tandem::testing::Authorize;
using ::tandem::testing::TestToken;
using ::tandem::testing::ViolatedFields;
using ::testing::ElementsAre;
namespace v1 = ::tandem::success::v1;
using Stub = v1::RevenueService::Stub;
using Type = v1::MrrMovement;

constexpr grpc::StatusCode kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
constexpr grpc::StatusCode kNotFound = grpc::StatusCode::NOT_FOUND;
constexpr grpc::StatusCode kPrecondition = grpc::StatusCode::FAILED_PRECONDITION;
constexpr grpc::StatusCode kAborted = grpc::StatusCode::ABORTED;

absl::Time DaysAgo(int days) { return absl::Now() - absl::Hours(24 * days); }

class RevenueTest : public ::testing::Test {
 protected:
  RevenueTest()
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_.runner.grpc_port()),
                                     grpc::InsecureChannelCredentials())),
        stub_(v1::RevenueService::NewStub(channel_)),
        accounts_(v1::SuccessService::NewStub(channel_)) {}

  template <typename Request, typename Response>
  grpc::Status Call(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                    Response* response, const std::string& token = TestToken("acme", {"csm"})) {
    return testing::CallRpc(*stub_, method, request, response, token);
  }

  // Calls and expects `code` and, unless empty, a violation naming `field`.
  template <typename Request, typename Response>
  void ExpectRefused(testing::UnaryMethod<Stub, Request, Response> method, const Request& request,
                     grpc::StatusCode code, const std::string& field,
                     const std::string& token = TestToken("acme", {"admin"})) {
    testing::ExpectRefused(*stub_, method, request, code, field, token);
  }

  v1::Account CreateAccount(const std::string& tenant, const std::string& display_name,
                            v1::TouchTier tier = v1::TOUCH_TIER_UNSPECIFIED) {
    v1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(display_name);
    request.mutable_account()->set_owner("csm-ana");
    request.mutable_account()->set_plan("pro");
    request.mutable_account()->set_touch_tier(tier);
    v1::Account account;
    grpc::ClientContext context;
    Authorize(context, TestToken(tenant, {"csm"}));
    const grpc::Status status = accounts_->CreateAccount(&context, request, &account);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return account;
  }

  v1::Account GetAccount(const std::string& name) {
    v1::GetAccountRequest request;
    request.set_name(name);
    v1::Account account;
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"csm"}));
    EXPECT_TRUE(accounts_->GetAccount(&context, request, &account).ok());
    return account;
  }

  grpc::Status Record(const std::string& account, v1::MrrMovement::Type type, int64_t delta,
                      absl::Time effective, v1::MrrMovement* out = nullptr,
                      const std::string& reason = "", const std::string& request_id = "",
                      const std::string& tenant = "acme") {
    v1::RecordMrrMovementRequest request;
    request.set_parent(account);
    request.mutable_mrr_movement()->set_type(type);
    request.mutable_mrr_movement()->set_mrr_delta_minor(delta);
    *request.mutable_mrr_movement()->mutable_effective_time() = ToProtoTime(effective);
    request.mutable_mrr_movement()->set_reason(reason);
    request.set_request_id(request_id);
    v1::MrrMovement movement;
    return Call(&Stub::RecordMrrMovement, request, out != nullptr ? out : &movement,
                TestToken(tenant, {"csm"}));
  }

  v1::SegmentationPolicy SetPolicy(int64_t high, int64_t low) {
    v1::UpdateSegmentationPolicyRequest request;
    request.mutable_policy()->set_basis(v1::SegmentationPolicy::ARR);
    request.mutable_policy()->set_high_touch_min_minor(high);
    request.mutable_policy()->set_low_touch_min_minor(low);
    for (const char* path : {"basis", "high_touch_min_minor", "low_touch_min_minor"}) {
      request.mutable_update_mask()->add_paths(path);
    }
    v1::SegmentationPolicy policy;
    const grpc::Status status = Call(&Stub::UpdateSegmentationPolicy, request, &policy);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return policy;
  }

  int64_t Count(const std::string& sql) { return testing::CountRows(server_.database.pool(), sql); }

  // Returns the payload of the newest `type` event about `subject`.
  template <typename Message>
  Message LastEvent(const std::string& subject, const std::string& type) {
    return testing::LastEvent<Message>(server_.database.pool(), subject, type);
  }

  int64_t Events(const std::string& type) {
    return testing::CountEvents(server_.database.pool(), type);
  }

  // Rows of every table a revenue write touches, plus account and
  // opportunity versions: nothing refused may change the sum.
  int64_t WrittenRows() {
    return Count(
        "SELECT (SELECT COUNT(*) FROM mrr_movements) + (SELECT COUNT(*) FROM tier_changes) + "
        "(SELECT COUNT(*) FROM opportunities) + (SELECT COUNT(*) FROM segmentation_policies) + "
        "(SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM idempotency_keys) + "
        "(SELECT COUNT(*) FROM account_reviews) + (SELECT COUNT(*) FROM stage_changes) + "
        "(SELECT COALESCE(SUM(version), 0) FROM accounts) + "
        "(SELECT COALESCE(SUM(version), 0) FROM opportunities)");
  }

  testing::SuccessServer server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<Stub> stub_;
  std::unique_ptr<v1::SuccessService::Stub> accounts_;
};

// The ledger is the account's MRR: history loads oldest first with past
// dates; CHURN sets stage, date and reason and takes the whole MRR;
// REACTIVATION brings it back to ADOPTION. Each writes its events.
TEST_F(RevenueTest, LedgerDerivesMrrThroughChurnAndReactivation) {
  const v1::Account account = CreateAccount("acme", "Initech");
  ASSERT_TRUE(Record(account.name(), Type::NEW, 10'000, DaysAgo(90)).ok());
  ASSERT_TRUE(Record(account.name(), Type::EXPANSION, 5'000, DaysAgo(60)).ok());
  ASSERT_TRUE(Record(account.name(), Type::CROSS_SELL, 1'000, DaysAgo(45)).ok());
  v1::MrrMovement contraction;
  ASSERT_TRUE(Record(account.name(), Type::CONTRACTION, -4'000, DaysAgo(30), &contraction).ok());
  EXPECT_EQ(contraction.mrr_before_minor(), 16'000);
  EXPECT_EQ(contraction.mrr_after_minor(), 12'000);
  EXPECT_EQ(contraction.currency_code(), "USD");
  EXPECT_FALSE(contraction.actor().empty());

  v1::Account read = GetAccount(account.name());
  EXPECT_EQ(read.mrr_minor(), 12'000);
  EXPECT_EQ(read.arr_minor(), 144'000);

  const absl::Time churn_time = absl::FromUnixSeconds(absl::ToUnixSeconds(DaysAgo(10)));
  v1::MrrMovement churn;
  ASSERT_TRUE(Record(account.name(), Type::CHURN, 0, churn_time, &churn, "budget cut").ok());
  EXPECT_EQ(churn.mrr_delta_minor(), -12'000);
  read = GetAccount(account.name());
  EXPECT_EQ(read.mrr_minor(), 0);
  EXPECT_EQ(read.lifecycle_stage(), v1::Account::CHURNED);
  EXPECT_EQ(FromProtoTime(read.churn_time()), churn_time);
  EXPECT_EQ(read.churn_reason(), "budget cut");
  EXPECT_EQ(Events("AccountChurned"), 1);
  // The events carry what Metrics needs without calling back.
  const auto churned = LastEvent<v1::AccountChurned>(account.name(), "AccountChurned");
  EXPECT_EQ(churned.mrr_lost_minor(), 12'000);
  EXPECT_EQ(churned.reason(), "budget cut");
  EXPECT_EQ(FromProtoTime(churned.churn_time()), churn_time);
  EXPECT_EQ(churned.account().owner(), "csm-ana");
  EXPECT_EQ(churned.account().plan(), "pro");
  EXPECT_EQ(churned.account().lifecycle_stage(), v1::Account::CHURNED);
  const auto recorded = LastEvent<v1::MrrMovementRecorded>(churn.name(), "MrrMovementRecorded");
  EXPECT_EQ(recorded.movement().mrr_before_minor(), 12'000);
  EXPECT_EQ(recorded.movement().mrr_after_minor(), 0);
  EXPECT_EQ(FromProtoTime(recorded.movement().effective_time()), churn_time);
  EXPECT_EQ(recorded.account().touch_tier(), v1::TECH_TOUCH);
  EXPECT_EQ(recorded.account().currency_code(), "USD");
  EXPECT_EQ(Count(absl::StrCat("SELECT COUNT(*) FROM outbox WHERE event_type = 'AccountChurned' "
                               "AND occur_time = '",
                               mysql::FormatDatetime(churn_time), "'")),
            1);  // dated as it happened
  EXPECT_EQ(Count(absl::StrCat("SELECT COUNT(*) FROM outbox WHERE event_type = 'StageChanged' "
                               "AND occur_time = '",
                               mysql::FormatDatetime(churn_time), "'")),
            1);  // the stage change too

  // Churning again is refused and writes nothing.
  const int64_t before = WrittenRows();
  const grpc::Status again = Record(account.name(), Type::CHURN, 0, DaysAgo(5));
  EXPECT_EQ(again.error_code(), kPrecondition) << again.error_message();
  EXPECT_EQ(WrittenRows(), before);

  ASSERT_TRUE(Record(account.name(), Type::REACTIVATION, 8'000, DaysAgo(1)).ok());
  read = GetAccount(account.name());
  EXPECT_EQ(read.mrr_minor(), 8'000);
  EXPECT_EQ(read.lifecycle_stage(), v1::Account::ADOPTION);
  EXPECT_FALSE(read.has_churn_time());
  EXPECT_EQ(Events("MrrMovementRecorded"), 6);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM stage_changes WHERE to_stage = 5 OR from_stage = 5"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews"), 1);

  // Oldest first, and filtered by type.
  v1::ListMrrMovementsRequest list;
  list.set_parent(account.name());
  list.set_order_by("effective_time");
  v1::ListMrrMovementsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListMrrMovements, list, &listed).ok());
  std::vector<v1::MrrMovement::Type> types;
  for (const auto& m : listed.mrr_movements()) types.push_back(m.type());
  EXPECT_THAT(types, ElementsAre(Type::NEW, Type::EXPANSION, Type::CROSS_SELL, Type::CONTRACTION,
                                 Type::CHURN, Type::REACTIVATION));
  list.set_filter("type = CHURN");
  ASSERT_TRUE(Call(&Stub::ListMrrMovements, list, &listed).ok());
  ASSERT_EQ(listed.mrr_movements_size(), 1);
  EXPECT_EQ(listed.mrr_movements(0).name(), churn.name());

  v1::GetMrrMovementRequest get;
  get.set_name(churn.name());
  v1::MrrMovement got;
  ASSERT_TRUE(Call(&Stub::GetMrrMovement, get, &got, TestToken("acme", {"viewer"})).ok());
  EXPECT_EQ(got.reason(), "budget cut");
}

// A movement dated before the account's latest is refused, naming the
// order rule, and writes nothing; contraction to zero is refused.
TEST_F(RevenueTest, OutOfOrderAndInvalidSequencesAreRefused) {
  const v1::Account account = CreateAccount("acme", "Hooli");
  ASSERT_TRUE(Record(account.name(), Type::NEW, 1'000, DaysAgo(10)).ok());
  const int64_t before = WrittenRows();
  grpc::Status status = Record(account.name(), Type::EXPANSION, 100, DaysAgo(20));
  EXPECT_EQ(status.error_code(), kPrecondition);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("oldest first"));
  status = Record(account.name(), Type::CONTRACTION, -1'000, DaysAgo(5));
  EXPECT_EQ(status.error_code(), kPrecondition);
  status = Record(account.name(), Type::NEW, 1'000, DaysAgo(5));
  EXPECT_EQ(status.error_code(), kPrecondition);
  status = Record(account.name(), Type::REACTIVATION, 1'000, DaysAgo(5));
  EXPECT_EQ(status.error_code(), kPrecondition);
  EXPECT_EQ(WrittenRows(), before);
  EXPECT_EQ(GetAccount(account.name()).mrr_minor(), 1'000);
}

// A retry with the same request_id returns the first movement and writes
// nothing more; the same id with another request is refused.
TEST_F(RevenueTest, RecordIsIdempotentByRequestId) {
  const v1::Account account = CreateAccount("acme", "Umbrella");
  const absl::Time when = DaysAgo(3);
  v1::MrrMovement first, second;
  ASSERT_TRUE(Record(account.name(), Type::NEW, 700, when, &first, "", "import-1").ok());
  ASSERT_TRUE(Record(account.name(), Type::NEW, 700, when, &second, "", "import-1").ok());
  EXPECT_EQ(first.name(), second.name());
  EXPECT_EQ(second.mrr_after_minor(), 700);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM mrr_movements"), 1);
  EXPECT_EQ(GetAccount(account.name()).mrr_minor(), 700);
  const grpc::Status reused = Record(account.name(), Type::NEW, 800, when, nullptr, "", "import-1");
  EXPECT_EQ(reused.error_code(), kInvalid);
  EXPECT_THAT(ViolatedFields(reused), ::testing::Contains("request_id"));
}

// The policy re-tiers an account when its MRR changes; a manual tier is
// recorded and respected until cleared, and every change is recorded.
TEST_F(RevenueTest, SegmentationFollowsMrrAndRespectsOverride) {
  SetPolicy(/*high=*/120'000, /*low=*/12'000);
  const v1::Account account = CreateAccount("acme", "Globex");
  ASSERT_TRUE(Record(account.name(), Type::NEW, 500, DaysAgo(30)).ok());  // ARR 6,000
  v1::Account read = GetAccount(account.name());
  EXPECT_EQ(read.touch_tier(), v1::TECH_TOUCH);
  EXPECT_EQ(read.tier_source(), v1::Account::POLICY);
  ASSERT_TRUE(Record(account.name(), Type::EXPANSION, 9'500, DaysAgo(20)).ok());  // 120,000
  read = GetAccount(account.name());
  EXPECT_EQ(read.touch_tier(), v1::HIGH_TOUCH);
  EXPECT_EQ(Events("TierChanged"), 1);

  v1::SetAccountTierRequest set;
  set.set_account(account.name());
  set.set_touch_tier(v1::LOW_TOUCH);
  set.set_reason("customer prefers group sessions");
  set.set_etag(read.etag());
  v1::Account manual;
  ASSERT_TRUE(Call(&Stub::SetAccountTier, set, &manual).ok());
  EXPECT_EQ(manual.touch_tier(), v1::LOW_TOUCH);
  EXPECT_EQ(manual.tier_source(), v1::Account::MANUAL);
  EXPECT_NE(manual.etag(), read.etag());

  ASSERT_TRUE(Record(account.name(), Type::EXPANSION, 10'000, DaysAgo(10)).ok());
  EXPECT_EQ(GetAccount(account.name()).touch_tier(), v1::LOW_TOUCH);  // override stands

  v1::ClearTierOverrideRequest clear;
  clear.set_account(account.name());
  v1::Account cleared;
  ASSERT_TRUE(Call(&Stub::ClearTierOverride, clear, &cleared).ok());
  EXPECT_EQ(cleared.touch_tier(), v1::HIGH_TOUCH);
  EXPECT_EQ(cleared.tier_source(), v1::Account::POLICY);
  // Clearing again: nothing to clear.
  v1::Account ignored;
  EXPECT_EQ(Call(&Stub::ClearTierOverride, clear, &ignored).error_code(), kPrecondition);

  v1::ListTierChangesRequest list;
  list.set_parent(account.name());
  v1::ListTierChangesResponse changes;
  ASSERT_TRUE(Call(&Stub::ListTierChanges, list, &changes).ok());
  ASSERT_EQ(changes.tier_changes_size(), 3);
  EXPECT_EQ(changes.tier_changes(0).to_tier(), v1::HIGH_TOUCH);  // newest first
  EXPECT_EQ(changes.tier_changes(0).source(), v1::Account::POLICY);
  EXPECT_EQ(changes.tier_changes(1).source(), v1::Account::MANUAL);
  EXPECT_EQ(changes.tier_changes(1).reason(), "customer prefers group sessions");
  EXPECT_FALSE(changes.tier_changes(1).actor().empty());
  EXPECT_EQ(Events("TierChanged"), 3);
}

// A policy change re-segments every account without a manual tier, in
// batches, and finishes its work.
TEST_F(RevenueTest, PolicyChangeResegmentsInBatches) {
  std::vector<v1::Account> accounts;
  for (int i = 0; i < 5; ++i) {
    accounts.push_back(CreateAccount("acme", absl::StrCat("Account ", i)));
    ASSERT_TRUE(Record(accounts.back().name(), Type::NEW, 1'000 * (i + 1), DaysAgo(5)).ok());
  }
  const v1::Account manual = CreateAccount("acme", "Manual", v1::TECH_TOUCH);
  ASSERT_TRUE(Record(manual.name(), Type::NEW, 100'000, DaysAgo(5)).ok());
  // Default policy: every ARR here (12,000..60,000 minor) is TECH_TOUCH.
  for (const auto& account : accounts) {
    EXPECT_EQ(GetAccount(account.name()).touch_tier(), v1::TECH_TOUCH);
  }

  success::MysqlRevenueStore small_batches(&server_.database.pool(), &server_.outbox, 2);
  auto policy = small_batches.UpdatePolicy(
      "acme",
      [](const v1::SegmentationPolicy& current) -> absl::StatusOr<v1::SegmentationPolicy> {
        v1::SegmentationPolicy next = current;
        next.set_high_touch_min_minor(48'000);  // MRR >= 4,000
        next.set_low_touch_min_minor(24'000);   // MRR >= 2,000
        return next;
      },
      "csm-ana", absl::Now(), absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_FALSE(policy->default_policy());
  std::vector<v1::TouchTier> tiers;
  for (const auto& account : accounts) tiers.push_back(GetAccount(account.name()).touch_tier());
  EXPECT_THAT(tiers, ElementsAre(v1::TECH_TOUCH, v1::LOW_TOUCH, v1::LOW_TOUCH, v1::HIGH_TOUCH,
                                 v1::HIGH_TOUCH));
  EXPECT_EQ(GetAccount(manual.name()).touch_tier(), v1::TECH_TOUCH);  // manual stays
  EXPECT_EQ(GetAccount(manual.name()).tier_source(), v1::Account::MANUAL);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmentation_policies WHERE reapply_after_id IS NULL"), 1);
  EXPECT_EQ(Events("TierChanged"), 5);  // 4 re-segmented + the manual tier given at create
  const auto updated =
      LastEvent<v1::SegmentationPolicyUpdated>("segmentationPolicy", "SegmentationPolicyUpdated");
  EXPECT_EQ(updated.policy().high_touch_min_minor(), 48'000);
  EXPECT_TRUE(updated.previous().default_policy());

  v1::GetSegmentationPolicyRequest get;
  get.set_name("segmentationPolicy");
  v1::SegmentationPolicy read;
  ASSERT_TRUE(Call(&Stub::GetSegmentationPolicy, get, &read).ok());
  EXPECT_EQ(read.high_touch_min_minor(), 48'000);
  ASSERT_TRUE(Call(&Stub::GetSegmentationPolicy, get, &read, TestToken("globex", {"viewer"})).ok());
  EXPECT_TRUE(read.default_policy());
}

// A policy update whose call has no time left to re-segment still answers
// with the new policy; the background pass finishes the accounts, by the
// policy's changer, and a second pass has nothing to do.
TEST_F(RevenueTest, PolicyChangeOutOfTimeIsFinishedInTheBackground) {
  std::vector<v1::Account> accounts;
  for (int i = 0; i < 5; ++i) {
    accounts.push_back(CreateAccount("acme", absl::StrCat("Account ", i)));
    ASSERT_TRUE(Record(accounts.back().name(), Type::NEW, 1'000 * (i + 1), DaysAgo(5)).ok());
  }
  // A deadline inside the reserve: time for the policy's commit, none for
  // re-segmenting.
  success::MysqlRevenueStore store(&server_.database.pool(), &server_.outbox, 2,
                                   /*reapply_reserve=*/absl::Seconds(60));
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  auto policy = store.UpdatePolicy(
      "acme",
      [](const v1::SegmentationPolicy& current) -> absl::StatusOr<v1::SegmentationPolicy> {
        v1::SegmentationPolicy next = current;
        next.set_high_touch_min_minor(48'000);
        next.set_low_touch_min_minor(24'000);
        return next;
      },
      "csm-ana", absl::Now(), deadline);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ(policy->high_touch_min_minor(), 48'000);
  for (const auto& account : accounts) {
    EXPECT_EQ(GetAccount(account.name()).touch_tier(), v1::TECH_TOUCH);  // not yet
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmentation_policies WHERE reapply_after_id = ''"), 1);

  const absl::Time resumed_at = absl::Now();
  auto finished = store.ResumeReapplies(resumed_at, absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(finished.ok()) << finished.status();
  EXPECT_EQ(*finished, 1);
  std::vector<v1::TouchTier> tiers;
  for (const auto& account : accounts) tiers.push_back(GetAccount(account.name()).touch_tier());
  EXPECT_THAT(tiers, ElementsAre(v1::TECH_TOUCH, v1::LOW_TOUCH, v1::LOW_TOUCH, v1::HIGH_TOUCH,
                                 v1::HIGH_TOUCH));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tier_changes WHERE actor = 'csm-ana' AND "
                  "reason = 'segmentation policy changed'"),
            4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM segmentation_policies WHERE reapply_after_id IS NULL"), 1);

  finished = store.ResumeReapplies(absl::Now(), absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(finished.ok()) << finished.status();
  EXPECT_EQ(*finished, 0);
  EXPECT_EQ(Events("TierChanged"), 4);
}

// A stale etag is refused with ABORTED on every update that takes one.
TEST_F(RevenueTest, StaleEtagIsAborted) {
  const v1::SegmentationPolicy policy = SetPolicy(100'000, 10'000);
  SetPolicy(200'000, 10'000);
  v1::UpdateSegmentationPolicyRequest update;
  *update.mutable_policy() = policy;  // its etag is now stale
  update.mutable_update_mask()->add_paths("high_touch_min_minor");
  ExpectRefused(&Stub::UpdateSegmentationPolicy, update, kAborted, "");

  const v1::Account account = CreateAccount("acme", "Stark");
  ASSERT_TRUE(Record(account.name(), Type::NEW, 100, DaysAgo(1)).ok());  // changes the etag
  v1::SetAccountTierRequest set;
  set.set_account(account.name());
  set.set_touch_tier(v1::HIGH_TOUCH);
  set.set_reason("strategic logo");
  set.set_etag(account.etag());
  ExpectRefused(&Stub::SetAccountTier, set, kAborted, "");

  v1::CreateOpportunityRequest create;
  create.set_parent(account.name());
  create.mutable_opportunity()->set_display_name("Seats");
  create.mutable_opportunity()->set_kind(v1::Opportunity::UPSELL);
  create.mutable_opportunity()->set_mrr_delta_minor(50);
  v1::Opportunity opportunity;
  ASSERT_TRUE(Call(&Stub::CreateOpportunity, create, &opportunity).ok());
  v1::UpdateOpportunityRequest rename;
  *rename.mutable_opportunity() = opportunity;
  rename.mutable_opportunity()->set_display_name("More seats");
  rename.mutable_update_mask()->add_paths("display_name");
  v1::Opportunity renamed;
  ASSERT_TRUE(Call(&Stub::UpdateOpportunity, rename, &renamed).ok());
  ExpectRefused(&Stub::UpdateOpportunity, rename, kAborted, "");  // the first etag again
}

// Winning an opportunity records its movement in the same transaction,
// effective at the close time; WON is final; a win the ledger refuses
// leaves the opportunity open.
TEST_F(RevenueTest, WonOpportunityWritesLedgerAndIsFinal) {
  const v1::Account account = CreateAccount("acme", "Wayne");
  ASSERT_TRUE(Record(account.name(), Type::NEW, 1'000, DaysAgo(60)).ok());
  v1::CreateOpportunityRequest create;
  create.set_parent(account.name());
  create.set_request_id("opp-1");
  create.mutable_opportunity()->set_display_name("Analytics add-on");
  create.mutable_opportunity()->set_kind(v1::Opportunity::CROSS_SELL);
  create.mutable_opportunity()->set_mrr_delta_minor(400);
  v1::Opportunity opportunity, retried;
  ASSERT_TRUE(Call(&Stub::CreateOpportunity, create, &opportunity).ok());
  ASSERT_TRUE(Call(&Stub::CreateOpportunity, create, &retried).ok());
  EXPECT_EQ(opportunity.name(), retried.name());
  EXPECT_EQ(opportunity.stage(), v1::Opportunity::PROSPECTING);
  EXPECT_EQ(opportunity.owner(), "csm-ana");  // the account's owner
  EXPECT_EQ(Count("SELECT COUNT(*) FROM opportunities"), 1);

  const absl::Time closed = absl::FromUnixSeconds(absl::ToUnixSeconds(DaysAgo(2)));
  v1::UpdateOpportunityRequest win;
  win.mutable_opportunity()->set_name(opportunity.name());
  win.mutable_opportunity()->set_stage(v1::Opportunity::WON);
  *win.mutable_opportunity()->mutable_close_time() = ToProtoTime(closed);
  win.mutable_update_mask()->add_paths("stage");
  win.mutable_update_mask()->add_paths("close_time");
  v1::Opportunity won;
  grpc::Status status = Call(&Stub::UpdateOpportunity, win, &won);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(won.stage(), v1::Opportunity::WON);
  ASSERT_FALSE(won.mrr_movement().empty());
  EXPECT_EQ(GetAccount(account.name()).mrr_minor(), 1'400);

  v1::GetMrrMovementRequest get;
  get.set_name(won.mrr_movement());
  v1::MrrMovement movement;
  ASSERT_TRUE(Call(&Stub::GetMrrMovement, get, &movement).ok());
  EXPECT_EQ(movement.type(), Type::CROSS_SELL);
  EXPECT_EQ(movement.mrr_delta_minor(), 400);
  EXPECT_EQ(FromProtoTime(movement.effective_time()), closed);
  EXPECT_EQ(movement.opportunity(), opportunity.name());

  v1::UpdateOpportunityRequest after;
  after.mutable_opportunity()->set_name(opportunity.name());
  after.mutable_opportunity()->set_stage(v1::Opportunity::NEGOTIATION);
  after.mutable_update_mask()->add_paths("stage");
  ExpectRefused(&Stub::UpdateOpportunity, after, kPrecondition, "");

  // A win on a churned account: the ledger refuses, nothing is written.
  ASSERT_TRUE(Record(account.name(), Type::CHURN, 0, DaysAgo(1)).ok());
  create.set_request_id("opp-2");
  create.mutable_opportunity()->set_kind(v1::Opportunity::UPSELL);
  v1::Opportunity second;
  ASSERT_TRUE(Call(&Stub::CreateOpportunity, create, &second).ok());
  const int64_t before = WrittenRows();
  win.mutable_opportunity()->set_name(second.name());
  win.mutable_update_mask()->clear_paths();
  win.mutable_update_mask()->add_paths("stage");
  ExpectRefused(&Stub::UpdateOpportunity, win, kPrecondition, "");
  EXPECT_EQ(WrittenRows(), before);

  v1::ListOpportunitiesRequest list;
  list.set_parent("accounts/-");
  list.set_filter("stage = WON");
  v1::ListOpportunitiesResponse listed;
  ASSERT_TRUE(Call(&Stub::ListOpportunities, list, &listed).ok());
  ASSERT_EQ(listed.opportunities_size(), 1);
  EXPECT_EQ(listed.opportunities(0).name(), opportunity.name());
}

// Another tenant's accounts, movements and opportunities are NOT_FOUND.
TEST_F(RevenueTest, OtherTenantGetsNotFound) {
  const v1::Account account = CreateAccount("acme", "Acme Corp");
  v1::MrrMovement movement;
  ASSERT_TRUE(Record(account.name(), Type::NEW, 100, DaysAgo(1), &movement).ok());
  v1::CreateOpportunityRequest create;
  create.set_parent(account.name());
  create.mutable_opportunity()->set_display_name("Seats");
  create.mutable_opportunity()->set_kind(v1::Opportunity::UPSELL);
  create.mutable_opportunity()->set_mrr_delta_minor(50);
  v1::Opportunity opportunity;
  ASSERT_TRUE(Call(&Stub::CreateOpportunity, create, &opportunity).ok());
  const std::string globex = TestToken("globex", {"admin"});
  const int64_t before = WrittenRows();

  EXPECT_EQ(Record(account.name(), Type::EXPANSION, 100, DaysAgo(0), nullptr, "", "", "globex")
                .error_code(),
            kNotFound);
  v1::GetMrrMovementRequest get_movement;
  get_movement.set_name(movement.name());
  ExpectRefused(&Stub::GetMrrMovement, get_movement, kNotFound, "", globex);
  v1::GetOpportunityRequest get_opportunity;
  get_opportunity.set_name(opportunity.name());
  ExpectRefused(&Stub::GetOpportunity, get_opportunity, kNotFound, "", globex);
  v1::SetAccountTierRequest set;
  set.set_account(account.name());
  set.set_touch_tier(v1::HIGH_TOUCH);
  set.set_reason("mine now");
  ExpectRefused(&Stub::SetAccountTier, set, kNotFound, "", globex);
  v1::ClearTierOverrideRequest clear;
  clear.set_account(account.name());
  ExpectRefused(&Stub::ClearTierOverride, clear, kNotFound, "", globex);
  ExpectRefused(&Stub::CreateOpportunity, create, kNotFound, "", globex);
  v1::UpdateOpportunityRequest update;
  update.mutable_opportunity()->set_name(opportunity.name());
  update.mutable_opportunity()->set_display_name("x");
  update.mutable_update_mask()->add_paths("display_name");
  ExpectRefused(&Stub::UpdateOpportunity, update, kNotFound, "", globex);
  EXPECT_EQ(WrittenRows(), before);

  v1::ListMrrMovementsRequest list;
  list.set_parent("accounts/-");
  v1::ListMrrMovementsResponse listed;
  ASSERT_TRUE(Call(&Stub::ListMrrMovements, list, &listed, globex).ok());
  EXPECT_EQ(listed.mrr_movements_size(), 0);
}

// The account-scoped lists answer NOT_FOUND for a missing account and for
// another tenant's, not an empty page.
TEST_F(RevenueTest, ListsOfAMissingOrOtherTenantsAccountAreNotFound) {
  const v1::Account account = CreateAccount("acme", "Acme Corp");
  const std::string globex = TestToken("globex", {"admin"});
  const std::string missing = "accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV";
  for (const auto& [parent, token] :
       {std::pair{missing, TestToken("acme", {"admin"})}, std::pair{account.name(), globex}}) {
    v1::ListMrrMovementsRequest movements;
    movements.set_parent(parent);
    ExpectRefused(&Stub::ListMrrMovements, movements, kNotFound, "", token);
    v1::ListTierChangesRequest tiers;
    tiers.set_parent(parent);
    ExpectRefused(&Stub::ListTierChanges, tiers, kNotFound, "", token);
    v1::ListOpportunitiesRequest opportunities;
    opportunities.set_parent(parent);
    ExpectRefused(&Stub::ListOpportunities, opportunities, kNotFound, "", token);
  }
  v1::ListTierChangesRequest own;
  own.set_parent(account.name());
  v1::ListTierChangesResponse listed;
  EXPECT_TRUE(Call(&Stub::ListTierChanges, own, &listed).ok());
}

// Tenant-wide movements page by effective time without gaps or repeats;
// a token is bound to its query.
TEST_F(RevenueTest, MovementsPageAcrossAccounts) {
  std::set<std::string> recorded;
  for (int i = 0; i < 3; ++i) {
    const v1::Account account = CreateAccount("acme", absl::StrCat("Paged ", i));
    v1::MrrMovement m;
    ASSERT_TRUE(Record(account.name(), Type::NEW, 100, DaysAgo(10 - i), &m).ok());
    recorded.insert(m.name());
    ASSERT_TRUE(Record(account.name(), Type::EXPANSION, 100, DaysAgo(5 - i), &m).ok());
    recorded.insert(m.name());
  }
  v1::ListMrrMovementsRequest list;
  list.set_parent("accounts/-");
  list.set_page_size(4);
  std::set<std::string> seen;
  absl::Time previous = absl::InfiniteFuture();
  for (int page = 0; page < 5; ++page) {
    v1::ListMrrMovementsResponse listed;
    ASSERT_TRUE(Call(&Stub::ListMrrMovements, list, &listed, TestToken("acme", {"viewer"})).ok());
    for (const auto& m : listed.mrr_movements()) {
      EXPECT_TRUE(seen.insert(m.name()).second);
      EXPECT_LE(FromProtoTime(m.effective_time()), previous);  // newest first
      previous = FromProtoTime(m.effective_time());
    }
    if (listed.next_page_token().empty()) break;
    list.set_page_token(listed.next_page_token());
  }
  EXPECT_EQ(seen, recorded);
  list.set_parent("accounts/01JABCDEFGHJKMNPQRSTVWXYZ0");  // the token was for accounts/-
  ExpectRefused(&Stub::ListMrrMovements, list, kInvalid, "page_token");
}

// Concurrent movements on one account serialise on its row lock: none is
// lost, and each sees the MRR the one before it left.
TEST_F(RevenueTest, ConcurrentMovementsLoseNothing) {
  const v1::Account account = CreateAccount("acme", "Busy");
  ASSERT_TRUE(Record(account.name(), Type::NEW, 100, DaysAgo(2)).ok());
  const absl::Time when = DaysAgo(1);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (Record(account.name(), Type::EXPANSION, 10, when).ok()) ++ok;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(GetAccount(account.name()).mrr_minor(), 180);
  EXPECT_EQ(Count("SELECT COUNT(DISTINCT mrr_after_minor) FROM mrr_movements WHERE type = 2"), 8);
  EXPECT_EQ(Count("SELECT MAX(mrr_after_minor) FROM mrr_movements"), 180);
}

// A viewer reads but cannot write.
TEST_F(RevenueTest, ViewerCannotWrite) {
  const v1::Account account = CreateAccount("acme", "Read Only");
  v1::RecordMrrMovementRequest request;
  request.set_parent(account.name());
  request.mutable_mrr_movement()->set_type(Type::NEW);
  request.mutable_mrr_movement()->set_mrr_delta_minor(100);
  *request.mutable_mrr_movement()->mutable_effective_time() = ToProtoTime(absl::Now());
  ExpectRefused(&Stub::RecordMrrMovement, request, grpc::StatusCode::PERMISSION_DENIED, "",
                TestToken("acme", {"viewer"}));
}

// Every RPC refuses bad input with the right code and field, and writes
// nothing.
TEST_F(RevenueTest, BadInputToEveryRpcIsRefusedAndWritesNothing) {
  const v1::Account account = CreateAccount("acme", "Target");
  v1::MrrMovement movement;
  ASSERT_TRUE(Record(account.name(), Type::NEW, 100, DaysAgo(1), &movement).ok());
  v1::CreateOpportunityRequest create_ok;
  create_ok.set_parent(account.name());
  create_ok.mutable_opportunity()->set_display_name("Seats");
  create_ok.mutable_opportunity()->set_kind(v1::Opportunity::UPSELL);
  create_ok.mutable_opportunity()->set_mrr_delta_minor(50);
  v1::Opportunity opportunity;
  ASSERT_TRUE(Call(&Stub::CreateOpportunity, create_ok, &opportunity).ok());
  const std::string missing_account = "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0";
  const int64_t before = WrittenRows();

  {  // RecordMrrMovement
    v1::RecordMrrMovementRequest r;
    r.set_parent(account.name());
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "mrr_movement");
    r.mutable_mrr_movement()->set_mrr_delta_minor(100);
    *r.mutable_mrr_movement()->mutable_effective_time() = ToProtoTime(absl::Now());
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "mrr_movement.type");
    r.mutable_mrr_movement()->set_type(Type::EXPANSION);
    r.mutable_mrr_movement()->set_mrr_delta_minor(-100);
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "mrr_movement.mrr_delta_minor");
    r.mutable_mrr_movement()->set_mrr_delta_minor(100);
    *r.mutable_mrr_movement()->mutable_effective_time() =
        ToProtoTime(absl::Now() + absl::Hours(48));
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "mrr_movement.effective_time");
    r.mutable_mrr_movement()->clear_effective_time();
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "mrr_movement.effective_time");
    *r.mutable_mrr_movement()->mutable_effective_time() = ToProtoTime(absl::Now());
    r.mutable_mrr_movement()->set_reason(std::string(501, 'r'));
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "mrr_movement.reason");
    r.mutable_mrr_movement()->clear_reason();
    r.set_request_id(std::string(129, 'a'));
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "request_id");
    r.clear_request_id();
    r.set_parent("accounts/nope");
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "parent");
    r.set_parent("accounts/-");
    ExpectRefused(&Stub::RecordMrrMovement, r, kInvalid, "parent");
    r.set_parent(missing_account);
    ExpectRefused(&Stub::RecordMrrMovement, r, kNotFound, "");
  }
  {  // GetMrrMovement
    v1::GetMrrMovementRequest r;
    ExpectRefused(&Stub::GetMrrMovement, r, kInvalid, "name");
    r.set_name(account.name());
    ExpectRefused(&Stub::GetMrrMovement, r, kInvalid, "name");
    r.set_name(absl::StrCat(account.name(), "/mrrMovements/../../x"));
    ExpectRefused(&Stub::GetMrrMovement, r, kInvalid, "name");
    r.set_name(absl::StrCat(missing_account, "/mrrMovements/", ResourceIdOf(movement.name())));
    ExpectRefused(&Stub::GetMrrMovement, r, kNotFound, "");
  }
  {  // ListMrrMovements
    v1::ListMrrMovementsRequest r;
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "parent");
    r.set_parent(account.name());
    r.set_filter("type = UPSELL");
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "filter");
    r.set_filter("type > NEW");
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "filter");
    r.set_filter("effective_time >= \"last week\"");
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "filter");
    r.set_filter("colour = red");
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("create_time");
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "order_by");
    r.clear_order_by();
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "page_token");
    r.clear_page_token();
    r.set_page_size(-1);
    ExpectRefused(&Stub::ListMrrMovements, r, kInvalid, "page_size");
  }
  {  // GetSegmentationPolicy
    v1::GetSegmentationPolicyRequest r;
    ExpectRefused(&Stub::GetSegmentationPolicy, r, kInvalid, "name");
    r.set_name("policies/1");
    ExpectRefused(&Stub::GetSegmentationPolicy, r, kInvalid, "name");
  }
  {  // UpdateSegmentationPolicy
    v1::UpdateSegmentationPolicyRequest r;
    ExpectRefused(&Stub::UpdateSegmentationPolicy, r, kInvalid, "policy");
    r.mutable_policy()->set_high_touch_min_minor(10);
    ExpectRefused(&Stub::UpdateSegmentationPolicy, r, kInvalid, "update_mask");
    r.mutable_update_mask()->add_paths("etag");
    ExpectRefused(&Stub::UpdateSegmentationPolicy, r, kInvalid, "update_mask");
    r.mutable_update_mask()->clear_paths();
    r.mutable_update_mask()->add_paths("high_touch_min_minor");  // below the default low
    ExpectRefused(&Stub::UpdateSegmentationPolicy, r, kInvalid, "policy.high_touch_min_minor");
    r.mutable_update_mask()->add_paths("basis");
    ExpectRefused(&Stub::UpdateSegmentationPolicy, r, kInvalid, "policy.basis");
    r.mutable_update_mask()->clear_paths();
    r.mutable_update_mask()->add_paths("monthly_churn_bps");
    ExpectRefused(&Stub::UpdateSegmentationPolicy, r, kInvalid, "policy.monthly_churn_bps");
    r.mutable_policy()->set_name("other");
    ExpectRefused(&Stub::UpdateSegmentationPolicy, r, kInvalid, "policy.name");
  }
  {  // SetAccountTier
    v1::SetAccountTierRequest r;
    ExpectRefused(&Stub::SetAccountTier, r, kInvalid, "account");
    r.set_account(account.name());
    ExpectRefused(&Stub::SetAccountTier, r, kInvalid, "touch_tier");
    r.set_touch_tier(v1::HIGH_TOUCH);
    ExpectRefused(&Stub::SetAccountTier, r, kInvalid, "reason");
    r.set_reason(std::string(501, 'x'));
    ExpectRefused(&Stub::SetAccountTier, r, kInvalid, "reason");
    r.set_reason("ok");
    r.set_touch_tier(static_cast<v1::TouchTier>(9));
    ExpectRefused(&Stub::SetAccountTier, r, kInvalid, "touch_tier");
    r.set_touch_tier(v1::HIGH_TOUCH);
    r.set_account(missing_account);
    ExpectRefused(&Stub::SetAccountTier, r, kNotFound, "");
  }
  {  // ClearTierOverride
    v1::ClearTierOverrideRequest r;
    ExpectRefused(&Stub::ClearTierOverride, r, kInvalid, "account");
    r.set_account(account.name());
    r.set_reason(std::string(501, 'x'));
    ExpectRefused(&Stub::ClearTierOverride, r, kInvalid, "reason");
    r.clear_reason();
    ExpectRefused(&Stub::ClearTierOverride, r, kPrecondition, "");  // not manual
  }
  {  // ListTierChanges
    v1::ListTierChangesRequest r;
    ExpectRefused(&Stub::ListTierChanges, r, kInvalid, "parent");
    r.set_parent("accounts/x/y");
    ExpectRefused(&Stub::ListTierChanges, r, kInvalid, "parent");
    r.set_parent(account.name());
    r.set_page_token("forged");
    ExpectRefused(&Stub::ListTierChanges, r, kInvalid, "page_token");
  }
  {  // CreateOpportunity
    v1::CreateOpportunityRequest r;
    r.set_parent(account.name());
    ExpectRefused(&Stub::CreateOpportunity, r, kInvalid, "opportunity");
    r.mutable_opportunity()->set_kind(v1::Opportunity::UPSELL);
    r.mutable_opportunity()->set_mrr_delta_minor(10);
    ExpectRefused(&Stub::CreateOpportunity, r, kInvalid, "opportunity.display_name");
    r.mutable_opportunity()->set_display_name("Seats");
    r.mutable_opportunity()->set_mrr_delta_minor(0);
    ExpectRefused(&Stub::CreateOpportunity, r, kInvalid, "opportunity.mrr_delta_minor");
    r.mutable_opportunity()->set_mrr_delta_minor(10);
    r.mutable_opportunity()->set_kind(v1::Opportunity::KIND_UNSPECIFIED);
    ExpectRefused(&Stub::CreateOpportunity, r, kInvalid, "opportunity.kind");
    r.mutable_opportunity()->set_kind(v1::Opportunity::UPSELL);
    r.mutable_opportunity()->set_stage(v1::Opportunity::WON);
    ExpectRefused(&Stub::CreateOpportunity, r, kInvalid, "opportunity.stage");
    r.mutable_opportunity()->clear_stage();
    *r.mutable_opportunity()->mutable_expected_close_time() = ToProtoTime(absl::FromUnixSeconds(0));
    ExpectRefused(&Stub::CreateOpportunity, r, kInvalid, "opportunity.expected_close_time");
    r.mutable_opportunity()->clear_expected_close_time();
    r.set_parent("accounts/-");
    ExpectRefused(&Stub::CreateOpportunity, r, kInvalid, "parent");
    r.set_parent(missing_account);
    ExpectRefused(&Stub::CreateOpportunity, r, kNotFound, "");
  }
  {  // GetOpportunity
    v1::GetOpportunityRequest r;
    ExpectRefused(&Stub::GetOpportunity, r, kInvalid, "name");
    r.set_name(movement.name());  // a movement, not an opportunity
    ExpectRefused(&Stub::GetOpportunity, r, kInvalid, "name");
    r.set_name(absl::StrCat(missing_account, "/opportunities/", ResourceIdOf(opportunity.name())));
    ExpectRefused(&Stub::GetOpportunity, r, kNotFound, "");
  }
  {  // ListOpportunities
    v1::ListOpportunitiesRequest r;
    ExpectRefused(&Stub::ListOpportunities, r, kInvalid, "parent");
    r.set_parent(account.name());
    r.set_filter("stage = MAYBE");
    ExpectRefused(&Stub::ListOpportunities, r, kInvalid, "filter");
    r.set_filter("kind > UPSELL");
    ExpectRefused(&Stub::ListOpportunities, r, kInvalid, "filter");
    r.clear_filter();
    r.set_order_by("mrr");
    ExpectRefused(&Stub::ListOpportunities, r, kInvalid, "order_by");
  }
  {  // UpdateOpportunity
    v1::UpdateOpportunityRequest r;
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "opportunity");
    *r.mutable_opportunity() = opportunity;
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "update_mask");
    r.mutable_update_mask()->add_paths("currency_code");
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "update_mask");
    r.mutable_update_mask()->clear_paths();
    r.mutable_update_mask()->add_paths("mrr_delta_minor");
    r.mutable_opportunity()->set_mrr_delta_minor(-5);
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "opportunity.mrr_delta_minor");
    r.mutable_opportunity()->set_mrr_delta_minor(5);
    r.mutable_update_mask()->add_paths("stage");
    r.mutable_opportunity()->set_stage(v1::Opportunity::STAGE_UNSPECIFIED);
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "opportunity.stage");
    r.mutable_opportunity()->set_stage(v1::Opportunity::QUALIFIED);
    r.mutable_update_mask()->add_paths("close_time");
    *r.mutable_opportunity()->mutable_close_time() = ToProtoTime(absl::Now());
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "opportunity.close_time");
    r.mutable_opportunity()->set_stage(v1::Opportunity::WON);
    *r.mutable_opportunity()->mutable_close_time() = ToProtoTime(absl::Now() + absl::Hours(48));
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "opportunity.close_time");
    // Won before the account's latest movement: the ledger's order rule.
    *r.mutable_opportunity()->mutable_close_time() = ToProtoTime(DaysAgo(30));
    ExpectRefused(&Stub::UpdateOpportunity, r, kPrecondition, "");
    r.mutable_opportunity()->set_name("opportunities/1");
    ExpectRefused(&Stub::UpdateOpportunity, r, kInvalid, "opportunity.name");
  }
  EXPECT_EQ(WrittenRows(), before);
}

}  // namespace
}  // namespace tandem
